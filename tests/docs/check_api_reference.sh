#!/bin/sh
# Builds the API reference with Doxygen, every warning an error, and checks that
# it holds the pages a reader starts from.
# Then checks that the same settings refuse an undocumented entity and a broken
# reference (violations/api/bad.hpp).
# usage: check_api_reference.sh <doxygen, or empty> <output dir holding Doxyfile>
# Exit 77 (skipped) without doxygen.
doxygen=$1
out=$2
if [ -z "$doxygen" ] || ! command -v "$doxygen" > /dev/null 2>&1; then
  echo "skipped: no doxygen (apt install doxygen; scripts/deps.sh installs it)"
  exit 77
fi
rm -rf "$out/html" "$out/warnings.txt"
"$doxygen" "$out/Doxyfile" > "$out/doxygen.log" 2>&1
rc=$?
if [ -s "$out/warnings.txt" ] || [ $rc -ne 0 ]; then
  echo "FAIL: doxygen exited $rc with these warnings (WARN_AS_ERROR):"
  cat "$out/warnings.txt" "$out/doxygen.log"
  exit 1
fi
status=0
# The main page, a concept page per policy kind, the concepts, and the server.
for page in index concept_transport concept_auth concept_storage concept_cipher \
            conceptpolymcp_1_1transport conceptpolymcp_1_1auth_1_1auth__policy \
            conceptpolymcp_1_1storage_1_1storage conceptpolymcp_1_1crypto_1_1cipher \
            classpolymcp_1_1server; do
  if [ ! -s "$out/html/$page.html" ]; then
    echo "FAIL: no $page.html in the reference"
    status=1
  fi
done
# A concept page shows its requirement table and its exemplar.
for want in "s.set_if_absent(k, v, t, ec)" "file_storage"; do
  grep -qF "$want" "$out/html/concept_storage.html" || { echo "FAIL: concept_storage.html lacks $want"; status=1; }
done
[ $status -eq 0 ] && echo "API reference: $(ls "$out/html" | wc -l) files, no warning, in $out/html"

# The same settings over violations/api: doxygen must fail, naming both.
bad=$out/violations
rm -rf "$bad" && mkdir -p "$bad"
{ cat "$out/Doxyfile"
  echo "INPUT = $(dirname "$0")/violations/api"
  echo "OUTPUT_DIRECTORY = $bad"
  echo "WARN_LOGFILE = $bad/warnings.txt"
  echo "STRIP_FROM_PATH = $(dirname "$0")/violations"; } | "$doxygen" - > "$bad/doxygen.log" 2>&1
rc=$?
if [ $rc -eq 0 ]; then
  echo "FAIL: doxygen accepted violations/api/bad.hpp"
  status=1
fi
for want in "undocumented_function" "no_such_entity"; do
  grep -q "$want" "$bad/warnings.txt" || { echo "FAIL: no warning names $want"; cat "$bad/warnings.txt"; status=1; }
done
[ $status -eq 0 ] && echo "refused, as it should be: $(grep -c . "$bad/warnings.txt") warnings for violations/api/bad.hpp"
exit $status
