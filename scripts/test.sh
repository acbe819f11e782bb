#!/usr/bin/env bash
# The whole NodeAgent test suite: installs what it needs, builds with warnings as errors, runs every test project,
# and ends with one line of totals computed from the TRX results: "N passed, N failed, N skipped".
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
results="$root/artifacts/test-results"
# The cluster suite runs real etcd, Alertmanager and containerd (with runc and a busybox image built locally).
"$root/scripts/prereqs.sh" systemd-container etcd-server etcd-client prometheus-alertmanager containerd runc busybox-static || exit 1

rm -rf "$results"
echo "== build (Release, warnings as errors)"
if ! dotnet build "$root/NodeAgent.sln" -c Release -v q -nologo -clp:ErrorsOnly; then
  echo "build failed"
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi

mkdir -p "$root/artifacts"
echo "== packages (NativeAOT, .deb) for the real-systemd tests"
if ! "$root/packaging/build.sh" >"$root/artifacts/package-build.log" 2>&1; then
  cat "$root/artifacts/package-build.log"
  echo "package build failed"
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi

echo "== test"
dotnet test "$root/NodeAgent.sln" -c Release --no-build -v q --nologo \
  --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results"
status=$?

passed=0; failed=0; skipped=0; files=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  files=$((files + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  value() { printf '%s' "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  total=$(value total); p=$(value passed); f=$(value failed)
  f=$((f + $(value error) + $(value timeout) + $(value aborted)))
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + total - p - f))
done
# The crash-consistency suite's own summary, from the test output kept in the TRX.
grep -ho 'crash points: [0-9]*, iterations: [0-9]*, inconsistent: [0-9]*' "$results"/*.trx 2>/dev/null | head -n 1
# The coordinator's SIGKILL suite: kills at random moments, each followed at once by a rerun.
grep -ho 'coordinator kills: [0-9]*, failed reruns: [0-9]*, applied twice: [0-9]*, skipped: [0-9]*' "$results"/*.trx 2>/dev/null | head -n 1
# The etcd journal's kill suite: leaders killed or frozen, standbys taking over.
grep -ho 'takeovers: [0-9]*, applied twice: [0-9]*, skipped: [0-9]*, calls refused by fencing: [0-9]*' "$results"/*.trx 2>/dev/null | head -n 1
# The security suite's counts of hostile and random inputs.
grep -ho 'hostile inputs: [0-9]* tried, [0-9]* refused cleanly' "$results"/*.trx 2>/dev/null | head -n 1
grep -ho 'random requests: [0-9]* tried, [0-9]* problems' "$results"/*.trx 2>/dev/null | head -n 1
grep -ho 'random plan files: [0-9]* tried, [0-9]* valid' "$results"/*.trx 2>/dev/null | head -n 1
grep -ho 'audit under attack: accepted entries kept: [a-z]*, peak RSS: [0-9]* MB' "$results"/*.trx 2>/dev/null | head -n 1
# The agent's read latency while operations journal (16 GetOperation/Watch callers during back-to-back applies).
grep -ho 'read latency during applies: [0-9]* callers, [0-9]* reads, p50 [0-9.]* ms, p99 [0-9.]* ms, max [0-9.]* ms' "$results"/*.trx 2>/dev/null | head -n 1
if [ "$files" -eq 0 ]; then
  echo "no test results were written"
  failed=$((failed + 1))
fi
echo "$passed passed, $failed failed, $skipped skipped"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ]; then
  exit 1
fi
