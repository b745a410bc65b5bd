#!/usr/bin/env bash
# Starts (or stops) the real servers the storage tests run against, on
# loopback only, each with its own data directory under $POLYMCP_SERVICES_DIR
# (default: one under /tmp per clone), never touching a system-wide instance:
#   - redis-server on 127.0.0.1:$POLYMCP_REDIS_PORT (6390), no persistence;
#   - PostgreSQL 15 on 127.0.0.1:$POLYMCP_POSTGRES_PORT (54329), a throwaway
#     cluster made by initdb, trust authentication for the user `polymcp`.
#
#   source scripts/services.sh && polymcp_services_start   # exports the variables below
#   polymcp_services_stop
#
# Exports POLYMCP_TEST_REDIS (host:port) and POLYMCP_TEST_POSTGRES (a libpq
# connection string), which tests/unit/storage_test.cpp reads.
# Needs the Debian packages redis-server and postgresql (scripts/deps.sh).

polymcp_services_dir() {
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  # Under /tmp, not the clone: the postgres user must be able to reach it.
  echo "${POLYMCP_SERVICES_DIR:-${TMPDIR:-/tmp}/polymcp-services-$(id -u)-$(echo "$root" | md5sum | cut -c1-8)}"
}

polymcp_pg_bin() {
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$d" ] || { echo "polymcp: PostgreSQL server binaries not found (apt install postgresql)" >&2; return 1; }
  echo "$d"
}

polymcp_services_start() {
  local dir redis_port pg_port pg_bin run_as=()
  dir="$(polymcp_services_dir)"
  redis_port="${POLYMCP_REDIS_PORT:-6390}"
  pg_port="${POLYMCP_POSTGRES_PORT:-54329}"
  mkdir -p "$dir"
  polymcp_services_stop >/dev/null 2>&1 || true

  # Redis: in the foreground of a background job would die with the shell's
  # job control; daemonize with a pid file instead.
  if redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1; then
    echo "polymcp: port $redis_port is taken by another Redis; set POLYMCP_REDIS_PORT" >&2
    return 1
  fi
  mkdir -p "$dir/redis"
  redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$dir/redis" --save "" --appendonly no \
    --daemonize yes --pidfile "$dir/redis/redis.pid" --logfile "$dir/redis/redis.log" >/dev/null
  for _ in $(seq 1 50); do
    redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null || { echo "polymcp: redis-server did not start" >&2; return 1; }

  # PostgreSQL refuses to run as root: run it as the postgres user when root.
  pg_bin="$(polymcp_pg_bin)" || return 1
  rm -rf "$dir/postgres"
  mkdir -p "$dir/postgres"
  if [ "$(id -u)" -eq 0 ]; then
    chown -R postgres:postgres "$dir/postgres"
    chmod 755 "$dir"
    run_as=(runuser -u postgres --)
  fi
  "${run_as[@]}" "$pg_bin/initdb" -D "$dir/postgres/data" -U polymcp -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  if ! "${run_as[@]}" "$pg_bin/pg_ctl" -D "$dir/postgres/data" -l "$dir/postgres/server.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $dir/postgres -c fsync=off -c max_connections=200" >/dev/null; then
    echo "polymcp: PostgreSQL did not start (port $pg_port taken? set POLYMCP_POSTGRES_PORT); its log:" >&2
    tail -n 5 "$dir/postgres/server.log" >&2
    return 1
  fi

  export POLYMCP_TEST_REDIS="127.0.0.1:$redis_port"
  export POLYMCP_TEST_POSTGRES="host=127.0.0.1 port=$pg_port user=polymcp dbname=postgres"
  echo "polymcp: redis-server on $POLYMCP_TEST_REDIS, PostgreSQL on 127.0.0.1:$pg_port"
}

polymcp_services_stop() {
  local dir pg_bin
  dir="$(polymcp_services_dir)"
  if [ -f "$dir/redis/redis.pid" ]; then
    kill "$(cat "$dir/redis/redis.pid")" 2>/dev/null || true
    rm -f "$dir/redis/redis.pid"
  fi
  if [ -d "$dir/postgres/data" ] && pg_bin="$(polymcp_pg_bin)"; then
    if [ "$(id -u)" -eq 0 ]; then
      runuser -u postgres -- "$pg_bin/pg_ctl" -D "$dir/postgres/data" -m fast -w stop >/dev/null 2>&1 || true
    else
      "$pg_bin/pg_ctl" -D "$dir/postgres/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
  fi
}
