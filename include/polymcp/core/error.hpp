#ifndef POLYMCP_CORE_ERROR_HPP
#define POLYMCP_CORE_ERROR_HPP

/// @file polymcp/core/error.hpp
/// polymcp's error codes as a `std::error_code` category, in the style of Asio
/// and Beast: functions that can fail offer an `error_code&` overload and a
/// throwing overload that throws `std::system_error` with these codes.

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
};

namespace detail {
class error_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "polymcp"; }
    std::string message(int ev) const override {
        switch (static_cast<errc>(ev)) {
            case errc::success: return "success";
            case errc::parse_error: return "parse error: the input is not well-formed JSON";
            case errc::invalid_request: return "invalid request: not a valid JSON-RPC 2.0 message";
            case errc::method_not_found: return "method not found";
            case errc::invalid_params: return "invalid params";
            case errc::internal_error: return "internal error";
            case errc::message_too_large: return "message exceeds the configured size limit";
            case errc::not_initialized: return "session not initialized";
            case errc::shutting_down: return "server is shutting down";
            case errc::duplicate_tool: return "a tool with this name is already registered";
            case errc::invalid_tool_name: return "invalid tool name";
            case errc::unknown_tool: return "unknown tool";
            case errc::transport_closed: return "transport closed by the peer";
        }
        return "unknown polymcp error";
    }
};
}  // namespace detail

/// The category of `polymcp::errc` codes. Thread-safe (a function-local static).
inline const std::error_category& error_category() noexcept {
    static const detail::error_category_impl cat;
    return cat;
}

/// Makes a `std::error_code` from a `polymcp::errc` (found by ADL).
inline std::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), error_category()};
}

}  // namespace polymcp

template <>
struct std::is_error_code_enum<polymcp::errc> : std::true_type {};

#endif
