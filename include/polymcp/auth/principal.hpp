#ifndef POLYMCP_AUTH_PRINCIPAL_HPP
#define POLYMCP_AUTH_PRINCIPAL_HPP

/// @file polymcp/auth/principal.hpp
/// `polymcp::auth::principal`: who is calling, as an auth policy established
/// it. Handlers see it through `request_context::principal()`.

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace polymcp::auth {

/// The authenticated caller of a request. Never holds the credential itself
/// (no token, no API key): a principal can be logged and passed around
/// without leaking what proved it (MCP security best practices, "Token
/// Passthrough").
struct principal {
    /// Who: the JWT `sub`, the API key's configured subject. Empty for the
    /// anonymous principal of the `none` policy.
    std::string subject{};
    /// The tenant the caller acts for (a JWT claim chosen by configuration,
    /// the API key's configured tenant). Empty when the policy knows none.
    std::string tenant{};
    /// Who vouched for the caller: the JWT `iss`, "api_key", "none".
    std::string issuer{};
    /// The OAuth client the token was issued to (`client_id`, `azp`), if any.
    std::string client_id{};
    /// Granted scopes (the JWT `scope` string split on spaces, or `scp`).
    std::vector<std::string> scopes{};
    /// Every verified claim (a JSON object; empty for API keys and none).
    nlohmann::json claims = nlohmann::json::object();

    /// True when an auth policy vouched for a subject.
    bool authenticated() const noexcept { return !subject.empty(); }

    /// True when `scope` was granted (exact, case-sensitive, RFC 6749 section 3.3).
    bool has_scope(std::string_view scope) const noexcept {
        return std::find(scopes.begin(), scopes.end(), scope) != scopes.end();
    }

    /// The scopes of `required` that were not granted (empty: all granted).
    std::vector<std::string> missing_scopes(const std::vector<std::string>& required) const {
        std::vector<std::string> missing;
        for (const auto& s : required)
            if (!has_scope(s)) missing.push_back(s);
        return missing;
    }

    /// The same caller: same issuer, subject and tenant. Used to bind a
    /// session to the principal that opened it (MCP security best practices,
    /// "Session Hijacking").
    bool same_caller(const principal& o) const noexcept {
        return subject == o.subject && tenant == o.tenant && issuer == o.issuer;
    }
};

}  // namespace polymcp::auth

#endif
