// Test support: signs JWTs the way an authorization server would (HS256 with
// a shared secret, ES256 with a fresh P-256 key), so that tests can present
// real tokens to polymcp's verifier. Uses OpenSSL directly.
#ifndef POLYMCP_TEST_SUPPORT_JWT_SIGNER_HPP
#define POLYMCP_TEST_SUPPORT_JWT_SIGNER_HPP

#include <polymcp/crypto/openssl.hpp>

#include <nlohmann/json.hpp>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <stdexcept>
#include <string>

namespace polymcp::test {

inline std::string b64url(const void* data, std::size_t n) {
    auto s = polymcp::crypto::detail::base64url_encode(
        std::span<const unsigned char>(static_cast<const unsigned char*>(data), n));
    while (!s.empty() && s.back() == '=') s.pop_back();
    return s;
}
inline std::string b64url(const std::string& s) { return b64url(s.data(), s.size()); }

inline long long unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

inline std::string hs256_token(const std::string& secret, const nlohmann::json& header, const nlohmann::json& claims) {
    std::string input = b64url(header.dump()) + "." + b64url(claims.dump());
    unsigned char mac[32];
    unsigned int len = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
    return input + "." + b64url(mac, len);
}

// A P-256 key pair that signs ES256 tokens and publishes its public JWK.
class es256_signer {
public:
    explicit es256_signer(std::string kid) : kid_(std::move(kid)), key_(EVP_EC_gen("P-256")) {
        if (!key_) throw std::runtime_error("EC key generation failed");
    }
    ~es256_signer() { EVP_PKEY_free(key_); }
    es256_signer(const es256_signer&) = delete;
    es256_signer& operator=(const es256_signer&) = delete;

    nlohmann::json jwk() const {
        BIGNUM *x = nullptr, *y = nullptr;
        EVP_PKEY_get_bn_param(key_, OSSL_PKEY_PARAM_EC_PUB_X, &x);
        EVP_PKEY_get_bn_param(key_, OSSL_PKEY_PARAM_EC_PUB_Y, &y);
        unsigned char xb[32], yb[32];
        BN_bn2binpad(x, xb, 32);
        BN_bn2binpad(y, yb, 32);
        BN_free(x);
        BN_free(y);
        return {{"kty", "EC"}, {"crv", "P-256"}, {"kid", kid_}, {"alg", "ES256"}, {"use", "sig"},
                {"x", b64url(xb, 32)}, {"y", b64url(yb, 32)}};
    }

    std::string sign(nlohmann::json claims, nlohmann::json header = nlohmann::json::object()) const {
        if (!header.contains("alg")) header["alg"] = "ES256";
        if (!header.contains("kid")) header["kid"] = kid_;
        if (!header.contains("typ")) header["typ"] = "at+jwt";
        std::string input = b64url(header.dump()) + "." + b64url(claims.dump());
        EVP_MD_CTX* ctx = EVP_MD_CTX_new();
        std::size_t n = 0;
        EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key_);
        EVP_DigestSign(ctx, nullptr, &n, reinterpret_cast<const unsigned char*>(input.data()), input.size());
        std::vector<unsigned char> der(n);
        EVP_DigestSign(ctx, der.data(), &n, reinterpret_cast<const unsigned char*>(input.data()), input.size());
        EVP_MD_CTX_free(ctx);
        const unsigned char* p = der.data();
        ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(n));
        unsigned char rs[64];
        BN_bn2binpad(ECDSA_SIG_get0_r(sig), rs, 32);
        BN_bn2binpad(ECDSA_SIG_get0_s(sig), rs + 32, 32);
        ECDSA_SIG_free(sig);
        return input + "." + b64url(rs, 64);
    }

    const std::string& kid() const { return kid_; }

private:
    std::string kid_;
    EVP_PKEY* key_;
};

}  // namespace polymcp::test

#endif
