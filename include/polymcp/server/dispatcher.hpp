#ifndef POLYMCP_SERVER_DISPATCHER_HPP
#define POLYMCP_SERVER_DISPATCHER_HPP

/// @file polymcp/server/dispatcher.hpp
/// `polymcp::dispatcher`: the sans-I/O core both protocol front ends share.
/// Given a parsed request and its `request_scope` (who sent it, and for a
/// stateless request its `_meta`), it serves the feature methods —
/// `tools/list`, `tools/call`, `resources/list`, `resources/templates/list`,
/// `resources/read`, `prompts/list`, `prompts/get`, `completion/complete` —
/// and answers through a callback with a typed `jsonrpc::reply`. It keeps
/// the in-flight requests (cancellation, duplicate ids, the shutdown grace)
/// and shapes results for the request's revision.
///
/// The front ends (docs/architecture.md, "How a message is dispatched"):
/// `polymcp::session` (server/session.hpp) runs the 2025-11-25 lifecycle;
/// `polymcp::stateless_endpoint` (server/stateless.hpp) serves 2026-07-28
/// stateless requests. It does no I/O of its own: what it sends goes to the
/// `outbound` and `reply_stream`s it is given.

#include <polymcp/core/config.hpp>
#include <polymcp/handler/context.hpp>
#include <polymcp/handler/outbound.hpp>
#include <polymcp/handler/run_handler.hpp>
#include <polymcp/protocol/jsonrpc.hpp>
#include <polymcp/protocol/revision.hpp>
#include <polymcp/protocol/types.hpp>
#include <polymcp/server/features.hpp>
#include <polymcp/server/options.hpp>
#include <polymcp/server/tool_provider.hpp>
#include <polymcp/tools/registry.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/steady_timer.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace polymcp {

/// What every session of one server shares. Thread-safe after construction.
struct server_shared {
    server_options options{};                      ///< identity, limits, callbacks
    std::shared_ptr<tool_registry> tools{};        ///< its tools
    std::shared_ptr<resource_registry> resources{};  ///< null: no resources capability
    std::shared_ptr<prompt_registry> prompts{};    ///< null: no prompts capability
    asio::any_io_executor blocking_executor{};  ///< the thread pool
};

/// What the dispatcher needs to know of a request beyond its message.
struct request_scope {
    /// Who sent it (null: anonymous).
    std::shared_ptr<const auth::principal> caller{};
    /// Its `_meta` and multi round-trip state when it is a stateless request
    /// (MCP 2026-07-28); null for a request of a 2025-11-25 session, whose
    /// revision and client capabilities are the session's.
    std::shared_ptr<handler::stateless_request> stateless{};
};

/// The dispatcher of one session (or of the stateless endpoint).
///
/// Thread-safety: every member must be called on `get_executor()` (a
/// strand); handlers and registries may call back from other threads, and
/// the dispatcher posts their work back to its strand.
class dispatcher : public std::enable_shared_from_this<dispatcher> {
public:
    /// Receives the reply to one request, exactly once; an empty reply means
    /// none is sent (the request was cancelled).
    using reply_fn = std::function<void(jsonrpc::reply)>;

    /// @param shared the server's options, registries and thread pool
    /// @param strand executor that serializes this session's work
    /// @param out where messages to the client outside any request go
    POLYMCP_DECL dispatcher(std::shared_ptr<const server_shared> shared, asio::any_io_executor strand,
                            std::shared_ptr<outbound> out);
    POLYMCP_DECL ~dispatcher();

    dispatcher(const dispatcher&) = delete;
    dispatcher& operator=(const dispatcher&) = delete;

    /// Serves `r` when it is a feature method the server declares, replying
    /// through `reply` (now or later). @return false, touching nothing, when
    /// it is not one: the front end answers it.
    POLYMCP_DECL bool serve(jsonrpc::request& r, const request_scope& scope, reply_fn& reply,
                            const std::shared_ptr<reply_stream>& stream);

