#ifndef POLYMCP_CLIENT_STREAMABLE_HTTP_HPP
#define POLYMCP_CLIENT_STREAMABLE_HTTP_HPP

/// @file polymcp/client/streamable_http.hpp
/// `polymcp::client::streamable_http_transport`: the client side of MCP's
/// Streamable HTTP transport (MCP 2025-11-25 "Transports" > "Streamable
/// HTTP"), on libcurl's multi interface driven by the Asio executor (no
/// thread per request). Link `polymcp::client_http`.
///
/// - Every message is a POST accepting `application/json` and
///   `text/event-stream`; a request's answer arrives as one JSON body or on
///   an event stream, with the server's requests and notifications before it.
/// - `Mcp-Session-Id` from the `initialize` response is sent on every later
///   request; `MCP-Protocol-Version` once negotiated. A 404 for the session
///   is `errc::session_expired` (initialize a new session).
/// - An event stream that ends before the response is resumed with a GET
///   carrying `Last-Event-ID`, after the server's `retry` delay.
/// - After `initialize` a GET stream receives server-initiated messages
///   (405: the server offers none), reconnecting with `Last-Event-ID`.
/// - `async_close` ends the session with DELETE.
/// - MCP 2026-07-28 ("Request Metadata"): every POST carries `Mcp-Method`,
///   and `Mcp-Name` for `tools/call`, `prompts/get` and `resources/read`
///   (values outside plain ASCII as `=?base64?...?=`); the session's
///   `Mcp-Param-*` headers are encoded the same way. A message whose `_meta`
///   names a stateless revision is sent with that `MCP-Protocol-Version` and
///   no session; a 4xx answering it with a JSON-RPC error for its id is
///   delivered as that error (`-32022`, `-32020`, `-32021`, `-32601`).
/// - TLS verification is on; proxies come from the environment; redirects
///   are not followed (a 3xx is `errc::http_error` naming the target).

#include <polymcp/client/http_options.hpp>
#include <polymcp/client/transport.hpp>
#include <polymcp/core/config.hpp>

#include <asio/any_io_executor.hpp>

#include <memory>
#include <string>

namespace polymcp::client {

namespace detail {
struct streamable_http_state;
}

/// A client transport speaking Streamable HTTP (see the file comment).
class streamable_http_transport final : public transport {
public:
    /// @param ex the executor for sockets and timers (one thread or a strand)
    /// @param options the URL, headers, TLS, limits and credentials
    POLYMCP_DECL streamable_http_transport(asio::any_io_executor ex, http_options options);
    /// Aborts every request in progress (no DELETE: call `async_close` for that).
    POLYMCP_DECL ~streamable_http_transport() override;

    POLYMCP_DECL asio::any_io_executor get_executor() const override;
    /// Checks the URL. @throws client_error(errc::invalid_url)
    POLYMCP_DECL asio::awaitable<void> async_start(transport_handlers handlers) override;
    /// POSTs one message; for a request, completes when its response arrived
    /// (or the stream ended). @throws client_error with the codes of polymcp/client/error.hpp
    POLYMCP_DECL asio::awaitable<void> async_send(json message) override;
    /// The same, with `Mcp-Param-*` (or other) header fields, encoded per
    /// MCP 2026-07-28 "Value Encoding".
    POLYMCP_DECL asio::awaitable<void> async_send(json message, message_headers headers) override;
    /// Records the revision for `MCP-Protocol-Version` and opens the GET
    /// stream; for a stateless revision (2026-07-28) neither.
    POLYMCP_DECL void on_initialized(std::string_view protocol_version) override;
    /// Sends DELETE for the session (if any) and aborts open streams.
    POLYMCP_DECL asio::awaitable<void> async_close() override;
    /// The URL.
    POLYMCP_DECL std::string describe() const override;

    /// The `Mcp-Session-Id` the server assigned, or empty.
    POLYMCP_DECL const std::string& session_id() const noexcept;

private:
    std::shared_ptr<detail::streamable_http_state> state_;
};

}  // namespace polymcp::client

#if POLYMCP_HEADER_ONLY
#include <polymcp/client/impl/streamable_http.ipp>
#endif

#endif
