#ifndef POLYMCP_CRYPTO_IMPL_AES_GCM_IPP
#define POLYMCP_CRYPTO_IMPL_AES_GCM_IPP

// Definitions for polymcp/crypto/aes_gcm.hpp.

#include <polymcp/crypto/aes_gcm.hpp>

#include <climits>
#include <cstring>

namespace polymcp::crypto {

namespace detail {
// version (1) + key id (4) + timestamp (8): the authenticated header.
inline constexpr std::size_t gcm_header = 13;
inline constexpr std::size_t gcm_nonce = 12;
inline constexpr std::size_t gcm_tag = 16;
inline constexpr std::size_t gcm_overhead = gcm_header + gcm_nonce + gcm_tag;
}  // namespace detail

aes_256_gcm::aes_256_gcm(const key_type& key) : key_(key) {
    static constexpr char label[] = "polymcp aes-256-gcm key id";
    std::array<unsigned char, 32> mac{};
    if (!detail::hmac_sha256(key_.bytes(),
                             std::span<const unsigned char>(reinterpret_cast<const unsigned char*>(label),
                                                            sizeof label - 1),
                             mac))
        throw std::system_error(errc::crypto_failure, "deriving the key id");
    std::memcpy(key_id_.data(), mac.data(), 4);
}

std::string aes_256_gcm::encrypt_at_time(std::string_view plaintext, std::string_view ad,
                                         std::uint64_t unix_time, std::error_code& ec) const {
    ec.clear();
    if (plaintext.size() > static_cast<std::size_t>(INT_MAX) - 64 ||
        ad.size() > static_cast<std::size_t>(INT_MAX)) {
        ec = errc::crypto_failure;
        return {};
    }
    detail::bytes raw(detail::gcm_overhead + plaintext.size());
    raw[0] = version;
    std::memcpy(raw.data() + 1, key_id_.data(), 4);
    detail::store_be64(raw.data() + 5, unix_time);
    unsigned char* nonce = raw.data() + detail::gcm_header;
    unsigned char* ct = nonce + detail::gcm_nonce;
    unsigned char* tag = ct + plaintext.size();
    if (!detail::random_bytes(std::span<unsigned char>(nonce, detail::gcm_nonce))) {
        ec = errc::crypto_failure;
        return {};
    }
    detail::cipher_ctx ctx(EVP_CIPHER_CTX_new());
    int n = 0;
    bool ok = ctx && detail::aes_256_gcm() != nullptr &&
              EVP_EncryptInit_ex2(ctx.get(), detail::aes_256_gcm(), key_.bytes().data(), nonce, nullptr) == 1 &&
              EVP_EncryptUpdate(ctx.get(), nullptr, &n, raw.data(), static_cast<int>(detail::gcm_header)) == 1 &&
              (ad.empty() || EVP_EncryptUpdate(ctx.get(), nullptr, &n, reinterpret_cast<const unsigned char*>(ad.data()),
                                               static_cast<int>(ad.size())) == 1) &&
              EVP_EncryptUpdate(ctx.get(), ct, &n, reinterpret_cast<const unsigned char*>(plaintext.data()),
                                static_cast<int>(plaintext.size())) == 1 &&
              EVP_EncryptFinal_ex(ctx.get(), ct + n, &n) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(detail::gcm_tag), tag) == 1;
    if (!ok) {
        ec = errc::crypto_failure;
        return {};
    }
    return detail::base64url_encode(raw);
}

std::string aes_256_gcm::open(std::string_view token, std::string_view ad, std::uint64_t* timestamp,
                              std::error_code& ec) const {
    ec.clear();
    detail::bytes raw;
    if (!detail::base64url_decode(token, raw) || raw.size() < detail::gcm_overhead || raw[0] != version ||
        ad.size() > static_cast<std::size_t>(INT_MAX)) {
        ec = errc::invalid_token;
        return {};
    }
    if (CRYPTO_memcmp(raw.data() + 1, key_id_.data(), 4) != 0) {
        ec = errc::wrong_key;
        return {};
    }
    const unsigned char* nonce = raw.data() + detail::gcm_header;
    const unsigned char* ct = nonce + detail::gcm_nonce;
    std::size_t ct_len = raw.size() - detail::gcm_overhead;
    unsigned char* tag = raw.data() + raw.size() - detail::gcm_tag;
    std::string out(ct_len, '\0');
    auto* p = reinterpret_cast<unsigned char*>(out.data());
    detail::cipher_ctx ctx(EVP_CIPHER_CTX_new());
    int n = 0;
    if (!ctx || detail::aes_256_gcm() == nullptr ||
        EVP_DecryptInit_ex2(ctx.get(), detail::aes_256_gcm(), key_.bytes().data(), nonce, nullptr) != 1 ||
        EVP_DecryptUpdate(ctx.get(), nullptr, &n, raw.data(), static_cast<int>(detail::gcm_header)) != 1 ||
        (!ad.empty() && EVP_DecryptUpdate(ctx.get(), nullptr, &n, reinterpret_cast<const unsigned char*>(ad.data()),
                                          static_cast<int>(ad.size())) != 1) ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(detail::gcm_tag), tag) != 1) {
        ec = errc::crypto_failure;
        return {};
    }
    if (EVP_DecryptUpdate(ctx.get(), p, &n, ct, static_cast<int>(ct_len)) != 1 ||
        EVP_DecryptFinal_ex(ctx.get(), p + n, &n) != 1) {
        // The tag did not verify: release nothing.
        detail::cleanse(out);
        ec = errc::authentication_failed;
        return {};
    }
    if (timestamp != nullptr) *timestamp = detail::load_be64(raw.data() + 5);
    return out;
}

std::string aes_256_gcm::decrypt(std::string_view token, std::string_view ad, const decrypt_options& opt,
                                 std::error_code& ec) const {
    std::uint64_t ts = 0;
    std::string out = open(token, ad, &ts, ec);
    if (ec) return {};
    if (auto e = detail::check_lifetime(ts, opt)) {
        detail::cleanse(out);
        ec = e;
        return {};
    }
    return out;
}

std::uint64_t aes_256_gcm::extract_timestamp(std::string_view token, std::string_view ad,
                                             std::error_code& ec) const {
    std::uint64_t ts = 0;
    std::string out = open(token, ad, &ts, ec);
    detail::cleanse(out);
    return ec ? 0 : ts;
}

}  // namespace polymcp::crypto

#endif
