#ifndef POLYMCP_AUTH_IMPL_ERROR_IPP
#define POLYMCP_AUTH_IMPL_ERROR_IPP

// Definitions for polymcp/auth/error.hpp.

#include <polymcp/auth/error.hpp>

namespace polymcp::auth {

namespace detail {
class auth_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "polymcp.auth"; }
    std::string message(int ev) const override {
        switch (static_cast<errc>(ev)) {
            case errc::success: return "success";
            case errc::no_credentials: return "the request carries no credentials";
            case errc::malformed_request:
                return "malformed credentials: send exactly one 'Authorization: Bearer <token>' header, never a "
                       "token in the query string";
            case errc::malformed_token: return "the token is not a compact JWS of strict base64url JSON parts";
            case errc::token_too_large: return "the token is larger than the verifier accepts";
            case errc::algorithm_not_allowed: return "the token's signing algorithm is not allowed for this key";
            case errc::unsupported_critical_header: return "the token has a critical header this server does not implement";
            case errc::unknown_key: return "the token names no key this server trusts";
            case errc::invalid_key: return "the key the token names is not acceptable for verification";
            case errc::invalid_signature: return "the token's signature does not verify";
            case errc::expired: return "the token has expired";
            case errc::not_yet_valid: return "the token is not valid yet (nbf)";
            case errc::issued_in_future: return "the token was issued in the future (iat)";
            case errc::wrong_issuer: return "the token was issued by an issuer this server does not trust";
            case errc::wrong_audience: return "the token was not issued for this server (aud)";
            case errc::invalid_claims: return "the token's claims are missing or have the wrong type";
            case errc::unknown_api_key: return "the API key is not valid";
            case errc::insufficient_scope: return "the token lacks a scope this request needs";
            case errc::key_fetch_failed: return "the verification keys (JWKS) could not be fetched";
        }
        return "unknown polymcp.auth error";
    }
};
}  // namespace detail

const std::error_category& error_category() noexcept {
    static const detail::auth_category_impl cat;
    return cat;
}

}  // namespace polymcp::auth

#endif
