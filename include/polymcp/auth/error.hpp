#ifndef POLYMCP_AUTH_ERROR_HPP
#define POLYMCP_AUTH_ERROR_HPP

/// @file polymcp/auth/error.hpp
/// Why an auth policy refused a request, as a `std::error_code` category.
/// Messages are fixed text: no error, message or log line of polymcp::auth
/// ever contains a token, an API key or a key's material.

#include <polymcp/core/config.hpp>

#include <string>
#include <system_error>

namespace polymcp::auth {

/// Why authentication or authorization failed.
enum class errc {
    success = 0,
    /// The request carries no credentials (no `Authorization` header, no API
    /// key header, no token in the stdio environment).
    no_credentials,
    /// Credentials are present but not in a usable form: an `Authorization`
    /// header that is not `Bearer <token68>`, sent more than once, or larger
    /// than the limit; a token in the query string (RFC 6750 section 2.3 is
    /// not allowed by MCP 2025-11-25 "Authorization" > "Token Requirements").
    malformed_request,
    /// The token is not a compact JWS: wrong number of parts, not strict
    /// unpadded base64url, header or payload not a JSON object, a duplicated
    /// member name, a JSON serialization.
    malformed_token,
    /// The token exceeds the verifier's `max_token_bytes`.
    token_too_large,
    /// The header's `alg` is `none`, unknown, not in the verifier's allow-list
    /// or not the algorithm the key is bound to (RFC 8725 section 3.1).
    algorithm_not_allowed,
    /// A `crit` header parameter that is empty or names an extension this
    /// verifier does not implement (RFC 7515 section 4.1.11).
    unsupported_critical_header,
    /// No key with the token's `kid` (after a rate-limited JWKS refresh), or
    /// no `kid` where several keys could apply.
    unknown_key,
    /// A key that must not be used: wrong `use`/`key_ops`, too short an HMAC
    /// key, an RSA modulus under 2048 bits, exponent 1, a ROCA-weak modulus,
    /// an EC point off its curve, `alg` and key type disagreeing, duplicate
    /// `kid`s, symmetric and asymmetric keys in one set.
    invalid_key,
    /// The signature does not verify with the selected key.
    invalid_signature,
    /// `exp` is at or before now minus the allowed clock skew.
    expired,
    /// `nbf` is after now plus the allowed clock skew.
    not_yet_valid,
    /// `iat` is after now plus the allowed clock skew.
    issued_in_future,
    /// `iss` is not the configured issuer (exact string comparison).
    wrong_issuer,
    /// `aud` does not contain this resource server (exact string comparison;
    /// RFC 8707, MCP 2025-11-25 "Token Audience Binding and Validation").
    wrong_audience,
    /// A required claim is missing or a claim has the wrong JSON type (`exp`
    /// a string, the payload an array, `sub` absent, a wrong `typ`, ...).
    invalid_claims,
    /// The API key matches no configured key.
    unknown_api_key,
    /// The principal lacks a scope the request needs (RFC 6750 section 3.1).
    insufficient_scope,
    /// The JWKS document could not be fetched or parsed.
    key_fetch_failed,
};

/// The category of `polymcp::auth::errc` codes (name "polymcp.auth"). Thread-safe.
POLYMCP_DECL const std::error_category& error_category() noexcept;

/// Makes a `std::error_code` from a `polymcp::auth::errc` (found by ADL).
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), auth::error_category()}; }

}  // namespace polymcp::auth

template <>
struct std::is_error_code_enum<polymcp::auth::errc> : std::true_type {};

#if POLYMCP_HEADER_ONLY
#include <polymcp/auth/impl/error.ipp>
#endif

#endif
