#!/usr/bin/env bash
# Measures what a header-only library costs its users: wall time and peak
# memory of compiling examples/hello_stdio/main.cpp as one translation unit
# at -O2, header-only and with separate compilation (polymcp::compiled), and
# the one-time cost of the compiled part itself. Runs each compile sequentially
# with ccache out of the way, and prints one line per mode.
#
# Usage: benchmarks/compile_time.sh [compiler]   (default g++)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cxx="${1:-g++}"
flags=(-std=c++20 -O2 -DNDEBUG -I"$root/include" -c -o /dev/null)
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
printf '#include <polymcp/src.hpp>\n#include <asio/impl/src.hpp>\n' > "$tmp/compiled.cpp"

measure() {  # label, then compiler arguments
  local label="$1"; shift
  /usr/bin/time -f '%e %M' -o "$tmp/time" "$cxx" "${flags[@]}" "$@"
  read -r secs kb < "$tmp/time"
  printf '%-58s %6.1f s %6d MB\n' "$label" "$secs" $((kb / 1024))
}

echo "$("$cxx" --version | head -1), $(nproc) cores; one TU at -O2"
measure "hello_stdio, header-only (polymcp::polymcp)" "$root/examples/hello_stdio/main.cpp"
measure "hello_stdio, separate compilation (polymcp::compiled)" \
  -DPOLYMCP_SEPARATE_COMPILATION -DASIO_SEPARATE_COMPILATION "$root/examples/hello_stdio/main.cpp"
measure "polymcp::compiled itself, the core (once per build)" \
  -DPOLYMCP_SEPARATE_COMPILATION -DASIO_SEPARATE_COMPILATION "$tmp/compiled.cpp"

# What each optional storage backend adds to a TU that uses it (the header
# alone, separate compilation: its definitions are inline, compiled where used).
for backend in sqlite redis postgres; do
  printf '#include <polymcp/storage/%s.hpp>\n' "$backend" > "$tmp/storage_$backend.cpp"
  measure "storage/$backend.hpp alone (polymcp::$backend)" -DPOLYMCP_SEPARATE_COMPILATION \
    -I/usr/include/postgresql "$tmp/storage_$backend.cpp"
done

# The auth policies: the umbrella header (API keys, JWT, resource server),
# header-only and with separate compilation (their definitions are in
# polymcp::crypto_compiled), and the optional JWKS client on libcurl.
printf '#include <polymcp/auth.hpp>\n' > "$tmp/auth.cpp"
measure "auth.hpp alone, header-only" "$tmp/auth.cpp"
measure "auth.hpp alone, separate compilation" -DPOLYMCP_SEPARATE_COMPILATION "$tmp/auth.cpp"
printf '#include <polymcp/auth/jwks_client.hpp>\n' > "$tmp/jwks.cpp"
measure "auth/jwks_client.hpp alone (polymcp::jwks)" -DPOLYMCP_SEPARATE_COMPILATION "$tmp/jwks.cpp"
