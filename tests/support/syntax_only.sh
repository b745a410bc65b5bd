#!/bin/sh
# A compiler launcher (CXX_COMPILER_LAUNCHER) for checks that only need the
# compiler's front end: runs the compile command it is given with
# -fsyntax-only (parsing, name lookup, template instantiation and front-end
# warnings, but no code generation), then creates the empty object file the
# build tool expects, so that an unchanged check is not run again. GCC and
# clang still write the -MD dependency file in this mode.
# usage: syntax_only.sh <compiler> <arguments...> (as the build tool calls it)
out=
prev=
for arg in "$@"; do
  [ "$prev" = "-o" ] && out=$arg
  prev=$arg
done
"$@" -fsyntax-only || exit
[ -z "$out" ] || : > "$out"