    /// Registers an in-flight request; null after answering a duplicate id
    /// through `reply` (-32600).
    POLYMCP_DECL std::shared_ptr<request_context> begin_inflight(const jsonrpc::request& r, const request_scope& scope,
                                                                 reply_fn& reply,
                                                                 const std::shared_ptr<reply_stream>& stream);
    /// Answers the in-flight request `key` (a request id's `key()`) once, if
    /// `ctx` is still its context: with `response`, or with nothing when the
    /// request was cancelled.
    POLYMCP_DECL void complete(const std::string& key, const std::shared_ptr<request_context>& ctx,
                               jsonrpc::reply response);
    /// Cancels the in-flight request `id` (`notifications/cancelled`).
    /// @return false when no request `id` is in flight here
    POLYMCP_DECL bool cancel(const jsonrpc::request_id& id);
    /// Delivers a client's response to a server-to-client request.
    /// @param id the id of the request this server sent
    /// @param ec `errc::peer_error` for an error response (`value` its error object)
    /// @param value the result (or the error object)
    /// @return false when no request `id` awaits an answer here (never sent
    ///         from here, already answered, timed out or cancelled)
    POLYMCP_DECL bool on_response(const jsonrpc::request_id& id, std::error_code ec, nlohmann::json value);

    /// Stops accepting requests (`shutting_down()`), aborts the pending
    /// server-to-client requests, lets in-flight requests finish for up to
    /// `server_options::shutdown_grace`, answers those still running with
    /// -32000 and cancels them, then calls `done` once.
    POLYMCP_DECL void shutdown(std::function<void()> done);
    bool shutting_down() const noexcept { return shutting_down_; }  ///< whether `shutdown` was called

    /// A result for `r`, decorated as a stateless result when `scope` is one.
    POLYMCP_DECL jsonrpc::reply respond(const request_scope& scope, const jsonrpc::request& r, nlohmann::json res) const;
    /// `resultType`, the server's identity and the caching hints of `method`
    /// on a stateless result (MCP 2026-07-28).
    POLYMCP_DECL nlohmann::json decorate(std::string_view method, nlohmann::json res) const;
    /// `serverInfo` as revision `rev` spells it.
    POLYMCP_DECL nlohmann::json server_info_json(revision rev) const;
    /// The server's capabilities.
    POLYMCP_DECL nlohmann::json capabilities_json() const;
    /// What a `tool_provider` sees of this session and the caller of `scope`.
    POLYMCP_DECL tool_scope provider_scope(const request_scope& scope) const;

    /// Where list changes of a caller's own tools go first: a front end with
    /// open listen streams delivers them there and returns true; otherwise
    /// they go to the session's outbound.
    void set_listen_sink(std::function<bool(const std::string& method, const nlohmann::json& params)> sink) {
        listen_sink_ = std::move(sink);
    }

    /// Reports `s` to `server_options::diagnostics`.
    POLYMCP_DECL void diag(std::string_view s) const;

    /// The error response to request `id`.
    POLYMCP_DECL static jsonrpc::error_response error(const jsonrpc::request_id& id, int code, std::string message,
                                                      nlohmann::json data = nullptr);
    /// The result response to request `id`.
    POLYMCP_DECL static jsonrpc::response result(const jsonrpc::request_id& id, nlohmann::json r);

    const server_shared& shared() const noexcept { return *shared_; }  ///< what every session of the server shares
    /// What the session's handlers share (outbound, client capabilities, log level, requests to the client).
    const std::shared_ptr<handler::session_shared>& state() const noexcept { return state_; }
    const asio::any_io_executor& get_executor() const noexcept { return strand_; }  ///< the session's strand
    /// Number of requests being handled.
    std::size_t in_flight() const noexcept { return inflight_.size(); }
    /// The negotiated revision of the session (the latest before `initialize`).
    revision protocol_version() const noexcept { return state_->protocol.load(); }
    /// The revision of a request.
    revision revision_of(const request_scope& scope) const noexcept {
        return scope.stateless ? scope.stateless->meta.version : protocol_version();
    }

private:
    struct inflight {
        std::shared_ptr<request_context> ctx{};
        reply_fn reply{};
        bool answered = false;
    };

