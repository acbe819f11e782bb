#!/usr/bin/env bash
# Coverage-guided fuzzing of the parsers an operator's files reach, for runs longer than the test suite's property
# tier: afl-fuzz (Debian's afl++) drives tests/Fuzz through SharpFuzz, with the agent, the coordinator and the YAML
# libraries instrumented.
#   ./scripts/fuzz.sh plan|config [--minutes N] [--out DIR]
# A finding is an input the parser fails on other than with its own clear error; afl keeps each in
# OUT/default/crashes/. Replay them (the same check, no afl) with
#   dotnet tests/Fuzz/bin/Release/net10.0/nodeagent-fuzz.dll TARGET --replay OUT/default/crashes
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
usage="usage: $0 plan|config [--minutes N] [--out DIR]"
target=${1:-}
case "$target" in
  plan|config) shift ;;
  *) echo "$usage" >&2; exit 2 ;;
esac
minutes=10
out="$root/artifacts/fuzz/$target"
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) [[ "${2:-}" =~ ^[0-9]+$ ]] && [ "$2" -gt 0 ] || { echo "--minutes takes a whole number of minutes above 0" >&2; exit 2; }; minutes=$2; shift 2 ;;
    --out) [ -n "${2:-}" ] || { echo "--out takes a directory" >&2; exit 2; }; out=$2; shift 2 ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done

"$root/scripts/prereqs.sh" afl++
work="$root/artifacts/fuzz"
tools="$work/tools"
mkdir -p "$tools"
[ -x "$tools/sharpfuzz" ] || dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$tools" >/dev/null

# A fresh publish each time: instrumenting is done in place, and must not be done twice.
bin="$work/bin"
rm -rf "$bin"
dotnet publish "$root/tests/Fuzz" -c Release -o "$bin" -v q -nologo -clp:ErrorsOnly >/dev/null
for dll in "$bin/nodeagent.dll" "$bin/nodeagent-coordinator.dll" "$bin"/*Yaml*.dll; do
  "$tools/sharpfuzz" "$dll" >/dev/null
done

# dotnet itself is not instrumented (SharpFuzz reports coverage from the instrumented assemblies), so afl's binary
# check is skipped; a finding is an exception, so no core dumps are needed.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
rm -rf "$out"
mkdir -p "$out"
echo "fuzzing the $target parser for $minutes minute(s); findings in $out/default/crashes" >&2
afl-fuzz -V $((minutes * 60)) -t 10000 -m none -i "$root/tests/Fuzz/corpus/$target" -o "$out" \
  -- dotnet "$bin/nodeagent-fuzz.dll" "$target" >"$out/afl.log" 2>&1 || { tail -n 30 "$out/afl.log" >&2; exit 1; }

stats="$out/default/fuzzer_stats"
stat() { sed -n "s/^$1 *: *//p" "$stats"; }
crashes=$(stat saved_crashes)
echo "fuzz $target: $(stat execs_done) executions in $minutes min ($(stat execs_per_sec)/s), corpus $(stat corpus_count), findings $crashes, hangs $(stat saved_hangs)"
if [ "$crashes" != "0" ]; then
  dotnet "$bin/nodeagent-fuzz.dll" "$target" --replay "$out/default/crashes" || true
  exit 1
fi
