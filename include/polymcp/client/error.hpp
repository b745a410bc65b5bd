#ifndef POLYMCP_CLIENT_ERROR_HPP
#define POLYMCP_CLIENT_ERROR_HPP

/// @file polymcp/client/error.hpp
/// Typed errors of the MCP client (`polymcp::client::errc`, category
/// "polymcp.client") and the exception its coroutines throw,
/// `polymcp::client::client_error`.
///
/// The codes are the connector validation codes of the connector manager, so
/// that a failed connection test maps one to one onto what a user is told:
/// unreachable, slow, not an MCP server, wrong protocol version, needs
/// authorization, and so on.

#include <polymcp/core/config.hpp>
#include <polymcp/protocol/jsonrpc.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <system_error>

namespace polymcp::client {

using json = nlohmann::json;  ///< nlohmann/json's value type

/// What went wrong talking to an MCP server.
enum class errc {
    success = 0,
    invalid_url,                    ///< the URL or command cannot be used (syntax, scheme)
    dns_failure,                    ///< the host name does not resolve
    connection_failed,              ///< TCP connect refused or unreachable; a process that cannot be started
    tls_error,                      ///< TLS handshake or certificate verification failed
    timeout,                        ///< no answer within the request's timeout (or the connect timeout)
    http_error,                     ///< an HTTP status the transport cannot use (`client_error::http_status`)
    auth_required,                  ///< HTTP 401/403: authorization needed (`client_error::challenge`)
    invalid_mcp_server,             ///< the peer does not speak MCP: HTML, invalid JSON, wrong shapes
    protocol_version_unsupported,   ///< the server chose an MCP revision this client does not speak
    message_too_large,              ///< a message from the server exceeded `max_message_size`
    connection_closed,              ///< the server closed the stream or exited before answering
    session_expired,                ///< HTTP 404 for the session: initialize again
    cancelled,                      ///< the caller cancelled the request
    rpc_error,                      ///< the server answered with a JSON-RPC error (`client_error::rpc`)
    not_initialized,                ///< a request before `initialize` completed, or after `close`
    address_blocked,                ///< `http_options::address_filter` refused the address the host resolved to
};

/// The category of `polymcp::client::errc` (name "polymcp.client"). Thread-safe.
POLYMCP_DECL const std::error_category& error_category() noexcept;

/// Makes a `std::error_code` from a client `errc` (found by ADL).
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), error_category()}; }

/// The parsed `WWW-Authenticate: Bearer` challenge of a 401 or 403
/// (RFC 6750 section 3, RFC 9728 section 5.1).
struct bearer_challenge {
    std::string resource_metadata{};  ///< URL of the protected resource metadata, or empty
    std::string scope{};            ///< space-separated scopes the server asks for, or empty
    std::string error{};            ///< e.g. "invalid_token", "insufficient_scope", or empty
    std::string error_description{};  ///< the server's explanation, or empty
    std::string raw{};              ///< the header as received
};

/// Parses a `WWW-Authenticate` header value; `std::nullopt` when it holds no
/// `Bearer` challenge. Lenient about spacing and quoting (RFC 9110 section 11.6.1).
POLYMCP_DECL std::optional<bearer_challenge> parse_bearer_challenge(std::string_view header);

/// The exception the client's coroutines throw. `code()` is a client `errc`;
/// `what()` is a message a user can act on (it names the server and what to do).
class client_error : public std::system_error {
public:
    /// An error of kind `e`, saying `message`.
    client_error(errc e, const std::string& message) : std::system_error(make_error_code(e), message) {}

    errc value() const noexcept { return static_cast<errc>(code().value()); }  ///< `code()` as a client `errc`

    int http_status = 0;                        ///< for http_error / auth_required / session_expired
    std::optional<bearer_challenge> challenge;  ///< for auth_required, when the server sent one
    std::optional<jsonrpc::error> rpc;          ///< for rpc_error: the server's error object
};

}  // namespace polymcp::client

template <>
struct std::is_error_code_enum<polymcp::client::errc> : std::true_type {};

#if POLYMCP_HEADER_ONLY
#include <polymcp/client/impl/error.ipp>
#endif

#endif
