#ifndef POLYMCP_CLIENT_OAUTH_HPP
#define POLYMCP_CLIENT_OAUTH_HPP

/// @file polymcp/client/oauth.hpp
/// `polymcp::client::oauth_client`: the OAuth 2.1 client of the MCP
/// authorization spec (MCP 2025-11-25 "Authorization"), as an
/// `auth_provider` for the HTTP transports. Link `polymcp::client_http`.
///
/// On a 401 it discovers the protected resource metadata (RFC 9728: the
/// `resource_metadata` of the `WWW-Authenticate` challenge, else the
/// well-known locations, path first), the authorization server metadata
/// (RFC 8414 and OpenID Connect discovery, in the spec's order), identifies
/// the client (pre-registration, then a Client ID Metadata Document, then
/// Dynamic Client Registration, RFC 7591), and runs the authorization code
/// flow with PKCE S256 (refused when the server does not advertise S256),
/// `state`, the `iss` check (RFC 9207) and the `resource` parameter (RFC
/// 8707). Scopes come from the challenge, else from `scopes_supported`;
/// a 403 `insufficient_scope` steps up to the union of the scopes held and
/// the ones challenged. Tokens are refreshed before they expire and once
/// on a 401. The token endpoint is authenticated with `client_secret_basic`,
/// `client_secret_post` or `none`, as the registration says.
///
/// The redirect is the application's: `oauth_options::authorize` receives
/// the authorization URL and returns the URL the authorization server
/// redirected the user agent to (a loopback listener on a desktop, a web
/// callback on a server).
///
/// Tokens and dynamic registrations are kept in a `token_store`, under
/// (user, server, issuer) keys: `memory_token_store`, or
/// `encrypted_token_store` (polymcp/client/token_store.hpp) on the
/// storage policy, encrypted with the cipher policy.
///
/// Not thread-safe: one transport's executor.

#include <polymcp/client/http_options.hpp>
#include <polymcp/core/config.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace polymcp::client {

/// How this client is known to one authorization server.
struct oauth_client_registration {
    std::string client_id{};                         ///< `client_id`: registered, pre-registered, or a metadata document URL
    std::string client_secret{};                     ///< empty for a public client
    /// "none", "client_secret_basic" or "client_secret_post"; empty: chosen from
    /// the server's `token_endpoint_auth_methods_supported` (basic first).
    std::string token_endpoint_auth_method{};

    /// `{"client_id", "client_secret"?, "token_endpoint_auth_method"?}`.
    POLYMCP_DECL json to_json() const;
    /// @throws client_error(errc::invalid_mcp_server) when `j` lacks `client_id`;
    ///         client_error(errc::auth_required) when another member is not a string
    POLYMCP_DECL static oauth_client_registration from_json(const json& j);
};

/// Tokens from the token endpoint (RFC 6749 section 5.1).
struct oauth_tokens {
    std::string access_token{};         ///< sent as `Authorization: Bearer`
    std::string token_type = "Bearer";  ///< as the token endpoint named it
    std::string refresh_token{};  ///< empty when none was issued
    std::string scope;          ///< the granted scopes, space-separated (or the requested ones)
    std::int64_t expires_at = 0;  ///< Unix time in s; 0 when the server gave no `expires_in`

    /// Every member, as kept in the token store.
    POLYMCP_DECL json to_json() const;
    /// Reads what `to_json` wrote; an absent or null member reads as its default.
    /// @throws client_error(errc::auth_required) naming a member of another type
    POLYMCP_DECL static oauth_tokens from_json(const json& j);
};

/// Where an `oauth_client` keeps tokens and registrations. `key` names
/// (kind, user, server, issuer); values are JSON objects. The store must not
/// share entries across users.
class token_store {
public:
    virtual ~token_store() = default;
    /// The value under `key`, or nullopt.
    virtual asio::awaitable<std::optional<json>> load(const std::string& key) = 0;
    /// Stores `value` under `key`, replacing what was there.
    virtual asio::awaitable<void> save(const std::string& key, json value) = 0;
    /// Removes `key` (no error when absent).
    virtual asio::awaitable<void> erase(const std::string& key) = 0;
};

