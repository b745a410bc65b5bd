#ifndef POLYMCP_HANDLER_CONTEXT_HPP
#define POLYMCP_HANDLER_CONTEXT_HPP

/// @file polymcp/handler/context.hpp
/// `polymcp::request_context`: what a handler knows about the request it
/// serves and how it talks back while running: progress
/// (MCP 2025-11-25 "Utilities" > "Progress"), logging ("Server Utilities" >
/// "Logging") and cancellation ("Utilities" > "Cancellation").

#include <polymcp/auth/principal.hpp>
#include <polymcp/core/config.hpp>
#include <polymcp/protocol/jsonrpc.hpp>
#include <polymcp/protocol/meta.hpp>
#include <polymcp/protocol/revision.hpp>
#include <polymcp/protocol/types.hpp>
#include <polymcp/handler/outbound.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/error.hpp>
#include <asio/post.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>

namespace polymcp {

namespace handler {
// The session's side of request_context, used by the server and its
// transports; handlers use request_context. Not in the API reference.
/// @cond INTERNAL
/// State a session shares with the contexts of its requests.
struct session_shared : std::enable_shared_from_this<session_shared> {
    using completion = std::function<void(std::error_code, nlohmann::json)>;

    /// A request this session sent to the client and awaits.
    struct outgoing {
        completion done{};
        std::shared_ptr<void> timer{};        // asio::steady_timer, type-erased to keep this header light
        const void* owner = nullptr;          // the request_context that made it
        std::shared_ptr<polymcp::outbound> via{};
    };

    std::shared_ptr<polymcp::outbound> out{};  ///< messages not related to a request
    std::atomic<int> min_log_level{static_cast<int>(logging_level::info)};
    std::atomic<revision> protocol{latest_session_revision};
    /// Unique among this process's sessions, never reused.
    std::uint64_t id = next_id_counter().fetch_add(1) + 1;
    static std::atomic<std::uint64_t>& next_id_counter() noexcept {
        static std::atomic<std::uint64_t> n{0};
        return n;
    }
    asio::any_io_executor strand{};
    std::function<void(std::string_view)> diagnostics{};
    std::chrono::milliseconds request_timeout{60'000};

    std::mutex mu;
    nlohmann::json client_capabilities = nlohmann::json::object();  // guarded by mu
    nlohmann::json client_info{};                                   // guarded by mu
    std::int64_t next_id = 0;                                       // guarded by mu
    std::unordered_map<std::int64_t, outgoing> pending{};            // guarded by mu
    bool closed = false;                                             // guarded by mu

    /// A copy of the client's capabilities (taken under `mu`).
    nlohmann::json client_capabilities_copy() {
        std::lock_guard lock(mu);
        return client_capabilities;
    }
    /// Sends `method` to the client through `via` and calls `done` (from any
    /// thread) with the result, or with an error: capability_not_declared,
    /// request_timeout, peer_error (the JSON-RPC error object as the value),
    /// shutting_down.
    POLYMCP_DECL void start_request(std::string method, nlohmann::json params,
                                    std::chrono::milliseconds timeout, const void* owner,
                                    std::shared_ptr<polymcp::outbound> via, completion done);
    /// Delivers the client's answer to request `id`; false for an unknown id.
    POLYMCP_DECL bool complete(std::int64_t id, std::error_code ec, nlohmann::json value);
    /// Ends the pending requests of `owner` (every one when null) with `ec`,
    /// telling the client with `notifications/cancelled`.
    POLYMCP_DECL void abort(const void* owner, std::error_code ec, std::string_view reason);
    /// Whether the client declared what `method` with `params` needs; when
    /// not, `what` names the missing capability.
    POLYMCP_DECL bool client_supports(std::string_view method, const nlohmann::json& params,
                                      std::string& what);
    /// The same check against `caps`, a ClientCapabilities object.
    POLYMCP_DECL static bool supports(const nlohmann::json& caps, std::string_view method, const nlohmann::json& params,
                                      std::string& what);
};

/// What a stateless (MCP 2026-07-28) request carries beyond its params: its
/// metadata and, for a multi round-trip request (MCP 2026-07-28 "Multi
/// Round-Trip Requests"), the inputs gathered so far and those still needed.
struct stateless_request {
    request_meta meta{};
    std::string method{};  ///< the request's method
    nlohmann::json binding;  ///< what a requestState of it is bound to: method and params (set once, at dispatch)

