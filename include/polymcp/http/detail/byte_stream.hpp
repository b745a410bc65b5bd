#ifndef POLYMCP_HTTP_DETAIL_BYTE_STREAM_HPP
#define POLYMCP_HTTP_DETAIL_BYTE_STREAM_HPP

// The connection's view of its transport: a TCP socket or a TLS stream over
// one, behind one small interface so that the connection logic is compiled
// once for both.

#include <asio/buffer.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/write.hpp>

#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

namespace polymcp::http::detail {

class byte_stream {
public:
    using handler = std::function<void(std::error_code, std::size_t)>;
    virtual ~byte_stream() = default;
    /// Runs the TLS handshake (immediately completes for plain TCP).
    virtual void async_handshake(std::function<void(std::error_code)> h) = 0;
    virtual void async_read_some(asio::mutable_buffer b, handler h) = 0;
    /// Writes every buffer completely.
    virtual void async_write(std::vector<asio::const_buffer> b, handler h) = 0;
    /// Ends the sending direction (TCP FIN, TLS close_notify); reading goes on.
    virtual void shutdown_send() noexcept = 0;
    /// Shuts down and closes; pending operations complete with an error.
    virtual void close() noexcept = 0;
    /// "address:port" of the peer, for log lines.
    virtual std::string remote() const = 0;
};

}  // namespace polymcp::http::detail

namespace polymcp::http {

/// What turns an accepted TCP socket into the byte stream a connection
/// speaks over: `polymcp::http::tls_context` (polymcp/http/tls.hpp) wraps it
/// in TLS. Thread-safe: called from every I/O thread.
class stream_layer {
public:
    virtual ~stream_layer() = default;
    virtual std::unique_ptr<detail::byte_stream> wrap(asio::ip::tcp::socket socket) = 0;
};

}  // namespace polymcp::http

namespace polymcp::http::detail {

class tcp_stream final : public byte_stream {
public:
    explicit tcp_stream(asio::ip::tcp::socket s) : socket_(std::move(s)) {
        std::error_code ec;
        socket_.set_option(asio::ip::tcp::no_delay(true), ec);  // no Nagle stall between responses
        auto ep = socket_.remote_endpoint(ec);
        if (!ec) remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
    }
    void async_handshake(std::function<void(std::error_code)> h) override { h({}); }
    void async_read_some(asio::mutable_buffer b, handler h) override {
        socket_.async_read_some(b, std::move(h));
    }
    void async_write(std::vector<asio::const_buffer> b, handler h) override {
        asio::async_write(socket_, std::move(b), std::move(h));
    }
    void shutdown_send() noexcept override {
        std::error_code ec;
        socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    }
    void close() noexcept override {
        std::error_code ec;
        socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
        socket_.close(ec);
    }
    std::string remote() const override { return remote_; }

private:
    asio::ip::tcp::socket socket_;
    std::string remote_ = "unknown";
};

}  // namespace polymcp::http::detail

#endif
