#ifndef POLYMCP_CRYPTO_KEY_RING_HPP
#define POLYMCP_CRYPTO_KEY_RING_HPP

/// @file polymcp/crypto/key_ring.hpp
/// `key_ring<C>`: key rotation without downtime with the semantics of Python
/// `cryptography`'s `MultiFernet`, for any *Cipher*: encrypt under the
/// primary key, decrypt under any, and `rotate` a token to the primary key
/// keeping its timestamp.

#include <polymcp/crypto/concepts.hpp>
#include <polymcp/crypto/openssl.hpp>

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace polymcp::crypto {

/// A *Cipher* (docs/cipher.md) over several keys of one cipher `C`.
///
/// Rotating without downtime: (1) deploy with `{new, old}` so that new tokens
/// are written under `new` and old ones still read; (2) rotate the stored
/// tokens (`rotate`, or `storage::reencrypt` for a whole table, in the
/// background); (3) deploy with `{new}` alone.
///
/// Thread-safety: `const` members may be called from many threads at once.
///
/// @code
/// // POLYMCP_ENCRYPTION_KEYS="<new key>,<old key>"
/// auto ring = polymcp::crypto::key_ring<polymcp::crypto::fernet>::from_environment("POLYMCP_ENCRYPTION_KEYS");
/// std::string token = ring.encrypt("s3cret");      // under <new key>
/// std::string fresh = ring.rotate(old_token);      // same plaintext and timestamp, under <new key>
/// @endcode
template <cipher C>
class key_ring : public detail::cipher_interface<key_ring<C>> {
    using base = detail::cipher_interface<key_ring<C>>;

public:
    /// Associated data is bound exactly when `C` binds it.
    static constexpr bool binds_associated_data = C::binds_associated_data;

    /// A ring of `ciphers`, the primary (encrypting) one first; decrypting
    /// tries them in this order, as MultiFernet does.
    /// @throws std::system_error with `errc::missing_key` when `ciphers` is empty.
    explicit key_ring(std::vector<C> ciphers) : ciphers_(std::move(ciphers)) {
        if (ciphers_.empty()) throw std::system_error(errc::missing_key, "a key ring needs at least one key");
    }

    /// A ring from comma-separated URL-safe base64 keys, primary first
    /// (whitespace around each key is ignored).
    /// @param list the keys, e.g. "<new>,<old>"
    /// @param ec `errc::missing_key` for an empty list, `errc::malformed_key`
    ///           when any entry is not a key; nothing is returned then.
    static std::optional<key_ring> from_key_list(std::string_view list, std::error_code& ec)
        requires requires { typename C::key_type; }
    {
        ec.clear();
        std::vector<C> ciphers;
        while (true) {
            auto comma = list.find(',');
            auto item = list.substr(0, comma);
            auto key = C::key_type::from_base64url(item, ec);
            if (ec == errc::missing_key && comma != std::string_view::npos) ec = errc::malformed_key;  // ",,"
            if (ec) return std::nullopt;
            ciphers.emplace_back(*key);
            if (comma == std::string_view::npos) break;
            list.remove_prefix(comma + 1);
        }
        return key_ring(std::move(ciphers));
    }
    /// As above; @throws std::system_error with the error code.
    static key_ring from_key_list(std::string_view list)
        requires requires { typename C::key_type; }
    {
        std::error_code ec;
        auto r = from_key_list(list, ec);
        if (ec) throw std::system_error(ec, "reading a key list");
        return std::move(*r);
    }
    /// A ring from the environment variable `name`, in the format of `from_key_list`.
    /// @param name the variable, e.g. "POLYMCP_ENCRYPTION_KEYS"
    /// @param ec `errc::missing_key` when the variable is unset or empty.
    static std::optional<key_ring> from_environment(const char* name, std::error_code& ec)
        requires requires { typename C::key_type; }
    {
        const char* v = std::getenv(name);
        if (v == nullptr) {
            ec = errc::missing_key;
            return std::nullopt;
        }
        return from_key_list(v, ec);
    }
    /// As above; @throws std::system_error whose text names the variable (never its value).
    static key_ring from_environment(const char* name)
        requires requires { typename C::key_type; }
    {
        std::error_code ec;
        auto r = from_environment(name, ec);
        if (ec) throw std::system_error(ec, std::string("environment variable ") + name);
        return std::move(*r);
    }

    using base::decrypt;
    using base::encrypt;

    /// Encrypts under the primary key.
    std::string encrypt_at_time(std::string_view pt, std::string_view ad, std::uint64_t t,
                                std::error_code& ec) const {
        return ciphers_.front().encrypt_at_time(pt, ad, t, ec);
    }

    /// Decrypts under the first key that authenticates the token.
    /// @param token what `encrypt` made
    /// @param ad the associated data it was made with (when `C` binds it)
    /// @param opt the TTL and clock-skew checks
    /// @param ec as `C::decrypt`; when no key succeeds, the first error that
    ///           does not depend on the key (`invalid_token`, `expired`,
    ///           `not_yet_valid`, ...) if any, else `authentication_failed`,
    ///           or `wrong_key` when every key reported `wrong_key`.
    std::string decrypt(std::string_view token, std::string_view ad, const decrypt_options& opt,
                        std::error_code& ec) const {
        std::size_t index = 0;
        return decrypt_with(token, ad, opt, index, ec);
    }

    /// The token's timestamp, authenticated by whichever key made it.
    std::uint64_t extract_timestamp(std::string_view token, std::string_view ad, std::error_code& ec) const {
        std::size_t index = 0;
        std::string pt = decrypt_with(token, ad, decrypt_options{}, index, ec);
        detail::cleanse(pt);
        if (ec) return 0;
        return ciphers_[index].extract_timestamp(token, ad, ec);
    }

    /// Re-encrypts `token` under the primary key, keeping its plaintext, its
    /// timestamp and its associated data, whatever its age (no TTL is
    /// checked), as `MultiFernet.rotate`. A token already under the primary
    /// key is re-encrypted too (with a fresh IV/nonce).
    /// @param token what `encrypt` made, under any key of the ring
    /// @param ad its associated data (when `C` binds it)
    /// @param ec as `decrypt`; on error the result is "".
    std::string rotate(std::string_view token, std::string_view ad, std::error_code& ec) const {
        std::size_t index = 0;
        std::string pt = decrypt_with(token, ad, decrypt_options{}, index, ec);
        if (ec) return {};
        std::uint64_t ts = ciphers_[index].extract_timestamp(token, ad, ec);
        std::string out = ec ? std::string() : ciphers_.front().encrypt_at_time(pt, ad, ts, ec);
        detail::cleanse(pt);
        return out;
    }
    /// As above; @throws std::system_error with the error code.
    std::string rotate(std::string_view token, std::string_view ad = {}) const {
        std::error_code ec;
        auto out = rotate(token, ad, ec);
        if (ec) throw std::system_error(ec, "rotate");
        return out;
    }

    /// Whether `token` authenticates under the primary key (so that `rotate`
    /// would not change which key it is under).
    bool is_primary(std::string_view token, std::string_view ad = {}) const {
        std::error_code ec;
        ciphers_.front().extract_timestamp(token, ad, ec);
        return !ec;
    }

    /// The primary (encrypting) cipher.
    const C& primary() const noexcept { return ciphers_.front(); }
    /// The number of keys.
    std::size_t size() const noexcept { return ciphers_.size(); }

private:
    std::string decrypt_with(std::string_view token, std::string_view ad, const decrypt_options& opt,
                             std::size_t& index, std::error_code& ec) const {
        std::error_code first_independent;
        bool all_wrong_key = true;
        for (std::size_t i = 0; i < ciphers_.size(); ++i) {
            std::string pt = ciphers_[i].decrypt(token, ad, opt, ec);
            if (!ec) {
                index = i;
                return pt;
            }
            if (ec != errc::wrong_key) all_wrong_key = false;
            if (ec != errc::wrong_key && ec != errc::authentication_failed && !first_independent)
                first_independent = ec;
            if (ec == errc::invalid_token || ec == errc::associated_data_unsupported) break;  // same for every key
        }
        ec = first_independent ? first_independent
                               : (all_wrong_key ? make_error_code(errc::wrong_key)
                                                : make_error_code(errc::authentication_failed));
        return {};
    }

    std::vector<C> ciphers_;
};

}  // namespace polymcp::crypto

#endif
