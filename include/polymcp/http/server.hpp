#ifndef POLYMCP_HTTP_SERVER_HPP
#define POLYMCP_HTTP_SERVER_HPP

/// @file polymcp/http/server.hpp
/// `polymcp::http::server`: an HTTP/1.1 server on standalone Asio. Requests
/// are parsed by the http-parser library with the limits of
/// `http::server_options`; keep-alive and pipelining are supported (responses
/// leave in request order, TCP_NODELAY is set); chunked request bodies are
/// de-chunked. The handler answers through a `responder`, with one response
/// or a streamed body.
///
/// @code
/// asio::io_context io;
/// polymcp::http::server srv(io, {.port = 8080}, [](polymcp::http::request req, auto res) {
///     res->respond(polymcp::http::response::with_body(200, "text/plain", "hello\n"));
/// });
/// srv.listen();   // throws std::system_error when the address is taken
/// io.run();
/// @endcode

#include <polymcp/core/config.hpp>
#include <polymcp/http/message.hpp>
#include <polymcp/http/options.hpp>
#include <polymcp/http/responder.hpp>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <system_error>

namespace polymcp::http {

namespace detail {
struct server_state;
}

/// An HTTP/1.1 server.
///
/// Thread-safety: `listen` once, from one thread, before the io_context runs
/// or on its thread; `stop`, `local_endpoint` and `connections` from any
/// thread. The io_context may be run by several threads: each connection
/// works on its own strand.
class server {
public:
    /// Called on the connection's strand once per complete request. It must
    /// answer through the responder, now or later, from any thread.
    using handler_type = std::function<void(request, std::shared_ptr<responder>)>;

    /// @param io the context whose threads serve connections
    /// @param options address, port and limits (copied)
    /// @param handler called for every complete request
    POLYMCP_DECL server(asio::io_context& io, server_options options, handler_type handler);
    /// Stops accepting and closes every connection.
    POLYMCP_DECL ~server();
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    /// Binds `options.address:options.port`, listens and starts accepting.
    /// @param ec set on failure (e.g. `address_in_use`, an unparsable address)
    POLYMCP_DECL void listen(std::error_code& ec);
    /// As above; throws `std::system_error` naming the address on failure.
    POLYMCP_DECL void listen();

    /// The bound address and port (useful with port 0).
    POLYMCP_DECL asio::ip::tcp::endpoint local_endpoint() const;
    /// Stops accepting and closes all connections; in-flight exchanges see
    /// their responder disconnect. Idempotent.
    POLYMCP_DECL void stop();
    /// Open connections now.
    POLYMCP_DECL std::size_t connections() const noexcept;
    /// The options in force.
    POLYMCP_DECL const server_options& options() const noexcept;

private:
    POLYMCP_DECL void do_accept();

    asio::io_context& io_;
    std::shared_ptr<asio::ip::tcp::acceptor> acceptor_;  // on its own strand; shared with pending accepts
    std::shared_ptr<detail::server_state> state_;
};

}  // namespace polymcp::http

#if POLYMCP_HEADER_ONLY
#include <polymcp/http/impl/server.ipp>
#endif

#endif
