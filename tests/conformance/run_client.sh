#!/usr/bin/env bash
# Runs the official MCP conformance suite (npm @modelcontextprotocol/conformance,
# pinned in tests/interop/package.json) against examples/conformance_client.
#
# usage: run_client.sh CONFORMANCE_CLIENT NODE SCENARIO...
#
# Each scenario runs on its own; the run passes only when every one reports
# no failure and no warning: no expected-failures baseline.
set -euo pipefail
client="$1" node="$2"
shift 2
here="$(cd "$(dirname "$0")" && pwd)"
suite="$here/../interop/node_modules/@modelcontextprotocol/conformance/dist/index.js"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

failed=0
for scenario in "$@"; do
  status=0
  "$node" "$suite" client --command "$client" --scenario "$scenario" >"$work/$$.txt" 2>&1 || status=$?
  if [ "$status" -ne 0 ] || ! grep -Eq 'Passed: ([0-9]+)/\1, 0 failed, 0 warnings' "$work/$$.txt"; then
    echo "✗ $scenario" >&2
    cat "$work/$$.txt" >&2
    failed=1
  else
    echo "✓ $scenario: $(grep -E 'Passed: ' "$work/$$.txt" | tail -1)"
  fi
done
exit "$failed"
