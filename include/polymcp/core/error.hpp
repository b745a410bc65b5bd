#ifndef POLYMCP_CORE_ERROR_HPP
#define POLYMCP_CORE_ERROR_HPP

/// @file polymcp/core/error.hpp
/// polymcp's error codes as a `std::error_code` category, in the style of Asio
/// and Beast: functions that can fail offer an `error_code&` overload and a
/// throwing overload that throws `std::system_error` with these codes.

#include <polymcp/core/config.hpp>

#include <string>
#include <system_error>

namespace polymcp {

/// Typed error conditions reported by polymcp APIs.
enum class errc {
    success = 0,
    parse_error,            ///< input was not well-formed JSON (JSON-RPC -32700)
    invalid_request,        ///< JSON that is not a valid JSON-RPC message (-32600)
    method_not_found,       ///< no handler for the method (-32601)
    invalid_params,         ///< parameters do not match what the method expects (-32602)
    internal_error,         ///< a bug or unexpected failure inside the server (-32603)
    message_too_large,      ///< a message exceeded the configured size limit
    not_initialized,        ///< a request other than ping arrived before `initialize`
    shutting_down,          ///< the server is shutting down and no longer accepts requests
    duplicate_tool,         ///< a tool with the same name is already registered
    invalid_tool_name,      ///< a tool name outside the MCP naming rules
    unknown_tool,           ///< no tool with that name
    transport_closed,       ///< the peer closed the connection
    capability_not_declared,  ///< the client did not declare the capability a server-to-client request needs
    request_timeout,        ///< the peer did not answer a request in time
    peer_error,             ///< the peer answered a request with a JSON-RPC error
    duplicate_name,         ///< a resource, template or prompt with the same name or URI is registered
    resource_not_found,     ///< no resource with that URI (JSON-RPC -32002 in 2025-11-25)
    /// MCP 2026-07-28: the input a handler asked for (an elicitation, a
    /// sampling result, the roots) is not in this round's `inputResponses`;
    /// the server answers with an `InputRequiredResult` and the client retries
    input_required,
    invalid_request_state,  ///< a `requestState` that fails verification (tampered, expired, for another request or caller)
    /// a tool whose `inputSchema` breaks the `x-mcp-header` rules (MCP
    /// 2026-07-28 "Custom Headers from Tool Parameters"; polymcp/protocol/header_params.hpp)
    invalid_tool_schema,
};

/// The category of `polymcp::errc` codes (name "polymcp"). Thread-safe.
POLYMCP_DECL const std::error_category& error_category() noexcept;

/// Makes a `std::error_code` from a `polymcp::errc` (found by ADL).
inline std::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), error_category()};
}

}  // namespace polymcp

template <>
struct std::is_error_code_enum<polymcp::errc> : std::true_type {};

#if POLYMCP_HEADER_ONLY
#include <polymcp/core/impl/error.ipp>
#endif

#endif
