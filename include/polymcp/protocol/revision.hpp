#ifndef POLYMCP_PROTOCOL_REVISION_HPP
#define POLYMCP_PROTOCOL_REVISION_HPP

/// @file polymcp/protocol/revision.hpp
/// The MCP protocol revisions polymcp speaks and version negotiation: the
/// `initialize` handshake of the session revisions (MCP 2025-11-25
/// "Lifecycle" > "Version Negotiation") and the per-request version of the
/// stateless ones (MCP 2026-07-28 "Versioning and Compatibility").

#include <array>
#include <optional>
#include <string_view>

namespace polymcp {

/// MCP revisions, oldest first; comparisons follow release order.
///
/// Up to 2025-11-25 a revision is agreed once per session by `initialize`
/// ("legacy" in the 2026-07-28 text); from 2026-07-28 on there is no
/// handshake and every request carries its revision in `_meta` ("modern").
enum class revision { v2024_11_05, v2025_03_26, v2025_06_18, v2025_11_25, v2026_07_28 };

/// The newest revision this build speaks.
inline constexpr revision latest_revision = revision::v2026_07_28;

/// The newest revision with the `initialize` handshake; what a server
/// answers `initialize` with when the client asks for a revision it does
/// not know (or for a stateless one, which has no `initialize`).
inline constexpr revision latest_session_revision = revision::v2025_11_25;

/// Every revision this build speaks, newest first: the `supportedVersions`
/// of `server/discover` and the `supported` list of
/// `UnsupportedProtocolVersionError`.
inline constexpr std::array<revision, 5> supported_revisions{revision::v2026_07_28, revision::v2025_11_25,
                                                             revision::v2025_06_18, revision::v2025_03_26,
                                                             revision::v2024_11_05};

/// Whether `r` is stateless: no `initialize`, no sessions, per-request
/// `_meta` (2026-07-28 and later).
constexpr bool is_stateless(revision r) noexcept { return r >= revision::v2026_07_28; }

/// The revision's wire string, e.g. "2025-11-25".
constexpr std::string_view to_string(revision r) noexcept {
    switch (r) {
        case revision::v2024_11_05: return "2024-11-05";
        case revision::v2025_03_26: return "2025-03-26";
        case revision::v2025_06_18: return "2025-06-18";
        case revision::v2025_11_25: return "2025-11-25";
        case revision::v2026_07_28: return "2026-07-28";
    }
    return "2025-11-25";
}

/// Parses a wire string; `std::nullopt` for revisions this build does not speak.
constexpr std::optional<revision> parse_revision(std::string_view s) noexcept {
    for (auto r : supported_revisions)
        if (to_string(r) == s) return r;
    return std::nullopt;
}

/// Server-side `initialize` negotiation: the requested revision when it is a
/// session revision this build speaks, otherwise `latest_session_revision`
/// (the client then decides whether to disconnect).
constexpr revision negotiate(std::string_view requested) noexcept {
    auto r = parse_revision(requested);
    return r && !is_stateless(*r) ? *r : latest_session_revision;
}

/// Feature switches that differ between revisions.
struct revision_features {
    bool batches;             ///< JSON-RPC batches (2025-03-26 only)
    bool tool_annotations;    ///< `Tool.annotations` (2025-03-26+)
    bool titles;              ///< `title` fields, `outputSchema`, `structuredContent` (2025-06-18+)
    bool icons;               ///< `icons`, `Implementation.description` (2025-11-25+)
    bool stateless;           ///< no sessions; `_meta` per request, `resultType` (2026-07-28+)
};

/// The features of revision `r`.
constexpr revision_features features_of(revision r) noexcept {
    return {r == revision::v2025_03_26, r >= revision::v2025_03_26, r >= revision::v2025_06_18,
            r >= revision::v2025_11_25, is_stateless(r)};
}

}  // namespace polymcp

#endif
