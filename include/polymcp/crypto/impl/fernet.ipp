#ifndef POLYMCP_CRYPTO_IMPL_FERNET_IPP
#define POLYMCP_CRYPTO_IMPL_FERNET_IPP

// Definitions for polymcp/crypto/fernet.hpp.

#include <polymcp/crypto/fernet.hpp>

#include <climits>

namespace polymcp::crypto {

namespace detail {
// version (1) + timestamp (8) + IV (16) + HMAC (32); the ciphertext adds >= 16.
inline constexpr std::size_t fernet_overhead = 1 + 8 + 16 + 32;

}  // namespace detail

std::string fernet::encrypt_at_time(std::string_view plaintext, std::string_view ad, std::uint64_t unix_time,
                                    std::error_code& ec) const {
    if (!ad.empty()) {
        ec = errc::associated_data_unsupported;
        return {};
    }
    std::array<unsigned char, 16> iv{};
    if (!detail::random_bytes(iv)) {
        ec = errc::crypto_failure;
        return {};
    }
    return encrypt_from_parts(plaintext, unix_time, iv, ec);
}

std::string fernet::encrypt_from_parts(std::string_view plaintext, std::uint64_t unix_time,
                                       std::span<const unsigned char, 16> iv, std::error_code& ec) const {
    ec.clear();
    if (plaintext.size() > static_cast<std::size_t>(INT_MAX) - 64) {
        ec = errc::crypto_failure;
        return {};
    }
    // version ‖ timestamp ‖ IV ‖ ciphertext ‖ HMAC, built in place.
    std::size_t ct_max = (plaintext.size() / 16 + 1) * 16;
    detail::bytes raw(1 + 8 + 16 + ct_max + 32);
    raw[0] = version;
    detail::store_be64(raw.data() + 1, unix_time);
    std::copy(iv.begin(), iv.end(), raw.begin() + 9);

    detail::cipher_ctx ctx(EVP_CIPHER_CTX_new());
    int n1 = 0, n2 = 0;
    unsigned char* ct = raw.data() + 25;
    if (!ctx || detail::aes_128_cbc() == nullptr ||
        EVP_EncryptInit_ex2(ctx.get(), detail::aes_128_cbc(), encryption_key().data(), iv.data(), nullptr) != 1 ||
        EVP_EncryptUpdate(ctx.get(), ct, &n1, reinterpret_cast<const unsigned char*>(plaintext.data()),
                          static_cast<int>(plaintext.size())) != 1 ||
        EVP_EncryptFinal_ex(ctx.get(), ct + n1, &n2) != 1) {
        ec = errc::crypto_failure;
        return {};
    }
    std::size_t signed_len = 25 + static_cast<std::size_t>(n1 + n2);
    std::span<unsigned char, 32> mac(raw.data() + signed_len, 32);
    if (!detail::hmac_sha256(signing_key(), std::span<const unsigned char>(raw.data(), signed_len), mac)) {
        ec = errc::crypto_failure;
        return {};
    }
    raw.resize(signed_len + 32);
    return detail::base64url_encode(raw);
}

bool fernet::verify(std::string_view token, const decrypt_options* opt, detail::bytes& raw,
                    std::error_code& ec) const {
    if (!detail::base64url_decode(token, raw) || raw.empty() || raw[0] != version || raw.size() < 9) {
        ec = errc::invalid_token;
        return false;
    }
    if (opt != nullptr) {
        if (auto e = detail::check_lifetime(detail::load_be64(raw.data() + 1), *opt)) {
            ec = e;
            return false;
        }
    }
    if (raw.size() < detail::fernet_overhead + 16 || (raw.size() - detail::fernet_overhead) % 16 != 0) {
        ec = errc::invalid_token;
        return false;
    }
    std::array<unsigned char, 32> mac{};
    std::size_t signed_len = raw.size() - 32;
    if (!detail::hmac_sha256(signing_key(), std::span<const unsigned char>(raw.data(), signed_len), mac)) {
        ec = errc::crypto_failure;
        return false;
    }
    if (CRYPTO_memcmp(mac.data(), raw.data() + signed_len, 32) != 0) {
        ec = errc::authentication_failed;
        return false;
    }
    return true;
}

std::string fernet::decrypt(std::string_view token, std::string_view ad, const decrypt_options& opt,
                            std::error_code& ec) const {
    ec.clear();
    if (!ad.empty()) {
        ec = errc::associated_data_unsupported;
        return {};
    }
    detail::bytes raw;
    if (!verify(token, &opt, raw, ec)) return {};
    const unsigned char* iv = raw.data() + 9;
    const unsigned char* ct = raw.data() + 25;
    int ct_len = static_cast<int>(raw.size() - 25 - 32);
    std::string out(static_cast<std::size_t>(ct_len) + 16, '\0');
    auto* p = reinterpret_cast<unsigned char*>(out.data());
    detail::cipher_ctx ctx(EVP_CIPHER_CTX_new());
    int n1 = 0, n2 = 0;
    if (!ctx || detail::aes_128_cbc() == nullptr ||
        EVP_DecryptInit_ex2(ctx.get(), detail::aes_128_cbc(), encryption_key().data(), iv, nullptr) != 1) {
        ec = errc::crypto_failure;
        return {};
    }
    if (EVP_DecryptUpdate(ctx.get(), p, &n1, ct, ct_len) != 1 || EVP_DecryptFinal_ex(ctx.get(), p + n1, &n2) != 1) {
        // Only reachable with an authentic token whose padding is wrong.
        detail::cleanse(out);
        ec = errc::invalid_token;
        return {};
    }
    detail::cleanse(out.data() + n1 + n2, out.size() - static_cast<std::size_t>(n1 + n2));
    out.resize(static_cast<std::size_t>(n1 + n2));
    return out;
}

std::uint64_t fernet::extract_timestamp(std::string_view token, std::string_view ad, std::error_code& ec) const {
    ec.clear();
    if (!ad.empty()) {
        ec = errc::associated_data_unsupported;
        return 0;
    }
    detail::bytes raw;
    if (!verify(token, nullptr, raw, ec)) return 0;
    return detail::load_be64(raw.data() + 1);
}

}  // namespace polymcp::crypto

#endif
