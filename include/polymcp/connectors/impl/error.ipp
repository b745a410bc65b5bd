#ifndef POLYMCP_CONNECTORS_IMPL_ERROR_IPP
#define POLYMCP_CONNECTORS_IMPL_ERROR_IPP

// Definitions for polymcp/connectors/error.hpp.

#include <polymcp/connectors/error.hpp>

namespace polymcp::connectors {

namespace detail {
class connectors_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "polymcp.connectors"; }
    std::string message(int ev) const override {
        switch (static_cast<errc>(ev)) {
            case errc::success: return "success";
            case errc::invalid_url: return "the URL or command cannot be used";
            case errc::ssrf_blocked: return "the address is not allowed (private, loopback or link-local)";
            case errc::dns_failure: return "the host name does not resolve";
            case errc::connection_failed: return "cannot connect to the server";
            case errc::tls_error: return "TLS handshake or certificate verification failed";
            case errc::timeout: return "the server did not answer in time";
            case errc::http_error: return "the server answered with an unexpected HTTP status";
            case errc::auth_required: return "the server requires authorization";
            case errc::invalid_mcp_server: return "the server does not speak MCP";
            case errc::protocol_version_unsupported: return "the server speaks no MCP revision this gateway speaks";
            case errc::invalid_request: return "the request is invalid";
            case errc::not_found: return "not found";
            case errc::forbidden: return "not allowed for this caller";
            case errc::already_exists: return "the name is already taken";
            case errc::conflict: return "changed concurrently";
            case errc::connector_limit_reached: return "the limit of connectors per user is reached";
            case errc::transport_not_allowed: return "this transport is not allowed for this caller";
            case errc::not_connected: return "the connector is not connected in this session";
            case errc::unknown_tool: return "no such tool in this session";
            case errc::upstream_error: return "the upstream MCP server failed";
            case errc::cancelled: return "cancelled";
            case errc::storage_unavailable: return "the storage backend is unavailable";
            case errc::crypto_error: return "a sealed credential cannot be opened";
            case errc::disabled: return "the connector or its catalog server is disabled";
            case errc::limit_reached: return "a configured limit is reached";
            case errc::rate_limited: return "too many requests; try again later";
        }
        return "unknown polymcp.connectors error";
    }
};
}  // namespace detail

const std::error_category& error_category() noexcept {
    static const detail::connectors_category_impl cat;
    return cat;
}

std::string_view code_name(errc e) noexcept {
    switch (e) {
        case errc::success: return "OK";
        case errc::invalid_url: return "INVALID_URL";
        case errc::ssrf_blocked: return "SSRF_BLOCKED";
        case errc::dns_failure: return "DNS_FAILURE";
        case errc::connection_failed: return "CONNECTION_FAILED";
        case errc::tls_error: return "TLS_ERROR";
        case errc::timeout: return "TIMEOUT";
        case errc::http_error: return "HTTP_ERROR";
        case errc::auth_required: return "AUTH_REQUIRED";
        case errc::invalid_mcp_server: return "INVALID_MCP_SERVER";
        case errc::protocol_version_unsupported: return "PROTOCOL_VERSION_UNSUPPORTED";
        case errc::invalid_request: return "INVALID_REQUEST";
        case errc::not_found: return "NOT_FOUND";
        case errc::forbidden: return "FORBIDDEN";
        case errc::already_exists: return "ALREADY_EXISTS";
        case errc::conflict: return "CONFLICT";
        case errc::connector_limit_reached: return "CONNECTOR_LIMIT_REACHED";
        case errc::transport_not_allowed: return "TRANSPORT_NOT_ALLOWED";
        case errc::not_connected: return "NOT_CONNECTED";
        case errc::unknown_tool: return "UNKNOWN_TOOL";
        case errc::upstream_error: return "UPSTREAM_ERROR";
        case errc::cancelled: return "CANCELLED";
        case errc::storage_unavailable: return "STORAGE_UNAVAILABLE";
        case errc::crypto_error: return "CRYPTO_ERROR";
        case errc::disabled: return "DISABLED";
        case errc::limit_reached: return "LIMIT_REACHED";
        case errc::rate_limited: return "RATE_LIMITED";
    }
    return "UNKNOWN";
}

unsigned response_status(errc e) noexcept {
    switch (e) {
        case errc::success: return 200;
        case errc::invalid_request: return 400;
        case errc::forbidden:
        case errc::disabled:
        case errc::transport_not_allowed: return 403;
        case errc::not_found:
        case errc::unknown_tool: return 404;
        case errc::already_exists:
        case errc::conflict:
        case errc::connector_limit_reached:
        case errc::not_connected: return 409;
        case errc::limit_reached:
        case errc::rate_limited: return 429;
        case errc::cancelled: return 499;
        case errc::crypto_error: return 500;
        case errc::upstream_error: return 502;
        case errc::storage_unavailable: return 503;
        default: return 422;  // a validation failure: the described server cannot be used
    }
}

nlohmann::json connector_error::to_json() const {
    nlohmann::json j = {{"error", code_name(value())}, {"message", what()}};
    if (http_status) j["status"] = http_status;
    if (!resource_metadata.empty()) j["resource_metadata"] = resource_metadata;
    if (!scope.empty()) j["scope"] = scope;
    return j;
}

connector_error from_client_error(const client::client_error& e, std::string_view what) {
    using ce = client::errc;
    errc code = errc::upstream_error;
    switch (e.value()) {
        case ce::invalid_url: code = errc::invalid_url; break;
        case ce::address_blocked: code = errc::ssrf_blocked; break;
        case ce::dns_failure: code = errc::dns_failure; break;
        case ce::connection_failed: code = errc::connection_failed; break;
        case ce::tls_error: code = errc::tls_error; break;
        case ce::timeout: code = errc::timeout; break;
        case ce::http_error: code = errc::http_error; break;
        case ce::auth_required: code = errc::auth_required; break;
        case ce::invalid_mcp_server:
        case ce::message_too_large: code = errc::invalid_mcp_server; break;
        case ce::protocol_version_unsupported: code = errc::protocol_version_unsupported; break;
        case ce::cancelled: code = errc::cancelled; break;
        default: code = errc::upstream_error; break;
    }
    // The client's message without the category text std::system_error appends.
    std::string message = e.what();
    const std::string suffix = ": " + e.code().message();
    if (message.size() > suffix.size() && message.compare(message.size() - suffix.size(), suffix.size(), suffix) == 0)
        message.resize(message.size() - suffix.size());
    connector_error out(code, std::string(what) + ": " + message);
    out.http_status = e.http_status;
    if (e.challenge) {
        out.resource_metadata = e.challenge->resource_metadata;
        out.scope = e.challenge->scope;
    }
    return out;
}

}  // namespace polymcp::connectors

#endif
