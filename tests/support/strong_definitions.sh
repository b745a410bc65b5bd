#!/bin/sh
# Fails when the object file $1 (every public header included in header-only
# mode, and `main`) holds a strong definition other than `main`: a function or
# variable defined in a header without `inline`, which every translation unit
# including that header would define again (a duplicate symbol at link time).
# Inline functions and variables, templates and vtables are weak (nm W, V, u)
# or not emitted at all.
# usage: strong_definitions.sh <object file>
set -eu
strong=$(nm --defined-only -C "$1" | awk '$2 ~ /^[TDBRGS]$/ { $1 = ""; print }' | grep -v '^ T main$' || true)
if [ -n "$strong" ]; then
  echo "defined in a header without inline (each including TU would define these again):"
  echo "$strong"
  exit 1
fi
echo "no strong definition besides main in $1"
