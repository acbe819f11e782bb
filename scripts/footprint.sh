#!/usr/bin/env bash
# The footprint benchmark: builds the packages and the floor (a bare NativeAOT Kestrel gRPC server), then runs
# nodeagent-footprint: the NativeAOT and JIT agents, the floor and Debian's prometheus-node-exporter, measured in the
# same run, every .NET server with the packaged unit's Environment=. Extra flags go to the benchmark, for example
# --idle-seconds 30 --calls 10000 --blob-mb 150. It prints a table and, last, one JSON object with every figure.
# docs/agent/footprint.md explains the figures.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/prereqs.sh" prometheus-node-exporter
"$root/packaging/build.sh" >/dev/null
dotnet publish "$root/tests/FootprintFloor" -c Release -r linux-x64 -p:PublishAot=true -o "$root/artifacts/footprint-floor" -v q -nologo >/dev/null
dotnet run --project "$root/tests/Footprint" -c Release -- "$@"
