#!/usr/bin/env bash
# Runs the official MCP conformance suite (npm @modelcontextprotocol/conformance,
# pinned in tests/interop/package.json) against examples/conformance_client.
#
# usage: run_client.sh CONFORMANCE_CLIENT NODE --requirements REVISION
#        run_client.sh CONFORMANCE_CLIENT NODE --suite NAME
#        run_client.sh CONFORMANCE_CLIENT NODE SCENARIO...
#
# --requirements passes when every scenario the revision requires passes (the
# suite's exit status; scenarios it runs but never scores, the extensions,
# are reported and do not count). --suite and single scenarios pass only when
# every scenario reports no failure and no warning. No expected-failures
# baseline in any mode.
set -euo pipefail
client="$1" node="$2"
shift 2
here="$(cd "$(dirname "$0")" && pwd)"
suite="$here/../interop/node_modules/@modelcontextprotocol/conformance/dist/index.js"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

report() { echo "--- conformance report" >&2; cat "$work/report.txt" >&2; }

case "${1:-}" in
  --requirements|--suite)
    status=0
    "$node" "$suite" client --command "$client" "$1" "$2" >"$work/report.txt" 2>&1 || status=$?
    grep -E '^(✓|✗) |^Total|^Not scored|^  [✓✗] ' "$work/report.txt" || true
    if [ "$status" -ne 0 ]; then report; exit 1; fi
    if [ "$1" = --suite ] && ! grep -Eq '^Total: [0-9]+ passed, 0 failed, 0 warnings' "$work/report.txt"; then report; exit 1; fi
    # The suite's status covers failures of scored scenarios; warnings count too.
    if ! grep -Eq '^Total: [0-9]+ passed, [0-9]+ failed, 0 warnings' "$work/report.txt"; then report; exit 1; fi
    ;;
  *)
    failed=0
    for scenario in "$@"; do
      status=0
      "$node" "$suite" client --command "$client" --scenario "$scenario" >"$work/report.txt" 2>&1 || status=$?
      if [ "$status" -ne 0 ] || ! grep -Eq 'Passed: ([0-9]+)/\1, 0 failed, 0 warnings' "$work/report.txt"; then
        echo "✗ $scenario" >&2
        report
        failed=1
      else
        echo "✓ $scenario: $(grep -E 'Passed: ' "$work/report.txt" | tail -1)"
      fi
    done
    exit "$failed"
    ;;
esac
