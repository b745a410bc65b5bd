#!/usr/bin/env bash
# Runs the official MCP conformance suite (npm @modelcontextprotocol/conformance,
# pinned in tests/interop/package.json) against examples/everything_server over
# Streamable HTTP, for one protocol revision's requirements.
#
# usage: run_server.sh EVERYTHING_SERVER NODE REVISION
#
# Passes only when every scenario the revision requires passes, and so does
# every not-scored scenario it runs (server-session-lifecycle,
# json-schema-2020-12, server-sse-polling): no expected-failures baseline.
set -euo pipefail
server="$1" node="$2" revision="$3"
here="$(cd "$(dirname "$0")" && pwd)"
suite="$here/../interop/node_modules/@modelcontextprotocol/conformance/dist/index.js"
work="$(mktemp -d)"
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

"$server" --port 0 >"$work/server.out" 2>"$work/server.err" &
pid=$!
url=""
for _ in $(seq 1 100); do
  url="$(sed -n 's/^everything_server: listening on \(http:.*\)$/\1/p' "$work/server.err")"
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/server.err" >&2; echo "everything_server exited" >&2; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "everything_server did not start listening" >&2; exit 1; }
# The suite's DNS-rebinding scenario needs a localhost URL by name.
url="${url/127.0.0.1/localhost}"

status=0
"$node" "$suite" server --url "$url" --requirements "$revision" >"$work/report.txt" 2>&1 || status=$?
sed -n '/=== SUMMARY ===/,$p' "$work/report.txt"
if [ "$status" -ne 0 ] || ! grep -Eq '^Total: [0-9]+ passed, 0 failed' "$work/report.txt" || grep -q '✗' "$work/report.txt"; then
  echo "--- full conformance report" >&2
  cat "$work/report.txt" >&2
  echo "--- everything_server stderr" >&2
  cat "$work/server.err" >&2
  exit 1
fi
kill -0 "$pid" || { echo "everything_server died during the run" >&2; exit 1; }
echo "conformance $revision: all scenarios passed"
