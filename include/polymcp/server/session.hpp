#ifndef POLYMCP_SERVER_SESSION_HPP
#define POLYMCP_SERVER_SESSION_HPP

/// @file polymcp/server/session.hpp
/// One client's MCP session: the protocol core. It reads messages, runs the
/// lifecycle (MCP 2025-11-25 "Lifecycle"), dispatches requests, tracks
/// in-flight requests for cancellation, and writes through an `outbound`.
/// It does no I/O of its own.

#include <polymcp/core/config.hpp>
#include <polymcp/protocol/jsonrpc.hpp>
#include <polymcp/protocol/meta.hpp>
#include <polymcp/protocol/revision.hpp>
#include <polymcp/protocol/types.hpp>
#include <polymcp/handler/context.hpp>
#include <polymcp/server/options.hpp>
#include <polymcp/handler/outbound.hpp>
#include <polymcp/server/tool_provider.hpp>
#include <polymcp/handler/run_handler.hpp>
#include <polymcp/server/features.hpp>
#include <polymcp/tools/registry.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/steady_timer.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>

namespace polymcp {

/// What every session of one server shares. Thread-safe after construction.
struct server_shared {
    server_options options;
    std::shared_ptr<tool_registry> tools;
    std::shared_ptr<resource_registry> resources;  ///< null: no resources capability
    std::shared_ptr<prompt_registry> prompts;      ///< null: no prompts capability
    asio::any_io_executor blocking_executor;  ///< the thread pool
};

/// One MCP session, or the server's endpoint for stateless requests.
///
/// A request whose `params._meta` names a protocol version
/// (`io.modelcontextprotocol/protocolVersion`, MCP 2026-07-28) is served on
/// its own, whatever the session negotiated: its capabilities, client info
/// and log level come with it, its result carries `resultType` and the
/// server's identity, and what its handler asks the client for becomes an
/// `InputRequiredResult`. Every other request follows the session's
/// `initialize` (2025-11-25 and earlier). One session can serve both.
///
/// Thread-safety: `receive`, `receive_oversized`, `shutdown` and
/// `in_flight` must be called on the session's executor (a strand); handlers
/// and registries may call back from other threads, and the session posts
/// their work back to its strand.
class session : public std::enable_shared_from_this<session> {
public:
    /// @param shared the server's options, tools and thread pool
    /// @param strand executor that serializes this session's work
    /// @param out where messages to the client go
    POLYMCP_DECL session(std::shared_ptr<const server_shared> shared, asio::any_io_executor strand,
                         std::shared_ptr<outbound> out);

    POLYMCP_DECL ~session();

    session(const session&) = delete;
    session& operator=(const session&) = delete;

    /// Handles one received message (the text of one JSON value); everything
    /// it causes goes to the session's outbound.
    POLYMCP_DECL void receive(std::string_view text);

    /// Handles one parsed message (or a 2025-03-26 batch). Messages about it
    /// and its response go to `stream`, whose `finish` is called exactly once
    /// (with "" when nothing answers it: a notification or a response).
    /// @param who the caller of this message (null: the session's principal)
    POLYMCP_DECL void receive(const nlohmann::json& message, std::shared_ptr<reply_stream> stream,
                              std::shared_ptr<const auth::principal> who = nullptr);

    /// The principal of messages received without one (stdio: the one the
    /// auth policy established at start). Call on the session's strand.
    void set_principal(std::shared_ptr<const auth::principal> who) { principal_ = std::move(who); }

    /// Reports a message that was skipped because it exceeded
    /// `max_message_bytes` (its id is unknown: the error has none).
    POLYMCP_DECL void receive_oversized(std::size_t bytes);

    /// Stops accepting requests (later ones get -32000), lets in-flight ones
    /// finish for up to `server_options::shutdown_grace`, answers those still
    /// running with -32000 and cancels them, then calls `done` once.
    POLYMCP_DECL void shutdown(std::function<void()> done);

    /// The session's strand; `receive` and `shutdown` must run on it.
    const asio::any_io_executor& get_executor() const noexcept { return strand_; }

    /// Number of requests being handled.
    std::size_t in_flight() const noexcept { return inflight_.size(); }
    /// Whether `initialize` succeeded.
    bool initialized() const noexcept { return initialized_; }
    /// The negotiated revision (the latest before `initialize`).
    revision protocol_version() const noexcept { return state_->protocol.load(); }

private:
    using reply_fn = std::function<void(jsonrpc::reply)>;  // empty: no response (cancelled)

    struct inflight {
        std::shared_ptr<request_context> ctx;
        reply_fn reply;
        bool answered = false;
    };

