#ifndef POLYMCP_CONNECTORS_DETAIL_FIELDS_HPP
#define POLYMCP_CONNECTORS_DETAIL_FIELDS_HPP

// What the connector area's parts share: a reader for opened auth_configs,
// record ids, quoting what a caller sent, reserved headers. Request bodies
// and stored records are decoded as reflected structs
// (polymcp/connectors/bodies.hpp, impl/types.ipp).

#include <polymcp/connectors/error.hpp>
#include <polymcp/core/utf8.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace polymcp::connectors::detail {

/// A string member of an opened `auth_config` (validated when it was
/// sealed), "" when absent or of another type.
inline std::string str(const nlohmann::json& j, const char* field) {
    auto it = j.find(field);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
/// Whether `id` has the shape of a record id: `prefix` and 16 lower-case
/// hex digits (anything else names no record, whatever its length).
inline bool plausible_id(std::string_view prefix, std::string_view id) noexcept {
    if (id.size() != prefix.size() + 16 || id.substr(0, prefix.size()) != prefix) return false;
    for (char c : id.substr(prefix.size()))
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

/// At most the first 64 bytes of `s` as valid UTF-8, cut on a character
/// boundary, with "..." when cut: how messages quote what a caller sent.
inline std::string excerpt(std::string_view s, std::size_t max = 64) { return utf8_excerpt(s, max); }

/// Whether the header `name` is one the gateway sets itself (HTTP framing,
/// the MCP transport's own headers), which no endpoint or credential may set.
inline bool reserved_header(std::string_view name) {
    std::string lower(name);
    for (auto& c : lower)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    static constexpr std::string_view framing[] = {
        "host",        "content-length", "transfer-encoding", "connection",     "upgrade",
        "te",          "trailer",        "expect",            "keep-alive",     "content-type",
        "accept",      "mcp-session-id", "mcp-protocol-version", "last-event-id", "mcp-method",
        "mcp-name",    "proxy-connection", "content-encoding"};
    for (auto f : framing)
        if (lower == f) return true;
    return lower.rfind("mcp-param-", 0) == 0;
}

}  // namespace polymcp::connectors::detail

#endif
