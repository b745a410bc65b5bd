#ifndef POLYMCP_TOOLS_TOOL_ENTRY_HPP
#define POLYMCP_TOOLS_TOOL_ENTRY_HPP

/// @file polymcp/tools/tool_entry.hpp
/// The type-erased form of a tool that registries store and sessions call.

#include <polymcp/core/config.hpp>
#include <polymcp/protocol/content.hpp>
#include <polymcp/protocol/jsonrpc.hpp>
#include <polymcp/protocol/revision.hpp>
#include <polymcp/handler/context.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace polymcp {

/// True when `name` follows the MCP tool-name rules (MCP 2025-11-25 "Tools" >
/// "Tool Names"): 1 to 128 characters from A-Z, a-z, 0-9, underscore, hyphen
/// and dot.
constexpr bool is_valid_tool_name(std::string_view name) noexcept {
    if (name.empty() || name.size() > 128) return false;
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-' || c == '.';
        if (!ok) return false;
    }
    return true;
}

/// How a tool call ends: a `CallToolResult` (successful or `isError`), or,
/// when the handler threw `jsonrpc::url_elicitation_required`, that JSON-RPC
/// error instead of a result. Converts implicitly from both.
struct tool_outcome {
    call_tool_result result{};              ///< the result, when `error` is not set
    std::optional<jsonrpc::error> error{};  ///< set: answer with this error

    tool_outcome() = default;  ///< an empty successful result
    /// A result (implicit, so that a `call_tool_result` converts).
    tool_outcome(call_tool_result r) : result(std::move(r)) {}  // NOLINT: implicit on purpose
    /// A JSON-RPC error to answer with (implicit, so that an error converts).
    tool_outcome(jsonrpc::error e) : error(std::move(e)) {}     // NOLINT: implicit on purpose
};

/// One callable tool, independent of how it was declared.
struct tool_entry {
    /// Called exactly once with the outcome (on any thread).
    using completion = std::function<void(tool_outcome)>;
    /// Decodes `arguments` (an object; `{}` when the request had none), runs
    /// the handler and calls `done`. Never throws: invalid arguments and
    /// handler exceptions arrive as `isError` results, except
    /// `jsonrpc::url_elicitation_required`, which arrives as its error.
    using call_fn = std::function<void(const nlohmann::json& arguments,
                                       std::shared_ptr<request_context> ctx, completion done)>;

    std::string name{};         ///< what `tools/call` names it by
    nlohmann::json descriptor{};  ///< the `Tool` object for the newest revision
    call_fn call{};             ///< runs it
    /// OAuth scopes the caller's principal must hold (all of them); checked
    /// before `call` runs. Empty: none.
    std::vector<std::string> scopes{};

    /// The `Tool` object as revision `r` defines it: fields the revision does
    /// not know (`title`, `outputSchema`, `icons`, `annotations`) are left out.
    POLYMCP_DECL nlohmann::json describe(revision r) const;
};

}  // namespace polymcp

#if POLYMCP_HEADER_ONLY
#include <polymcp/tools/impl/tool_entry.ipp>
#endif

#endif
