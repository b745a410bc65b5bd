#!/usr/bin/env bash
# examples/mcp_cli does what its usage says, against everything_server over
# stdio (given as a command line) and over Streamable HTTP.
#
# usage: mcp_cli.sh MCP_CLI EVERYTHING_SERVER
set -uo pipefail
cli="$1" server="$2"
work="$(mktemp -d)"
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; echo "--- stdout" >&2; cat "$work/out" >&2; echo "--- stderr" >&2; cat "$work/err" >&2; exit 1; }
run() { "$cli" "$@" >"$work/out" 2>"$work/err"; }

stdio="$server --stdio --quiet"

run list-tools "$stdio" || fail "list-tools over stdio exited $?"
grep -q '^test_simple_text  Tests simple text content response$' "$work/out" || fail "list-tools lists test_simple_text"

run call "$stdio" test_tool_with_progress || fail "call with progress exited $?"
grep -q '^progress 50/100 (50%) Completed step 50 of 100$' "$work/err" || fail "progress is shown on stderr"

run call "$stdio" test_sampling '{"prompt": "hi"}' || fail "call with arguments exited $?"
grep -q '^Sampling not supported' "$work/out" || fail "the tool's text is printed"

run call "$stdio" test_error_handling; status=$?
[ "$status" = 1 ] || fail "a tool error exits 1 (got $status)"

run call "$stdio" test_simple_text 'not json'; status=$?
[ "$status" = 2 ] || fail "bad JSON arguments exit 2 (got $status)"
grep -q 'must be a JSON object' "$work/err" || fail "bad JSON arguments are explained"

run --json read "$stdio" test://static-text || fail "read --json exited $?"
grep -q '"text": "This is the content of the static text resource."' "$work/out" || fail "read --json prints the result"

run list-tools "/nonexistent/server --stdio"; status=$?
[ "$status" = 1 ] || fail "a command that does not exist exits 1 (got $status)"
grep -q 'No such file or directory' "$work/err" || fail "a command that does not exist is explained"

# Streamable HTTP
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$server" --port "$port" --quiet 2>/dev/null &
pid=$!
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.05
done
url="http://127.0.0.1:$port/mcp"

run info "$url" || fail "info over HTTP exited $?"
grep -q '^mcp-conformance-test-server 1.0.0 (MCP 2026-07-28)$' "$work/out" || fail "info shows the server (stateless revision)"
run --era legacy info "$url" || fail "info --era legacy over HTTP exited $?"
grep -q '^mcp-conformance-test-server 1.0.0 (MCP 2025-11-25)$' "$work/out" || fail "info --era legacy shows the 2025-11-25 session"

run call "$url" test_tool_with_progress || fail "call over HTTP exited $?"
grep -q '^progress 100/100 (100%)' "$work/err" || fail "progress over HTTP is shown"

run get-prompt "$url" test_prompt_with_arguments '{"arg1": "x", "arg2": "y"}' || fail "get-prompt exited $?"
grep -q "^user: Prompt with arguments: arg1='x', arg2='y'$" "$work/out" || fail "get-prompt prints the messages"

run list-tools "http://127.0.0.1:1/mcp"; status=$?
[ "$status" = 1 ] || fail "an unreachable server exits 1 (got $status)"
grep -q 'cannot connect' "$work/err" || fail "an unreachable server is explained"

echo "mcp_cli: all checks passed"