    std::mutex mu;
    /// key -> the client's result: from the `requestState` and this round's
    /// `inputResponses` (guarded by mu)
    nlohmann::json answers = nlohmann::json::object();
    /// key -> {method, params}: inputs the handler asked for and has not got (guarded by mu)
    nlohmann::json asked = nlohmann::json::object();
    /// the handler's own state (request_context::set_request_state) (guarded by mu)
    nlohmann::json state{};
    /// a capability a server-to-client request needed and the request did not declare (guarded by mu)
    std::string missing_capability{};
    std::size_t next_key = 0;  ///< for inputs asked without a key (guarded by mu)
};
/// @endcond
}  // namespace handler

/// The per-request context passed to handlers that declare a
/// `polymcp::request_context&` parameter.
///
/// Lifetime: valid until the handler returns (for a coroutine, until its
/// awaitable completes). Thread-safety: every member may be called from any
/// thread, including a thread-pool thread running a blocking handler.
class request_context {
public:
    /// Made by the session; users receive it, they do not construct it.
    /// @param s the session's shared state
    /// @param id the request's id
    /// @param meta the request's `params._meta` (an object, or null)
    /// @param ex the session's strand, where plain and coroutine handlers run
    /// @param blocking_ex the thread pool where `blocking()` handlers run
    /// @param stream where messages about this request go (its POST's stream
    ///        in Streamable HTTP); null means the session's output
    /// @param who the caller as the server's auth policy established it
    ///        (null: the anonymous principal)
    /// @param stateless the request's stateless (2026-07-28) metadata; null
    ///        for a request of a session (`initialize`)
    POLYMCP_DECL request_context(std::shared_ptr<handler::session_shared> s, jsonrpc::request_id id,
                                 nlohmann::json meta, asio::any_io_executor ex, asio::any_io_executor blocking_ex,
                                 std::shared_ptr<outbound> stream = nullptr,
                                 std::shared_ptr<const auth::principal> who = nullptr,
                                 std::shared_ptr<handler::stateless_request> stateless = nullptr);
    POLYMCP_DECL ~request_context();
    request_context(const request_context&) = delete;
    request_context& operator=(const request_context&) = delete;

    /// The JSON-RPC id of the request being served.
    const jsonrpc::request_id& request_id() const noexcept { return id_; }
    /// The MCP revision of this request: the one its `_meta` names for a
    /// stateless request (2026-07-28), else the one the session negotiated.
    revision protocol_version() const noexcept {
        return stateless_ ? stateless_->meta.version : s_->protocol.load();
    }
    /// Whether this is a stateless request (MCP 2026-07-28: no session;
    /// capabilities, client info and log level come with the request, and
    /// what the handler asks the client for makes an `InputRequiredResult`).
    bool stateless() const noexcept { return stateless_ != nullptr; }
    /// Who is calling: the principal the server's auth policy
    /// (`server_options::auth`) established for this request (subject,
    /// tenant, scopes, claims). The anonymous principal (empty subject) under
    /// the `none` policy. Never holds the credential itself.
    POLYMCP_DECL const auth::principal& principal() const noexcept;
    /// The same, shared (to keep it beyond the handler).
    const std::shared_ptr<const auth::principal>& principal_ptr() const noexcept { return who_; }
    /// The session this request belongs to: unique among the sessions of
    /// this process, never reused.
    std::uint64_t session_id() const noexcept { return s_->id; }
    /// Sends a notification to the session rather than on this request's
    /// stream (e.g. `notifications/tools/list_changed` after the call
    /// changed what this session may see). Thread-safe.
    POLYMCP_DECL void notify_session(std::string method, nlohmann::json params) const;
    /// The request's `params._meta` object (null when absent).
    const nlohmann::json& meta() const noexcept { return meta_; }
    /// The session's executor (a strand); coroutine handlers run on it.
    const asio::any_io_executor& get_executor() const noexcept { return ex_; }
    /// The thread pool's executor, for handlers marked `blocking()`.
    const asio::any_io_executor& blocking_executor() const noexcept { return blocking_ex_; }

    /// True once the client cancelled the request (`notifications/cancelled`)
    /// or the server is shutting down. Blocking handlers should poll it; a
    /// coroutine is also stopped through Asio cancellation (its pending
    /// operation completes with `asio::error::operation_aborted`). A cancelled
    /// request gets no response.
    bool cancelled() const noexcept { return cancelled_.load(std::memory_order_acquire); }

    /// True when the client asked for progress (`_meta.progressToken`).
    bool wants_progress() const noexcept { return !progress_token_.is_null(); }

