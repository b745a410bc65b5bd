#ifndef POLYMCP_PROTOCOL_TYPES_HPP
#define POLYMCP_PROTOCOL_TYPES_HPP

/// @file polymcp/protocol/types.hpp
/// MCP data types shared by servers and clients (MCP 2025-11-25 schema):
/// `Implementation`, `Icon`, `ToolAnnotations`, `LoggingLevel`.

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace polymcp {

using json = nlohmann::json;

/// An icon a client may show (schema `Icon`).
struct icon {
    std::string src{};                 ///< http(s) URL or `data:` URI
    std::string mime_type{};           ///< optional, e.g. "image/png"
    std::vector<std::string> sizes{};  ///< optional, e.g. {"48x48"} or {"any"}
    std::string theme{};               ///< optional: "light" or "dark"

    json to_json() const {
        json j = {{"src", src}};
        if (!mime_type.empty()) j["mimeType"] = mime_type;
        if (!sizes.empty()) j["sizes"] = sizes;
        if (!theme.empty()) j["theme"] = theme;
        return j;
    }
};

/// Renders a list of icons as a JSON array.
inline json to_json(const std::vector<icon>& icons) {
    json a = json::array();
    for (const auto& i : icons) a.push_back(i.to_json());
    return a;
}

/// Name and version of an MCP implementation (schema `Implementation`),
/// sent as `serverInfo` in the `initialize` result.
struct implementation {
    std::string name = "polymcp-server";
    std::string version = "0.0.0";
    std::string title{};               ///< optional display name (2025-06-18+)
    std::string description{};         ///< optional (2025-11-25+)
    std::string website_url{};         ///< optional (2025-11-25+)
    std::vector<icon> icons{};         ///< optional (2025-11-25+)
};

/// Hints about a tool's behaviour (schema `ToolAnnotations`); unset members are omitted.
struct tool_annotations {
    std::string title{};
    std::optional<bool> read_only_hint{};
    std::optional<bool> destructive_hint{};
    std::optional<bool> idempotent_hint{};
    std::optional<bool> open_world_hint{};

    json to_json() const {
        json j = json::object();
        if (!title.empty()) j["title"] = title;
        if (read_only_hint) j["readOnlyHint"] = *read_only_hint;
        if (destructive_hint) j["destructiveHint"] = *destructive_hint;
        if (idempotent_hint) j["idempotentHint"] = *idempotent_hint;
        if (open_world_hint) j["openWorldHint"] = *open_world_hint;
        return j;
    }
};

/// Log severities (schema `LoggingLevel`, RFC 5424 section 6.2.1), least severe first.
enum class logging_level { debug, info, notice, warning, error, critical, alert, emergency };

/// The wire name of a logging level, e.g. "warning".
constexpr std::string_view to_string(logging_level l) noexcept {
    constexpr std::string_view names[] = {"debug", "info",     "notice", "warning",
                                          "error", "critical", "alert",  "emergency"};
    return names[static_cast<int>(l)];
}

/// Parses a wire name; `std::nullopt` when it is not one of the eight levels.
inline std::optional<logging_level> parse_logging_level(std::string_view s) noexcept {
    for (int i = 0; i <= static_cast<int>(logging_level::emergency); ++i)
        if (to_string(static_cast<logging_level>(i)) == s) return static_cast<logging_level>(i);
    return std::nullopt;
}

}  // namespace polymcp

#endif
