#!/usr/bin/env bash
# polymcp-keys (examples/keys): a generated key encrypts and decrypts, a ring
# rotates an old token, AES-GCM refuses other associated data, and errors
# never print the key or the plaintext.
set -euo pipefail
keys="$1"
old=$("$keys" generate)
new=$("$keys" generate)
[ ${#old} -eq 44 ] || { echo "key length ${#old}"; exit 1; }

export POLYMCP_ENCRYPTION_KEYS="$old"
token=$(printf 'top secret' | "$keys" encrypt)
[ "$(printf '%s' "$token" | "$keys" decrypt)" = "top secret" ]

export POLYMCP_ENCRYPTION_KEYS="$new,$old"
rotated=$(printf '%s' "$token" | "$keys" rotate)
export POLYMCP_ENCRYPTION_KEYS="$new"
[ "$(printf '%s' "$rotated" | "$keys" decrypt)" = "top secret" ]
if err=$(printf '%s' "$token" | "$keys" decrypt 2>&1); then echo "old token decrypted without its key"; exit 1; fi
case "$err" in *"authentication failed"*) ;; *) echo "unexpected error: $err"; exit 1 ;; esac
case "$err" in *"$new"*|*"top secret"*) echo "secret in error text"; exit 1 ;; esac

gcm=$(printf 'api-key' | "$keys" encrypt --cipher aes-gcm --aad "tenant=a")
[ "$(printf '%s' "$gcm" | "$keys" decrypt --cipher aes-gcm --aad "tenant=a")" = "api-key" ]
if printf '%s' "$gcm" | "$keys" decrypt --cipher aes-gcm --aad "tenant=b" 2>/dev/null; then
  echo "token moved to another tenant decrypted"; exit 1
fi

unset POLYMCP_ENCRYPTION_KEYS
if err=$(printf 'x' | "$keys" encrypt 2>&1); then echo "encrypted without a key"; exit 1; fi
case "$err" in *"no encryption key configured"*) ;; *) echo "unexpected error: $err"; exit 1 ;; esac
echo "polymcp-keys: ok"
