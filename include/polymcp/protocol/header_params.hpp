#ifndef POLYMCP_PROTOCOL_HEADER_PARAMS_HPP
#define POLYMCP_PROTOCOL_HEADER_PARAMS_HPP

/// @file polymcp/protocol/header_params.hpp
/// Tool parameters mirrored into HTTP headers (MCP 2026-07-28 "Streamable
/// HTTP" > "Custom Headers from Tool Parameters"): a property of a tool's
/// `inputSchema` annotated `"x-mcp-header": "Region"` travels, in a
/// `tools/call` over Streamable HTTP, also as the header `Mcp-Param-Region`,
/// so that load balancers and gateways can route on it without reading the
/// body. The server checks that the header matches the body (-32020
/// `HeaderMismatch`, HTTP 400, when it does not).
///
/// With a reflected struct, name the header in the field's documentation:
/// @code
/// template <> struct polymcp::describe<sql_args> {
///     static polymcp::field_docs fields() { return {{"region", {.header = "Region"}}}; }
/// };
/// @endcode

#include <polymcp/core/config.hpp>

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace polymcp {

/// One `x-mcp-header` annotation of an `inputSchema`.
struct header_param {
    std::string name;               ///< the annotation's value, e.g. "Region" (header `Mcp-Param-Region`)
    std::vector<std::string> path{};  ///< the chain of `properties` keys from the schema root to the parameter
    std::string type{};             ///< the parameter's schema type: "string", "integer" or "boolean"
};

/// The `x-mcp-header` parameters of `input_schema`, in schema order, after
/// checking the constraints of MCP 2026-07-28 "Custom Headers from Tool
/// Parameters" > "Schema Extension": a non-empty RFC 9110 token, unique
/// case-insensitively, on a `string`, `integer` or `boolean` property that is
/// reachable from the root through `properties` keys only (not through
/// `items`, `anyOf`, `$ref`, `if`, ...).
/// @param input_schema a tool's `inputSchema`
/// @param[out] out the parameters found
/// @param[out] error on failure, which constraint the schema breaks and where
/// @return false when an annotation is invalid (`out` is then unspecified).
/// Thread-safe (pure function).
POLYMCP_DECL bool header_params_of(const nlohmann::json& input_schema, std::vector<header_param>& out,
                                   std::string& error);

/// Throwing overload. @throws std::invalid_argument with the reason.
POLYMCP_DECL std::vector<header_param> header_params_of(const nlohmann::json& input_schema);

/// The text of `p` in a call's `arguments` ("Value Encoding" > "Type
/// conversion"): a string as is, an integer in decimal, a boolean as
/// `true`/`false`; nullopt when the value is absent or null (the header is
/// then omitted), or not a primitive.
POLYMCP_DECL std::optional<std::string> header_param_text(const header_param& p, const nlohmann::json& arguments);

/// One `Mcp-Param-*` header as a server received it.
struct received_param_header {
    std::string raw{};                 ///< the field value, without surrounding whitespace
    std::optional<std::string> value{};  ///< decoded from `=?base64?...?=` when so encoded; nullopt when malformed
};

/// A request's `Mcp-Param-*` headers, by the lower-case name after
/// `Mcp-Param-` (header names are case-insensitive).
using received_param_headers = std::map<std::string, received_param_header, std::less<>>;

/// "Server Validation" for one `tools/call`: every annotated parameter with
/// a value in `arguments` must come with its header, decoded equal to the
/// body value (integers compared numerically: `42.0` equals `42`); a header
/// for a parameter without a value, or one whose encoding is malformed, is a
/// mismatch too. Headers of unannotated names are ignored.
/// @return nullopt when everything matches, else the message of the
///         -32020 `HeaderMismatch` error ("Header mismatch: ...").
POLYMCP_DECL std::optional<std::string> param_header_mismatch(const std::vector<header_param>& params,
                                                              const nlohmann::json& arguments,
                                                              const received_param_headers& headers);

}  // namespace polymcp

#if POLYMCP_HEADER_ONLY
#include <polymcp/protocol/impl/header_params.ipp>
#endif

#endif
