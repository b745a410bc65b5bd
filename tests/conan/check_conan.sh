#!/bin/sh
# Creates the polymcp Conan package from a copy of the recipe and its sources
# and runs its test_package (a small MCP server, spoken to over stdin), in a
# Conan home of its own, offline, with Debian's packages as the dependencies
# (tests/conan/debian12); then checks the package id: one for every
# configuration when header-only, one per configuration when compiled.
#
# usage: check_conan.sh <source dir> <work dir> header-only|compiled
# The Conan 2 client: $POLYMCP_CONAN, else `conan` on PATH; without one the
# test is skipped (exit 77). Debian 12 has no Conan 2 package: CI provides an
# offline client through POLYMCP_CONAN (.ci/run).
set -eu
src=$1 work=$2 mode=$3
conan=${POLYMCP_CONAN:-$(command -v conan || true)}
if [ -z "$conan" ]; then
  echo "skipped: no Conan 2 client (install Conan 2, or set POLYMCP_CONAN to its conan program)"
  exit 77
fi
rm -rf "$work"
mkdir -p "$work/recipe"
cp -R "$src/conanfile.py" "$src/CMakeLists.txt" "$src/cmake" "$src/include" "$src/test_package" "$work/recipe/"
rm -rf "$work/recipe/test_package/build" "$work/recipe/test_package/CMakeUserPresets.json"
export CONAN_HOME="$work/home"
"$conan" profile detect >/dev/null 2>&1
cp "$src/tests/conan/debian12" "$CONAN_HOME/profiles/debian12"
# ccache, with paths below the Conan home made relative so that a later run hits.
if command -v ccache >/dev/null 2>&1; then
  export CMAKE_CXX_COMPILER_LAUNCHER=ccache CCACHE_BASEDIR="$work"
fi

case $mode in
  header-only) options="" ;;
  # The compiled core only: the optional parts' libraries build the same way.
  compiled) options="-o polymcp/*:compiled=True -o polymcp/*:with_crypto=False -o polymcp/*:with_http=False -o polymcp/*:with_http_client=False" ;;
  *) echo "unknown mode $mode"; exit 2 ;;
esac
# shellcheck disable=SC2086
"$conan" create "$work/recipe" -pr:a debian12 -nr $options

package_id() {  # the package id of polymcp/<version> for build_type $1
  # shellcheck disable=SC2086
  "$conan" graph info --requires="polymcp/$version" -pr:a debian12 -nr -s build_type="$1" $options -f json 2>/dev/null |
    python3 -c 'import json,sys; g=json.load(sys.stdin)["graph"]["nodes"]; print(next(n["package_id"] for n in g.values() if (n.get("ref") or "").startswith("polymcp/")))'
}
version=$(sed -n 's/^project(polymcp VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
release=$(package_id Release)
debug=$(package_id Debug)
echo "package id: Release $release, Debug $debug"
if [ "$mode" = header-only ] && [ "$release" != "$debug" ]; then
  echo "a header-only package must have one id for every configuration"; exit 1
fi
if [ "$mode" = compiled ] && [ "$release" = "$debug" ]; then
  echo "a compiled package must have an id per configuration"; exit 1
fi
echo "conan create ($mode): the package and its test_package passed"
