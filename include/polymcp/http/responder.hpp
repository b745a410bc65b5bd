#ifndef POLYMCP_HTTP_RESPONDER_HPP
#define POLYMCP_HTTP_RESPONDER_HPP

/// @file polymcp/http/responder.hpp
/// `polymcp::http::responder`: how a request handler answers one request,
/// either with one complete response or with a streamed body (Server-Sent
/// Events for MCP). Responses on one connection go out in request order
/// (RFC 9112 section 9.3.2, pipelining).

#include <polymcp/core/config.hpp>
#include <polymcp/http/message.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace polymcp::http {

namespace detail {
class connection;
}

/// The answer side of one request.
///
/// Exactly one of `respond(...)` or `begin_stream(...)` ... `end_stream()` /
/// `close()` should be called; calls after the exchange ended are ignored.
/// A responder dropped without answering makes the server send
/// 500 Internal Server Error (or close the connection when a stream had begun).
///
/// Thread-safety: every member may be called from any thread; the work is
/// posted to the connection's strand and happens in call order.
class responder {
public:
    /// Made by the server for exchange `exchange` of connection `c`; handlers receive it.
    POLYMCP_DECL responder(std::shared_ptr<detail::connection> c, std::uint64_t exchange);
    POLYMCP_DECL ~responder();
    responder(const responder&) = delete;
    responder& operator=(const responder&) = delete;

    /// Sends a complete response (`Content-Length` is added) and ends the exchange.
    POLYMCP_DECL void respond(response r);
    /// Sends the status line and fields of a streamed response; the body
    /// follows in `write` calls (chunked in HTTP/1.1, close-delimited in HTTP/1.0).
    POLYMCP_DECL void begin_stream(response head);
    /// Sends one piece of a streamed body. When the client falls so far behind
    /// that `server_options::max_output_bytes` would be exceeded, the
    /// connection is closed instead and `on_disconnect` runs.
    POLYMCP_DECL void write(std::string data);
    /// Ends a streamed body; the connection may serve the next request.
    POLYMCP_DECL void end_stream();
    /// Ends the exchange by closing the connection once what was queued is
    /// written (an SSE stream the client should poll again, SEP-1699).
    POLYMCP_DECL void close();

    /// Registers `f`, called once on the connection's strand when the client
    /// goes away before the exchange ended (never after `respond`/`end_stream`).
    POLYMCP_DECL void on_disconnect(std::function<void()> f);
    /// False once the client went away or the exchange ended by `close`.
    bool connected() const noexcept { return connected_.load(std::memory_order_acquire); }

private:
    friend class detail::connection;
    std::shared_ptr<detail::connection> conn_;
    std::uint64_t exchange_;
    std::atomic<bool> connected_{true};
    std::atomic<bool> ended_{false};
};

}  // namespace polymcp::http

#if POLYMCP_HEADER_ONLY
#include <polymcp/http/detail/connection.hpp>  // defines responder's members
#endif

#endif
