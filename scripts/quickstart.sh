#!/usr/bin/env bash
# The main job: installs what is missing, builds the reference MCP gateway
# (examples/gateway, Release) and starts it on embedded defaults — records in
# SQLite under ./gateway-data, sessions in memory, an encryption key and an
# administrator API key generated there on first start — with a demo: two
# upstream MCP servers in its catalog (polymcp's everything_server and the
# official @modelcontextprotocol/server-everything), a demo user with an API
# key, connectors to both already connected. It prints how to connect an MCP
# client. Ctrl-C stops it. Options are passed to the gateway (e.g. --port 9000).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source scripts/deps.sh
export CCACHE_DIR="${CCACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ccache}"  # ccache's own default place
cmake --preset release -DPOLYMCP_NODE="$POLYMCP_NODE_BIN" >/dev/null
cmake --build --preset release --target gateway everything_server >&2
bin="$root/build/release/examples"
exec "$bin/gateway/gateway" --data-dir "${POLYMCP_GATEWAY_DATA_DIR:-$root/gateway-data}" --demo \
  --demo-everything "$bin/everything_server/everything_server" \
  --demo-node "$POLYMCP_NODE_BIN" \
  --demo-server-everything "$root/tests/interop/node_modules/@modelcontextprotocol/server-everything/dist/index.js" "$@"
