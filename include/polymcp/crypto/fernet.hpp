#ifndef POLYMCP_CRYPTO_FERNET_HPP
#define POLYMCP_CRYPTO_FERNET_HPP

/// @file polymcp/crypto/fernet.hpp
/// `fernet`: the Fernet token format (version 0x80, AES-128-CBC with PKCS #7
/// padding, HMAC-SHA256, URL-safe base64 with padding, a 64-bit timestamp),
/// exactly per the Fernet specification (github.com/fernet/spec) and
/// byte-compatible with Python `cryptography`'s `Fernet`, on OpenSSL 3.

#include <polymcp/crypto/concepts.hpp>
#include <polymcp/crypto/secret_key.hpp>

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

namespace polymcp::crypto {

/// A *Cipher* (docs/cipher.md) that reads and writes Fernet tokens.
///
/// - Key: 32 bytes, URL-safe base64 (44 characters) as
///   `Fernet.generate_key()` writes them; the first 16 bytes sign
///   (HMAC-SHA256), the last 16 encrypt (AES-128-CBC).
/// - Token: base64url(0x80 ‖ timestamp (8, big-endian) ‖ IV (16) ‖
///   ciphertext ‖ HMAC (32)); a fresh random IV for every token.
/// - Decrypting checks, in Python's order: base64, version byte, length,
///   then (only when a TTL is given) expiry and clock skew, then the HMAC in
///   constant time, then decryption and padding. No plaintext is produced
///   before the HMAC verifies.
/// - Fernet cannot bind associated data: a non-empty `ad` fails with
///   `errc::associated_data_unsupported` (use `aes_256_gcm` for that).
///
/// Thread-safety: `const` members may be called from many threads at once.
///
/// @code
/// auto f = polymcp::crypto::fernet(polymcp::crypto::fernet::key_type::from_environment("POLYMCP_ENCRYPTION_KEY"));
/// std::string token = f.encrypt("s3cret");
/// std::string back = f.decrypt(token);                            // "s3cret"
/// f.decrypt(token, {}, {.ttl = std::chrono::hours(1)});            // throws errc::expired after an hour
/// @endcode
class fernet : public detail::cipher_interface<fernet> {
public:
    /// A Fernet key: 32 bytes.
    using key_type = secret_key<32>;
    /// Tokens cannot carry associated data.
    static constexpr bool binds_associated_data = false;
    /// The version byte of the only Fernet version.
    static constexpr unsigned char version = 0x80;

    /// A cipher using `key`. The key is copied into this object and cleansed
    /// with it.
    explicit fernet(const key_type& key) : key_(key) {}

    /// A fresh random key, as `Fernet.generate_key()`.
    static key_type generate_key() { return key_type::generate(); }

    using cipher_interface::decrypt;
    using cipher_interface::encrypt;

    /// Encrypts `plaintext` into a token with timestamp `unix_time` (seconds)
    /// and a random IV. `ad` must be empty.
    /// @param plaintext the bytes to seal
    /// @param ad must be empty (Fernet binds no associated data)
    /// @param unix_time the token's timestamp, in s
    /// @param ec `errc::associated_data_unsupported`, or `errc::crypto_failure`
    ///           when OpenSSL fails; the result is then "".
    POLYMCP_DECL std::string encrypt_at_time(std::string_view plaintext, std::string_view ad,
                                             std::uint64_t unix_time, std::error_code& ec) const;

    /// Builds a token from all of its parts, as Python's
    /// `Fernet._encrypt_from_parts`: for reproducing test vectors only. An IV
    /// must never be used twice under one key.
    POLYMCP_DECL std::string encrypt_from_parts(std::string_view plaintext, std::uint64_t unix_time,
                                                std::span<const unsigned char, 16> iv, std::error_code& ec) const;

    /// Decrypts a token made under this key. `ad` must be empty.
    /// @param token a Fernet token
    /// @param ad must be empty
    /// @param opt  the TTL and the time to check it against (see decrypt_options).
    /// @param ec   `errc::invalid_token`, `expired`, `not_yet_valid`,
    ///             `authentication_failed` (another key, or an altered token),
    ///             `associated_data_unsupported`; the result is then "".
    POLYMCP_DECL std::string decrypt(std::string_view token, std::string_view ad, const decrypt_options& opt,
                                     std::error_code& ec) const;

    /// The token's timestamp (seconds since the Unix epoch), after verifying
    /// its HMAC, as Python's `Fernet.extract_timestamp`.
    POLYMCP_DECL std::uint64_t extract_timestamp(std::string_view token, std::string_view ad,
                                                 std::error_code& ec) const;

private:
    std::span<const unsigned char, 16> signing_key() const noexcept { return key_.bytes().first<16>(); }
    std::span<const unsigned char, 16> encryption_key() const noexcept { return key_.bytes().last<16>(); }
    // Decodes and authenticates; on success `raw` holds the whole token.
    POLYMCP_DECL bool verify(std::string_view token, const decrypt_options* opt, detail::bytes& raw,
                             std::error_code& ec) const;

    key_type key_;
};

}  // namespace polymcp::crypto

#if POLYMCP_HEADER_ONLY
#include <polymcp/crypto/impl/fernet.ipp>
#endif

#endif
