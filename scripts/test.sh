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
#   5. builds the libFuzzer targets with clang (from the start, at the lowest
#      priority, beside the steps above) and runs the HTTP request path
#      for POLYMCP_FUZZ_SECONDS (60) seconds, beside the bearer-token/JWT path
#      for POLYMCP_JWT_FUZZ_SECONDS (30) seconds and then the gateway's REST
#      bodies for POLYMCP_REST_FUZZ_SECONDS (30) seconds, from tests/fuzz/corpus.
# Set POLYMCP_SKIP_SANITIZERS=1 to skip step 4, POLYMCP_SKIP_FUZZ=1 to skip step 5.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export POLYMCP_WITH_BROWSER=1  # chromium for the web page's tests
source scripts/deps.sh
source scripts/services.sh
polymcp_services_start
background=()  # jobs started below, stopped if the script ends first
cleanup() {
  for pid in "${background[@]}"; do kill -- "-$pid" 2>/dev/null || true; done
  polymcp_services_stop
}
trap cleanup EXIT

# ccache's own default place (kept between clones), unless CCACHE_DIR is set.
export CCACHE_DIR="${CCACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ccache}"
jobs="$(nproc)"

# The libFuzzer targets build from the start, at the lowest priority: one
# clang TU of theirs takes minutes, and this way it runs on what the other
# builds and the test runs leave idle instead of after them.
if [ "${POLYMCP_SKIP_FUZZ:-0}" != 1 ]; then
  cmake --preset fuzz >/dev/null
  fuzz_build_log="$(mktemp)"
  nice -n 19 setsid cmake --build --preset fuzz -j 1 >"$fuzz_build_log" 2>&1 &  # its own process group
  fuzz_build_pid=$!
  background+=("$fuzz_build_pid")
fi

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
  ctest --preset debug-asan -j "$jobs" -E '^(interop|compile_fail|install|link|package|docs)[.]'
fi

# Runs libFuzzer target $1 for $2 seconds from corpus folder $3 (a scratch
# copy grows meanwhile), writing its output to file $4; returns its status.
run_fuzzer() {
  local corpus status=0
  corpus="$(mktemp -d)"
  "build/fuzz/tests/fuzz/$1" -max_total_time="$2" -print_final_stats=1 "$corpus" "$3" >"$4" 2>&1 || status=$?
  rm -rf "$corpus"
  return "$status"
}

if [ "${POLYMCP_SKIP_FUZZ:-0}" != 1 ]; then
  if ! wait "$fuzz_build_pid"; then
    cat "$fuzz_build_log"
    echo "the libFuzzer targets did not build (see above)"
    exit 1
  fi
  tail -n 3 "$fuzz_build_log"
  rm -f "$fuzz_build_log"
  # Two fuzzers at a time (each uses one core): the HTTP request path beside
  # the JWT path and then the REST bodies.
  echo "== libFuzzer: the HTTP request path for ${POLYMCP_FUZZ_SECONDS:-60} s, beside bearer tokens and JWT verification for ${POLYMCP_JWT_FUZZ_SECONDS:-30} s and then the gateway's REST bodies for ${POLYMCP_REST_FUZZ_SECONDS:-30} s"
  fuzz_logs="$(mktemp -d)"
  run_fuzzer http_request_fuzz "${POLYMCP_FUZZ_SECONDS:-60}" tests/fuzz/corpus/http_request "$fuzz_logs/http_request_fuzz" &
  http_fuzz_pid=$!
  fuzz_failed=()
  run_fuzzer jwt_verify_fuzz "${POLYMCP_JWT_FUZZ_SECONDS:-30}" tests/fuzz/corpus/jwt "$fuzz_logs/jwt_verify_fuzz" ||
    fuzz_failed+=(jwt_verify_fuzz)
  run_fuzzer rest_body_fuzz "${POLYMCP_REST_FUZZ_SECONDS:-30}" tests/fuzz/corpus/rest_body "$fuzz_logs/rest_body_fuzz" ||
    fuzz_failed+=(rest_body_fuzz)
  wait "$http_fuzz_pid" || fuzz_failed+=(http_request_fuzz)
  for fuzzer in http_request_fuzz jwt_verify_fuzz rest_body_fuzz; do
    echo "-- $fuzzer"
    if [[ " ${fuzz_failed[*]} " == *" $fuzzer "* ]]; then cat "$fuzz_logs/$fuzzer"; else tail -n 12 "$fuzz_logs/$fuzzer"; fi
  done
  rm -rf "$fuzz_logs"
  if [ "${#fuzz_failed[@]}" -gt 0 ]; then
    echo "libFuzzer found a failing input in: ${fuzz_failed[*]} (see above)"
    exit 1
  fi
fi