    // The client capabilities of a request.
    POLYMCP_DECL nlohmann::json capabilities_of(const request_scope& scope) const;
    // The caller, or the anonymous principal.
    POLYMCP_DECL static const auth::principal& principal_of(const request_scope& scope) noexcept;
    // The gate's view of this session and a caller.
    POLYMCP_DECL gate_session gate_view(const request_scope& scope, const nlohmann::json& capabilities) const;
    // An error response when the caller lacks one of `scopes`, else nullopt.
    POLYMCP_DECL std::optional<jsonrpc::error_response> check_scopes(const request_scope& scope, const jsonrpc::request& r,
                                                                     const std::vector<std::string>& scopes,
                                                                     std::string_view what) const;
    // Reads `params.cursor` into `cursor`; on a bad one returns the error response.
    POLYMCP_DECL static std::optional<jsonrpc::error_response> read_cursor(const jsonrpc::request& r, std::string& cursor);

    POLYMCP_DECL jsonrpc::reply on_tools_list(const request_scope& scope, const jsonrpc::request& r);
    // One page of the registry's tools into `res`; an error response, or nullopt.
    POLYMCP_DECL std::optional<jsonrpc::error_response> list_registry_tools(const request_scope& scope,
                                                                            const jsonrpc::request& r,
                                                                            nlohmann::json& res, bool& last_page);
    // tools/list with the caller's own tools after the registry's (server_options::per_caller_tools).
    POLYMCP_DECL void on_tools_list_with_provider(const request_scope& scope, const jsonrpc::request& r, reply_fn reply);
    POLYMCP_DECL void on_tools_call(const request_scope& scope, jsonrpc::request& r, reply_fn reply,
                                    const std::shared_ptr<reply_stream>& stream);
    // The part of tools/call after the tool is found (or not: `tool` null).
    POLYMCP_DECL void call_tool_entry(const request_scope& scope, jsonrpc::request& r, reply_fn reply,
                                      const std::shared_ptr<reply_stream>& stream,
                                      std::shared_ptr<const tool_entry> tool);
    POLYMCP_DECL jsonrpc::reply on_resources_list(const request_scope& scope, const jsonrpc::request& r, bool templates);
    POLYMCP_DECL void on_resources_read(const request_scope& scope, jsonrpc::request& r, reply_fn reply,
                                        const std::shared_ptr<reply_stream>& stream);
    POLYMCP_DECL jsonrpc::reply on_prompts_list(const request_scope& scope, const jsonrpc::request& r);
    POLYMCP_DECL void on_prompts_get(const request_scope& scope, jsonrpc::request& r, reply_fn reply,
                                     const std::shared_ptr<reply_stream>& stream);
    POLYMCP_DECL jsonrpc::reply on_complete(const request_scope& scope, const jsonrpc::request& r);

    // A completion for handlers that produce a handler_outcome.
    POLYMCP_DECL std::function<void(handler_outcome)> outcome_completion(std::string key,
                                                                          std::shared_ptr<request_context> ctx);
    // The response of a request whose handler finished: `res` is its result,
    // `failed` whether it failed (isError, or an error outcome in `error`).
    POLYMCP_DECL jsonrpc::reply response_for(const std::shared_ptr<request_context>& ctx, nlohmann::json res,
                                             std::optional<jsonrpc::error> error, bool failed) const;
    POLYMCP_DECL void finish_shutdown();

    std::shared_ptr<const server_shared> shared_;
    asio::any_io_executor strand_;
    std::shared_ptr<handler::session_shared> state_;
    asio::steady_timer timer_;
    std::unordered_map<std::string, inflight> inflight_;
    std::function<bool(const std::string&, const nlohmann::json&)> listen_sink_;
    bool shutting_down_ = false;
    std::function<void()> shutdown_done_;
};

}  // namespace polymcp

#if POLYMCP_HEADER_ONLY
#include <polymcp/server/impl/dispatcher.ipp>
#endif

#endif