    // Collects the responses of a 2025-03-26 batch and sends them as one array.
    struct batch_collector {
        std::shared_ptr<reply_stream> stream;
        std::size_t pending = 0;
        std::vector<jsonrpc::reply> answers;
        void add(jsonrpc::reply m) {
            if (!m.empty()) answers.push_back(std::move(m));
            if (--pending == 0) stream->finish(jsonrpc::reply::batch(std::move(answers)));
        }
    };

    POLYMCP_DECL void send(const jsonrpc::error_response& e);

    POLYMCP_DECL void receive_batch(const nlohmann::json& arr, const std::shared_ptr<reply_stream>& stream);

    POLYMCP_DECL void dispatch(const nlohmann::json& j, reply_fn reply, const std::shared_ptr<reply_stream>& stream);

    POLYMCP_DECL void on_response(const jsonrpc::request_id& id, std::error_code ec, nlohmann::json value);

    POLYMCP_DECL void diag(std::string_view s) const;

    POLYMCP_DECL static jsonrpc::error_response error(const jsonrpc::request_id& id, int code, std::string message,
                                          nlohmann::json data = nullptr);
    POLYMCP_DECL static jsonrpc::response result(const jsonrpc::request_id& id, nlohmann::json r);

    POLYMCP_DECL void on_request(jsonrpc::request& r, reply_fn reply, const std::shared_ptr<reply_stream>& stream);

    POLYMCP_DECL void on_notification(const jsonrpc::notification& n);

    POLYMCP_DECL jsonrpc::reply on_initialize(const jsonrpc::request& r);

    POLYMCP_DECL jsonrpc::reply on_tools_list(const jsonrpc::request& r);
    // One page of the registry's tools into `res`; an error response, or nullopt.
    POLYMCP_DECL std::optional<jsonrpc::error_response> list_registry_tools(const jsonrpc::request& r, nlohmann::json& res,
                                                                bool& last_page);
    // tools/list with the caller's own tools after the registry's (server_options::per_caller_tools).
    POLYMCP_DECL void on_tools_list_with_provider(const jsonrpc::request& r, reply_fn reply);
    // What a tool_provider sees of this session and the current caller.
    POLYMCP_DECL tool_scope provider_scope() const;
    // The part of tools/call after the tool is found (or not: `tool` null).
    POLYMCP_DECL void call_tool_entry(jsonrpc::request& r, reply_fn reply, const std::shared_ptr<reply_stream>& stream,
                                      std::shared_ptr<const tool_entry> tool);

    POLYMCP_DECL jsonrpc::reply on_set_level(const jsonrpc::request& r);

    POLYMCP_DECL void on_tools_call(jsonrpc::request& r, reply_fn reply, const std::shared_ptr<reply_stream>& stream);

    POLYMCP_DECL jsonrpc::reply on_resources_list(const jsonrpc::request& r, bool templates);
    POLYMCP_DECL void on_resources_read(jsonrpc::request& r, reply_fn reply, const std::shared_ptr<reply_stream>& stream);
    POLYMCP_DECL jsonrpc::reply on_resources_subscribe(const jsonrpc::request& r, bool subscribe);
    POLYMCP_DECL jsonrpc::reply on_prompts_list(const jsonrpc::request& r);
    POLYMCP_DECL void on_prompts_get(jsonrpc::request& r, reply_fn reply, const std::shared_ptr<reply_stream>& stream);
    POLYMCP_DECL jsonrpc::reply on_complete(const jsonrpc::request& r);

    // Reads `params.cursor` into `cursor`; on a bad one returns the error response.
    POLYMCP_DECL std::optional<jsonrpc::error_response> read_cursor(const jsonrpc::request& r, std::string& cursor);
    // Registers an in-flight request; null after answering a duplicate id.
    POLYMCP_DECL std::shared_ptr<request_context> begin_inflight(const jsonrpc::request& r, reply_fn& reply,
                                                                 const std::shared_ptr<reply_stream>& stream);
    // A completion for handlers that produce a handler_outcome.
    POLYMCP_DECL std::function<void(handler_outcome)> outcome_completion(std::string key,
                                                                          std::shared_ptr<request_context> ctx);
    POLYMCP_DECL void subscribe_registries();
    POLYMCP_DECL void post_notification(std::string method, nlohmann::json params);

    POLYMCP_DECL void complete(const std::string& key, const std::shared_ptr<request_context>& ctx, jsonrpc::reply response);

    POLYMCP_DECL void finish_shutdown();

