#ifndef POLYMCP_AUTH_RESOURCE_SERVER_HPP
#define POLYMCP_AUTH_RESOURCE_SERVER_HPP

/// @file polymcp/auth/resource_server.hpp
/// `polymcp::auth::oauth_resource_server`: an MCP server as an OAuth 2.1
/// resource server (MCP 2025-11-25 "Authorization"):
///
/// - serves its Protected Resource Metadata (RFC 9728) at
///   `/.well-known/oauth-protected-resource` followed by the path of its
///   canonical URI, and at `/.well-known/oauth-protected-resource`;
/// - answers a request without a valid token 401 with
///   `WWW-Authenticate: Bearer resource_metadata="...", scope="..."`
///   (RFC 9728 section 5.1, RFC 6750 section 3) and one lacking a scope 403
///   `insufficient_scope`;
/// - accepts only tokens whose audience is its canonical URI (RFC 8707),
///   issued by one of its authorization servers, presented in the
///   `Authorization` header (never the query string);
/// - never passes the token on: the principal handlers see carries the
///   claims, not the token (MCP security best practices, "Token Passthrough").

#include <polymcp/auth/jwt.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace polymcp::auth {

/// The resource server's identity and metadata (RFC 9728 section 2).
struct protected_resource_options {
    /// The server's canonical URI (RFC 8707 section 2), e.g.
    /// "https://mcp.example.com/mcp": https (or http on a loopback host), no
    /// fragment. Tokens must name it in `aud`.
    std::string resource{};
    /// Issuer URLs of the authorization servers that issue tokens for it
    /// (at least one).
    std::vector<std::string> authorization_servers{};
    /// `scopes_supported` in the metadata.
    std::vector<std::string> scopes_supported{};
    /// Scopes every request needs (a token without one is answered 403);
    /// also the `scope` of the 401 challenge, so a client asks for them.
    std::vector<std::string> required_scopes{};
    /// `resource_name` (human-readable; omitted when empty).
    std::string resource_name{};
    /// `resource_documentation` URL (omitted when empty).
    std::string resource_documentation{};
};

/// The *AuthPolicy* of an OAuth 2.1 resource server (see this header's
/// notes). Thread-safe; copies share the verifier's key source.
class oauth_resource_server {
public:
    /// @param options the resource, its authorization servers and required scopes
    /// @param verifier checks the tokens; its `audiences` must contain
    ///        `options.resource` (RFC 8707) and it must verify audiences
    /// @throws std::invalid_argument for a resource that is not an absolute
    ///         https (or loopback http) URI without fragment, no
    ///         authorization server, or a verifier not bound to the resource
    /// @param bearer where tokens are found
    POLYMCP_DECL oauth_resource_server(protected_resource_options options, jwt_verifier verifier,
                                       bearer_options bearer = {});

    /// The *AuthPolicy* operation: 401 without a valid token, 403 with
    /// `insufficient_scope` when a required scope is missing.
    POLYMCP_DECL auth_result authenticate(const auth_request& r) const;
    /// `WWW-Authenticate` for a rejection: error, description, `scope` (the
    /// required scopes followed by the rejection's own, e.g. a tool's) and
    /// `resource_metadata`.
    POLYMCP_DECL std::string challenge(const auth_rejection& rej) const;
    /// The metadata document at both well-known locations.
    POLYMCP_DECL std::vector<well_known_document> documents() const;
    bool may_block() const { return verifier_.may_block(); }  ///< *AuthPolicy*: whether verifying may wait on a JWKS fetch
    std::string_view name() const noexcept { return "oauth_resource_server"; }  ///< *AuthPolicy*: its name

    /// The Protected Resource Metadata (RFC 9728 section 2) as JSON.
    POLYMCP_DECL nlohmann::json metadata() const;
    /// Where the metadata is served: the resource's origin,
    /// "/.well-known/oauth-protected-resource" and the resource's path
    /// (RFC 9728 section 3.1).
    const std::string& metadata_url() const noexcept { return metadata_url_; }
    const protected_resource_options& options() const noexcept { return options_; }  ///< the settings it was made with
    const jwt_verifier& verifier() const noexcept { return verifier_; }              ///< what verifies the tokens

private:
    protected_resource_options options_;
    jwt_verifier verifier_;
    bearer_options bearer_;
    std::string origin_, path_, metadata_url_;
};

static_assert(auth_policy<oauth_resource_server>);

}  // namespace polymcp::auth

#if POLYMCP_HEADER_ONLY
#include <polymcp/auth/impl/resource_server.ipp>
#endif

#endif
