#!/bin/sh
# Builds the Debian package of the gateway (CPack, DEB) from the build folder,
# checks its control data and contents (dpkg-deb) and lintian's verdict (no
# error, no warning), then unpacks it into a scratch root and starts the
# program as its systemd unit does (ExecStart, UMask) with the paths moved
# into that root, and checks it serves /readyz and its web page.
#
# usage: check_deb.sh <build folder> <work folder>
set -eu
build=$1 work=$2
if [ ! -f "$build/CPackConfig.cmake" ]; then
  echo "skipped: the Debian package is not configured (needs help2man: scripts/deps.sh installs it)"
  exit 77
fi
rm -rf "$work"
mkdir -p "$work/root"
(cd "$build" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; exit 1; }
version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
deb="$work/out/polymcp-gateway_${version}_amd64.deb"
[ -f "$deb" ] || { echo "no $deb:"; ls "$work/out"; exit 1; }
echo "== $(basename "$deb"): $(stat -c %s "$deb") bytes"
dpkg-deb -I "$deb"

fail() { echo "FAIL: $*"; exit 1; }
contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/bin/polymcp-gateway ./etc/polymcp-gateway/gateway.json ./lib/systemd/system/polymcp-gateway.service \
         ./usr/share/man/man1/polymcp-gateway.1.gz ./usr/share/doc/polymcp-gateway/copyright \
         ./usr/share/doc/polymcp-gateway/changelog.gz ./usr/share/polymcp-gateway/web/index.html; do
  echo "$contents" | grep -qx "$f" || fail "the package lacks $f"
done
dpkg-deb -f "$deb" Depends | grep -q libssl3 || fail "Depends does not name the shared libraries (dpkg-shlibdeps)"
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles | grep -qx /etc/polymcp-gateway/gateway.json ||
  fail "/etc/polymcp-gateway/gateway.json is not a conffile"

echo "== lintian"
lintian_status=0
lintian_output=$(lintian --fail-on error,warning "$deb" 2>&1) || lintian_status=$?
echo "$lintian_output" | grep -v "running with root privileges" || true
[ "$lintian_status" = 0 ] || fail "lintian reports errors or warnings (above)"
echo "lintian: no error, no warning"

echo "== the unit"
dpkg -x "$deb" "$work/root"
unit="$work/root/lib/systemd/system/polymcp-gateway.service"
for setting in DynamicUser=yes StateDirectory=polymcp-gateway NoNewPrivileges=yes ProtectSystem=strict \
               ProtectHome=yes PrivateTmp=yes CapabilityBoundingSet= UMask=0077; do
  grep -qx "$setting" "$unit" || fail "the unit lacks $setting"
done
if command -v systemd-analyze >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemd-analyze verify "$unit" || fail "systemd-analyze verify"
fi
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
program=${exec_start%% *}
arguments=${exec_start#* }
# The unit's command, inside the scratch root: the program and its --config
# from there, the state directory and web page from there.
command="$work/root$program $(echo "$arguments" | sed "s|/etc/|$work/root/etc/|g")"
"$work/root$program" --version | grep -qx "polymcp-gateway $version" || fail "--version"
"$work/root$program" --help | grep -q -- "--data-dir" || fail "--help"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$work/state"
(
  umask 0077
  export POLYMCP_GATEWAY_PORT="$port" POLYMCP_GATEWAY_DATA_DIR="$work/state/polymcp-gateway" \
         POLYMCP_GATEWAY_WEB_ROOT="$work/root/usr/share/polymcp-gateway/web"
  # shellcheck disable=SC2086
  exec $command
) >"$work/gateway.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
ready=""
i=0
while [ $i -lt 100 ]; do
  if ready=$(curl -fsS "http://127.0.0.1:$port/readyz" 2>/dev/null); then break; fi
  kill -0 $pid 2>/dev/null || { cat "$work/gateway.log"; fail "the gateway exited"; }
  sleep 0.1
  i=$((i + 1))
done
[ -n "$ready" ] || { cat "$work/gateway.log"; fail "no answer on /readyz within 10 s"; }
echo "/readyz: $ready"
curl -fsS "http://127.0.0.1:$port/" | grep -q '<div id="app"' || fail "the web page is not served from the package"
[ "$(stat -c %a "$work/state/polymcp-gateway")" = 700 ] || fail "the state directory is not private (0700)"
kill $pid
wait $pid || true
echo "the packaged gateway started as its unit does, answered /readyz and served its web page"
