#ifndef POLYMCP_CLIENT_TRANSPORT_HPP
#define POLYMCP_CLIENT_TRANSPORT_HPP

/// @file polymcp/client/transport.hpp
/// The *ClientTransport* interface: how `polymcp::client::session` moves
/// JSON-RPC messages to and from one MCP server.
///
/// Models: `stdio_transport` (a child process, polymcp/client/stdio.hpp),
/// `streamable_http_transport` (polymcp/client/streamable_http.hpp) and
/// `sse_transport` (the 2024-11-05 HTTP+SSE transport, same header).
///
/// Unlike the server's transport policy this is a run-time interface: a
/// connector manager chooses the transport per connector record at run time,
/// and the session is compiled once whatever transport it talks over.
///
/// **Threading.** A transport and its session are used from one executor,
/// which must not run handlers concurrently (an `io_context` run by one
/// thread, or a strand). Handlers passed to `async_start` are called on it.

#include <polymcp/client/error.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace polymcp::client {

/// What a transport reports to its session.
struct transport_handlers {
    /// One message from the server (any JSON value; the session validates it).
    std::function<void(json)> on_message{};
    /// The transport ended for good: the process exited, the connection
    /// dropped and cannot be resumed. `error` says why; after this call the
    /// transport delivers nothing more.
    std::function<void(const client_error& error)> on_close{};
};

/// Header fields that travel with one message over an HTTP transport, as
/// (name, value) pairs with values not yet encoded: the session passes a
/// tool's `x-mcp-header` parameters as `Mcp-Param-{Name}` (MCP 2026-07-28
/// "Streamable HTTP" > "Custom Headers from Tool Parameters") and the
/// transport applies the spec's value encoding. Transports without headers
/// ignore them.
using message_headers = std::vector<std::pair<std::string, std::string>>;

/// The interface every client transport implements.
class transport {
public:
    virtual ~transport() = default;

    /// The executor all of the transport's work and handlers run on.
    virtual asio::any_io_executor get_executor() const = 0;

    /// Starts the transport (spawns the process, opens the legacy SSE stream).
    /// @throws client_error when it cannot start (e.g. `connection_failed`).
    virtual asio::awaitable<void> async_start(transport_handlers handlers) = 0;

    /// Sends one JSON-RPC message.
    ///
    /// Completes when the transport has taken the message; over Streamable
    /// HTTP a request completes only when the server's response stream for
    /// it has ended, so the session runs each send as its own coroutine.
    /// Supports Asio per-operation cancellation (terminal): a cancelled HTTP
    /// send aborts its request.
    /// @throws client_error for failures attributable to this message
    ///         (an HTTP status, a stream that closed before the response).
    virtual asio::awaitable<void> async_send(json message) = 0;

    /// Sends one JSON-RPC message with extra header fields (see
    /// `message_headers`). The default ignores the headers: transports that
    /// have none (stdio) need not override it.
    virtual asio::awaitable<void> async_send(json message, message_headers headers) {
        (void)headers;
        co_await async_send(std::move(message));
    }

    /// Called by the session once it knows the revision it speaks: after
    /// `initialize` succeeded (e.g. "2025-11-25"), where HTTP transports send
    /// it as the `MCP-Protocol-Version` header and open their GET stream; or
    /// after `server/discover` (a stateless revision, e.g. "2026-07-28"),
    /// where every message carries its own version and there is no session
    /// and no GET stream.
    virtual void on_initialized(std::string_view protocol_version) { (void)protocol_version; }

    /// Ends the connection: terminates the session (HTTP DELETE) or the
    /// process (stdin closed, then SIGTERM, then SIGKILL). Idempotent; never throws.
    virtual asio::awaitable<void> async_close() = 0;

    /// A short description for messages, e.g. `"stdio: npx server"` or the URL.
    virtual std::string describe() const = 0;
};

}  // namespace polymcp::client

#endif