    /// Sends `notifications/progress` for this request when the client gave
    /// a progressToken; does nothing otherwise.
    /// @param progress work done so far; should increase with every call
    /// @param total total work when known
    /// @param message optional human-readable status
    POLYMCP_DECL void report_progress(double progress, std::optional<double> total = std::nullopt,
                                      std::string message = {}) const;

    /// Sends `notifications/message` on this request's stream when `level` is
    /// at or above the level the client asked for: with `logging/setLevel` in
    /// a session (default `info`); per request with `_meta`
    /// `io.modelcontextprotocol/logLevel` in a stateless request, which gets
    /// no log messages at all without it (MCP 2026-07-28).
    /// @param level its severity (RFC 5424)
    /// @param data any JSON (usually a string or an object)
    /// @param logger optional logger name
    POLYMCP_DECL void log(logging_level level, nlohmann::json data, std::string logger = {}) const;

    /// Sends a request to the client and completes with its result: the
    /// general form of the calls below (MCP 2025-11-25 "Base Protocol":
    /// servers may send requests while serving a client request, on that
    /// request's stream).
    ///
    /// The completion signature is `void(std::error_code, nlohmann::json)`:
    /// the `result` object on success; on failure the error is
    /// - `errc::capability_not_declared` when the client did not declare the
    ///   capability the method needs (nothing is sent),
    /// - `errc::request_timeout` after `timeout` ms without an answer (the
    ///   client is sent `notifications/cancelled`),
    /// - `errc::peer_error` when the client answered with a JSON-RPC error
    ///   (the value is the error object: code, message, data),
    /// - `errc::shutting_down` when the session ends first,
    /// - `asio::error::operation_aborted` when this request was cancelled.
    ///
    /// Use `asio::use_awaitable` from a coroutine handler (throws
    /// `std::system_error` on failure; `asio::experimental::as_tuple(asio::use_awaitable)`
    /// does not) and `asio::use_future` from a `blocking()` handler. A plain
    /// handler on the session's strand must not block waiting for the answer.
    /// @param method e.g. "sampling/createMessage"
    /// @param params the request's params object
    /// @param timeout in ms; `server_options::client_request_timeout` by default
    /// @param token an Asio completion token (`asio::use_awaitable`, `asio::use_future`, a callback)
    template <class CompletionToken>
    auto async_request(std::string method, nlohmann::json params, std::chrono::milliseconds timeout,
                       CompletionToken&& token) {
        return asio::async_initiate<CompletionToken, void(std::error_code, nlohmann::json)>(
            [this](auto handler, std::string m, nlohmann::json p, std::chrono::milliseconds t) {
                auto ex = asio::get_associated_executor(handler, ex_);
                auto h = std::make_shared<decltype(handler)>(std::move(handler));
                start_request(std::move(m), std::move(p), t,
                              [h, ex](std::error_code ec, nlohmann::json v) {
                                  asio::post(ex, [h, ec, v = std::move(v)]() mutable {
                                      std::move (*h)(ec, std::move(v));
                                  });
                              });
            },
            token, std::move(method), std::move(params), timeout);
    }

    /// `async_request` with the server's default timeout.
    template <class CompletionToken>
    auto async_request(std::string method, nlohmann::json params, CompletionToken&& token) {
        return async_request(std::move(method), std::move(params), default_timeout(),
                             std::forward<CompletionToken>(token));
    }

    /// `sampling/createMessage` ("Client Features" > "Sampling"): asks the
    /// client's LLM for a message. `params` is a `CreateMessageRequest.params`
    /// object (`messages`, `maxTokens`, optional `systemPrompt`,
    /// `modelPreferences`, `tools`, ...). Needs the client's `sampling`
    /// capability (`sampling.tools` when `params` has `tools`). Completes with
    /// the `CreateMessageResult` (`role`, `content`, `model`, `stopReason`).
    template <class CompletionToken>
    auto async_create_message(nlohmann::json params, CompletionToken&& token) {
        return async_request("sampling/createMessage", std::move(params),
                             std::forward<CompletionToken>(token));
    }

