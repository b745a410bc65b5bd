#ifndef POLYMCP_CLIENT_HTTP_OPTIONS_HPP
#define POLYMCP_CLIENT_HTTP_OPTIONS_HPP

/// @file polymcp/client/http_options.hpp
/// Configuration shared by the HTTP client transports
/// (`streamable_http_transport`, `sse_transport`), and the *AuthProvider*
/// interface through which they obtain an `Authorization` header.

#include <polymcp/client/error.hpp>

#include <asio/awaitable.hpp>
#include <asio/ip/address.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace polymcp::client {

/// Supplies credentials for HTTP requests and reacts when the server refuses
/// them (MCP 2025-11-25 "Authorization"). `polymcp::client::oauth_client`
/// is the OAuth 2.1 model; `bearer_token` a fixed token.
///
/// Called on the transport's executor; one call at a time per transport.
class auth_provider {
public:
    virtual ~auth_provider() = default;

    /// The `Authorization` header value for a request to `url`
    /// (e.g. "Bearer eyJ..."), or empty to send none.
    virtual asio::awaitable<std::string> authorization(const std::string& url) = 0;

    /// The server answered 401, or 403 with `insufficient_scope`. Obtain new
    /// credentials (refresh, authorize, step up) and return true to have the
    /// request retried, false to fail it with `errc::auth_required`.
    /// @param url the refused request's URL
    /// @param status 401 or 403
    /// @param challenge the parsed `WWW-Authenticate: Bearer` header, if any
    /// @param sent_authorization the `Authorization` value the refused request
    ///        carried (what `authorization` returned then); a provider whose
    ///        credentials changed since can simply return true
    virtual asio::awaitable<bool> on_unauthorized(const std::string& url, int status,
                                                  const std::optional<bearer_challenge>& challenge,
                                                  const std::string& sent_authorization) = 0;
};

/// A fixed bearer token (RFC 6750): sent with every request; a 401 fails.
class bearer_token final : public auth_provider {
public:
    /// Sends `token` (without the "Bearer " prefix).
    explicit bearer_token(std::string token) : token_(std::move(token)) {}
    asio::awaitable<std::string> authorization(const std::string&) override { co_return "Bearer " + token_; }
    asio::awaitable<bool> on_unauthorized(const std::string&, int, const std::optional<bearer_challenge>&,
                                          const std::string&) override {
        co_return false;
    }

private:
    std::string token_;
};

/// How to reach an MCP server over HTTP. Every member but `url` has a working default.
struct http_options {
    /// The MCP endpoint, e.g. "https://example.com/mcp" (the SSE endpoint for `sse_transport`).
    std::string url{};
    /// Extra request headers, e.g. {{"X-API-Key", "..."}}. Not for `Authorization`
    /// when `auth` is set.
    std::map<std::string, std::string> headers{};
    /// Query parameters appended to the URL's own (which are kept), URL-encoded.
    std::vector<std::pair<std::string, std::string>> query{};
    /// TCP + TLS connect timeout, in ms.
    std::chrono::milliseconds connect_timeout{10'000};
    /// Time limit of each whole HTTP request, from connecting to the last
    /// byte, in ms; 0: none (event streams stay open as long as they are
    /// used). Set it for one-shot exchanges such as OAuth metadata,
    /// registration and token requests.
    std::chrono::milliseconds transfer_timeout{0};
    /// Largest JSON body or SSE event accepted from the server, in bytes.
    std::size_t max_message_size = 16 * 1024 * 1024;
    /// Verify the server's certificate and host name (TLS). Turn off only for tests.
    bool verify_tls = true;
    /// A PEM file of trusted CA certificates; empty: the system's.
    std::string ca_file{};
    /// A proxy URL; empty: from the environment (`https_proxy`, `http_proxy`,
    /// `no_proxy`, as libcurl reads them).
    std::string proxy{};
    /// Streamable HTTP: open the GET stream for server-initiated messages after `initialize`.
    bool open_get_stream = true;
    /// Wait before reconnecting an event stream when the server sent no `retry`, in ms.
    std::chrono::milliseconds reconnect_delay{1'000};
    /// Reconnection attempts for one interrupted event stream before giving up.
    int max_reconnect_attempts = 5;
    /// Times one request is retried after `auth->on_unauthorized` returned true
    /// (bounds step-up loops).
    int max_auth_retries = 3;
    /// Credentials for requests; null: none (or a header in `headers`).
    std::shared_ptr<auth_provider> auth{};
    /// The `User-Agent` header.
    std::string user_agent = "polymcp-client/0.1";
    /// Checks every address a TCP connection is about to be opened to (the
    /// server's, a reconnection's, an OAuth endpoint's, or the proxy's): false
    /// refuses it, and the request fails with `errc::address_blocked`. The
    /// guard against server-side request forgery when URLs come from users
    /// (polymcp/connectors/ssrf.hpp): since the check sees the address
    /// actually connected to, a host name that resolves differently later
    /// (DNS rebinding) is caught too. When set and `proxy` is empty, proxies
    /// from the environment are not used (the check would see the proxy).
    /// Called on the transport's executor; must not block. Null: every
    /// address is allowed.
    std::function<bool(const asio::ip::address&)> address_filter{};
    /// Fixed host name resolutions, in libcurl's `CURLOPT_RESOLVE` form
    /// "host:port:address[,address]" (e.g. "example.com:443:93.184.216.34"):
    /// pins a host to addresses resolved and checked before, so that no later
    /// DNS answer is used for it.
    std::vector<std::string> resolve{};
};

}  // namespace polymcp::client

#endif
