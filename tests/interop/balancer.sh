#!/usr/bin/env bash
# A round-robin HTTP load balancer with no session affinity, as operators put
# in front of several instances of a server: nginx (Debian package
# nginx-light) on 127.0.0.1:LISTEN_PORT, proxying each request to the next of
# 127.0.0.1:UPSTREAM_PORT..., with responses and request bodies unbuffered
# (SSE streams pass as they are written). A request that cannot reach an
# instance (connection refused) goes to the next one; a request an instance
# took and then lost is not sent again (nginx never retries a POST it sent).
# Prints "balancer: listening on http://127.0.0.1:PORT" on stderr once it
# accepts connections, then runs until SIGTERM or SIGINT.
#
# usage: balancer.sh LISTEN_PORT UPSTREAM_PORT...
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: balancer.sh LISTEN_PORT UPSTREAM_PORT..." >&2; exit 2; }
listen="$1"
shift
nginx="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x "$nginx" ] || { echo "balancer: nginx not found (apt install nginx-light)" >&2; exit 1; }
work="$(mktemp -d)"
pid=""
cleanup() {
  [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 0' TERM INT

servers=""
for p in "$@"; do servers+="    server 127.0.0.1:$p max_fails=1 fail_timeout=2s;"$'\n'; done
mkdir -p "$work/tmp"
cat >"$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/tmp/body;
  proxy_temp_path $work/tmp/proxy;
  fastcgi_temp_path $work/tmp/fastcgi;
  uwsgi_temp_path $work/tmp/uwsgi;
  scgi_temp_path $work/tmp/scgi;
  upstream instances {
$servers    keepalive 32;
  }
  server {
    listen 127.0.0.1:$listen;
    client_max_body_size 8m;
    location / {
      proxy_pass http://instances;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$http_host;
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 3600s;
      proxy_next_upstream error timeout;
    }
  }
}
CONF
"$nginx" -e stderr -p "$work" -c "$work/nginx.conf" -g 'daemon off;' &
pid=$!
for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$listen") 2>/dev/null; then
    echo "balancer: listening on http://127.0.0.1:$listen" >&2
    wait "$pid"
    exit $?
  fi
  kill -0 "$pid" 2>/dev/null || { echo "balancer: nginx exited" >&2; exit 1; }
  sleep 0.1
done
echo "balancer: nginx did not start listening on $listen" >&2
exit 1