    /// `elicitation/create` in form mode ("Client Features" > "Elicitation"):
    /// asks the user to fill `requested_schema`, a flat object schema of
    /// primitive properties (string, number, integer, boolean, the enum forms
    /// of SEP-1330, with `default` values per SEP-1034). Needs the client's
    /// `elicitation` capability (form mode). Completes with the `ElicitResult`:
    /// `action` ("accept", "decline" or "cancel") and, on accept, `content`.
    template <class CompletionToken>
    auto async_elicit(std::string message, nlohmann::json requested_schema, CompletionToken&& token) {
        nlohmann::json p = {{"mode", "form"}, {"message", std::move(message)},
                            {"requestedSchema", std::move(requested_schema)}};
        return async_request("elicitation/create", std::move(p), std::forward<CompletionToken>(token));
    }

    /// `elicitation/create` in URL mode (2025-11-25): asks the user to visit
    /// `url` (e.g. an authorization page) out of band. Needs the client's
    /// `elicitation.url` capability. Completes with the `ElicitResult`
    /// (`action` only); the server later sends
    /// `notifications/elicitation/complete` with the same `elicitation_id`.
    template <class CompletionToken>
    auto async_elicit_url(std::string message, std::string url, std::string elicitation_id,
                          CompletionToken&& token) {
        nlohmann::json p = {{"mode", "url"}, {"message", std::move(message)}, {"url", std::move(url)},
                            {"elicitationId", std::move(elicitation_id)}};
        return async_request("elicitation/create", std::move(p), std::forward<CompletionToken>(token));
    }

    /// `roots/list` ("Client Features" > "Roots"). Needs the client's `roots`
    /// capability. Completes with the `ListRootsResult` (`roots`: objects with
    /// `uri` and optional `name`).
    template <class CompletionToken>
    auto async_list_roots(CompletionToken&& token) {
        return async_request("roots/list", nlohmann::json::object(), std::forward<CompletionToken>(token));
    }

    /// Asks the client for one input named `key`, in the multi round-trip
    /// style that works under every revision (MCP 2026-07-28 "Multi
    /// Round-Trip Requests"): `method` is "elicitation/create",
    /// "sampling/createMessage" or "roots/list" and `params` its params.
    ///
    /// - In a session (2025-11-25 and earlier) it is `async_request`: the
    ///   request goes to the client and the handler resumes with the answer.
    /// - In a stateless request (2026-07-28) the answer is taken from the
    ///   client's `inputResponses[key]` (or from an earlier round, carried in
    ///   the `requestState`). When there is none, the operation fails with
    ///   `errc::input_required`: let it end the handler (with
    ///   `asio::use_awaitable` it throws); the server then answers with an
    ///   `InputRequiredResult` asking for every input the handler missed, and
    ///   runs the handler again, from the start, when the client retries with
    ///   them. Work done before the inputs is therefore done once per round:
    ///   keep it idempotent, or do it after them.
    ///
    /// Completion signature `void(std::error_code, nlohmann::json)`: the
    /// client's result (an `ElicitResult`, `CreateMessageResult` or
    /// `ListRootsResult`), or an error: `errc::input_required`,
    /// `errc::capability_not_declared` (the request lacks the capability; a
    /// stateless request then fails with -32021
    /// `MissingRequiredClientCapabilityError` unless the handler answers
    /// otherwise), and the errors of `async_request`.
    /// @param key unique within the request; keys name the entries of
    ///        `inputRequests`/`inputResponses` (e.g. "user_name")
    /// @param method "elicitation/create", "sampling/createMessage" or "roots/list"
    /// @param params the request's params object
    /// @param token an Asio completion token
    template <class CompletionToken>
    auto async_input(std::string key, std::string method, nlohmann::json params, CompletionToken&& token) {
        return asio::async_initiate<CompletionToken, void(std::error_code, nlohmann::json)>(
            [this](auto handler, std::string k, std::string m, nlohmann::json p) {
                auto ex = asio::get_associated_executor(handler, ex_);
                auto h = std::make_shared<decltype(handler)>(std::move(handler));
                start_input(std::move(k), std::move(m), std::move(p), [h, ex](std::error_code ec, nlohmann::json v) {
                    asio::post(ex, [h, ec, v = std::move(v)]() mutable { std::move (*h)(ec, std::move(v)); });
                });
            },
            token, std::move(key), std::move(method), std::move(params));
    }

