#ifndef POLYMCP_CLIENT_SESSION_HPP
#define POLYMCP_CLIENT_SESSION_HPP

/// @file polymcp/client/session.hpp
/// `polymcp::client::session`: an MCP client session over any client
/// transport, with a typed API on Asio coroutines (MCP 2025-11-25
/// "Lifecycle", "Tools", "Resources", "Prompts", "Completion", "Logging",
/// "Utilities"; client features "Sampling", "Elicitation", "Roots"), that
/// speaks the stateless revision 2026-07-28 too and chooses per server.
///
/// **Revisions** (MCP 2026-07-28 "Versioning" > "Backward Compatibility").
/// By default the session is dual-era: `initialize()` first probes with
/// `server/discover`; a server that answers it (or answers with a modern
/// error such as -32022) is spoken to statelessly, every request carrying
/// the protocol version, client capabilities and client info in its `_meta`;
/// any other answer (an HTTP 4xx without a modern JSON-RPC error, a JSON-RPC
/// error such as -32601, no answer within `discover_timeout`) makes the
/// session fall back to the `initialize` handshake of 2025-11-25 and earlier.
/// `session_options::era` pins one era instead. The API is the same in both:
/// a server's input requests (`InputRequiredResult`) are answered by the same
/// `on_sampling` / `on_elicitation` / `on_roots` handlers that answer
/// server-to-client requests in a session, and the request is retried with
/// them; `subscribe` and the list-changed callbacks use
/// `subscriptions/listen`; `set_logging_level` sets the `logLevel` of later
/// requests; `ping` sends `server/discover`.
///
/// @code
/// asio::io_context io;
/// auto t = std::make_shared<polymcp::client::stdio_transport>(io.get_executor(),
///              polymcp::client::stdio_options{.command = "./everything_server", .args = {"--stdio"}});
/// polymcp::client::session s(t);
/// asio::co_spawn(io, [&]() -> asio::awaitable<void> {
///     co_await s.initialize();
///     for (const auto& tool : co_await s.list_tools()) std::puts(tool.name.c_str());
///     auto r = co_await s.call_tool("test_simple_text", {});
///     co_await s.close();
/// }, asio::detached);
/// io.run();
/// @endcode
///
/// **Errors.** Every coroutine throws `client_error` (polymcp/client/error.hpp):
/// `rpc_error` when the server answered with a JSON-RPC error (the error
/// object is in `client_error::rpc`), `timeout`, `cancelled`,
/// `connection_closed`, `invalid_mcp_server` for answers that are not MCP,
/// and the transport's codes (`connection_failed`, `http_error`, ...).
///
/// **Timeouts.** Every request has a timeout (`session_options::request_timeout`,
/// or `request_options::timeout`); a progress notification for the request
/// restarts it, but never past `max_request_timeout` after the request was
/// sent. On timeout the client sends `notifications/cancelled` and throws
/// `errc::timeout`.
///
/// **Cancellation.** Requests support Asio per-operation cancellation: bind a
/// cancellation slot to the coroutine that awaits a call (or race it with
/// `awaitable_operators::operator||`); the session then sends
/// `notifications/cancelled` for it (MCP "Cancellation"), aborts the HTTP
/// request that carries it, and throws `errc::cancelled`.
///
/// **Threading.** Not thread-safe: use a session, its transport and the
/// handlers on one executor that runs one handler at a time (an `io_context`
/// run by one thread, or a strand). Many coroutines may use one session at
/// once; requests are multiplexed by id.

#include <polymcp/client/error.hpp>
#include <polymcp/client/transport.hpp>
#include <polymcp/client/types.hpp>
#include <polymcp/core/async.hpp>
#include <polymcp/core/config.hpp>
#include <polymcp/protocol/types.hpp>

#include <asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace polymcp::client {

/// A handler for a server-to-client request: receives the request's
/// `params` (an object) and returns its result object. Throw
/// `jsonrpc::exception` to answer with a specific JSON-RPC error; any other
/// exception becomes -32603. The coroutine is cancelled (terminal) when the
/// server sends `notifications/cancelled` for the request.
using request_handler = std::function<asio::awaitable<json>(json params)>;

