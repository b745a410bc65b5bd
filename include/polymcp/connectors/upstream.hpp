#ifndef POLYMCP_CONNECTORS_UPSTREAM_HPP
#define POLYMCP_CONNECTORS_UPSTREAM_HPP

/// @file polymcp/connectors/upstream.hpp
/// Opening an MCP client session to an upstream server described by an
/// `endpoint` (polymcp/connectors/types.hpp), with the SSRF guard
/// (polymcp/connectors/ssrf.hpp) on every HTTP connection: the transport is
/// chosen at run time (stdio, 2024-11-05 HTTP+SSE, Streamable HTTP), the
/// credentials come from `upstream_credentials`, and `initialize` must
/// complete before a deadline. Used by the validator ("test connection") and
/// by the connection pool of the connector manager.

#include <polymcp/client/http_options.hpp>
#include <polymcp/client/session.hpp>
#include <polymcp/connectors/error.hpp>
#include <polymcp/connectors/ssrf.hpp>
#include <polymcp/connectors/types.hpp>
#include <polymcp/core/config.hpp>
#include <polymcp/protocol/types.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace polymcp::connectors {

/// How the gateway reaches upstreams; shared by all of them.
struct upstream_options {
    /// Which addresses HTTP upstreams may have (default: public ones only).
    ssrf_policy ssrf{};
    /// Verify upstream TLS certificates and host names. Turn off only for tests.
    bool verify_tls = true;
    /// A PEM file of CA certificates to trust; empty: the system's.
    std::string ca_file{};
    /// An HTTP proxy for upstream requests; empty: none (environment
    /// variables such as `https_proxy` are ignored, since a proxy would make
    /// the SSRF guard check the proxy's address instead of the upstream's;
    /// a proxy given here must enforce its own egress rules).
    std::string proxy{};
    /// Largest message accepted from an upstream, in bytes.
    std::size_t max_message_size = 16 * 1024 * 1024;
    /// Who the gateway says it is in `initialize`.
    polymcp::implementation client_info{.name = "polymcp-gateway", .version = "0.1.0"};
    /// The gateway's environment variables a stdio upstream inherits (by
    /// name); all others are withheld, so that no secret of the gateway
    /// (its encryption key, its database password) reaches a child. The
    /// endpoint's `env` comes next, then the user's credential in one of the
    /// endpoint's `credential_env` (polymcp/connectors/environment.hpp
    /// `child_environment`), and nothing else.
    std::vector<std::string> stdio_inherited_environment{"PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "USER"};
    /// Receives each stderr line of stdio upstreams (default: dropped; the
    /// last 8 KiB still go into error messages).
    std::function<void(std::string_view)> on_stderr{};
};

/// The credentials an upstream request carries, made from a connector's
/// auth_config by a token provider (polymcp/connectors/auth_config.hpp).
struct upstream_credentials {
    /// Supplies the `Authorization` header (and refreshes it on 401); null: none.
    std::shared_ptr<client::auth_provider> auth{};
    /// Extra HTTP headers, e.g. {"X-API-Key": "..."}.
    std::map<std::string, std::string> headers{};
    /// Extra query parameters, e.g. {{"api_key", "..."}}.
    std::vector<std::pair<std::string, std::string>> query{};
    /// A user's credential for a stdio upstream, e.g. {"GITHUB_TOKEN": "..."}:
    /// each name must be one of the endpoint's `credential_env`.
    std::map<std::string, std::string> env{};
};

/// The client `http_options` for an HTTP endpoint: its URL, headers and
/// query, `creds`, the TLS settings of `o`, and the SSRF guard — the
/// `address_filter` of `o.ssrf`, plus the host's DNS answer resolved now,
/// checked and pinned (`resolve`).
/// @param ex where resolving runs
/// @param ep the endpoint (streamable_http or sse)
/// @param creds the credentials of the requests
/// @param o TLS, the SSRF policy, time limits
/// @param deadline when resolving must have finished
/// @throws connector_error `invalid_url` (not an absolute http(s) URL),
///         `dns_failure`, `ssrf_blocked` (naming the address and its class),
///         `timeout`
POLYMCP_DECL asio::awaitable<client::http_options> guarded_http_options(
    asio::any_io_executor ex, const endpoint& ep, const upstream_credentials& creds, const upstream_options& o,
    std::chrono::steady_clock::time_point deadline);

/// Opens a client session to `ep` and completes `initialize` before `deadline`.
/// @param ex where the session runs
/// @param ep the endpoint: stdio, sse or streamable_http
/// @param creds the upstream's credentials
/// @param o TLS, the SSRF policy, time limits, the inherited environment
/// @param deadline when `initialize` must have completed
/// @param session handlers and settings for the session (its `client_info`
///        is replaced by `o.client_info`)
/// @return the initialized session; close it with `close()`
/// @throws connector_error as `guarded_http_options`, `invalid_url` for a
///         stdio endpoint without command, `invalid_request` for a
///         credential in an environment variable the endpoint does not
///         declare (`child_environment`), and the client's failures mapped
///         by `from_client_error` (`connection_failed`, `tls_error`,
///         `timeout`, `http_error`, `auth_required`, `invalid_mcp_server`,
///         `protocol_version_unsupported`, `ssrf_blocked`, ...)
POLYMCP_DECL asio::awaitable<std::shared_ptr<client::session>> open_upstream(
    asio::any_io_executor ex, const endpoint& ep, const upstream_credentials& creds, const upstream_options& o,
    client::session_options session, std::chrono::steady_clock::time_point deadline);

/// "the MCP server at https://host/mcp" or "the command 'npx'": how messages name an endpoint.
POLYMCP_DECL std::string describe(const endpoint& ep);

}  // namespace polymcp::connectors

#if POLYMCP_HEADER_ONLY
#include <polymcp/connectors/impl/upstream.ipp>
#endif

#endif
