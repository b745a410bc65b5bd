#ifndef POLYMCP_CRYPTO_SECRET_KEY_HPP
#define POLYMCP_CRYPTO_SECRET_KEY_HPP

/// @file polymcp/crypto/secret_key.hpp
/// `secret_key<N>`: N bytes of key material that are zeroed when the key is
/// destroyed, loaded from URL-safe base64 text (as Python's
/// `Fernet.generate_key()` writes it), an environment variable or a file, or
/// generated from the OpenSSL CSPRNG.

#include <polymcp/crypto/openssl.hpp>
#include <polymcp/crypto/error.hpp>

#include <array>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

namespace polymcp::crypto {

/// Key material of exactly `N` bytes.
///
/// The bytes are overwritten (OPENSSL_cleanse) when the key is destroyed or
/// assigned over, and every temporary buffer a loader decodes into is
/// overwritten too. A key has no stream operator and no error or exception
/// text ever contains it. Text that the caller passed in (a `std::string`
/// read from a vault, say) remains the caller's to clear.
///
/// Thread-safety: distinct objects, safe; a shared `const` key, safe.
template <std::size_t N>
class secret_key {
public:
    /// The key length in bytes.
    static constexpr std::size_t size = N;

    /// A fresh random key from the OpenSSL CSPRNG.
    /// @throws std::system_error with `errc::crypto_failure` when the generator fails.
    static secret_key generate() {
        secret_key k;
        if (!detail::random_bytes(k.bytes_)) throw std::system_error(errc::crypto_failure, "generating a key");
        return k;
    }

    /// Decodes URL-safe base64 text of exactly `N` bytes (44 characters with
    /// '=' padding for 32 bytes). Surrounding whitespace is ignored.
    /// @param text the key's base64url text
    /// @param ec set to `errc::malformed_key` when the text is not base64 or
    ///           decodes to another length, `errc::missing_key` when it is empty.
    /// @returns the key, or nothing on error.
    static std::optional<secret_key> from_base64url(std::string_view text, std::error_code& ec) {
        ec.clear();
        text = trim(text);
        if (text.empty()) {
            ec = errc::missing_key;
            return std::nullopt;
        }
        detail::scrubbed_bytes raw;
        if (!detail::base64url_decode(text, raw.data) || raw.data.size() != N) {
            ec = errc::malformed_key;
            return std::nullopt;
        }
        secret_key k;
        std::copy(raw.data.begin(), raw.data.end(), k.bytes_.begin());
        return k;
    }
    /// As above; @throws std::system_error with the error code.
    static secret_key from_base64url(std::string_view text) {
        std::error_code ec;
        auto k = from_base64url(text, ec);
        if (ec) throw std::system_error(ec, "decoding a key");
        return std::move(*k);
    }

    /// Reads the key from the environment variable `name` (for example
    /// `POLYMCP_ENCRYPTION_KEY`), in the format of `from_base64url`.
    /// @param name the variable's name
    /// @param ec `errc::missing_key` when the variable is unset or empty,
    ///           `errc::malformed_key` when its value is not a key.
    static std::optional<secret_key> from_environment(const char* name, std::error_code& ec) {
        const char* v = std::getenv(name);
        if (v == nullptr) {
            ec = errc::missing_key;
            return std::nullopt;
        }
        return from_base64url(v, ec);
    }
    /// As above; @throws std::system_error whose text names the variable (never its value).
    static secret_key from_environment(const char* name) {
        std::error_code ec;
        auto k = from_environment(name, ec);
        if (ec) throw std::system_error(ec, std::string("environment variable ") + name);
        return std::move(*k);
    }

    /// Reads the key from a file holding its base64url text (a trailing
    /// newline is fine), such as a Kubernetes or Docker secret mount.
    /// @param path the file
    /// @param ec `errc::missing_key` when the file cannot be read or is empty,
    ///           `errc::malformed_key` when it holds no key.
    static std::optional<secret_key> from_file(const std::string& path, std::error_code& ec) {
        std::ifstream in(path, std::ios::binary);
        if (!in) {
            ec = errc::missing_key;
            return std::nullopt;
        }
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        auto k = from_base64url(text, ec);
        detail::cleanse(text);
        return k;
    }
    /// As above; @throws std::system_error whose text names the file (never its content).
    static secret_key from_file(const std::string& path) {
        std::error_code ec;
        auto k = from_file(path, ec);
        if (ec) throw std::system_error(ec, "key file " + path);
        return std::move(*k);
    }

    secret_key(const secret_key&) = default;  ///< a copy of the key
    /// Copies `other`'s bytes over this key's.
    secret_key& operator=(const secret_key& other) {
        if (this != &other) bytes_ = other.bytes_;
        return *this;
    }
    ~secret_key() { detail::cleanse(bytes_.data(), N); }

    /// The key bytes. Keep copies short-lived.
    std::span<const unsigned char, N> bytes() const noexcept { return bytes_; }

    /// The key as URL-safe base64 with padding, the format `from_base64url`
    /// reads: for storing a generated key. The caller owns (and should clear)
    /// the returned text.
    std::string to_base64url() const { return detail::base64url_encode(bytes_); }

private:
    secret_key() = default;
    static std::string_view trim(std::string_view s) noexcept {
        while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r'))
            s.remove_prefix(1);
        while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
            s.remove_suffix(1);
        return s;
    }
    std::array<unsigned char, N> bytes_{};
};

}  // namespace polymcp::crypto

#endif
