#!/usr/bin/env bash
# Installs what building and testing NodeAgent needs on a fresh Debian 12, and nothing when it is already there.
set -euo pipefail
need=()
command -v dotnet >/dev/null || { echo "prereqs: the .NET 10 SDK is required (dotnet on PATH)" >&2; exit 1; }
for pkg in "$@"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "prereqs: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
