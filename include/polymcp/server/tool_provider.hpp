#ifndef POLYMCP_SERVER_TOOL_PROVIDER_HPP
#define POLYMCP_SERVER_TOOL_PROVIDER_HPP

/// @file polymcp/server/tool_provider.hpp
/// `polymcp::tool_provider`: tools that depend on who is asking — each
/// caller (or session) sees its own set, computed when it asks, such as the
/// aggregated upstream tools of a gateway user (polymcp/connectors/).
/// Install one with `server_options::per_caller_tools`; its tools are listed
/// after the registry's (on the last page of `tools/list`) and called like
/// them, through the same gate and scope checks. A registry tool wins over
/// a provider's tool of the same name. The server then declares
/// `tools.listChanged`, and a provider announces changes with
/// `tool_scope::notify("notifications/tools/list_changed", ...)`.

#include <polymcp/auth/principal.hpp>
#include <polymcp/tools/tool_entry.hpp>

#include <asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace polymcp {

/// The session and caller a `tool_provider` answers for.
struct tool_scope {
    /// Unique among the sessions of this process (never reused).
    std::uint64_t session_id = 0;
    /// The caller of the request (the anonymous principal under the `none` auth policy); never null.
    std::shared_ptr<const auth::principal> principal{};
    /// Sends a notification to the session, e.g.
    /// `notify("notifications/tools/list_changed", nullptr)`; safe to keep
    /// and to call from any thread (does nothing once the session ended).
    std::function<void(std::string method, nlohmann::json params)> notify{};
};

/// Tools per caller. Implementations must be thread-safe; their coroutines
/// run on the session's strand (and may `co_await` anything).
class tool_provider {
public:
    virtual ~tool_provider() = default;
    /// The caller's tools, in the order to list them. An exception answers
    /// `tools/list` with -32603 and its message.
    virtual asio::awaitable<std::vector<std::shared_ptr<const tool_entry>>> list_tools(tool_scope scope) = 0;
    /// The caller's tool named `name`, or null (the call is answered
    /// "Unknown tool", -32602).
    virtual asio::awaitable<std::shared_ptr<const tool_entry>> find_tool(tool_scope scope, std::string name) = 0;
    /// The session ended; forget what is kept for it.
    virtual void session_closed(std::uint64_t /*session_id*/) {}
};

}  // namespace polymcp

#endif
