#!/usr/bin/env bash
# Runs the whole polymcp test suite from a fresh clone on Debian 12:
#   1. installs what is missing (scripts/deps.sh),
#   2. starts redis-server and PostgreSQL on loopback for the storage tests
#      (scripts/services.sh) and stops them when the script ends,
#   3. builds and runs every test in the Release preset (unit, integration with
#      hello_stdio as a child process, TypeScript SDK interop, compile-fail
#      checks, header self-containment, find_package from an install),
#   4. builds and runs the unit and integration tests again under ASan+UBSan,
#      with clang 16 (a second compiler; it also builds this tier in about
#      half the time GCC takes),
#   5. builds the libFuzzer targets with clang and runs the HTTP request path
#      for POLYMCP_FUZZ_SECONDS (60) seconds, the bearer-token/JWT path for
#      POLYMCP_JWT_FUZZ_SECONDS (30) seconds and the gateway's REST bodies for
#      POLYMCP_REST_FUZZ_SECONDS (30) seconds, from tests/fuzz/corpus.
# Set POLYMCP_SKIP_SANITIZERS=1 to skip step 4, POLYMCP_SKIP_FUZZ=1 to skip step 5.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source scripts/deps.sh
source scripts/services.sh
polymcp_services_start
trap polymcp_services_stop EXIT

export CCACHE_DIR="${CCACHE_DIR:-$root/.cache/ccache}"
jobs="$(nproc)"

echo "== Release build and tests"
cmake --preset release -DPOLYMCP_NODE="$POLYMCP_NODE_BIN" >/dev/null
cmake --build --preset release -j "$jobs"
ctest --preset release -j "$jobs"

if [ "${POLYMCP_SKIP_SANITIZERS:-0}" != 1 ]; then
  echo "== Debug build with AddressSanitizer + UndefinedBehaviorSanitizer (clang 16)"
  cmake --preset debug-asan -DPOLYMCP_NODE="$POLYMCP_NODE_BIN" >/dev/null
  cmake --build --preset debug-asan -j "$jobs" --target polymcp_unit_tests polymcp_integration_tests hello_stdio everything_server storage_tour polymcp_keys auth_tools_server conformance_client mcp_cli polymcp_client_interop_tests polymcp_connectors_tests
  # What the sanitizers add nothing to (and the link checks, which are about
  # the release build's programs, not all built here) runs in the release tier.
  ctest --preset debug-asan -j "$jobs" -E '^(interop|compile_fail|install|link)[.]'
fi

# Runs libFuzzer target $1 for $2 seconds from corpus folder $3 (a scratch
# copy grows meanwhile); fails the script when it finds a failing input.
run_fuzzer() {
  local corpus status
  corpus="$(mktemp -d)"
  "build/fuzz/tests/fuzz/$1" -max_total_time="$2" -print_final_stats=1 "$corpus" "$3" 2>&1 | tail -n 12
  status="${PIPESTATUS[0]}"
  rm -rf "$corpus"
  [ "$status" -eq 0 ] || { echo "the fuzzer $1 found a failing input (see above)"; exit 1; }
}

if [ "${POLYMCP_SKIP_FUZZ:-0}" != 1 ]; then
  cmake --preset fuzz >/dev/null
  cmake --build --preset fuzz -j "$jobs"
  echo "== libFuzzer: the HTTP request path for ${POLYMCP_FUZZ_SECONDS:-60} s"
  run_fuzzer http_request_fuzz "${POLYMCP_FUZZ_SECONDS:-60}" tests/fuzz/corpus/http_request
  echo "== libFuzzer: bearer tokens and JWT verification for ${POLYMCP_JWT_FUZZ_SECONDS:-30} s"
  run_fuzzer jwt_verify_fuzz "${POLYMCP_JWT_FUZZ_SECONDS:-30}" tests/fuzz/corpus/jwt
  echo "== libFuzzer: the gateway's REST bodies for ${POLYMCP_REST_FUZZ_SECONDS:-30} s"
  run_fuzzer rest_body_fuzz "${POLYMCP_REST_FUZZ_SECONDS:-30}" tests/fuzz/corpus/rest_body
fi