    /// Asks the client for several inputs at once: `requests` is an object
    /// `{key: {"method": ..., "params": ...}}` (an `InputRequests` map).
    /// Completes with the object `{key: result}` once every one is answered.
    /// In a session the requests go to the client together; in a stateless
    /// request every missing one is asked for in the same
    /// `InputRequiredResult` (one round for all). Errors as `async_input`
    /// (the first one, for the whole).
    template <class CompletionToken>
    auto async_inputs(nlohmann::json requests, CompletionToken&& token) {
        return asio::async_initiate<CompletionToken, void(std::error_code, nlohmann::json)>(
            [this](auto handler, nlohmann::json r) {
                auto ex = asio::get_associated_executor(handler, ex_);
                auto h = std::make_shared<decltype(handler)>(std::move(handler));
                start_inputs(std::move(r), [h, ex](std::error_code ec, nlohmann::json v) {
                    asio::post(ex, [h, ec, v = std::move(v)]() mutable { std::move (*h)(ec, std::move(v)); });
                });
            },
            token, std::move(requests));
    }

    /// The handler's own state, carried across the rounds of a multi
    /// round-trip request: what `set_request_state` stored in an earlier
    /// round (null in the first). In a stateless request it travels sealed in
    /// the `requestState` (integrity-protected; the client cannot read or
    /// change it); in a session it simply stays in this context.
    POLYMCP_DECL nlohmann::json request_state() const;
    /// Stores `state` (any JSON) for the next round; see `request_state`.
    POLYMCP_DECL void set_request_state(nlohmann::json state);

    /// The client's declared capabilities, a JSON object: from `initialize`
    /// in a session; from this request's `_meta`
    /// (`io.modelcontextprotocol/clientCapabilities`) when stateless.
    POLYMCP_DECL nlohmann::json client_capabilities() const;

    /// The client's `clientInfo` (`name`, `version`, ...): from this
    /// request's `_meta` when stateless (null when the client sent none); from
    /// `initialize` in a session.
    POLYMCP_DECL nlohmann::json client_info() const;

    /// Sends a notification on this request's stream (for example
    /// `notifications/elicitation/complete`). Thread-safe.
    POLYMCP_DECL void notify(std::string method, nlohmann::json params) const;

    /// Streamable HTTP only (SEP-1699): ends this request's SSE stream now
    /// (a complete HTTP response; the connection stays usable) so
    /// that the client reconnects (GET with `Last-Event-ID`) and receives the
    /// rest, including the response, on the new stream. Other transports
    /// ignore it.
    POLYMCP_DECL void close_stream() const;

    /// The slot a coroutine handler is bound to (used by the framework).
    asio::cancellation_slot cancellation_slot() noexcept { return signal_.slot(); }

    /// The stateless request's state (used by the framework); null in a session.
    const std::shared_ptr<handler::stateless_request>& stateless_state() const noexcept { return stateless_; }

    /// Marks the request cancelled and emits terminal cancellation. Must be
    /// called on the session's executor (the framework does).
    POLYMCP_DECL void cancel();

private:
    POLYMCP_DECL void start_request(std::string method, nlohmann::json params, std::chrono::milliseconds timeout,
                                    handler::session_shared::completion done);
    POLYMCP_DECL void start_input(std::string key, std::string method, nlohmann::json params,
                                  handler::session_shared::completion done);
    POLYMCP_DECL void start_inputs(nlohmann::json requests, handler::session_shared::completion done);
    // Stateless: the answer to `key` when the client gave a valid one, else
    // records the request as asked; false when the capability is missing.
    POLYMCP_DECL bool take_input(std::string& key, const std::string& method, const nlohmann::json& params,
                                 nlohmann::json& answer, std::string& missing);
    POLYMCP_DECL std::chrono::milliseconds default_timeout() const noexcept;
    POLYMCP_DECL outbound& stream() const noexcept;

    std::shared_ptr<handler::session_shared> s_;
    std::shared_ptr<handler::stateless_request> stateless_;
    std::shared_ptr<outbound> stream_;
    std::shared_ptr<const auth::principal> who_;
    jsonrpc::request_id id_;
    nlohmann::json meta_;
    nlohmann::json progress_token_;
    asio::any_io_executor ex_;
    asio::any_io_executor blocking_ex_;
    asio::cancellation_signal signal_;
    std::atomic<bool> cancelled_{false};
    mutable std::mutex state_mu_;
    nlohmann::json own_state_;  // a session request's request_state (guarded by state_mu_)
};

/// Implemented by the reply streams of transports that can end a stream for
/// the client to resume later (Streamable HTTP, SEP-1699).
class closable_stream {
public:
    virtual ~closable_stream() = default;
    /// Closes the connection under the stream; what follows is kept for the
    /// client's reconnection.
    virtual void close_connection() = 0;
};

}  // namespace polymcp

#if POLYMCP_HEADER_ONLY
#include <polymcp/handler/impl/context.ipp>
#endif

#endif
