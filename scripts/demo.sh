#!/usr/bin/env bash
# The NodeAgent demo: a whole rollout on a simulated local fleet. It builds everything, starts a fleet of real node
# agents (default 24 nodes, 3 of them control-plane; each with its own state directory and stand-in kube-apiserver,
# kubelet and kube-proxy services), writes a plan, stages the artifacts, and runs the coordinator's real engine:
# canary, control plane one node at a time, workers in batches, verify, report. Extra arguments go to
# `nodeagent-coordinator demo`, for example --nodes 60 or --plain. Plan, journal and report stay in .demo/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/prereqs.sh"

echo "== building (Release)"
dotnet build "$root/NodeAgent.sln" -c Release -v q -nologo -clp:ErrorsOnly
coordinator="$root/coordinator/NodeAgent.Coordinator/bin/Release/net10.0/nodeagent-coordinator.dll"
fleet="$root/tests/DemoFleet/bin/Release/net10.0/nodeagent-fleet.dll"

exec dotnet "$coordinator" demo --fleet "$fleet" --dir "$root/.demo" "$@"
