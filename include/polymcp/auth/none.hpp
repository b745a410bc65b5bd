#ifndef POLYMCP_AUTH_NONE_HPP
#define POLYMCP_AUTH_NONE_HPP

/// @file polymcp/auth/none.hpp
/// `polymcp::auth::no_auth`: the explicit "no authentication" policy.

#include <polymcp/auth/concepts.hpp>

#include <string_view>

namespace polymcp::auth {

/// Lets every request in as an anonymous principal (empty subject, issuer
/// "none"). The default `Auth` of `polymcp::server`. A Streamable HTTP server
/// bound to a non-loopback address with this policy logs a warning at start:
/// anyone who can reach the port can call every tool.
struct no_auth {
    static constexpr bool anonymous = true;  ///< *AuthPolicy*: it accepts every request as anonymous
    /// *AuthPolicy*: accepts, as the anonymous principal (issuer "none").
    auth_result authenticate(const auth_request&) const {
        principal p;
        p.issuer = "none";
        return auth_result::accept(std::move(p));
    }
    std::string_view name() const noexcept { return "none"; }  ///< *AuthPolicy*: its name
};

static_assert(auth_policy<no_auth>);

}  // namespace polymcp::auth

#endif
