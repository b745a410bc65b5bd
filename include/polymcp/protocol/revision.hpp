#ifndef POLYMCP_PROTOCOL_REVISION_HPP
#define POLYMCP_PROTOCOL_REVISION_HPP

/// @file polymcp/protocol/revision.hpp
/// The MCP protocol revisions polymcp speaks and version negotiation
/// (MCP 2025-11-25 "Lifecycle" > "Version Negotiation").

#include <array>
#include <optional>
#include <string_view>

namespace polymcp {

/// MCP revisions, oldest first; comparisons follow release order.
enum class revision { v2024_11_05, v2025_03_26, v2025_06_18, v2025_11_25 };

/// The newest revision this build serves; what a server answers when the
/// client asks for a revision it does not know.
inline constexpr revision latest_revision = revision::v2025_11_25;

/// The revision's wire string, e.g. "2025-11-25".
constexpr std::string_view to_string(revision r) noexcept {
    switch (r) {
        case revision::v2024_11_05: return "2024-11-05";
        case revision::v2025_03_26: return "2025-03-26";
        case revision::v2025_06_18: return "2025-06-18";
        case revision::v2025_11_25: return "2025-11-25";
    }
    return "2025-11-25";
}

/// Parses a wire string; `std::nullopt` for revisions this build does not speak.
constexpr std::optional<revision> parse_revision(std::string_view s) noexcept {
    for (auto r : {revision::v2024_11_05, revision::v2025_03_26, revision::v2025_06_18,
                   revision::v2025_11_25})
        if (to_string(r) == s) return r;
    return std::nullopt;
}

/// Server-side negotiation: the requested revision when supported, otherwise
/// the latest one (the client then decides whether to disconnect).
constexpr revision negotiate(std::string_view requested) noexcept {
    return parse_revision(requested).value_or(latest_revision);
}

/// Feature switches that differ between revisions.
struct revision_features {
    bool batches;             ///< JSON-RPC batches (2025-03-26 only)
    bool tool_annotations;    ///< `Tool.annotations` (2025-03-26+)
    bool titles;              ///< `title` fields, `outputSchema`, `structuredContent` (2025-06-18+)
    bool icons;               ///< `icons`, `Implementation.description` (2025-11-25+)
};

/// The features of revision `r`.
constexpr revision_features features_of(revision r) noexcept {
    return {r == revision::v2025_03_26, r >= revision::v2025_03_26, r >= revision::v2025_06_18,
            r >= revision::v2025_11_25};
}

}  // namespace polymcp

#endif
