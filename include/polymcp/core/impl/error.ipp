#ifndef POLYMCP_CORE_IMPL_ERROR_IPP
#define POLYMCP_CORE_IMPL_ERROR_IPP

// Definitions for polymcp/core/error.hpp.

#include <polymcp/core/error.hpp>

namespace polymcp {

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
            case errc::capability_not_declared:
                return "the client did not declare the capability this request needs";
            case errc::request_timeout: return "the peer did not answer the request in time";
            case errc::peer_error: return "the peer answered the request with a JSON-RPC error";
            case errc::duplicate_name: return "an entry with this name or URI is already registered";
            case errc::resource_not_found: return "resource not found";
            case errc::input_required:
                return "the client must provide input first (InputRequiredResult; the client retries with inputResponses)";
            case errc::invalid_request_state:
                return "the requestState failed verification (tampered, expired, or made for another request or caller)";
            case errc::invalid_tool_schema:
                return "the tool's inputSchema breaks the x-mcp-header rules (token name, unique, string/integer/boolean "
                       "parameter reachable through properties)";
        }
        return "unknown polymcp error";
    }
};
}  // namespace detail

const std::error_category& error_category() noexcept {
    static const detail::error_category_impl cat;
    return cat;
}

}  // namespace polymcp

#endif
