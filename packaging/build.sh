#!/usr/bin/env bash
# Builds NodeAgent's packages in one command:
#   artifacts/packages/nodeagent_VERSION_amd64.deb       NativeAOT agent and agentctl, unit, default config
#   artifacts/packages/nodeagent-VERSION-linux-x64.tar.gz the same files and install.sh, for other distributions
#   artifacts/packages/jit/                               the agent's JIT build (for the footprint benchmark)
# Usage: packaging/build.sh [OUTPUT_DIR]; NODEAGENT_VERSION overrides the version in the project file.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-$root/artifacts/packages}" && cd "${1:-$root/artifacts/packages}" && pwd)
version="${NODEAGENT_VERSION:-$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$root/agent/NodeAgent/NodeAgent.csproj")}"
"$root/scripts/prereqs.sh" clang zlib1g-dev

work="$out/work"
rm -rf "$work" "$out/jit" "$out"/nodeagent_*_amd64.deb "$out"/nodeagent-*-linux-x64.tar.gz
mkdir -p "$work"
echo "== NativeAOT publish of nodeagent and agentctl $version"
dotnet publish "$root/agent/NodeAgent" -c Release -r linux-x64 -p:PublishAot=true -p:Version="$version" -o "$work/aot/agent" -v q -nologo
dotnet publish "$root/agent/AgentCtl" -c Release -r linux-x64 -p:PublishAot=true -p:Version="$version" -o "$work/aot/agentctl" -v q -nologo
echo "== JIT publish of nodeagent"
dotnet publish "$root/agent/NodeAgent" -c Release -p:Version="$version" -o "$out/jit" -v q -nologo

files="$work/files"
install -D -m 0755 "$work/aot/agent/nodeagent" "$files/nodeagent"
install -D -m 0755 "$work/aot/agentctl/agentctl" "$files/agentctl"
install -D -m 0644 "$root/packaging/systemd/nodeagent.service" "$files/nodeagent.service"
install -D -m 0640 "$root/packaging/config/agent.yaml" "$files/agent.yaml"
install -D -m 0755 "$root/packaging/install.sh" "$files/install.sh"

echo "== .deb"
deb="$work/deb"
install -D -m 0755 "$files/nodeagent" "$deb/usr/lib/nodeagent/nodeagent"
install -D -m 0755 "$files/agentctl" "$deb/usr/lib/nodeagent/agentctl"
mkdir -p "$deb/usr/bin"
ln -s ../lib/nodeagent/nodeagent "$deb/usr/bin/nodeagent"
ln -s ../lib/nodeagent/agentctl "$deb/usr/bin/agentctl"
install -D -m 0644 "$files/nodeagent.service" "$deb/lib/systemd/system/nodeagent.service"
install -D -m 0640 "$files/agent.yaml" "$deb/etc/nodeagent/agent.yaml"
install -D -m 0644 "$root/README.md" "$deb/usr/share/doc/nodeagent/README.md"
install -d "$deb/DEBIAN"
sed "s/@VERSION@/$version/" "$root/packaging/debian/control.in" > "$deb/DEBIAN/control"
install -m 0644 "$root/packaging/debian/conffiles" "$deb/DEBIAN/conffiles"
install -m 0755 "$root/packaging/debian/postinst" "$root/packaging/debian/prerm" "$root/packaging/debian/postrm" "$deb/DEBIAN/"
dpkg-deb --root-owner-group -Zgzip --build "$deb" "$out/nodeagent_${version}_amd64.deb" >/dev/null

echo "== tarball"
tree="$work/nodeagent-$version-linux-x64"
cp -a "$files" "$tree"
tar -C "$work" -czf "$out/nodeagent-$version-linux-x64.tar.gz" "nodeagent-$version-linux-x64"
rm -rf "$work"
ls -l "$out"/nodeagent_"$version"_amd64.deb "$out/nodeagent-$version-linux-x64.tar.gz"
