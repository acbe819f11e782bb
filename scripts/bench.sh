#!/usr/bin/env bash
# The benchmarks. `./scripts/bench.sh rollout --nodes 1000 [--service-time 0] [--ansible-nodes 50] ...` runs the real
# coordinator engine over mutual TLS against a simulated fleet of real agents (nodeagent-simfleet child processes), then
# the same upgrade of a small group by our engine and by Debian's Ansible, and prints a table and, last, one JSON line.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" = "distribution" ]; then
  # ./scripts/bench.sh distribution --nodes N --size-mb S [--limit-mib L]: pull staging through the distribution tree
  # on real agents on loopback, the model of the same scheduler, and the machine's hashing speeds (docs/agent/distribution.md).
  dotnet build "$root/tests/Benchmarks" -c Release -v q -nologo -clp:ErrorsOnly >&2
  exec dotnet "$root/tests/Benchmarks/bin/Release/net10.0/nodeagent-bench.dll" "$@"
fi
if [ "${1:-}" != "rollout" ]; then
  echo "usage: $0 distribution --nodes N --size-mb S [--limit-mib L] | $0 rollout [--nodes N] [--service-time X] [--seed S] [--fail-fraction F] [--ansible-nodes A] [--canary-percent P] [--batch-percent P] [--soak SECONDS] [--per-process N] [--fanout-concurrency C]" >&2
  exit 2
fi
"$root/scripts/prereqs.sh" ansible
apt-cache policy ansible | sed -n 2p >&2
dotnet build "$root/tests/Benchmarks" -c Release -v q -nologo -clp:ErrorsOnly >&2
exec dotnet "$root/tests/Benchmarks/bin/Release/net10.0/nodeagent-bench.dll" "$@"
