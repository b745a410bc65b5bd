#ifndef POLYMCP_HANDLER_COMPLETION_HPP
#define POLYMCP_HANDLER_COMPLETION_HPP

/// @file polymcp/handler/completion.hpp
/// Argument completion (MCP 2025-11-25 "Server Utilities" > "Completion"):
/// a `completer` suggests values for one prompt argument or one resource
/// template variable. Attach one with `.complete("name", f)` on a
/// `polymcp::prompt` or `polymcp::resource_template`.

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace polymcp {

/// Suggests completions of `value`, the partial text typed so far.
/// `context_arguments` is the object of arguments already resolved
/// (`context.arguments` in the request; `{}` when absent). Return the
/// candidates, best first; the server sends at most 100 and reports the total.
/// Called on the session's strand: must not block.
using completer = std::function<std::vector<std::string>(std::string_view value,
                                                         const nlohmann::json& context_arguments)>;

/// A completer offering the members of `values` that start with what was typed.
inline completer complete_from(std::vector<std::string> values) {
    return [values = std::move(values)](std::string_view typed, const nlohmann::json&) {
        std::vector<std::string> out;
        for (const auto& v : values)
            if (v.compare(0, typed.size(), typed) == 0) out.push_back(v);
        return out;
    };
}

}  // namespace polymcp

#endif
