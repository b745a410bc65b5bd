#ifndef POLYMCP_CRYPTO_CONCEPTS_HPP
#define POLYMCP_CRYPTO_CONCEPTS_HPP

/// @file polymcp/crypto/concepts.hpp
/// The cipher policy: the named requirement *Cipher*, checked by the
/// `polymcp::crypto::cipher` concept and documented in docs/cipher.md.
///
/// A cipher turns bytes (and optional associated data) into a printable
/// token and back. Models: `fernet` (polymcp/crypto/fernet.hpp),
/// `aes_256_gcm` (polymcp/crypto/aes_gcm.hpp) and `key_ring<C>` of either
/// (polymcp/crypto/key_ring.hpp).

#include <polymcp/crypto/error.hpp>

#include <chrono>
#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace polymcp::crypto {

/// Token lifetime checks for `decrypt` (the semantics of Python
/// `cryptography`'s `Fernet.decrypt(token, ttl)`).
struct decrypt_options {
    /// When set, a token whose timestamp + ttl < now fails with
    /// `errc::expired`, and a token whose timestamp is more than
    /// `max_clock_skew` ahead of now fails with `errc::not_yet_valid`.
    /// When unset, the timestamp is not checked at all.
    std::optional<std::chrono::seconds> ttl{};
    /// "Now" in seconds since the Unix epoch; the system clock when unset.
    std::optional<std::uint64_t> now{};
    /// How far in the future a timestamp may be (Python: `_MAX_CLOCK_SKEW`, 60 s).
    std::chrono::seconds max_clock_skew{60};
};

/// *Cipher*: a type `C` whose `const` objects `c` support, with
/// `pt`, `ad` and `token` any `std::string_view`, `t` a `std::uint64_t` Unix
/// time in seconds, `opt` a `decrypt_options` and `ec` a `std::error_code&`:
///
/// | expression | returns | semantics |
/// |---|---|---|
/// | `C::binds_associated_data` | `bool` constant | whether tokens authenticate `ad`; when false, a non-empty `ad` fails with `errc::associated_data_unsupported` |
/// | `c.encrypt(pt, ad)` | `std::string` | a printable token (URL-safe base64) for `pt` bound to `ad`, timestamped now; throws `std::system_error` |
/// | `c.encrypt(pt, ad, ec)` | `std::string` | as above; on error sets `ec` and returns "" |
/// | `c.encrypt_at_time(pt, ad, t, ec)` | `std::string` | as above with timestamp `t` |
/// | `c.decrypt(token, ad)` | `std::string` | the plaintext; throws `std::system_error` with an `errc` |
/// | `c.decrypt(token, ad, ec)` | `std::string` | as above; on error sets `ec` and returns "" |
/// | `c.decrypt(token, ad, opt, ec)` | `std::string` | as above, with the lifetime checks of `opt` |
/// | `c.extract_timestamp(token, ad, ec)` | `std::uint64_t` | the token's timestamp, after authenticating the token |
///
/// Errors are `polymcp::crypto::errc` codes; no plaintext is released unless
/// the token authenticates, and no error text contains key material,
/// plaintext or the token. `const` member functions are safe to call from
/// many threads at once.
template <class C>
concept cipher = requires(const C& c, std::string_view pt, std::string_view ad, std::string_view token,
                          std::uint64_t t, const decrypt_options& opt, std::error_code& ec) {
    { C::binds_associated_data } -> std::convertible_to<bool>;
    { c.encrypt(pt, ad) } -> std::same_as<std::string>;
    { c.encrypt(pt, ad, ec) } -> std::same_as<std::string>;
    { c.encrypt_at_time(pt, ad, t, ec) } -> std::same_as<std::string>;
    { c.decrypt(token, ad) } -> std::same_as<std::string>;
    { c.decrypt(token, ad, ec) } -> std::same_as<std::string>;
    { c.decrypt(token, ad, opt, ec) } -> std::same_as<std::string>;
    { c.extract_timestamp(token, ad, ec) } -> std::same_as<std::uint64_t>;
};

namespace detail {

/// CRTP base giving a model the convenience overloads of *Cipher* from its
/// `encrypt_at_time(pt, ad, t, ec)` and `decrypt(token, ad, opt, ec)`.
/// A derived class brings these in with `using cipher_interface::encrypt;`
/// and `using cipher_interface::decrypt;`.
template <class Derived>
class cipher_interface {
public:
    std::string encrypt(std::string_view pt, std::string_view ad = {}) const {
        std::error_code ec;
        auto t = encrypt(pt, ad, ec);
        if (ec) throw std::system_error(ec, "encrypt");
        return t;
    }
    std::string encrypt(std::string_view pt, std::string_view ad, std::error_code& ec) const;
    std::string decrypt(std::string_view token, std::string_view ad = {}) const {
        return decrypt(token, ad, decrypt_options{});
    }
    std::string decrypt(std::string_view token, std::string_view ad, const decrypt_options& opt) const {
        std::error_code ec;
        auto p = self().decrypt(token, ad, opt, ec);
        if (ec) throw std::system_error(ec, "decrypt");
        return p;
    }
    std::string decrypt(std::string_view token, std::string_view ad, std::error_code& ec) const {
        return self().decrypt(token, ad, decrypt_options{}, ec);
    }

private:
    const Derived& self() const noexcept { return static_cast<const Derived&>(*this); }
};

POLYMCP_DECL std::uint64_t unix_time_now() noexcept;

/// The lifetime checks of `opt` for a token with `timestamp`: `errc::expired`,
/// `errc::not_yet_valid` or success (always success without a TTL).
POLYMCP_DECL std::error_code check_lifetime(std::uint64_t timestamp, const decrypt_options& opt) noexcept;

template <class Derived>
std::string cipher_interface<Derived>::encrypt(std::string_view pt, std::string_view ad,
                                               std::error_code& ec) const {
    return self().encrypt_at_time(pt, ad, unix_time_now(), ec);
}

}  // namespace detail

}  // namespace polymcp::crypto

#if POLYMCP_HEADER_ONLY
#include <polymcp/crypto/impl/concepts.ipp>
#endif

#endif
