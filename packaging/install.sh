#!/bin/sh
# Installs NodeAgent from its tarball on a systemd distribution without dpkg (run as root, from the unpacked
# tarball). Enables the service but does not start it: check the catalog in /etc/nodeagent/agent.yaml first.
#   ./install.sh               install or upgrade (keeps /etc/nodeagent/agent.yaml and /var/lib/nodeagent)
#   ./install.sh --uninstall   stop, disable and remove the program; keep configuration and state
#   ./install.sh --purge       the same, and remove configuration and state
# PREFIX (default /usr/local) is where lib/nodeagent and the bin links go.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
prefix=${PREFIX:-/usr/local}
unit=/etc/systemd/system/nodeagent.service

case "${1:-install}" in
install)
    install -d -m 0755 "$prefix/lib/nodeagent" "$prefix/bin"
    for f in nodeagent agentctl; do
        install -m 0755 "$here/$f" "$prefix/lib/nodeagent/$f.new"
        mv -f "$prefix/lib/nodeagent/$f.new" "$prefix/lib/nodeagent/$f"
        ln -sf "$prefix/lib/nodeagent/$f" "$prefix/bin/$f"
    done
    sed "s:/usr/bin/nodeagent:$prefix/bin/nodeagent:" "$here/nodeagent.service" > "$unit.new"
    mv -f "$unit.new" "$unit"
    [ -f /etc/nodeagent/agent.yaml ] || install -D -m 0640 "$here/agent.yaml" /etc/nodeagent/agent.yaml
    install -d -m 0700 /var/lib/nodeagent
    systemctl daemon-reload
    systemctl enable nodeagent.service
    systemctl try-restart nodeagent.service
    echo "installed in $prefix; check /etc/nodeagent/agent.yaml, then: systemctl start nodeagent"
    ;;
--uninstall|--purge)
    systemctl disable --now nodeagent.service 2>/dev/null || true
    rm -f "$unit" "$prefix/bin/nodeagent" "$prefix/bin/agentctl"
    rm -rf "$prefix/lib/nodeagent"
    systemctl daemon-reload
    if [ "$1" = "--purge" ]; then
        rm -rf /etc/nodeagent /var/lib/nodeagent /run/nodeagent
    fi
    echo "removed"
    ;;
*)
    echo "usage: $0 [--uninstall|--purge]" >&2
    exit 2
    ;;
esac
