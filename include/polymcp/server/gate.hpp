#ifndef POLYMCP_SERVER_GATE_HPP
#define POLYMCP_SERVER_GATE_HPP

/// @file polymcp/server/gate.hpp
/// `polymcp::call_gate`: a per-session gate the session consults before a
/// tool runs or a resource is read, and when it lists tools. Tool-level
/// authentication (`polymcp::tool_auth::sign_in`, polymcp/tool_auth/sign_in.hpp)
/// is one; install one with `server_options::gate`.

#include <polymcp/auth/principal.hpp>
#include <polymcp/protocol/jsonrpc.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace polymcp {

/// The session a gate decides for.
struct gate_session {
    /// Unique among the sessions of this process (never reused).
    std::uint64_t id = 0;
    /// The capabilities the client declared in `initialize`.
    const nlohmann::json& client_capabilities;
    /// The caller of the request.
    const auth::principal& principal;
    /// Sends a notification to the session (its standalone stream); safe to
    /// keep and call later from any thread (does nothing once the session ended).
    std::function<void(std::string method, nlohmann::json params)> notify{};
};

/// A refusal: for `tools/call` a tool result with `isError` (so that the
/// model reads `message` and acts), unless `error` asks for a JSON-RPC error
/// (such as `URLElicitationRequiredError`, -32042); for `resources/read`
/// always a JSON-RPC error (`error`, or -32004 with `message`).
struct gate_denial {
    std::string message;                    ///< why, for the client (a tool result's text)
    std::optional<jsonrpc::error> error{};  ///< set: answer with this JSON-RPC error instead
};

/// A per-session gate. Implementations must be thread-safe.
class call_gate {
public:
    virtual ~call_gate() = default;
    /// Whether `tool` appears in this session's `tools/list`.
    virtual bool listed(const gate_session& s, std::string_view tool) const = 0;
    /// nullopt to let the call of `tool` run; a denial otherwise.
    virtual std::optional<gate_denial> check_tool(const gate_session& s, std::string_view tool) const = 0;
    /// nullopt to let the read of `uri` run; a denial otherwise.
    virtual std::optional<gate_denial> check_resource(const gate_session& s, std::string_view uri) const = 0;
    /// The session ended; forget its state.
    virtual void session_closed(std::uint64_t /*id*/) {}
};

}  // namespace polymcp

#endif