/// A token store in process memory (lost at exit).
class memory_token_store final : public token_store {
public:
    asio::awaitable<std::optional<json>> load(const std::string& key) override {
        auto it = entries_.find(key);
        if (it == entries_.end()) co_return std::nullopt;
        co_return it->second;
    }
    asio::awaitable<void> save(const std::string& key, json value) override {
        entries_[key] = std::move(value);
        co_return;
    }
    asio::awaitable<void> erase(const std::string& key) override {
        entries_.erase(key);
        co_return;
    }

private:
    std::map<std::string, json> entries_;
};

/// Sends the user to `authorization_url` and returns the redirect URL the
/// authorization server sent the user agent back to (with `code`, `state`,
/// `iss`). Throw to abandon the authorization.
using authorization_handler = std::function<asio::awaitable<std::string>(std::string authorization_url)>;

/// Configuration of an `oauth_client`.
struct oauth_options {
    /// Completes the redirect step (required).
    authorization_handler authorize{};
    /// The redirect URI registered for this client (loopback for desktop apps).
    std::string redirect_uri = "http://127.0.0.1:33418/callback";
    /// `client_name` in registrations.
    std::string client_name = "polymcp";
    /// An https URL where this client's metadata document is hosted: used as
    /// the client_id when the authorization server supports Client ID
    /// Metadata Documents. Empty: not used.
    std::string client_id_metadata_url{};
    /// Pre-registered clients by authorization server issuer; the entry ""
    /// applies to any issuer. Preferred over the other ways when present.
    std::map<std::string, oauth_client_registration> preregistered{};
    /// Where tokens and registrations live; null: a fresh memory_token_store.
    std::shared_ptr<token_store> store{};
    /// Whose tokens these are: part of every store key (never shared across users).
    std::string user = "default";
    /// Refresh this long before `expires_at`, in seconds.
    std::chrono::seconds refresh_margin{60};
    /// Allow plain http for metadata, registration and token endpoints off
    /// loopback (never do this in production; loopback is always allowed).
    bool allow_insecure_http = false;
    /// TLS, proxy and timeouts for the requests to the authorization server
    /// (`url`, `headers`, `query` and `auth` are not used).
    http_options http{};
};

namespace detail {
struct oauth_state;
}

/// The MCP OAuth 2.1 client (see the file comment). Give it to
/// `http_options::auth` of the transport for `server_url`.
class oauth_client final : public auth_provider {
public:
    /// @param ex the transport's executor
    /// @param server_url the MCP server's URL (the resource)
    /// @param options the redirect handler, client identity, store and user
    POLYMCP_DECL oauth_client(asio::any_io_executor ex, std::string server_url, oauth_options options);
    POLYMCP_DECL ~oauth_client() override;

    /// "Bearer <token>" once authorized (refreshing first when the token is
    /// about to expire), else empty.
    POLYMCP_DECL asio::awaitable<std::string> authorization(const std::string& url) override;
    /// Refreshes (once per token) or authorizes, stepping up scopes on 403.
    /// Requests refused together share one refresh or authorization; a request
    /// sent with a token that has since been replaced is simply retried.
    /// @throws client_error(errc::auth_required) with what failed: discovery,
    ///         registration, PKCE not supported, state or issuer mismatch, token errors
    POLYMCP_DECL asio::awaitable<bool> on_unauthorized(const std::string& url, int status,
                                                       const std::optional<bearer_challenge>& challenge,
                                                       const std::string& sent_authorization) override;

    /// The tokens in force, if any.
    POLYMCP_DECL std::optional<oauth_tokens> tokens() const;
    /// The authorization server's issuer, once discovered.
    POLYMCP_DECL std::string issuer() const;

private:
    std::shared_ptr<detail::oauth_state> state_;
};

