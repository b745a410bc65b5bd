#ifndef POLYMCP_SRC_CRYPTO_HPP
#define POLYMCP_SRC_CRYPTO_HPP

/// @file polymcp/src_crypto.hpp
/// A compiled part of polymcp for separate compilation, beside polymcp/src.hpp:
/// the cipher policy (polymcp/crypto/) and the JOSE-based auth policies (API keys, JWS, JWK, JWT, the OAuth resource server), on OpenSSL's libcrypto. CMake: `polymcp::crypto_compiled`.
/// Include it in exactly one translation unit of a program that also
/// compiles polymcp/src.hpp; every translation unit defines
/// `POLYMCP_SEPARATE_COMPILATION`.

#include <polymcp/core/config.hpp>

#if POLYMCP_HEADER_ONLY
#  error "polymcp/src_crypto.hpp is for separate compilation: define POLYMCP_SEPARATE_COMPILATION for the whole program"
#endif

#include <polymcp/crypto/impl/openssl.ipp>
#include <polymcp/crypto/impl/aes_gcm.ipp>
#include <polymcp/crypto/impl/concepts.ipp>
#include <polymcp/crypto/impl/error.ipp>
#include <polymcp/crypto/impl/fernet.ipp>
#include <polymcp/auth/detail/impl/jose.ipp>
#include <polymcp/auth/impl/api_key.ipp>
#include <polymcp/auth/impl/jwk.ipp>
#include <polymcp/auth/impl/jws.ipp>
#include <polymcp/auth/impl/jwt.ipp>
#include <polymcp/auth/impl/resource_server.ipp>

#endif
