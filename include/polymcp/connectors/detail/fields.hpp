#ifndef POLYMCP_CONNECTORS_DETAIL_FIELDS_HPP
#define POLYMCP_CONNECTORS_DETAIL_FIELDS_HPP

// Reading request bodies and stored records field by field, with errors that
// name the field (connector_error, errc::invalid_request).

#include <polymcp/connectors/error.hpp>
#include <polymcp/core/utf8.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace polymcp::connectors::detail {

[[noreturn]] inline void bad_field(std::string_view field, std::string_view expected) {
    throw connector_error(errc::invalid_request,
                          "the field '" + std::string(field) + "' must be " + std::string(expected));
}

/// Reads `j[field]` as a string into `out` when present (null counts as
/// absent); its length must be within [min, max] bytes.
inline bool read_string(const nlohmann::json& j, std::string_view field, std::string& out, std::size_t min = 0,
                        std::size_t max = 4096) {
    auto it = j.find(std::string(field));
    if (it == j.end() || it->is_null()) return false;
    if (!it->is_string())
        bad_field(field, "a string");
    const auto& s = it->get_ref<const std::string&>();
    if (s.size() < min || s.size() > max)
        bad_field(field, "a string of " + std::to_string(min) + " to " + std::to_string(max) + " bytes");
    out = s;
    return true;
}

/// As read_string for free text (descriptions, icons): no NUL byte.
inline bool read_text(const nlohmann::json& j, std::string_view field, std::string& out, std::size_t min = 0,
                      std::size_t max = 4096) {
    std::string v;
    if (!read_string(j, field, v, min, max)) return false;
    if (v.find('\0') != std::string::npos) bad_field(field, "text without NUL bytes");
    out = std::move(v);
    return true;
}

/// As read_string for a name (of a connector, server or category): 1 to 64
/// bytes, no control characters (U+0000 to U+001F, U+007F), not only spaces.
inline bool read_name(const nlohmann::json& j, std::string_view field, std::string& out) {
    std::string v;
    if (!read_string(j, field, v, 1, 64)) return false;
    bool blank = true;
    for (unsigned char c : v) {
        if (c < 0x20 || c == 0x7f) bad_field(field, "a name without control characters (line breaks, tabs, NUL)");
        blank = blank && c == ' ';
    }
    if (blank) bad_field(field, "a name with a visible character");
    out = std::move(v);
    return true;
}

/// As read_name, and the field must be present.
inline void require_name(const nlohmann::json& j, std::string_view field, std::string& out) {
    if (!read_name(j, field, out)) bad_field(field, "present (a string of 1 to 64 bytes)");
}

/// As read_string, and the field must be present.
inline void require_string(const nlohmann::json& j, std::string_view field, std::string& out, std::size_t min = 1,
                           std::size_t max = 4096) {
    if (!read_string(j, field, out, min, max)) bad_field(field, "present (a string)");
}

inline bool read_bool(const nlohmann::json& j, std::string_view field, bool& out) {
    auto it = j.find(std::string(field));
    if (it == j.end() || it->is_null()) return false;
    if (!it->is_boolean()) bad_field(field, "true or false");
    out = it->get<bool>();
    return true;
}

/// A stored string field, "" when absent or of another type (records are ours).
inline std::string str(const nlohmann::json& j, const char* field) {
    auto it = j.find(field);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
inline std::int64_t num(const nlohmann::json& j, const char* field) {
    auto it = j.find(field);
    return it != j.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}
inline bool flag(const nlohmann::json& j, const char* field, bool dflt) {
    auto it = j.find(field);
    return it != j.end() && it->is_boolean() ? it->get<bool>() : dflt;
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

/// Rejects members of `j` not in `allowed` (a typo must not pass silently).
inline void only_fields(const nlohmann::json& j, std::initializer_list<std::string_view> allowed) {
    if (!j.is_object()) throw connector_error(errc::invalid_request, "the request body must be a JSON object");
    for (auto it = j.begin(); it != j.end(); ++it) {
        bool ok = false;
        for (auto a : allowed) ok = ok || it.key() == a;
        if (!ok) {
            std::string list;
            for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
            throw connector_error(errc::invalid_request,
                                  "unknown field '" + it.key() + "'; the fields are " + list);
        }
    }
}

}  // namespace polymcp::connectors::detail

#endif
