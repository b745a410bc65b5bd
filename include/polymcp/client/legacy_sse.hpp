#ifndef POLYMCP_CLIENT_LEGACY_SSE_HPP
#define POLYMCP_CLIENT_LEGACY_SSE_HPP

/// @file polymcp/client/legacy_sse.hpp
/// `polymcp::client::sse_transport`: the client side of the HTTP+SSE
/// transport of MCP 2024-11-05 ("Transports" > "HTTP with SSE"), for servers
/// that predate Streamable HTTP. Link `polymcp::client_http`.
///
/// `async_start` opens a GET event stream on `http_options::url` and waits
/// (up to `connect_timeout`) for the server's `endpoint` event, which names
/// the URL to POST messages to; that URL must have the stream's origin
/// (scheme, host, port), or the server is refused as `invalid_mcp_server`.
/// Every message is then a POST to it, and everything the server sends
/// arrives as `message` events on the stream. The stream's end is the end of
/// the connection (`connection_closed`).

#include <polymcp/client/http_options.hpp>
#include <polymcp/client/transport.hpp>
#include <polymcp/core/config.hpp>

#include <asio/any_io_executor.hpp>

#include <memory>
#include <string>

namespace polymcp::client {

namespace detail {
struct sse_state;
}

/// A client transport speaking 2024-11-05 HTTP+SSE (see the file comment).
class sse_transport final : public transport {
public:
    /// @param ex the executor for sockets and timers (one thread or a strand)
    /// @param options `url` is the SSE endpoint (e.g. "http://host/sse")
    POLYMCP_DECL sse_transport(asio::any_io_executor ex, http_options options);
    /// Aborts the stream and any POST in progress.
    POLYMCP_DECL ~sse_transport() override;

    POLYMCP_DECL asio::any_io_executor get_executor() const override;
    /// Opens the stream and waits for the `endpoint` event.
    /// @throws client_error (`invalid_url`, `connection_failed`, `http_error`,
    ///         `auth_required`, `invalid_mcp_server`, `timeout`, ...)
    POLYMCP_DECL asio::awaitable<void> async_start(transport_handlers handlers) override;
    /// POSTs one message to the endpoint; the answer comes on the stream.
    POLYMCP_DECL asio::awaitable<void> async_send(json message) override;
    using transport::async_send;  // the overload with header fields: ignored here
    /// Closes the stream.
    POLYMCP_DECL asio::awaitable<void> async_close() override;
    /// The SSE URL.
    POLYMCP_DECL std::string describe() const override;

    /// The endpoint the server named, once started.
    POLYMCP_DECL const std::string& endpoint() const noexcept;

private:
    std::shared_ptr<detail::sse_state> state_;
};

}  // namespace polymcp::client

#if POLYMCP_HEADER_ONLY
#include <polymcp/client/impl/legacy_sse.ipp>
#endif

#endif
