#!/usr/bin/env bash
# The footprint benchmark: builds the packages, then runs nodeagent-footprint (NativeAOT and JIT agents against
# Debian's prometheus-node-exporter, measured in the same run). Extra flags go to the benchmark, for example
# --idle-seconds 30 --calls 10000 --blob-mb 150. The last line it prints is one JSON object with every figure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/prereqs.sh" prometheus-node-exporter
"$root/packaging/build.sh" >/dev/null
dotnet run --project "$root/tests/Footprint" -c Release -- "$@"