    // ---- stateless requests (MCP 2026-07-28), server/impl/stateless.ipp ----
    POLYMCP_DECL void on_stateless_request(jsonrpc::request& r, reply_fn reply, const std::shared_ptr<reply_stream>& stream);
    POLYMCP_DECL jsonrpc::reply on_discover(const jsonrpc::request& r);
    // Reads requestState and inputResponses into `st`; the error response when they are bad.
    POLYMCP_DECL std::optional<jsonrpc::error_response> open_request_state(const jsonrpc::request& r, handler::stateless_request& st);
    // The result of the request being dispatched synchronously (decorated when stateless).
    POLYMCP_DECL jsonrpc::reply respond(const jsonrpc::request& r, nlohmann::json res) const;
    // The response of a request whose handler finished: `res` is its result,
    // `failed` whether it failed (isError, or an error outcome in `error`).
    POLYMCP_DECL jsonrpc::reply response_for(const std::shared_ptr<request_context>& ctx, nlohmann::json res,
                                          std::optional<jsonrpc::error> error, bool failed) const;
    // resultType, the server's identity and the caching hints of `method`.
    POLYMCP_DECL nlohmann::json decorate(std::string_view method, nlohmann::json res) const;
    POLYMCP_DECL nlohmann::json server_info_json(revision rev) const;
    POLYMCP_DECL nlohmann::json capabilities_json() const;
    // The revision of the request being dispatched.
    revision current_revision() const noexcept { return current_ ? current_->meta.version : protocol_version(); }
    // The client capabilities of the request being dispatched.
    nlohmann::json current_capabilities() const {
        return current_ ? current_->meta.client_capabilities : state_->client_capabilities_copy();
    }
    // The stateless request being dispatched (null: a session request).
    std::shared_ptr<handler::stateless_request> current_;

    // subscriptions/listen (MCP 2026-07-28): one open listen stream.
    struct listen_state {
        nlohmann::json subscription_id;          // the listen request's id
        std::shared_ptr<reply_stream> stream;
        std::shared_ptr<request_context> ctx;
        std::set<std::string, std::less<>> uris;  // resourceSubscriptions
        std::uint64_t tools = 0, prompts = 0, resources = 0, watch = 0;  // registry subscriptions
    };
    std::unordered_map<std::string, listen_state> listens_;  // by in-flight key
    POLYMCP_DECL void on_listen(jsonrpc::request& r, reply_fn reply, const std::shared_ptr<reply_stream>& stream);
    // Sends a notification to every listen stream whose filter admits it.
    POLYMCP_DECL void notify_listeners(const std::string& method, const nlohmann::json& params, const char* filter,
                                       const std::string& uri = {});
    // Drops a listen's registry subscriptions.
    POLYMCP_DECL void unsubscribe(const listen_state& l);
    // Ends the listen under `key`: unsubscribes; with `result`, answers it (the server closes the stream).
    POLYMCP_DECL void end_listen(const std::string& key, bool result);

    std::shared_ptr<const server_shared> shared_;
    asio::any_io_executor strand_;
    std::shared_ptr<handler::session_shared> state_;
    asio::steady_timer timer_;
    std::unordered_map<std::string, inflight> inflight_;
    std::uint64_t subscription_ = 0;
    std::uint64_t resource_list_subscription_ = 0;
    std::uint64_t resource_watch_ = 0;
    std::uint64_t prompt_subscription_ = 0;
    std::set<std::string, std::less<>> resource_subscriptions_;
    std::shared_ptr<const auth::principal> principal_;   // default caller
    std::shared_ptr<const auth::principal> incoming_;    // caller of the message being dispatched
    // The caller of the message being dispatched.
    const std::shared_ptr<const auth::principal>& caller() const noexcept { return incoming_ ? incoming_ : principal_; }
    // The caller, or the anonymous principal.
    POLYMCP_DECL const auth::principal& caller_principal() const noexcept;
    // The gate's view of this session and the current caller.
    POLYMCP_DECL gate_session gate_view(const nlohmann::json& capabilities) const;
    // An error response when the caller lacks one of `scopes`, else nullopt.
    POLYMCP_DECL std::optional<jsonrpc::error_response> check_scopes(const jsonrpc::request& r, const std::vector<std::string>& scopes,
                                                         std::string_view what) const;
    bool initialized_ = false;
    bool client_ready_ = false;
    bool shutting_down_ = false;
    std::function<void()> shutdown_done_;
};

}  // namespace polymcp

#if POLYMCP_HEADER_ONLY
#include <polymcp/server/impl/session.ipp>
#endif

#endif
