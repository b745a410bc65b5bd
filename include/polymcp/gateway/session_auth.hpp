#ifndef POLYMCP_GATEWAY_SESSION_AUTH_HPP
#define POLYMCP_GATEWAY_SESSION_AUTH_HPP

/// @file polymcp/gateway/session_auth.hpp
/// `polymcp::gateway::session_auth`: the auth policy of a multi-tenant
/// gateway, wrapping the deployment's own (API keys, JWT).

#include <polymcp/auth/any_auth.hpp>
#include <polymcp/auth/concepts.hpp>
#include <polymcp/auth/error.hpp>
#include <polymcp/http/fields.hpp>

#include <cctype>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace polymcp::gateway {

/// The auth policy of the gateway: any policy (API keys, JWT), plus the
/// caller's connector session from the `X-Gateway-Session` header (1 to 128
/// of [A-Za-z0-9._:-]; "default" without it) put into the principal's
/// `gateway_session` claim, where the MCP endpoint and the API find it.
/// Every caller belongs to a tenant: a principal without one gets
/// `default_tenant`, or is refused (403) when that is empty.
class session_auth {
public:
    /// @param inner the policy that authenticates the caller
    /// @param default_tenant the tenant of principals without one; empty:
    ///        such callers are refused with 403
    explicit session_auth(auth::any_auth inner, std::string default_tenant = {})
        : inner_(std::move(inner)), default_tenant_(std::move(default_tenant)) {}

    /// `inner`'s result, with the tenant and the `gateway_session` claim
    /// set; 400 for a malformed `X-Gateway-Session`, 403 for a principal
    /// without a tenant when there is no default.
    auth::auth_result authenticate(const auth::auth_request& r) const {
        auto res = inner_.authenticate(r);
        if (!res) return res;
        if (res.who().tenant.empty() && default_tenant_.empty())
            return auth::auth_result::reject(auth::auth_rejection{
                make_error_code(auth::errc::invalid_claims), 403, "insufficient_scope",
                "the credential names no tenant; the gateway serves only callers of a tenant (set auth.jwt.tenant_claim, "
                "or auth.jwt.default_tenant)",
                {}});
        std::string session = "default";
        if (r.headers)
            if (auto h = r.headers->get("X-Gateway-Session")) {
                session = std::string(*h);
                bool ok = !session.empty() && session.size() <= 128;
                for (char c : session)
                    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == ':' || c == '-');
                if (!ok)
                    return auth::auth_result::reject(auth::auth_rejection{
                        make_error_code(auth::errc::malformed_request), 400, "invalid_request",
                        "X-Gateway-Session must be 1 to 128 characters of A-Z a-z 0-9 . _ : -", {}});
            }
        auto p = res.who();
        if (p.tenant.empty()) p.tenant = default_tenant_;
        p.claims["gateway_session"] = session;
        return auth::auth_result::accept(std::move(p));
    }
    /// The inner policy's `WWW-Authenticate` value for `rej`.
    std::string challenge(const auth::auth_rejection& rej) const { return inner_.challenge(rej); }
    /// The inner policy's metadata documents (RFC 9728 for a resource server).
    std::vector<auth::well_known_document> documents() const { return inner_.documents(); }
    /// Whether the inner policy may wait on the network.
    bool may_block() const { return inner_.may_block(); }
    /// The inner policy's name, for diagnostics.
    std::string_view name() const { return inner_.name(); }

private:
    auth::any_auth inner_;
    std::string default_tenant_;
};

static_assert(auth::auth_policy<session_auth>);

}  // namespace polymcp::gateway

#endif
