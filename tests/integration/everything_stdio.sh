#!/usr/bin/env bash
# everything_server --stdio: the same tools, resources and prompts over stdio.
# usage: everything_stdio.sh EVERYTHING_SERVER
set -euo pipefail
out="$(printf '%s\n' \
  '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}' \
  '{"jsonrpc":"2.0","method":"notifications/initialized"}' \
  '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"test_simple_text","arguments":{}}}' \
  '{"jsonrpc":"2.0","id":3,"method":"resources/read","params":{"uri":"test://template/9/data"}}' \
  '{"jsonrpc":"2.0","id":4,"method":"prompts/get","params":{"name":"test_simple_prompt"}}' \
  | "$1" --stdio --quiet)"
echo "$out"
grep -q '"id":1,.*"serverInfo":{"name":"mcp-conformance-test-server"' <<<"$out"
grep -q '"id":2,.*This is a simple text response for testing.' <<<"$out"
grep -q '"id":3,.*Data for ID: 9' <<<"$out"
grep -q '"id":4,.*This is a simple prompt for testing.' <<<"$out"
