#ifndef POLYMCP_PROTOCOL_META_HPP
#define POLYMCP_PROTOCOL_META_HPP

/// @file polymcp/protocol/meta.hpp
/// The `_meta` keys of the stateless revision and the per-request metadata
/// every 2026-07-28 request carries (MCP 2026-07-28 "Base Protocol" >
/// `_meta`, "Versioning and Compatibility"): its protocol version, the
/// client's capabilities and identity, and the log level it wants.

#include <polymcp/protocol/jsonrpc.hpp>
#include <polymcp/protocol/revision.hpp>
#include <polymcp/protocol/types.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace polymcp {

/// The reserved `_meta` keys of MCP 2026-07-28.
namespace meta_key {
/// The revision a stateless request is made in (every request carries it).
inline constexpr const char* protocol_version = "io.modelcontextprotocol/protocolVersion";
/// The client's `ClientCapabilities`, per request.
inline constexpr const char* client_capabilities = "io.modelcontextprotocol/clientCapabilities";
/// The client's `Implementation` (name, version), per request.
inline constexpr const char* client_info = "io.modelcontextprotocol/clientInfo";
/// The lowest log level the client wants for this request; absent: no log messages.
inline constexpr const char* log_level = "io.modelcontextprotocol/logLevel";
/// The server's `Implementation`, on results.
inline constexpr const char* server_info = "io.modelcontextprotocol/serverInfo";
/// The `subscriptions/listen` stream a notification belongs to.
inline constexpr const char* subscription_id = "io.modelcontextprotocol/subscriptionId";
}  // namespace meta_key

/// What a stateless request says about itself in `params._meta`.
struct request_meta {
    revision version = latest_revision;                         ///< `protocolVersion`
    nlohmann::json client_capabilities = nlohmann::json::object();  ///< `clientCapabilities` (an object)
    nlohmann::json client_info;                                 ///< `clientInfo`; null when absent (a SHOULD)
    std::optional<logging_level> log_level{};                   ///< `logLevel`; absent: no log messages
};

/// Whether a request's `params` carry a stateless protocol version
/// (`_meta["io.modelcontextprotocol/protocolVersion"]`, any value): such a
/// request is served under the stateless rules, whatever else it says.
inline bool has_request_meta(const nlohmann::json& params) noexcept {
    if (!params.is_object()) return false;
    auto m = params.find("_meta");
    return m != params.end() && m->is_object() && m->contains(meta_key::protocol_version);
}

/// The `protocolVersion` a request's `_meta` names, or "" when absent or not a string.
inline std::string requested_version(const nlohmann::json& params) {
    if (!params.is_object()) return {};
    auto m = params.find("_meta");
    if (m == params.end() || !m->is_object()) return {};
    auto v = m->find(meta_key::protocol_version);
    return v != m->end() && v->is_string() ? v->get<std::string>() : std::string();
}

/// The `UnsupportedProtocolVersionError` for `requested` (MCP 2026-07-28
/// "Versioning and Compatibility" > "Protocol Version Negotiation").
inline jsonrpc::error unsupported_version_error(std::string_view requested) {
    nlohmann::json supported = nlohmann::json::array();
    for (auto r : supported_revisions) supported.push_back(std::string(to_string(r)));
    return {jsonrpc::error_code::unsupported_protocol_version,
            "Unsupported protocol version: '" + std::string(requested) + "'; this server speaks " +
                [&] {
                    std::string l;
                    for (const auto& v : supported) l += (l.empty() ? "" : ", ") + v.get<std::string>();
                    return l;
                }(),
            {{"supported", std::move(supported)}, {"requested", std::string(requested)}}};
}

/// Reads and checks the `_meta` of a stateless request.
///
/// @param params the request's `params` (any JSON)
/// @return the metadata, or the error to answer with:
///   - -32602 (invalid params) when `_meta`, its `protocolVersion` (a string)
///     or its `clientCapabilities` (an object) is missing or mistyped, or
///     `logLevel` is not a logging level;
///   - -32022 (`UnsupportedProtocolVersionError`, with `supported` and
///     `requested`) when the version is not a stateless revision this build
///     speaks.
/// `clientInfo` is optional (servers MUST NOT require it).
inline std::variant<request_meta, jsonrpc::error> read_request_meta(const nlohmann::json& params) {
    auto bad = [](std::string what) {
        return jsonrpc::error{jsonrpc::error_code::invalid_params,
                              "Invalid params: " + what +
                                  " (every MCP 2026-07-28 request carries _meta with "
                                  "io.modelcontextprotocol/protocolVersion and io.modelcontextprotocol/clientCapabilities)",
                              nullptr};
    };
    if (!params.is_object()) return bad("params are required");
    auto m = params.find("_meta");
    if (m == params.end() || !m->is_object()) return bad("/_meta is required");
    auto v = m->find(meta_key::protocol_version);
    if (v == m->end() || !v->is_string()) return bad("/_meta/io.modelcontextprotocol~1protocolVersion must be a string");
    auto c = m->find(meta_key::client_capabilities);
    if (c == m->end() || !c->is_object())
        return bad("/_meta/io.modelcontextprotocol~1clientCapabilities must be an object");
    request_meta out;
    const auto& version = v->get_ref<const std::string&>();
    auto rev = parse_revision(version);
    if (!rev || !is_stateless(*rev)) return unsupported_version_error(version);
    out.version = *rev;
    out.client_capabilities = *c;
    if (auto i = m->find(meta_key::client_info); i != m->end()) out.client_info = *i;
    if (auto l = m->find(meta_key::log_level); l != m->end()) {
        auto level = l->is_string() ? parse_logging_level(l->get_ref<const std::string&>()) : std::nullopt;
        if (!level)
            return bad("/_meta/io.modelcontextprotocol~1logLevel must be one of debug, info, notice, warning, error, "
                       "critical, alert, emergency");
        out.log_level = level;
    }
    return out;
}

}  // namespace polymcp

#endif
