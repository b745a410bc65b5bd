#ifndef POLYMCP_CONNECTORS_AGGREGATOR_HPP
#define POLYMCP_CONNECTORS_AGGREGATOR_HPP

/// @file polymcp/connectors/aggregator.hpp
/// One tool list out of many upstreams: `aggregate` namespaces each
/// connected connector's tools as `<connector>__<tool>`, deterministically.
///
/// - Names are sanitised to `^[a-zA-Z0-9_-]{1,64}$` (what LLM
///   function-calling APIs accept; MCP allows more): any other character
///   becomes `_`.
/// - A name longer than `max_name_length` keeps its first characters and
///   ends in `_` + 8 hex digits of the SHA-256 of (connector id, tool name),
///   so it stays unique and stable.
/// - Two tools that end up with the same name (connectors "git hub" and
///   "git_hub", or tools "a.b" and "a_b") are ordered by connector name,
///   connector id and tool name; the first keeps the name, each later one
///   gets the hash suffix, and every such renaming is reported in
///   `aggregation::collisions`. No tool is ever silently shadowed.
/// - Each aggregated tool remembers its connector and upstream name (the
///   reverse map `tools/call` uses).
///
/// Optionally the input schemas are normalised for LLM function-calling
/// APIs (`normalize_schema`).

#include <polymcp/connectors/session_state.hpp>
#include <polymcp/core/config.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace polymcp::connectors {

/// Settings of `aggregate`.
struct aggregation_options {
    /// Between the connector's and the tool's name.
    std::string separator = "__";
    /// Longest aggregated name (64: the limit of common LLM APIs).
    std::size_t max_name_length = 64;
    /// Rewrite input schemas with `normalize_schema`.
    bool normalize_schemas = false;
};

/// One tool of the aggregated list.
struct aggregated_tool {
    std::string name{};          ///< what clients call it
    std::string connector_id{};  ///< the connector it comes from
    std::string connector_name;  ///< that connector's name (the namespace)
    std::string tool_name{};     ///< the upstream's name
    nlohmann::json descriptor{};  ///< the upstream's `Tool` object with `name` replaced
};

/// The aggregated tools of a session.
struct aggregation {
    std::vector<aggregated_tool> tools{};  ///< ordered by name
    std::vector<std::string> collisions{};  ///< one sentence per renamed tool

    /// The tool named `name`, or null.
    POLYMCP_DECL const aggregated_tool* find(std::string_view name) const noexcept;
};

/// `s` with every character outside [a-zA-Z0-9_-] replaced by '_' ("_" for an empty `s`).
POLYMCP_DECL std::string sanitize_name(std::string_view s);

/// An input schema that LLM function-calling APIs accept: an object schema
/// (`type: object`) with a `properties` object and a `required` array
/// naming only properties that exist; anything else (missing, not an
/// object, another type) becomes `{"type": "object", "properties": {}}`.
POLYMCP_DECL nlohmann::json normalize_schema(nlohmann::json schema);

/// Aggregates the tools of `connected` (CONNECTED states, e.g. from
/// `session_state::connected`) as described in the file comment. Tools
/// without a string `name` are skipped. Pure: the same input gives the same
/// output.
POLYMCP_DECL aggregation aggregate(const std::vector<connection_state>& connected,
                                   const aggregation_options& options = {});

}  // namespace polymcp::connectors

#if POLYMCP_HEADER_ONLY
#include <polymcp/connectors/impl/aggregator.ipp>
#endif

#endif
