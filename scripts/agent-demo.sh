#!/usr/bin/env bash
# The NodeAgent demo: one node agent on this machine, with stand-in kubelet and kube-proxy services supervised by
# the agent's process manager. It stages v1.17.0, applies it with the hash-skip marker, shows a bad version being
# rolled back automatically, and rolls kube-proxy back by hand. Everything lives under .demo/ and is stopped at the end.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
demo="$root/.demo/agent"
"$root/scripts/prereqs.sh"

echo "== building (Release)"
dotnet build "$root/NodeAgent.sln" -c Release -v q -nologo -clp:ErrorsOnly
bin() { echo "$root/$1/bin/Release/net10.0/$2"; }
agent=$(bin agent/NodeAgent nodeagent)
ctl=$(bin agent/AgentCtl agentctl)
standin=$(bin tests/StandInService standin)

rm -rf "$demo"
mkdir -p "$demo/artifacts" "$demo/node/usr/local/bin" "$demo/node/etc/kubernetes" "$demo/node/var/lib/kubelet"
port_kubelet=$((20000 + RANDOM % 20000)); port_proxy=$((port_kubelet + 1))

# A "binary" of version V is a tiny script that runs the stand-in reporting V; extra args make a broken build.
make_binary() { printf '#!/bin/sh\nexec %s --reported-version %s %s "$@"\n' "$standin" "$2" "${3:-}" > "$1"; chmod 0755 "$1"; }
make_binary "$demo/artifacts/kubelet-v1.10.11" v1.10.11
make_binary "$demo/artifacts/kubelet-v1.17.0" v1.17.0
make_binary "$demo/artifacts/kubelet-v1.17.1-broken" v1.17.1 --never-healthy
make_binary "$demo/artifacts/kube-proxy-v1.10.11" v1.10.11
make_binary "$demo/artifacts/kube-proxy-v1.17.0" v1.17.0
echo "{\"port\": $port_kubelet, \"startupDelayMs\": 400}" > "$demo/artifacts/kubelet-config-v1.10.json"
echo "{\"port\": $port_kubelet, \"startupDelayMs\": 450}" > "$demo/artifacts/kubelet-config-v1.17.json"
echo "{\"port\": $port_proxy, \"startupDelayMs\": 200}" > "$demo/artifacts/kube-proxy-config.json"

# The node as it is before the upgrade: v1.10.11 everywhere.
cp "$demo/artifacts/kubelet-v1.10.11" "$demo/node/usr/local/bin/kubelet"
cp "$demo/artifacts/kube-proxy-v1.10.11" "$demo/node/usr/local/bin/kube-proxy"
cp "$demo/artifacts/kubelet-config-v1.10.json" "$demo/node/etc/kubernetes/kubelet.json"
cp "$demo/artifacts/kube-proxy-config.json" "$demo/node/etc/kubernetes/kube-proxy.json"

cat > "$demo/agent.yaml" <<YAML
nodeName: demo-node-1
stateDir: $demo/state
serviceManager: process
listeners:
  unixSocket: $demo/run/agent.sock
security:
  allowUnsignedReleases: true   # the demo stages its own unsigned stand-ins
health:
  probeIntervalSeconds: 2
  defaultTimeoutSeconds: 15
components:
  - name: kubelet
    unit: kubelet
    files:
      - { role: binary, path: $demo/node/usr/local/bin/kubelet, mode: "0755" }
      - { role: config, path: $demo/node/etc/kubernetes/kubelet.json, mode: "0644" }
    healthUrl: http://127.0.0.1:$port_kubelet/healthz
    healthStableSeconds: 3     # healthy for 3 s with the same main PID before an apply succeeds (default 10)
    processArgs: ["--config", "$demo/node/etc/kubernetes/kubelet.json"]
    marker: { path: $demo/node/var/lib/kubelet/nodeagent-upgrade-marker.json, format: json }
  - name: kube-proxy
    unit: kube-proxy
    files:
      - { role: binary, path: $demo/node/usr/local/bin/kube-proxy, mode: "0755" }
      - { role: config, path: $demo/node/etc/kubernetes/kube-proxy.json, mode: "0644" }
    healthUrl: http://127.0.0.1:$port_proxy/healthz
    healthStableSeconds: 3
    processArgs: ["--config", "$demo/node/etc/kubernetes/kube-proxy.json"]
YAML

echo "== starting the agent (log: .demo/agent/agent.log)"
"$agent" --config "$demo/agent.yaml" > "$demo/agent.log" 2>&1 &
agent_pid=$!
# Stopping the agent leaves its components running (they are the workload): stop them first, then the agent.
trap '"$ctl" stop kubelet >/dev/null 2>&1; "$ctl" stop kube-proxy >/dev/null 2>&1; kill -TERM $agent_pid 2>/dev/null; wait $agent_pid 2>/dev/null || true' EXIT
export NODEAGENT_SOCKET="$demo/run/agent.sock"
for _ in $(seq 1 100); do "$ctl" status >/dev/null 2>&1 && break; sleep 0.2; done
step() { echo; echo "\$ agentctl $*"; "$ctl" "$@"; }
set +e

step status --probe
step stage "$demo/artifacts/kubelet-v1.17.0" --name kubelet-v1.17.0
step stage "$demo/artifacts/kubelet-v1.17.0" --name kubelet-v1.17.0
step backup kubelet --id demo-backup-kubelet
step apply kubelet --id demo-kubelet-1.17 --version v1.17.0 --marker \
  --file "binary=$demo/artifacts/kubelet-v1.17.0" --file "config=$demo/artifacts/kubelet-config-v1.17.json"
step marker show kubelet
echo; echo "# the same operation id again: returned from the journal, nothing runs twice"
step apply kubelet --id demo-kubelet-1.17 --version v1.17.0 --marker \
  --file "binary=$demo/artifacts/kubelet-v1.17.0" --file "config=$demo/artifacts/kubelet-config-v1.17.json"
echo; echo "# a build that never becomes healthy: rolled back automatically"
step apply kubelet --id demo-kubelet-broken --version v1.17.1 --health-timeout 4s --file "binary=$demo/artifacts/kubelet-v1.17.1-broken"
echo "(exit code $?: 1 means rolled back)"
step apply kube-proxy --id demo-proxy-1.17 --version v1.17.0 --file "binary=$demo/artifacts/kube-proxy-v1.17.0"
step rollback kube-proxy --id demo-proxy-undo
step ops
step artifacts
step status --probe
echo; echo "demo finished: state in .demo/agent/state, agent log in .demo/agent/agent.log"
