#ifndef POLYMCP_AUTH_JWS_HPP
#define POLYMCP_AUTH_JWS_HPP

/// @file polymcp/auth/jws.hpp
/// Verifying a JWS in compact serialization (RFC 7515 section 7.1) against
/// trusted keys, with the defences of RFC 8725 ("JWT Best Current
/// Practices"): the algorithm comes from an allow-list and from the key,
/// never from the token alone; `alg: none` is never accepted; `jwk`, `jku`,
/// `x5u` and `x5c` header parameters are ignored (never fetched, never
/// trusted); unknown `crit` extensions are refused; parts are strict
/// unpadded base64url and the header a JSON object without duplicate names.

#include <polymcp/auth/jwk.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace polymcp::auth {

/// What `verify_jws` accepts.
struct jws_options {
    /// Algorithms accepted at all (the allow-list); a key's own `alg`
    /// narrows it further.
    std::vector<jws_algorithm> algorithms{};
    /// Largest token, in bytes, checked before any decoding.
    std::size_t max_token_bytes = 8 * 1024;
};

/// A JWS whose signature verified.
struct verified_jws {
    nlohmann::json header;     ///< the protected header (a JSON object)
    std::string payload{};     ///< the decoded payload bytes
    jws_algorithm algorithm{};  ///< the algorithm it was verified with
    std::string kid;           ///< the kid of the key that verified it ("" when the key has none)
};

/// Verifies `compact` with a key of `keys`.
/// @param compact the JWS in compact serialization (RFC 7515 section 7.1)
/// @param keys the keys it may be signed with
/// @param options the allowed algorithms and the size limit
/// @param out the header, payload, algorithm and key id, on success
/// @param why on failure, a sentence safe to show (never the token or a key)
/// @return success, or `token_too_large`, `malformed_token`,
///         `algorithm_not_allowed`, `unsupported_critical_header`,
///         `unknown_key`, `invalid_key`, `invalid_signature`
/// Thread-safe (for a `keys` not modified meanwhile).
POLYMCP_DECL std::error_code verify_jws(std::string_view compact, const jwk_set& keys, const jws_options& options,
                                        verified_jws& out, std::string* why = nullptr);

}  // namespace polymcp::auth

#if POLYMCP_HEADER_ONLY
#include <polymcp/auth/impl/jws.ipp>
#endif

#endif