/// Which protocol eras a session speaks (MCP 2026-07-28 "Versioning" >
/// "Terminology"): modern (stateless, per-request `_meta`: 2026-07-28) and
/// legacy (the `initialize` handshake: 2024-11-05 .. 2025-11-25).
enum class protocol_era {
    dual,    ///< modern when the server speaks it, else legacy (the default)
    modern,  ///< modern only: a legacy server fails `initialize` with `protocol_version_unsupported`
    legacy,  ///< legacy only: `initialize` without the `server/discover` probe
};

/// Configuration of a session. Every member has a working default.
struct session_options {
    /// `clientInfo` sent in `initialize` and, in a stateless revision, in every request's `_meta`.
    implementation client_info{.name = "polymcp-client", .version = "0.1.0"};
    /// The eras to speak; see the file comment.
    protocol_era era = protocol_era::dual;
    /// The legacy revision asked for in `initialize`; the server may answer
    /// with an older one, which is accepted from 2024-11-05 up.
    std::string protocol_version = "2025-11-25";
    /// The stateless revision asked for first (the server may name another it supports).
    std::string modern_protocol_version = "2026-07-28";
    /// How long the `server/discover` probe waits, in ms, before a dual-era
    /// session decides the server is legacy (a stdio server that ignores it).
    std::chrono::milliseconds discover_timeout{10'000};
    /// The most rounds of input requests one request may take (MCP
    /// 2026-07-28 "Multi Round-Trip Requests") before it fails with
    /// `invalid_mcp_server`.
    std::size_t max_input_rounds = 16;
    /// How long a request may wait for its answer, in ms (restarted by progress).
    std::chrono::milliseconds request_timeout{60'000};
    /// The absolute cap, in ms after sending, that progress cannot extend past.
    std::chrono::milliseconds max_request_timeout{600'000};
    /// Whether a progress notification restarts the request's timeout.
    bool reset_timeout_on_progress = true;
    /// The most pages `list_tools()` and the other list calls follow before
    /// failing with `invalid_mcp_server` (guards against cursor loops).
    std::size_t max_list_pages = 1000;

    /// Answers `sampling/createMessage` (declares the `sampling` capability when set).
    request_handler on_sampling{};
    /// Answers `elicitation/create` (declares the `elicitation` capability when set).
    request_handler on_elicitation{};
    /// With `on_elicitation`: also declare URL-mode elicitation (`elicitation.url`).
    bool elicitation_url = false;
    /// Answers `roots/list` (declares the `roots` capability when set).
    request_handler on_roots{};
    /// With `on_roots`: declare `roots.listChanged` (then call `notify_roots_list_changed`).
    bool roots_list_changed = false;
    /// Capabilities merged over the derived ones (e.g. `{"experimental": {...}}`).
    json capabilities = json::object();

    /// `notifications/message` (server log entries).
    std::function<void(const log_message&)> on_log{};
    /// Progress for requests sent without their own `request_options::on_progress`;
    /// receives the notification's params.
    std::function<void(const json& params)> on_progress{};
    /// `notifications/tools/list_changed`.
    std::function<void()> on_tools_list_changed{};
    /// `notifications/resources/list_changed`.
    std::function<void()> on_resources_list_changed{};
    /// `notifications/prompts/list_changed`.
    std::function<void()> on_prompts_list_changed{};
    /// `notifications/resources/updated`, with the resource's URI.
    std::function<void(const std::string& uri)> on_resource_updated{};
    /// Any other notification: its method and params.
    std::function<void(const std::string& method, const json& params)> on_notification{};
    /// Problems that concern no pending request (a response to an unknown id,
    /// a stray line on a stdio server's stdout, a notification callback above
    /// that threw: the exception is caught here, never thrown into the
    /// transport's read loop). Default: stderr.
    std::function<void(std::string_view)> diagnostics{};
};

/// Per-request settings.
struct request_options {
    std::optional<std::chrono::milliseconds> timeout{};    ///< overrides `session_options::request_timeout`
    std::optional<std::chrono::milliseconds> max_timeout{};  ///< overrides `max_request_timeout`
    /// Receives the request's progress notifications; setting it sends a
    /// `progressToken` with the request.
    std::function<void(const progress_info&)> on_progress{};
    json meta{};  ///< extra members for the request's `_meta`, or null
    /// For the list calls: whether a list the server allowed to be cached
    /// (2026-07-28 `ttlMs`, until then or until a list_changed notification)
    /// may be served from memory; false always asks the server.
    bool use_cache = true;
};

/// A reference for `completion/complete` (schema `PromptReference` or `ResourceTemplateReference`).
struct completion_reference {
    std::string type{};  ///< "ref/prompt" or "ref/resource"
    std::string name{};  ///< the prompt name, or the resource template URI
    /// A `PromptReference` to prompt `n`.
    static completion_reference prompt(std::string n) { return {"ref/prompt", std::move(n)}; }
    /// A `ResourceTemplateReference` to the template `uri`.
    static completion_reference resource(std::string uri) { return {"ref/resource", std::move(uri)}; }
};

namespace detail {
struct session_state;
}

/// An MCP client session (see the file comment).
class session {
public:
    /// @param transport the connection to the server; `async_start` is called by `initialize`
    /// @param options handlers, timeouts and limits
    POLYMCP_DECL explicit session(std::shared_ptr<transport> transport, session_options options = {});
    /// Fails whatever is still pending with `connection_closed`; does not
    /// close the transport (call `close()` first for a clean end).
    POLYMCP_DECL ~session();
    session(const session&) = delete;
    session& operator=(const session&) = delete;

    /// The transport's executor.
    POLYMCP_DECL asio::any_io_executor get_executor() const;

    /// Starts the transport and finds the server's era (see the file
    /// comment): `server/discover` for a stateless server (its capabilities,
    /// identity and instructions fill the result, `protocol_version` is the
    /// stateless revision), else `initialize`, a check of the revision the
    /// server chose (2024-11-05 .. 2025-11-25), and
    /// `notifications/initialized` (MCP "Lifecycle" > "Initialization").
    /// @throws client_error `protocol_version_unsupported` (the transport is then closed), or any other code
    POLYMCP_DECL asio::awaitable<initialize_result> initialize(request_options options = {});

    /// The server's `initialize` result; valid after `initialize()` returned.
    POLYMCP_DECL const initialize_result& server() const;
    /// True between a successful `initialize()` and `close()` or the transport's end.
    POLYMCP_DECL bool is_open() const noexcept;
    /// True when `initialize()` found a server of the stateless revision
    /// (MCP 2026-07-28) and the session speaks it; `server().protocol_version`
    /// names the revision either way.
    POLYMCP_DECL bool is_stateless() const noexcept;

    /// `tools/list`, following `nextCursor` until the last page. Tools whose
    /// `x-mcp-header` annotations are invalid are left out, with a warning
    /// to `diagnostics` (MCP 2026-07-28 "Custom Headers from Tool Parameters").
    POLYMCP_DECL asio::awaitable<std::vector<tool_info>> list_tools(request_options options = {});
    /// `tools/call` with `arguments` (an object; null is sent as `{}`).
    /// A tool's own failure is a result with `is_error`, not an exception.
    /// Over HTTP the listed tool's `x-mcp-header` parameters go as
    /// `Mcp-Param-*` headers; after a -32020 HeaderMismatch the tools are
    /// listed again and the call retried once.
    POLYMCP_DECL asio::awaitable<call_tool_result> call_tool(std::string name, json arguments,
                                                             request_options options = {});
    /// `resources/list`, all pages.
    POLYMCP_DECL asio::awaitable<std::vector<resource_info>> list_resources(request_options options = {});
    /// `resources/templates/list`, all pages.
    POLYMCP_DECL asio::awaitable<std::vector<resource_template_info>> list_resource_templates(
        request_options options = {});
    /// `resources/read`.
    POLYMCP_DECL asio::awaitable<read_resource_result> read_resource(std::string uri, request_options options = {});
    /// `resources/subscribe`: `notifications/resources/updated` then reaches `on_resource_updated`.
    POLYMCP_DECL asio::awaitable<void> subscribe(std::string uri, request_options options = {});
    /// `resources/unsubscribe`.
    POLYMCP_DECL asio::awaitable<void> unsubscribe(std::string uri, request_options options = {});
    /// `prompts/list`, all pages.
    POLYMCP_DECL asio::awaitable<std::vector<prompt_info>> list_prompts(request_options options = {});
    /// `prompts/get` with string arguments.
    POLYMCP_DECL asio::awaitable<get_prompt_result> get_prompt(std::string name,
                                                               std::map<std::string, std::string> arguments = {},
                                                               request_options options = {});
    /// `completion/complete` for one argument; `context` holds arguments already chosen.
    POLYMCP_DECL asio::awaitable<complete_result> complete(completion_reference ref, std::string argument,
                                                           std::string value,
                                                           std::map<std::string, std::string> context = {},
                                                           request_options options = {});
    /// `ping`; `server/discover` in a stateless revision, which has no ping.
    POLYMCP_DECL asio::awaitable<void> ping(request_options options = {});
    /// `logging/setLevel`; in a stateless revision the level is sent as the
    /// `logLevel` of every later request instead (no request now).
    POLYMCP_DECL asio::awaitable<void> set_logging_level(logging_level level, request_options options = {});

    /// Sends any request and returns its raw `result` object; in a stateless
    /// revision an `InputRequiredResult` is answered and retried first.
    POLYMCP_DECL asio::awaitable<json> request(std::string method, json params, request_options options = {});
    /// Sends a notification.
    POLYMCP_DECL asio::awaitable<void> notify(std::string method, json params = nullptr);
    /// Sends `notifications/roots/list_changed`.
    POLYMCP_DECL asio::awaitable<void> notify_roots_list_changed();

    /// Ends the session: fails pending requests with `connection_closed` and
    /// closes the transport. Idempotent; never throws.
    POLYMCP_DECL asio::awaitable<void> close();

    // ---- The Asio-style forms (polymcp/core/async.hpp) ---------------------
    // Each `async_X(args..., diag, token)` runs `X(args...)` on `get_executor()`
    // and completes `token` with `(std::error_code, R)` (`(std::error_code)`
    // for operations without a result): the `client_error` code of a failure
    // (or the transport's), its message in `diag`. The session must outlive
    // the operation.


    /// `initialize` in the Asio style: completes with `(std::error_code, initialize_result)`.
    template <class CompletionToken>
    auto async_initialize(request_options options, diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<initialize_result>(
            get_executor(), diag, [this, options = std::move(options)]() mutable { return initialize(std::move(options)); },
            std::forward<CompletionToken>(token));
    }

    /// `list_tools` in the Asio style: completes with `(std::error_code, std::vector<tool_info>)`.
    template <class CompletionToken>
    auto async_list_tools(request_options options, diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<std::vector<tool_info>>(
            get_executor(), diag, [this, options = std::move(options)]() mutable { return list_tools(std::move(options)); },
            std::forward<CompletionToken>(token));
    }

    /// `call_tool` in the Asio style: completes with `(std::error_code, call_tool_result)`.
    template <class CompletionToken>
    auto async_call_tool(std::string name, json arguments, request_options options, diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<call_tool_result>(
            get_executor(), diag, [this, name = std::move(name), arguments = std::move(arguments), options = std::move(options)]() mutable { return call_tool(std::move(name), std::move(arguments), std::move(options)); },
            std::forward<CompletionToken>(token));
    }

    /// `list_resources` in the Asio style: completes with `(std::error_code, std::vector<resource_info>)`.
    template <class CompletionToken>
    auto async_list_resources(request_options options, diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<std::vector<resource_info>>(
            get_executor(), diag, [this, options = std::move(options)]() mutable { return list_resources(std::move(options)); },
            std::forward<CompletionToken>(token));
    }

    /// `list_resource_templates` in the Asio style: completes with `(std::error_code, std::vector<resource_template_info>)`.
    template <class CompletionToken>
    auto async_list_resource_templates(request_options options, diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<std::vector<resource_template_info>>(
            get_executor(), diag, [this, options = std::move(options)]() mutable { return list_resource_templates(std::move(options)); },
            std::forward<CompletionToken>(token));
    }

    /// `read_resource` in the Asio style: completes with `(std::error_code, read_resource_result)`.
    template <class CompletionToken>
    auto async_read_resource(std::string uri, request_options options, diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<read_resource_result>(
            get_executor(), diag, [this, uri = std::move(uri), options = std::move(options)]() mutable { return read_resource(std::move(uri), std::move(options)); },
            std::forward<CompletionToken>(token));
    }

    /// `subscribe` in the Asio style: completes with `(std::error_code)`.
    template <class CompletionToken>
    auto async_subscribe(std::string uri, request_options options, diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<void>(
            get_executor(), diag, [this, uri = std::move(uri), options = std::move(options)]() mutable { return subscribe(std::move(uri), std::move(options)); },
            std::forward<CompletionToken>(token));
    }

    /// `unsubscribe` in the Asio style: completes with `(std::error_code)`.
    template <class CompletionToken>
    auto async_unsubscribe(std::string uri, request_options options, diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<void>(
            get_executor(), diag, [this, uri = std::move(uri), options = std::move(options)]() mutable { return unsubscribe(std::move(uri), std::move(options)); },
            std::forward<CompletionToken>(token));
    }

    /// `list_prompts` in the Asio style: completes with `(std::error_code, std::vector<prompt_info>)`.
    template <class CompletionToken>
    auto async_list_prompts(request_options options, diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<std::vector<prompt_info>>(
            get_executor(), diag, [this, options = std::move(options)]() mutable { return list_prompts(std::move(options)); },
            std::forward<CompletionToken>(token));
    }

    /// `get_prompt` in the Asio style: completes with `(std::error_code, get_prompt_result)`.
    template <class CompletionToken>
    auto async_get_prompt(std::string name, std::map<std::string, std::string> arguments, request_options options, diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<get_prompt_result>(
            get_executor(), diag, [this, name = std::move(name), arguments = std::move(arguments), options = std::move(options)]() mutable { return get_prompt(std::move(name), std::move(arguments), std::move(options)); },
            std::forward<CompletionToken>(token));
    }

    /// `complete` in the Asio style: completes with `(std::error_code, complete_result)`.
    template <class CompletionToken>
    auto async_complete(completion_reference ref, std::string argument, std::string value, std::map<std::string, std::string> context, request_options options, diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<complete_result>(
            get_executor(), diag, [this, ref = std::move(ref), argument = std::move(argument), value = std::move(value), context = std::move(context), options = std::move(options)]() mutable { return complete(std::move(ref), std::move(argument), std::move(value), std::move(context), std::move(options)); },
            std::forward<CompletionToken>(token));
    }

    /// `ping` in the Asio style: completes with `(std::error_code)`.
    template <class CompletionToken>
    auto async_ping(request_options options, diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<void>(
            get_executor(), diag, [this, options = std::move(options)]() mutable { return ping(std::move(options)); },
            std::forward<CompletionToken>(token));
    }

    /// `set_logging_level` in the Asio style: completes with `(std::error_code)`.
    template <class CompletionToken>
    auto async_set_logging_level(logging_level level, request_options options, diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<void>(
            get_executor(), diag, [this, level = std::move(level), options = std::move(options)]() mutable { return set_logging_level(std::move(level), std::move(options)); },
            std::forward<CompletionToken>(token));
    }

    /// `request` in the Asio style: completes with `(std::error_code, json)`.
    template <class CompletionToken>
    auto async_request(std::string method, json params, request_options options, diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<json>(
            get_executor(), diag, [this, method = std::move(method), params = std::move(params), options = std::move(options)]() mutable { return request(std::move(method), std::move(params), std::move(options)); },
            std::forward<CompletionToken>(token));
    }

    /// `notify` in the Asio style: completes with `(std::error_code)`.
    template <class CompletionToken>
    auto async_notify(std::string method, json params, diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<void>(
            get_executor(), diag, [this, method = std::move(method), params = std::move(params)]() mutable { return notify(std::move(method), std::move(params)); },
            std::forward<CompletionToken>(token));
    }

    /// `notify_roots_list_changed` in the Asio style: completes with `(std::error_code)`.
    template <class CompletionToken>
    auto async_notify_roots_list_changed(diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<void>(
            get_executor(), diag, [this]() mutable { return notify_roots_list_changed(); },
            std::forward<CompletionToken>(token));
    }

    /// `close` in the Asio style: completes with `(std::error_code)`.
    template <class CompletionToken>
    auto async_close(diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<void>(
            get_executor(), diag, [this]() mutable { return close(); },
            std::forward<CompletionToken>(token));
    }

private:
    POLYMCP_DECL asio::awaitable<json> list_all(std::string method, const char* member, request_options options);
    std::shared_ptr<detail::session_state> state_;
};

}  // namespace polymcp::client

#if POLYMCP_HEADER_ONLY
#include <polymcp/client/impl/session.ipp>
#endif

#endif