/// What `begin_authorization` started: where to send the user agent, and
/// what `complete_authorization` needs to finish.
struct oauth_authorization_request {
    /// The authorization endpoint with `response_type=code`, `client_id`,
    /// `redirect_uri`, the PKCE S256 `code_challenge`, `state`, `resource`
    /// and `scope`.
    std::string authorization_url{};
    /// The `state` in that URL: 128 random bits, hex.
    std::string state{};
    /// `{"server_url", "resource", "issuer", "authorization_server" (its
    /// metadata), "registration", "redirect_uri", "scope", "state",
    /// "code_verifier"}`. It holds the PKCE verifier and may hold a client
    /// secret: keep it on the server, sealed, and never send it to the user agent.
    json pending{};
};

/// The result of a completed authorization: the tokens and what refreshing
/// them needs.
struct oauth_grant {
    oauth_tokens tokens{};                    ///< the tokens
    oauth_client_registration registration{};  ///< the client the tokens were issued to
    std::string issuer{};                     ///< the authorization server's `issuer`
    std::string token_endpoint{};             ///< where to refresh them
    std::string resource;  ///< the `resource` the tokens were issued for (RFC 8707)
};

/// The authorization code flow for a web application, whose redirect comes
/// back on another HTTP request (perhaps to another process), step 1:
/// discovers the authorization server of `server_url` as `oauth_client`
/// does (the `resource_metadata` of `challenge`, else the RFC 9728
/// well-known locations; RFC 8414 / OpenID Connect metadata), identifies the
/// client (`options.preregistered`, a Client ID Metadata Document at
/// `options.client_id_metadata_url`, else Dynamic Client Registration with
/// `options.redirect_uri`), and builds the authorization request with PKCE
/// S256, `state` and `resource`. The scope is the challenge's, else the
/// resource's `scopes_supported`. `options.authorize` is not used.
/// @throws client_error(errc::auth_required) saying what failed, as `oauth_client`
POLYMCP_DECL asio::awaitable<oauth_authorization_request> begin_authorization(
    asio::any_io_executor ex, std::string server_url, oauth_options options,
    std::optional<bearer_challenge> challenge = std::nullopt);

/// Step 2: checks the redirect URL the user agent came back with
/// (`redirect_url`; only its query is read: `error`, the `state` of
/// `pending`, RFC 9207 `iss`) and exchanges its code with the PKCE verifier and
/// `resource` at the token endpoint. `options` supplies `http` and
/// `allow_insecure_http`; the rest comes from `pending`.
/// @throws client_error(errc::auth_required) for a refusal, a state or
///         issuer mismatch, a missing code, or a token endpoint error
POLYMCP_DECL asio::awaitable<oauth_grant> complete_authorization(asio::any_io_executor ex, json pending,
                                                                 std::string redirect_url, oauth_options options);

/// The parameters of an authorization response (RFC 6749 section 4.1.2:
/// `code`, `state`, RFC 9207 `iss`; section 4.1.2.1: `error`,
/// `error_description`) in the query of `redirect_url`, the URL the user
/// agent came back with, percent-decoded (the last value of a repeated name
/// wins; the fragment is not read). `complete_authorization` reads the same.
/// Thread-safe (no shared state).
///
/// ```
/// auto p = client::authorization_response_parameters("https://gw.example/cb?code=a%2Fb&state=7f");
/// // p["code"] == "a/b", p["state"] == "7f", p.count("error") == 0
/// ```
POLYMCP_DECL std::map<std::string, std::string> authorization_response_parameters(const std::string& redirect_url);

/// An authorization handler that needs no user: it requests the
/// authorization URL and returns where the server redirects. For
/// authorization servers that approve without interaction (test servers,
/// trusted first-party servers); real users need a browser.
/// @throws client_error(errc::auth_required) when the server does not redirect
POLYMCP_DECL authorization_handler headless_authorization(asio::any_io_executor ex, http_options options = {});

/// The canonical URI of an MCP server for the `resource` parameter (MCP
/// "Authorization" > "Canonical Server URI", RFC 8707 section 2): scheme and
/// host lower-case, no fragment, no trailing slash on an empty path.
POLYMCP_DECL std::string canonical_resource_uri(const std::string& server_url);

}  // namespace polymcp::client

#if POLYMCP_HEADER_ONLY
#include <polymcp/client/impl/oauth.ipp>
#endif

#endif
