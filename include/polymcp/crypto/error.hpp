#ifndef POLYMCP_CRYPTO_ERROR_HPP
#define POLYMCP_CRYPTO_ERROR_HPP

/// @file polymcp/crypto/error.hpp
/// The typed errors of the cipher policy (polymcp/crypto/concepts.hpp) as a
/// `std::error_code` category. Every message is fixed text: no error, message
/// or exception text of polymcp::crypto ever contains key material, plaintext
/// or the token itself.

#include <polymcp/core/config.hpp>

#include <string>
#include <system_error>

namespace polymcp::crypto {

/// Why encrypting, decrypting or loading a key failed.
enum class errc {
    success = 0,
    /// Not a token of this cipher's format: not base64url, unknown version
    /// byte, too short, a length that is not whole blocks, or bad padding.
    invalid_token,
    /// The token is older than the TTL given to `decrypt` (timestamp + ttl < now).
    expired,
    /// The token's timestamp is more than the allowed clock skew (60 s) in the
    /// future; only checked when a TTL is given, as Python `cryptography` does.
    not_yet_valid,
    /// The MAC or authentication tag does not verify: the token was made under
    /// another key, was altered after it was made, or (AES-GCM) was bound to
    /// other associated data. These cases cannot be told apart by design.
    authentication_failed,
    /// The token names (by key id) a key this cipher or key ring does not hold.
    wrong_key,
    /// Associated data was given to a cipher whose format cannot bind it (Fernet).
    associated_data_unsupported,
    /// No key where one was expected: an unset environment variable, a missing
    /// or empty key file, an empty key list.
    missing_key,
    /// A key that is not URL-safe base64 of the right number of bytes.
    malformed_key,
    /// OpenSSL failed (random generator, cipher set-up); nothing was produced.
    crypto_failure,
};

/// The category of `polymcp::crypto::errc` codes (name "polymcp.crypto"). Thread-safe.
POLYMCP_DECL const std::error_category& error_category() noexcept;

/// Makes a `std::error_code` from a `polymcp::crypto::errc` (found by ADL).
inline std::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), crypto::error_category()};
}

}  // namespace polymcp::crypto

template <>
struct std::is_error_code_enum<polymcp::crypto::errc> : std::true_type {};

#if POLYMCP_HEADER_ONLY
#include <polymcp/crypto/impl/error.ipp>
#endif

#endif
