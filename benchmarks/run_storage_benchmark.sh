#!/usr/bin/env bash
# Operations per second of each storage backend (memory, SQLite, Redis,
# PostgreSQL) for get / set / set_if_absent and record create / read, with 1
# and 4 client threads, and Redis's own redis-benchmark for GET, SET and
# SET NX with as many connections and 64-byte values: the ceiling any Redis
# client reaches without pipelining. Starts the servers it needs on loopback
# (scripts/services.sh) and stops them after.
#
# Usage: benchmarks/run_storage_benchmark.sh [ops]   (default 20000 per operation)
# Needs: a release build (scripts/test.sh makes one; built here if missing),
# redis-server, redis-tools and postgresql (scripts/deps.sh).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
ops="${1:-20000}"
build="$root/build/release"

if [ ! -x "$build/benchmarks/storage_bench" ]; then
  cmake --preset release >/dev/null
  cmake --build --preset release --target storage_bench
fi
source "$root/scripts/services.sh"
polymcp_services_start
trap polymcp_services_stop EXIT
host="${POLYMCP_TEST_REDIS%:*}"
port="${POLYMCP_TEST_REDIS##*:}"

echo
echo "storage backends: ops/s through the *Storage* API, each operation waiting for its answer"
printf '%-10s %8s %12s %12s %14s %14s %12s\n' backend threads get set set_if_absent "record create" "record read"
for threads in 1 4; do
  "$build/benchmarks/storage_bench" --ops "$ops" --threads "$threads" --redis "$POLYMCP_TEST_REDIS" \
    --postgres "$POLYMCP_TEST_POSTGRES" --sqlite-dir "$(mktemp -d)" | tee -a /tmp/polymcp_storage_bench.$$
done

echo
echo "redis-benchmark (the ceiling: C, no pipelining, 64-byte values):"
declare -A ceiling
for clients in 1 4; do
  out=$(redis-benchmark -h "$host" -p "$port" -n "$ops" -c "$clients" -d 64 -r 100000 -q -t get,set \
        | tr '\r' '\n' | grep -E '^(SET|GET):' | sed -E 's/^([A-Z]+): ([0-9.]+) requests per second.*/\1 \2/')
  nx=$(redis-benchmark -h "$host" -p "$port" -n "$ops" -c "$clients" -r 100000 -q \
        SET "lock:__rand_int__" owner NX PX 60000 | tr '\r' '\n' | grep -E 'requests per second' | tail -n 1 \
        | sed -E 's/^.*: ([0-9.]+) requests per second.*/\1/')
  get=$(echo "$out" | awk '$1 == "GET" { print $2 }')
  set=$(echo "$out" | awk '$1 == "SET" { print $2 }')
  printf '%-10s %8s %12.0f %12.0f %14.0f\n' redis-benchmark "$clients" "$get" "$set" "$nx"
  ceiling[$clients]="$get $set $nx"
done

echo
echo "polymcp redis_storage / redis-benchmark:"
for threads in 1 4; do
  read -r cget cset cnx <<<"${ceiling[$threads]}"
  awk -v t="$threads" -v g="$cget" -v s="$cset" -v n="$cnx" '$1 == "redis" && $2 == t {
    printf "%-10s %8s %11.0f%% %11.0f%% %13.0f%%\n", "ratio", t, 100 * $3 / g, 100 * $4 / s, 100 * $5 / n }' \
    /tmp/polymcp_storage_bench.$$
done
rm -f /tmp/polymcp_storage_bench.$$
