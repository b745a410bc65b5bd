#ifndef POLYMCP_HTTP_TLS_HPP
#define POLYMCP_HTTP_TLS_HPP

/// @file polymcp/http/tls.hpp
/// HTTPS for `polymcp::http::server` (and so for Streamable HTTP) through
/// `asio::ssl` and OpenSSL. Optional: only code that includes this header
/// needs OpenSSL (CMake target `polymcp::https`).
///
/// @code
/// polymcp::streamable_http_options http;
/// http.http.port = 8443;
/// http.http.tls = polymcp::http::tls_context::from_files("server.crt", "server.key");
/// @endcode
///
/// Defaults: TLS 1.2 and 1.3 only, no compression, no renegotiation, the
/// certificate chain and key from PEM files. The handshake is bounded by
/// `http::server_options::header_timeout`.

#include <polymcp/http/detail/byte_stream.hpp>

#include <asio/ssl.hpp>

#include <memory>
#include <string>
#include <system_error>

namespace polymcp::http {

namespace detail {

class tls_stream final : public byte_stream {
public:
    tls_stream(asio::ip::tcp::socket s, asio::ssl::context& ctx) : stream_(std::move(s), ctx) {
        std::error_code ec;
        stream_.next_layer().set_option(asio::ip::tcp::no_delay(true), ec);
        auto ep = stream_.next_layer().remote_endpoint(ec);
        if (!ec) remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
    }
    void async_handshake(std::function<void(std::error_code)> h) override {
        stream_.async_handshake(asio::ssl::stream_base::server, std::move(h));
    }
    void async_read_some(asio::mutable_buffer b, handler h) override { stream_.async_read_some(b, std::move(h)); }
    void async_write(std::vector<asio::const_buffer> b, handler h) override {
        asio::async_write(stream_, std::move(b), std::move(h));
    }
    void shutdown_send() noexcept override {
        // TLS has no half-close that keeps reading; end the TCP sending side
        // after what was written (the peer sees end of stream).
        std::error_code ec;
        stream_.next_layer().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    }
    void close() noexcept override {
        std::error_code ec;
        stream_.next_layer().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
        stream_.next_layer().close(ec);
    }
    std::string remote() const override { return remote_; }

private:
    asio::ssl::stream<asio::ip::tcp::socket> stream_;
    std::string remote_ = "unknown";
};

}  // namespace detail

/// A server-side TLS configuration. Thread-safe once made.
class tls_context final : public stream_layer {
public:
    /// Loads a PEM certificate chain (leaf first) and its PEM private key.
    /// @param certificate_chain_file the PEM certificate chain's file
    /// @param private_key_file the PEM private key's file
    /// @param ec set on failure (unreadable file, malformed PEM, key not
    ///        matching the certificate) with OpenSSL's reason
    /// @return the context, or null on failure
    static std::shared_ptr<tls_context> from_files(const std::string& certificate_chain_file,
                                                   const std::string& private_key_file, std::error_code& ec) {
        auto t = std::shared_ptr<tls_context>(new tls_context());
        auto& c = t->ctx_;
        c.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                          asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                          asio::ssl::context::no_tlsv1_1 | asio::ssl::context::no_compression |
                          asio::ssl::context::single_dh_use,
                      ec);
        if (!ec) c.use_certificate_chain_file(certificate_chain_file, ec);
        if (!ec) c.use_private_key_file(private_key_file, asio::ssl::context::pem, ec);
        if (!ec && SSL_CTX_check_private_key(c.native_handle()) != 1)
            ec = std::error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category());
        if (ec) return nullptr;
        SSL_CTX_set_options(c.native_handle(), SSL_OP_NO_RENEGOTIATION);
        return t;
    }

    /// As above; throws `std::system_error` naming the files.
    static std::shared_ptr<tls_context> from_files(const std::string& certificate_chain_file,
                                                   const std::string& private_key_file) {
        std::error_code ec;
        auto t = from_files(certificate_chain_file, private_key_file, ec);
        if (!t)
            throw std::system_error(ec, "polymcp::http::tls_context: cannot use certificate '" +
                                            certificate_chain_file + "' with key '" + private_key_file + "'");
        return t;
    }

    /// The underlying context, e.g. to set ciphers or client-certificate
    /// verification before the server starts.
    asio::ssl::context& native() noexcept { return ctx_; }

    /// A TLS stream over an accepted `socket` (the handshake runs first).
    std::unique_ptr<detail::byte_stream> wrap(asio::ip::tcp::socket socket) override {
        return std::make_unique<detail::tls_stream>(std::move(socket), ctx_);
    }

private:
    tls_context() : ctx_(asio::ssl::context::tls_server) {}
    asio::ssl::context ctx_;
};

}  // namespace polymcp::http

#endif
