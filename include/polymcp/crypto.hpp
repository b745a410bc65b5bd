#ifndef POLYMCP_CRYPTO_HPP
#define POLYMCP_CRYPTO_HPP

/// @file polymcp/crypto.hpp
/// The cipher policy and its models: `fernet`, `aes_256_gcm`, `key_ring<C>`
/// (docs/cipher.md). Link the CMake target `polymcp::crypto` (OpenSSL 3).

#include <polymcp/crypto/aes_gcm.hpp>
#include <polymcp/crypto/concepts.hpp>
#include <polymcp/crypto/error.hpp>
#include <polymcp/crypto/fernet.hpp>
#include <polymcp/crypto/key_ring.hpp>
#include <polymcp/crypto/secret_key.hpp>

#endif
