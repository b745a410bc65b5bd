#ifndef POLYMCP_AUTH_IMPL_API_KEY_IPP
#define POLYMCP_AUTH_IMPL_API_KEY_IPP

// Definitions for polymcp/auth/api_key.hpp.

#include <polymcp/auth/api_key.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <stdexcept>

namespace polymcp::auth {

namespace detail {
inline std::array<unsigned char, 32> sha256(std::string_view s) {
    std::array<unsigned char, 32> d{};
    unsigned int n = 0;
    if (EVP_Digest(s.data(), s.size(), d.data(), &n, EVP_sha256(), nullptr) != 1 || n != 32)
        throw std::runtime_error("polymcp::auth: SHA-256 failed (OpenSSL)");
    return d;
}
inline bool printable_ascii(std::string_view s) noexcept {
    for (unsigned char c : s)
        if (c < 0x21 || c > 0x7e) return false;
    return true;
}
}  // namespace detail

api_key_auth::api_key_auth(api_key_options options) : options_(std::move(options)) {}

api_key_auth& api_key_auth::insert(const std::array<unsigned char, 32>& d, principal who) {
    for (const auto& e : keys_)
        if (CRYPTO_memcmp(e.digest.data(), d.data(), d.size()) == 0)
            throw std::invalid_argument("polymcp::auth::api_key_auth: this key was already added");
    if (who.issuer.empty()) who.issuer = "api_key";
    keys_.push_back({d, std::move(who)});
    return *this;
}

api_key_auth& api_key_auth::add(std::string_view key, principal who) {
    if (key.size() < options_.min_key_bytes || key.size() > options_.max_key_bytes)
        throw std::invalid_argument("polymcp::auth::api_key_auth: a key has " + std::to_string(options_.min_key_bytes) +
                                    " to " + std::to_string(options_.max_key_bytes) + " bytes (api_key_options)");
    if (!detail::printable_ascii(key))
        throw std::invalid_argument("polymcp::auth::api_key_auth: a key is printable ASCII without spaces");
    return insert(detail::sha256(key), std::move(who));
}

api_key_auth& api_key_auth::add_hashed(std::string_view digest, principal who) {
    constexpr std::string_view prefix = "sha256:";
    if (digest.substr(0, prefix.size()) != prefix || digest.size() != prefix.size() + 64)
        throw std::invalid_argument("polymcp::auth::api_key_auth: a hashed key is 'sha256:' and 64 hex digits");
    std::array<unsigned char, 32> d{};
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    for (std::size_t i = 0; i < 32; ++i) {
        int hi = hex(digest[prefix.size() + 2 * i]), lo = hex(digest[prefix.size() + 2 * i + 1]);
        if (hi < 0 || lo < 0)
            throw std::invalid_argument("polymcp::auth::api_key_auth: a hashed key is 'sha256:' and 64 hex digits");
        d[i] = static_cast<unsigned char>(hi * 16 + lo);
    }
    return insert(d, std::move(who));
}

std::string api_key_auth::hash(std::string_view key) {
    static constexpr char digits[] = "0123456789abcdef";
    auto d = detail::sha256(key);
    std::string out = "sha256:";
    for (unsigned char c : d) {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

auth_result api_key_auth::authenticate(const auth_request& r) const {
    std::string_view key;
    std::string detail;
    if (r.transport == auth_request::transport_kind::stdio) {
        const char* v = r.environment ? r.environment(options_.stdio_environment_variable.c_str()) : nullptr;
        if (!v || !*v)
            return auth_result::reject(errc::no_credentials,
                                       "set the environment variable " + options_.stdio_environment_variable);
        key = v;
    } else {
        std::size_t in_header = options_.header.empty() || !r.headers ? 0 : r.headers->count(options_.header);
        if (in_header > 1)
            return auth_result::reject(errc::malformed_request, "the " + options_.header + " header was sent " +
                                                                    std::to_string(in_header) + " times; send it once");
        if (in_header == 1) {
            key = *r.headers->get(options_.header);
        } else if (options_.accept_bearer) {
            bearer_options bo;
            bo.max_token_bytes = options_.max_key_bytes;
            auto ec = find_bearer_token(r, bo, key, detail);
            if (ec == errc::no_credentials)
                return auth_result::reject(
                    ec, options_.header.empty() ? "send 'Authorization: Bearer <API key>'"
                                                : "send the API key in the " + options_.header +
                                                      " header or as 'Authorization: Bearer <API key>'");
            if (ec) return auth_result::reject(ec, detail);
        } else {
            return auth_result::reject(errc::no_credentials, "send the API key in the " + options_.header + " header");
        }
    }
    if (key.size() > options_.max_key_bytes)
        return auth_result::reject(errc::malformed_request,
                                   "an API key has at most " + std::to_string(options_.max_key_bytes) + " bytes");
    const auto d = detail::sha256(key);
    const entry* found = nullptr;
    for (const auto& e : keys_) {
        // Every entry is compared, whatever matched before: constant time in the key.
        const bool eq = CRYPTO_memcmp(e.digest.data(), d.data(), d.size()) == 0;
        if (eq) found = &e;
    }
    if (!found) return auth_result::reject(errc::unknown_api_key);
    return auth_result::accept(found->who);
}

}  // namespace polymcp::auth

#endif
