#ifndef POLYMCP_CLIENT_IMPL_ERROR_IPP
#define POLYMCP_CLIENT_IMPL_ERROR_IPP

// Definitions for polymcp/client/error.hpp.

#include <polymcp/client/error.hpp>

#include <cctype>

namespace polymcp::client {

namespace detail {
class client_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "polymcp.client"; }
    std::string message(int ev) const override {
        switch (static_cast<errc>(ev)) {
            case errc::success: return "success";
            case errc::invalid_url: return "invalid URL or command";
            case errc::dns_failure: return "the host name does not resolve";
            case errc::connection_failed: return "cannot connect to the server";
            case errc::tls_error: return "TLS handshake or certificate verification failed";
            case errc::timeout: return "the server did not answer in time";
            case errc::http_error: return "the server answered with an unexpected HTTP status";
            case errc::auth_required: return "the server requires authorization";
            case errc::invalid_mcp_server: return "the server does not speak MCP";
            case errc::protocol_version_unsupported: return "the server's MCP protocol version is not supported";
            case errc::message_too_large: return "a message from the server exceeds the size limit";
            case errc::connection_closed: return "the server closed the connection";
            case errc::session_expired: return "the server ended the MCP session";
            case errc::cancelled: return "the request was cancelled";
            case errc::rpc_error: return "the server answered with a JSON-RPC error";
            case errc::not_initialized: return "the client session is not initialized";
            case errc::address_blocked: return "the server's address is not allowed";
        }
        return "unknown polymcp.client error";
    }
};

inline bool is_tchar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}
inline bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
    return true;
}
}  // namespace detail

const std::error_category& error_category() noexcept {
    static const detail::client_category_impl cat;
    return cat;
}

std::optional<bearer_challenge> parse_bearer_challenge(std::string_view h) {
    // RFC 9110 section 11.6.1: challenges separated by commas; a challenge is a
    // scheme token followed by a token68 or by comma-separated auth-params.
    std::size_t i = 0;
    auto skip_ws = [&] { while (i < h.size() && (h[i] == ' ' || h[i] == '\t')) ++i; };
    auto token = [&] {
        std::size_t b = i;
        while (i < h.size() && detail::is_tchar(h[i])) ++i;
        return h.substr(b, i - b);
    };
    std::optional<bearer_challenge> out;
    bool in_bearer = false;
    while (i < h.size()) {
        skip_ws();
        if (i < h.size() && h[i] == ',') { ++i; continue; }
        auto name = token();
        if (name.empty()) { ++i; continue; }  // stray character: skip it
        skip_ws();
        if (i < h.size() && h[i] == '=') {
            // Either an auth-param, or a token68 ending in '=' padding.
            ++i;
            skip_ws();
            std::string value;
            if (i < h.size() && h[i] == '"') {
                ++i;
                while (i < h.size() && h[i] != '"') {
                    if (h[i] == '\\' && i + 1 < h.size()) ++i;
                    value += h[i++];
                }
                if (i < h.size()) ++i;
            } else {
                std::size_t b = i;
                while (i < h.size() && h[i] != ',' && h[i] != ' ' && h[i] != '\t') ++i;
                value = std::string(h.substr(b, i - b));
            }
            if (in_bearer && out) {
                if (detail::iequals(name, "resource_metadata")) out->resource_metadata = value;
                else if (detail::iequals(name, "scope")) out->scope = value;
                else if (detail::iequals(name, "error")) out->error = value;
                else if (detail::iequals(name, "error_description")) out->error_description = value;
            }
            continue;
        }
        // A new challenge starts with this scheme token.
        in_bearer = detail::iequals(name, "Bearer") && !out;
        if (in_bearer) out = bearer_challenge{};
    }
    if (out) out->raw = std::string(h);
    return out;
}

}  // namespace polymcp::client

#endif
