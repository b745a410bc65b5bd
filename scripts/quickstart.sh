#!/usr/bin/env bash
# The main job: installs what is missing, builds the example server
# hello_stdio (Release) and runs it on this terminal's stdin/stdout, ready for
# an MCP client (type or pipe JSON-RPC lines; Ctrl-D or Ctrl-C stops it).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
POLYMCP_WITH_NODE=0 source scripts/deps.sh
export CCACHE_DIR="${CCACHE_DIR:-$root/.cache/ccache}"
cmake --preset release >/dev/null
cmake --build --preset release --target hello_stdio >&2
echo "polymcp: hello_stdio is ready on stdin/stdout (MCP over stdio)" >&2
exec "$root/build/release/examples/hello_stdio/hello_stdio"
