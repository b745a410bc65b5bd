#ifndef POLYMCP_SERVER_STATELESS_HPP
#define POLYMCP_SERVER_STATELESS_HPP

/// @file polymcp/server/stateless.hpp
/// `polymcp::stateless_endpoint`: the front end of stateless requests (MCP
/// 2026-07-28). Each request carries what a 2025-11-25 session negotiates
/// once — revision, client capabilities, client info, log level — in its
/// `params._meta`; it is served on its own: `server/discover`,
/// `subscriptions/listen` streams, the `requestState` and `inputResponses`
/// of multi round-trip requests, and the methods 2026-07-28 removed refused
/// with a message naming their replacement. Feature methods go to the
/// `dispatcher`, which decorates their results (`resultType`, the server's
/// identity, caching hints).

#include <polymcp/core/config.hpp>
#include <polymcp/protocol/jsonrpc.hpp>
#include <polymcp/server/dispatcher.hpp>

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

namespace polymcp {

/// The stateless front end of one session (or of the server's endpoint for
/// stateless requests). Thread-safety: as its `dispatcher`, every member on
/// the dispatcher's strand.
class stateless_endpoint : public std::enable_shared_from_this<stateless_endpoint> {
public:
    /// @param core the dispatcher it shares with the session's 2025-11-25 front end
    POLYMCP_DECL explicit stateless_endpoint(std::shared_ptr<dispatcher> core);
    /// Drops the registry subscriptions of open listen streams.
    POLYMCP_DECL ~stateless_endpoint();

    stateless_endpoint(const stateless_endpoint&) = delete;
    stateless_endpoint& operator=(const stateless_endpoint&) = delete;

    /// Serves one request whose `params._meta` names a protocol version.
    /// Replies through `reply` exactly once (now or later): with a bad
    /// `_meta`, -32602 or -32022 (unsupported revision); with a method
    /// 2026-07-28 does not have, -32601.
    POLYMCP_DECL void on_request(jsonrpc::request& r, std::shared_ptr<const auth::principal> who,
                                 dispatcher::reply_fn reply, const std::shared_ptr<reply_stream>& stream);

    /// Sends a notification to every listen stream whose filter admits it:
    /// `filter` the SubscriptionFilter member (`toolsListChanged`, ...) or
    /// null; `uri` non-empty for `notifications/resources/updated`.
    /// @return whether any listen stream is open
    POLYMCP_DECL bool notify_listeners(const std::string& method, const nlohmann::json& params, const char* filter,
                                       const std::string& uri = {});

    /// Whether a listen stream is open.
    bool listening() const noexcept { return !listens_.empty(); }

    /// Ends every listen stream with its result (the server closes them).
    POLYMCP_DECL void end_all();

private:
    // subscriptions/listen (MCP 2026-07-28): one open listen stream.
    struct listen_state {
        nlohmann::json subscription_id{};  // the listen request's id
        std::shared_ptr<reply_stream> stream{};
        std::shared_ptr<request_context> ctx{};
        std::set<std::string, std::less<>> uris{};  // resourceSubscriptions
        std::uint64_t tools = 0, prompts = 0, resources = 0, watch = 0;  // registry subscriptions
    };

    POLYMCP_DECL jsonrpc::reply on_discover(const request_scope& scope, const jsonrpc::request& r);
    // Reads requestState and inputResponses into `st`; the error response when they are bad.
    POLYMCP_DECL std::optional<jsonrpc::error_response> open_request_state(const request_scope& scope,
                                                                           const jsonrpc::request& r,
                                                                           handler::stateless_request& st);
    POLYMCP_DECL void on_listen(const request_scope& scope, jsonrpc::request& r, dispatcher::reply_fn reply,
                                const std::shared_ptr<reply_stream>& stream);
    // Drops a listen's registry subscriptions.
    POLYMCP_DECL void unsubscribe(const listen_state& l);
    // Ends the listen under `key`: unsubscribes; with `result`, answers it (the server closes the stream).
    POLYMCP_DECL void end_listen(const std::string& key, bool result);

    std::shared_ptr<dispatcher> core_;
    std::unordered_map<std::string, listen_state> listens_;  // by in-flight key
};

}  // namespace polymcp

#if POLYMCP_HEADER_ONLY
#include <polymcp/server/impl/stateless.ipp>
#endif

#endif
