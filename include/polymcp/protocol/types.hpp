#ifndef POLYMCP_PROTOCOL_TYPES_HPP
#define POLYMCP_PROTOCOL_TYPES_HPP

/// @file polymcp/protocol/types.hpp
/// MCP data types shared by servers and clients (MCP 2025-11-25 schema):
/// `Implementation`, `Icon`, `ToolAnnotations`, `LoggingLevel`.

#include <polymcp/core/config.hpp>
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace polymcp {

using json = nlohmann::json;  ///< nlohmann/json's value type

/// An icon a client may show (schema `Icon`).
struct icon {
    std::string src{};                 ///< http(s) URL or `data:` URI
    std::string mime_type{};           ///< optional, e.g. "image/png"
    std::vector<std::string> sizes{};  ///< optional, e.g. {"48x48"} or {"any"}
    std::string theme{};               ///< optional: "light" or "dark"

    /// The `Icon` object.
    POLYMCP_DECL json to_json() const;
};

/// Renders a list of icons as a JSON array.
POLYMCP_DECL json to_json(const std::vector<icon>& icons);

/// Name and version of an MCP implementation (schema `Implementation`),
/// sent as `serverInfo` in the `initialize` result.
struct implementation {
    std::string name = "polymcp-server";  ///< a program name
    std::string version = "0.0.0";        ///< its version
    std::string title{};               ///< optional display name (2025-06-18+)
    std::string description{};         ///< optional (2025-11-25+)
    std::string website_url{};         ///< optional (2025-11-25+)
    std::vector<icon> icons{};         ///< optional (2025-11-25+)
};

/// Hints about a tool's behaviour (schema `ToolAnnotations`); unset members are omitted.
struct tool_annotations {
    std::string title{};                      ///< a display title
    std::optional<bool> read_only_hint{};     ///< `readOnlyHint`: it changes nothing
    std::optional<bool> destructive_hint{};   ///< `destructiveHint`: it may destroy data
    std::optional<bool> idempotent_hint{};    ///< `idempotentHint`: calling it twice does no more
    std::optional<bool> open_world_hint{};    ///< `openWorldHint`: it reaches outside systems

    /// The `ToolAnnotations` object, without unset members.
    POLYMCP_DECL json to_json() const;
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
POLYMCP_DECL std::optional<logging_level> parse_logging_level(std::string_view s) noexcept;

}  // namespace polymcp

#if POLYMCP_HEADER_ONLY
#include <polymcp/protocol/impl/types.ipp>
#endif

#endif
