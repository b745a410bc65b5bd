#ifndef POLYMCP_TRANSPORT_STREAMABLE_HTTP_HPP
#define POLYMCP_TRANSPORT_STREAMABLE_HTTP_HPP

/// @file polymcp/transport/streamable_http.hpp
/// The Streamable HTTP transport (MCP 2025-11-25 "Transports" > "Streamable
/// HTTP"), on polymcp's HTTP/1.1 server (`polymcp/http/server.hpp`).
///
/// - **POST** `path` carries one JSON-RPC message (or a 2025-03-26 batch). A
///   notification or a response is answered `202 Accepted`. A request is
///   answered `application/json` when its response is the first thing the
///   server has to say, or as an SSE stream (`text/event-stream`) as soon as
///   its handler sends something first: progress, a log message, a request to
///   the client.
/// - **GET** `path` opens the session's standalone SSE stream for messages
///   not tied to a request (list_changed, resource updates); with
///   `Last-Event-ID` it resumes any stream of the session, replaying the
///   events stored after that id (a bounded store) and then continuing live.
/// - **DELETE** `path` ends the session.
/// - Sessions: `initialize` mints an `Mcp-Session-Id` (128 bits from the
///   operating system's CSPRNG, as hex); later requests without it get 400,
///   with an unknown or ended one 404. `MCP-Protocol-Version`, when present,
///   must name a revision the server speaks (else 400).
/// - DNS-rebinding protection, on by default: a request whose `Origin` is not
///   allowed gets 403; on a loopback address, so does a `Host` other than
///   localhost, 127.0.0.1 or [::1].
/// - SSE streams start with a priming event (an id and empty data) and a
///   `retry` field, so a client can always resume (SEP-1699); a handler can
///   end its stream early with `request_context::close_stream()` for the
///   client to poll.
///
/// Every rejection is answered with the status above and a JSON-RPC error
/// body saying what to change, and reported through `diagnostics` as one
/// line without header values or session ids.

#include <polymcp/core/config.hpp>
#include <polymcp/core/error.hpp>
#include <polymcp/http/options.hpp>
#include <polymcp/http/server.hpp>
#include <polymcp/server/core.hpp>

#include <asio/ip/tcp.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <vector>

namespace polymcp {

namespace transport_detail {
struct streamable_http_state;
}

/// Settings of `streamable_http_transport`; docs/http-transport.md lists
/// them with their defaults.
struct streamable_http_options {
    /// Address, port and the limits of the HTTP/1.1 server (127.0.0.1 and an
    /// ephemeral port by default).
    http::server_options http{};
    /// The MCP endpoint; other paths get 404.
    std::string path = "/mcp";
    /// Validate `Origin` (and `Host` on loopback) against the lists below
    /// on every route: the MCP endpoint and the `fallback` routes alike (MCP
    /// 2025-11-25 "Transports" > "Security Warning"); a refused request gets
    /// 403. Turn off only behind a proxy that does it.
    bool dns_rebinding_protection = true;
    /// Origins allowed to call, exactly as browsers send them (e.g.
    /// "https://app.example.com"); "*" allows any. Empty: only loopback
    /// origins (http or https on localhost, 127.0.0.1, [::1], any port).
    /// Requests without `Origin` (non-browser clients) are always allowed.
    std::vector<std::string> allowed_origins{};
    /// Host names (without port) accepted in `Host`. Empty: on a loopback
    /// address only localhost, 127.0.0.1 and [::1]; on other addresses any.
    std::vector<std::string> allowed_hosts{};
    /// Serve the standalone GET stream; when false GET gets 405.
    bool standalone_sse = true;
    /// Let clients end sessions with DELETE; when false DELETE gets 405.
    bool allow_delete = true;
    /// Sessions at most; further `initialize` requests get 503.
    std::size_t max_sessions = 10'000;
    /// A session that saw no request and has no open stream for this long,
    /// in ms, ends (later requests with its id get 404).
    std::chrono::milliseconds session_idle_timeout{30 * 60'000};
    /// The SSE `retry` field: how long a client waits before reconnecting a
    /// stream the server closed, in ms.
    std::chrono::milliseconds sse_retry{1'000};
    /// With a session store (several instances, docs/scaling.md): how long
    /// this instance counts as running after it last said so, in ms; it says
    /// so every third of it. A client that resumes, on another instance, the
    /// stream of a request this instance was running gets an error answer
    /// for that request once this instance has been silent this long.
    std::chrono::milliseconds instance_ttl{5'000};
    /// Events kept per session for `Last-Event-ID` replay (oldest dropped first).
    std::size_t max_stored_events = 1'000;
    /// Bytes of events kept per session for replay (oldest dropped first).
    std::size_t max_stored_event_bytes = 4 * 1024 * 1024;
    /// Shut down gracefully on SIGTERM and SIGINT.
    bool handle_signals = true;
    /// Answers requests for any other path than `path` (and the auth policy's
    /// metadata documents), on the connection's strand, after the `Origin`
    /// and `Host` checks and before any MCP check or authentication: an
    /// application's own routes beside the MCP endpoint, such as a
    /// management API or health checks. Null: 404.
    http::server::handler_type fallback{};
    /// Called once during a graceful shutdown, on an I/O thread, after every
    /// session has ended (in-flight requests finished or answered): stop the
    /// application's own asynchronous work on the server's io_context (timers,
    /// upstream connections, child processes), since `run` returns only when
    /// that io_context has no work left. Null: nothing to stop.
    std::function<void()> on_shutdown{};
    /// Called once the server listens, with the bound address (useful with
    /// port 0). From the thread that called `run`.
    std::function<void(const asio::ip::tcp::endpoint&)> on_listening{};
};

/// Serves MCP sessions over Streamable HTTP. Meets the Transport requirement
/// (transport/concepts.hpp).
///
/// Thread-safety: `run` once, from one thread; `stop`, `local_endpoint` and
/// `session_count` from any thread.
class streamable_http_transport {
public:
    /// A transport for the server's HTTP listener, with `options`.
    POLYMCP_DECL explicit streamable_http_transport(streamable_http_options options = {});

    /// Listens and serves on `core.options().io_threads` threads (the calling
    /// thread is one of them) until `stop()` or a signal; then refuses new
    /// requests, lets in-flight ones finish (`server_options::shutdown_grace`),
    /// ends every stream and returns.
    /// @return the listening error (e.g. address in use), or success.
    POLYMCP_DECL std::error_code run(server_core& core);

    /// Begins the graceful shutdown described at `run`. Idempotent.
    POLYMCP_DECL void stop();

    /// The bound address once listening (port 0 before).
    POLYMCP_DECL asio::ip::tcp::endpoint local_endpoint() const;

    /// Sessions alive now.
    POLYMCP_DECL std::size_t session_count() const;

    /// Takes `o`'s options (a transport is moved into its server before it runs).
    streamable_http_transport(streamable_http_transport&& o) noexcept : options_(std::move(o.options_)) {}

private:
    streamable_http_options options_;
    mutable std::mutex mu_;
    std::shared_ptr<transport_detail::streamable_http_state> state_;  // while running; guarded by mu_
    bool stop_requested_ = false;                                     // guarded by mu_
};

}  // namespace polymcp

#if POLYMCP_HEADER_ONLY
#include <polymcp/transport/impl/streamable_http.ipp>
#endif

#endif
