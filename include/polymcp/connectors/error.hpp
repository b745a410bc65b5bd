#ifndef POLYMCP_CONNECTORS_ERROR_HPP
#define POLYMCP_CONNECTORS_ERROR_HPP

/// @file polymcp/connectors/error.hpp
/// The typed errors of the connector manager: `polymcp::connectors::errc`
/// (a `std::error_code` category), their stable upper-case names for APIs
/// ("SSRF_BLOCKED", "CONNECTOR_LIMIT_REACHED", ...), the HTTP status an API
/// answers each with, and `connector_error`, the exception that carries one
/// with the details a user can act on (the upstream's HTTP status, its
/// OAuth challenge).

#include <polymcp/client/error.hpp>
#include <polymcp/core/config.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <system_error>

namespace polymcp::connectors {

/// Why a connector operation failed. The comment gives each code's name
/// (`code_name`) and the HTTP status an API answers it with (`response_status`).
enum class errc {
    success = 0,
    // Testing a connection (MCP server validation); `response_status` 422 unless noted.
    invalid_url,                   ///< INVALID_URL: not an absolute http(s) URL, or no command for stdio
    ssrf_blocked,                  ///< SSRF_BLOCKED: the host is (or resolves to) a private, loopback or link-local address
    dns_failure,                   ///< DNS_FAILURE: the host name does not resolve
    connection_failed,             ///< CONNECTION_FAILED: connection refused or unreachable; a command that cannot start
    tls_error,                     ///< TLS_ERROR: TLS handshake or certificate verification failed
    timeout,                       ///< TIMEOUT: no answer within the validation (or call) timeout; 504 on calls
    http_error,                    ///< HTTP_ERROR: the server answered an unusable HTTP status (`connector_error::http_status`)
    auth_required,                 ///< AUTH_REQUIRED: the server wants credentials (`resource_metadata`, `scope`)
    invalid_mcp_server,            ///< INVALID_MCP_SERVER: the server does not speak MCP
    protocol_version_unsupported,  ///< PROTOCOL_VERSION_UNSUPPORTED: no MCP revision in common
    // Managing records.
    invalid_request,               ///< INVALID_REQUEST (400): a missing or malformed field
    not_found,                     ///< NOT_FOUND (404): no such id, or one the caller may not see
    forbidden,                     ///< FORBIDDEN (403): visible, but the caller may not change it
    already_exists,                ///< ALREADY_EXISTS (409): the name is taken
    conflict,                      ///< CONFLICT (409): changed concurrently; read again and retry
    connector_limit_reached,       ///< CONNECTOR_LIMIT_REACHED (409): the per-user limit of connectors
    transport_not_allowed,         ///< TRANSPORT_NOT_ALLOWED (403): stdio (a local command) for a caller who may not start one
    // Sessions and calls.
    not_connected,                 ///< NOT_CONNECTED (409): the connector is not connected in this session
    unknown_tool,                  ///< UNKNOWN_TOOL (404): no aggregated tool of that name in this session
    upstream_error,                ///< UPSTREAM_ERROR (502): the upstream failed mid-call (closed, crashed, answered garbage)
    cancelled,                     ///< CANCELLED (499): the caller cancelled
    storage_unavailable,           ///< STORAGE_UNAVAILABLE (503): the storage backend failed; nothing was written
    crypto_error,                  ///< CRYPTO_ERROR (500): a sealed credential does not open (wrong key, tampered)
    // Revocation and limits.
    disabled,                      ///< DISABLED (403): the connector, or the catalog server it uses, is disabled or gone
    limit_reached,                 ///< LIMIT_REACHED (429): a configured bound on live upstreams, stdio children or session names
    rate_limited,                  ///< RATE_LIMITED (429): too many connection tests; wait and try again
};

/// The category of `errc` ("polymcp.connectors").
POLYMCP_DECL const std::error_category& error_category() noexcept;

/// `e` as a `std::error_code` of the connectors' category.
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), error_category()}; }

/// The stable upper-case name of `e` for APIs and logs, e.g. "SSRF_BLOCKED".
POLYMCP_DECL std::string_view code_name(errc e) noexcept;

/// The HTTP status a JSON API answers `e` with (see `errc`), e.g. 400 for
/// `invalid_request`. Not to be confused with `connector_error::http_status`,
/// the status an upstream answered. Thread-safe (pure).
POLYMCP_DECL unsigned response_status(errc e) noexcept;

/// A failed connector operation: its `errc`, a message a user can act on
/// (never a credential), and what the upstream said.
class connector_error : public std::system_error {
public:
    /// An error of kind `e`, saying `message`.
    connector_error(errc e, const std::string& message) : std::system_error(make_error_code(e), message), message_(message) {}

    /// The message alone (`std::system_error` would append the category's text).
    const char* what() const noexcept override { return message_.c_str(); }

    /// The code, as an `errc`.
    errc value() const noexcept { return static_cast<errc>(code().value()); }

    /// For `http_error` and `auth_required`: the HTTP status the upstream
    /// answered (0: none); the same value as `client::client_error::http_status`.
    int http_status = 0;
    /// For `auth_required`: the protected resource metadata URL of the
    /// upstream's challenge (RFC 9728 section 5.1), or empty.
    std::string resource_metadata;
    /// For `auth_required`: the scopes the upstream asked for, space-separated, or empty.
    std::string scope;

    /// `{"error": code_name, "message": what()}` plus `status`,
    /// `resource_metadata` and `scope` when set: the body an API answers.
    POLYMCP_DECL nlohmann::json to_json() const;

private:
    std::string message_;
};

/// The connector error for a client failure (`polymcp::client::client_error`):
/// `address_blocked` becomes `ssrf_blocked`, `session_expired` and
/// `connection_closed` and JSON-RPC errors `upstream_error`, the others their
/// namesakes; the upstream status and challenge are kept.
/// @param e the client's error
/// @param what names the upstream for the message, e.g. "the connector 'github'"
POLYMCP_DECL connector_error from_client_error(const client::client_error& e, std::string_view what);

}  // namespace polymcp::connectors

template <>
struct std::is_error_code_enum<polymcp::connectors::errc> : std::true_type {};

#if POLYMCP_HEADER_ONLY
#include <polymcp/connectors/impl/error.ipp>
#endif

#endif
