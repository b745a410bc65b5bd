#ifndef POLYMCP_CRYPTO_IMPL_OPENSSL_IPP
#define POLYMCP_CRYPTO_IMPL_OPENSSL_IPP

// Definitions for polymcp/crypto/openssl.hpp.

#include <polymcp/crypto/openssl.hpp>

#include <openssl/hmac.h>
#include <openssl/rand.h>

namespace polymcp::crypto::detail {

std::string base64url_encode(std::span<const unsigned char> data) {
    std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data.data(),
                            static_cast<int>(data.size()));
    out.resize(static_cast<std::size_t>(n));
    for (char& c : out) {
        if (c == '+') c = '-';
        else if (c == '/') c = '_';
    }
    return out;
}

bool base64url_decode(std::string_view text, bytes& out) {
    // Canonicalise to the standard alphabet the way Python's non-validating
    // decoder reads its input, then let OpenSSL decode.
    std::string canon;
    canon.reserve(text.size());
    std::size_t pads = 0;
    for (char c : text) {
        bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
                     c == '/' || c == '-' || c == '_';
        if (c == '=') {
            ++pads;
            canon.push_back(c);
        } else if (alpha) {
            if (pads != 0) return false;  // data after padding
            canon.push_back(c == '-' ? '+' : c == '_' ? '/' : c);
        }
    }
    if (canon.empty() || canon.size() % 4 != 0 || pads > 2) {
        cleanse(canon);
        return canon.empty() && text.empty() ? (out.clear(), true) : false;
    }
    out.assign(canon.size() / 4 * 3, 0);
    int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(canon.data()),
                            static_cast<int>(canon.size()));
    cleanse(canon);
    if (n < 0 || static_cast<std::size_t>(n) < pads) {
        cleanse(out);
        out.clear();
        return false;
    }
    // EVP_DecodeBlock counts the padding as zero bytes.
    out.resize(static_cast<std::size_t>(n) - pads);
    return true;
}

bool random_bytes(std::span<unsigned char> out) noexcept {
    return out.empty() || RAND_bytes(out.data(), static_cast<int>(out.size())) == 1;
}

bool hmac_sha256(std::span<const unsigned char> key, std::span<const unsigned char> data,
                 std::span<unsigned char, 32> mac) noexcept {
    unsigned int len = 0;
    return HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), mac.data(),
                &len) != nullptr &&
           len == 32;
}


inline EVP_CIPHER* fetch_cipher_once(const char* name) noexcept {
    return EVP_CIPHER_fetch(nullptr, name, nullptr);
}

const EVP_CIPHER* aes_128_cbc() noexcept {
    static const std::unique_ptr<EVP_CIPHER, decltype(&EVP_CIPHER_free)> c{fetch_cipher_once("AES-128-CBC"),
                                                                            &EVP_CIPHER_free};
    return c.get();
}

const EVP_CIPHER* aes_256_gcm() noexcept {
    static const std::unique_ptr<EVP_CIPHER, decltype(&EVP_CIPHER_free)> c{fetch_cipher_once("AES-256-GCM"),
                                                                            &EVP_CIPHER_free};
    return c.get();
}

}  // namespace polymcp::crypto::detail

#endif
