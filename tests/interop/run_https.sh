#!/usr/bin/env bash
# The TypeScript SDK v1 client drives everything_server over HTTPS: Node's own
# TLS stack as the real peer. The certificate is made here, for localhost and
# 127.0.0.1, so that it is valid by this machine's clock.
# usage: run_https.sh EVERYTHING_SERVER NODE
set -euo pipefail
server="$1" node="$2"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -keyout "$work/key.pem" -out "$work/cert.pem" -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
NODE_EXTRA_CA_CERTS="$work/cert.pem" "$node" "$here/ts_sdk_client_http.mjs" "$server" v1 \
  --tls-cert "$work/cert.pem" --tls-key "$work/key.pem"
