#ifndef POLYMCP_AUTH_JWT_HPP
#define POLYMCP_AUTH_JWT_HPP

/// @file polymcp/auth/jwt.hpp
/// JWT access tokens (RFC 7519, RFC 9068): `jwt_verifier` checks a token's
/// signature (polymcp/auth/jws.hpp) and claims and maps it to a principal;
/// `jwt_auth` is the *AuthPolicy* that takes the token from the request's
/// `Authorization: Bearer` header. Keys come from a `key_source`: a fixed
/// `jwk_set`, or a JWKS URL (`polymcp/auth/jwks_client.hpp`).
///
/// @code
/// auto keys = std::make_shared<polymcp::auth::static_keys>(jwks_json);
/// polymcp::auth::jwt_verifier v({.algorithms = {polymcp::auth::jws_algorithm::RS256},
///                                .issuer = "https://as.example.com",
///                                .audiences = {"https://mcp.example.com/mcp"}}, keys);
/// polymcp::server srv(opts, features, transport, polymcp::auth::jwt_auth(v));
/// @endcode

#include <polymcp/auth/bearer.hpp>
#include <polymcp/auth/concepts.hpp>
#include <polymcp/auth/jws.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace polymcp::auth {

/// Where a verifier gets its keys. Implementations must be thread-safe.
class key_source {
public:
    virtual ~key_source() = default;
    /// The keys to verify with now (never null once constructed successfully).
    virtual std::shared_ptr<const jwk_set> current() const = 0;
    /// Called when a token names a `kid` that `current()` lacks: may fetch
    /// new keys (rate-limited) and return them, or null when nothing changed.
    virtual std::shared_ptr<const jwk_set> refresh_for(std::string_view /*kid*/) { return nullptr; }
    /// Whether `refresh_for` may wait on the network.
    virtual bool may_block() const { return false; }
};

/// A fixed key set.
class static_keys final : public key_source {
public:
    /// The keys of `keys`.
    explicit static_keys(jwk_set keys) : keys_(std::make_shared<const jwk_set>(std::move(keys))) {}
    /// Parses a JWK Set document. @throws std::invalid_argument when it is not one.
    POLYMCP_DECL explicit static_keys(const nlohmann::json& jwks);
    std::shared_ptr<const jwk_set> current() const override { return keys_; }

private:
    std::shared_ptr<const jwk_set> keys_;
};

/// What `jwt_verifier` checks. Times in seconds since the Unix epoch.
struct jwt_options {
    /// The algorithm allow-list (RFC 8725 section 3.1). Each key's `alg`
    /// narrows it further.
    std::vector<jws_algorithm> algorithms{jws_algorithm::RS256, jws_algorithm::ES256};
    /// The expected `iss`, compared exactly (RFC 8414 section 3.3); empty:
    /// `iss` is not checked.
    std::string issuer{};
    /// Accepted audiences: `aud` (a string, or an array of strings) must
    /// contain one of them, compared exactly. For an MCP server this is its
    /// canonical URI (RFC 8707). Must not be empty while `verify_audience`.
    std::vector<std::string> audiences{};
    /// Check `aud`. Turn off only for tokens that are not access tokens.
    bool verify_audience = true;
    /// Allowed clock skew for `exp`, `nbf` and `iat`.
    std::chrono::seconds leeway{60};
    /// Require `exp` (RFC 9068 section 2.2 makes it mandatory).
    bool require_expiration = true;
    /// Require `sub` (RFC 9068 section 2.2); it becomes `principal::subject`.
    bool require_subject = true;
    /// Require the header `typ` "at+jwt" or "application/at+jwt" (any case;
    /// RFC 9068 section 4). Off by default: many authorization servers issue
    /// `typ: JWT`.
    bool require_access_token_type = false;
    /// Largest token, in bytes, checked before any decoding.
    std::size_t max_token_bytes = 8 * 1024;
    /// The claim holding the tenant (a string); "" for none.
    std::string tenant_claim = "tenant";
    /// The clock, in seconds since the epoch (the system clock when empty).
    std::function<double()> now{};
};

/// Verifies JWT access tokens. Thread-safe; copies share the key source.
class jwt_verifier {
public:
    /// @throws std::invalid_argument for an empty allow-list, or no audience while `verify_audience`
    POLYMCP_DECL jwt_verifier(jwt_options options, std::shared_ptr<key_source> keys);
    /// A verifier over a fixed key set.
    jwt_verifier(jwt_options options, jwk_set keys)
        : jwt_verifier(std::move(options), std::make_shared<static_keys>(std::move(keys))) {}

    /// Verifies `token` and fills `out` (subject, tenant, issuer, client_id,
    /// scopes from `scope` or `scp`, every claim).
    /// @param token the compact JWS
    /// @param out the caller, on success
    /// @param why on failure, a sentence safe to show (never the token)
    /// @return success or an `auth::errc`: the JWS errors of `verify_jws`,
    ///         `expired`, `not_yet_valid`, `issued_in_future`,
    ///         `wrong_issuer`, `wrong_audience`, `invalid_claims`
    POLYMCP_DECL std::error_code verify(std::string_view token, principal& out, std::string* why = nullptr) const;

    /// Whether `verify` may wait on the network (a JWKS refresh).
    bool may_block() const { return keys_->may_block(); }
    const jwt_options& options() const noexcept { return options_; }  ///< the settings it checks with

private:
    jwt_options options_;
    std::shared_ptr<key_source> keys_;
};

/// The *AuthPolicy* for JWT bearer tokens: `Authorization: Bearer <JWT>`
/// over HTTP (RFC 6750 section 2.1), `bearer_options::stdio_environment_variable`
/// for stdio. Rejections follow RFC 6750 section 3.1.
class jwt_auth {
public:
    /// Accepts the tokens `verifier` verifies, found as `bearer` says.
    explicit jwt_auth(jwt_verifier verifier, bearer_options bearer = {})
        : verifier_(std::move(verifier)), bearer_(std::move(bearer)) {}
    /** @name The *AuthPolicy* requirements (polymcp/auth/concepts.hpp) */
    ///@{
    /// The *AuthPolicy* requirement of the same name (its table in polymcp/auth/concepts.hpp).
    POLYMCP_DECL auth_result authenticate(const auth_request& r) const;
    bool may_block() const { return verifier_.may_block(); }
    std::string_view name() const noexcept { return "jwt"; }
    ///@}
    const jwt_verifier& verifier() const noexcept { return verifier_; }  ///< what verifies the tokens
    const bearer_options& bearer() const noexcept { return bearer_; }    ///< where tokens are found

private:
    jwt_verifier verifier_;
    bearer_options bearer_;
};

static_assert(auth_policy<jwt_auth>);

}  // namespace polymcp::auth

#if POLYMCP_HEADER_ONLY
#include <polymcp/auth/impl/jwt.ipp>
#endif

#endif
