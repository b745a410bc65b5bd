#ifndef POLYMCP_CRYPTO_AES_GCM_HPP
#define POLYMCP_CRYPTO_AES_GCM_HPP

/// @file polymcp/crypto/aes_gcm.hpp
/// `aes_256_gcm`: AES-256 in Galois/Counter Mode (NIST SP 800-38D) with
/// associated data, on OpenSSL 3, in a timestamped token format of polymcp's
/// own.

#include <polymcp/crypto/concepts.hpp>
#include <polymcp/crypto/secret_key.hpp>

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

namespace polymcp::crypto {

/// A *Cipher* (docs/cipher.md) that binds each token to associated data.
///
/// Bind a credential to its owner by passing, say,
/// `"tenant=t1;user=u7;connector=mcp_x;field=api_key"` as `ad` when
/// encrypting and decrypting: a token copied into another record then fails
/// with `errc::authentication_failed`.
///
/// - Key: 32 bytes, URL-safe base64 (44 characters), like a Fernet key.
/// - Token: base64url(0xA1 ‖ key id (4) ‖ timestamp (8, big-endian) ‖
///   nonce (12) ‖ ciphertext ‖ tag (16)). The key id is the first 4 bytes of
///   HMAC-SHA256(key, "polymcp aes-256-gcm key id") and reveals nothing about
///   the key; it lets a key ring pick the right key and report
///   `errc::wrong_key`. Version byte, key id and timestamp are authenticated
///   together with `ad`.
/// - Nonces are 96 bits from the OpenSSL CSPRNG, so one key should seal at
///   most 2^32 tokens (SP 800-38D section 8.3): rotate keys well before.
/// - The 128-bit tag is verified before any plaintext is returned; a failed
///   decryption overwrites whatever it had decrypted.
///
/// Thread-safety: `const` members may be called from many threads at once.
class aes_256_gcm : public detail::cipher_interface<aes_256_gcm> {
public:
    /// An AES-256 key: 32 bytes.
    using key_type = secret_key<32>;
    /// Tokens authenticate the associated data.
    static constexpr bool binds_associated_data = true;
    /// The first byte of every token of this format.
    static constexpr unsigned char version = 0xA1;

    /// A cipher using `key` (copied, and cleansed with this object).
    POLYMCP_DECL explicit aes_256_gcm(const key_type& key);

    /// A fresh random key.
    static key_type generate_key() { return key_type::generate(); }

    using cipher_interface::decrypt;
    using cipher_interface::encrypt;

    /// Encrypts `plaintext` bound to `ad` with timestamp `unix_time` (seconds).
    /// @param plaintext the bytes to seal
    /// @param ad associated data the token is bound to (not in the token)
    /// @param unix_time the token's timestamp, in s
    /// @param ec `errc::crypto_failure` when OpenSSL fails; the result is then "".
    POLYMCP_DECL std::string encrypt_at_time(std::string_view plaintext, std::string_view ad,
                                             std::uint64_t unix_time, std::error_code& ec) const;

    /// Decrypts a token made under this key with the same `ad`.
    /// @param token what `encrypt` made
    /// @param ad the associated data it was made with
    /// @param opt the TTL and the time to check it against (see decrypt_options)
    /// @param ec `errc::invalid_token`, `wrong_key` (another key's id),
    ///           `authentication_failed` (altered, or other `ad`), `expired`,
    ///           `not_yet_valid`; the result is then "".
    POLYMCP_DECL std::string decrypt(std::string_view token, std::string_view ad, const decrypt_options& opt,
                                     std::error_code& ec) const;

    /// The token's timestamp after authenticating it (and `ad`).
    POLYMCP_DECL std::uint64_t extract_timestamp(std::string_view token, std::string_view ad,
                                                 std::error_code& ec) const;

    /// This key's 4-byte id, as written into its tokens.
    std::span<const unsigned char, 4> key_id() const noexcept { return key_id_; }

private:
    POLYMCP_DECL std::string open(std::string_view token, std::string_view ad, std::uint64_t* timestamp,
                                  std::error_code& ec) const;

    key_type key_;
    std::array<unsigned char, 4> key_id_{};
};

}  // namespace polymcp::crypto

#if POLYMCP_HEADER_ONLY
#include <polymcp/crypto/impl/aes_gcm.ipp>
#endif

#endif
