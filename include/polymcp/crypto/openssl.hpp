#ifndef POLYMCP_CRYPTO_OPENSSL_HPP
#define POLYMCP_CRYPTO_OPENSSL_HPP

/// @file polymcp/crypto/openssl.hpp
/// The OpenSSL 3 primitives polymcp::crypto is built on: base64 through
/// EVP_EncodeBlock/EVP_DecodeBlock, RAND_bytes, OPENSSL_cleanse, HMAC-SHA256
/// and an owning EVP_CIPHER_CTX, shared by the areas that use OpenSSL
/// (crypto, auth, the client, transports). Link `polymcp::crypto`. Not a
/// stable interface for applications: use the cipher policy
/// (polymcp/crypto/concepts.hpp).

#include <polymcp/core/config.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace polymcp::crypto::detail {

using bytes = std::vector<unsigned char>;

/// Overwrites `n` bytes at `p` in a way the compiler cannot elide.
inline void cleanse(void* p, std::size_t n) noexcept {
    if (p != nullptr && n != 0) OPENSSL_cleanse(p, n);
}
inline void cleanse(std::string& s) noexcept { cleanse(s.data(), s.size()); }
inline void cleanse(bytes& b) noexcept { cleanse(b.data(), b.size()); }

/// A byte vector that is cleansed when it goes out of scope.
struct scrubbed_bytes {
    bytes data{};
    scrubbed_bytes() = default;
    explicit scrubbed_bytes(std::size_t n) : data(n) {}
    scrubbed_bytes(const scrubbed_bytes&) = delete;
    scrubbed_bytes& operator=(const scrubbed_bytes&) = delete;
    ~scrubbed_bytes() { cleanse(data); }
};

/// Base64url (RFC 4648 section 5) with '=' padding, as Python's
/// `base64.urlsafe_b64encode` writes it.
POLYMCP_DECL std::string base64url_encode(std::span<const unsigned char> data);

/// Decodes base64 as leniently as Python's `base64.urlsafe_b64decode` does
/// for well-formed tokens: both alphabets ('-' '_' and '+' '/'), characters
/// outside the alphabet (such as a trailing newline) discarded, '=' padding
/// required. Stricter than Python in one way: data after the padding is
/// refused rather than ignored. Returns false on malformed input.
POLYMCP_DECL bool base64url_decode(std::string_view text, bytes& out);

/// Fills `out` from the OpenSSL CSPRNG; false when it fails.
POLYMCP_DECL bool random_bytes(std::span<unsigned char> out) noexcept;

/// HMAC-SHA256 of `data` under `key` into `mac` (32 bytes); false on failure.
POLYMCP_DECL bool hmac_sha256(std::span<const unsigned char> key, std::span<const unsigned char> data,
                              std::span<unsigned char, 32> mac) noexcept;

struct cipher_ctx_deleter {
    void operator()(EVP_CIPHER_CTX* c) const noexcept { EVP_CIPHER_CTX_free(c); }
};
/// An owning EVP_CIPHER_CTX (freed, and so cleansed, by EVP_CIPHER_CTX_free).
using cipher_ctx = std::unique_ptr<EVP_CIPHER_CTX, cipher_ctx_deleter>;

/// The AES-128-CBC and AES-256-GCM implementations, fetched once (thread-safe).
POLYMCP_DECL const EVP_CIPHER* aes_128_cbc() noexcept;
POLYMCP_DECL const EVP_CIPHER* aes_256_gcm() noexcept;

/// Writes / reads a 64-bit big-endian integer.
inline void store_be64(unsigned char* p, std::uint64_t v) noexcept {
    for (int i = 7; i >= 0; --i) {
        p[i] = static_cast<unsigned char>(v & 0xff);
        v >>= 8;
    }
}
inline std::uint64_t load_be64(const unsigned char* p) noexcept {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
    return v;
}

}  // namespace polymcp::crypto::detail

namespace polymcp::crypto {

/// The encodings and randomness other areas build on (OAuth PKCE and
/// state, HTTP basic credentials, token checks): bytes, unpadded base64url
/// (RFC 4648 section 5) both ways, and OpenSSL's CSPRNG. Thread-safe.
using detail::base64url_decode;
using detail::base64url_encode;
using detail::bytes;
using detail::random_bytes;

}  // namespace polymcp::crypto

#if POLYMCP_HEADER_ONLY
#include <polymcp/crypto/impl/openssl.ipp>
#endif

#endif
