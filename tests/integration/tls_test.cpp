// TLS for the HTTP server (polymcp/http/tls.hpp) with a real TLS client:
// asio::ssl over OpenSSL, verifying the server's certificate and host name.

#include <polymcp/http/server.hpp>
#include <polymcp/http/tls.hpp>

#include "support/test_certificate.hpp"
#include "support/http_client.hpp"
#include "support/log_capture.hpp"

#include <asio/ssl.hpp>
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>

using polymcp::test::test_certificate;

namespace {

struct tls_server {
    asio::io_context io;
    polymcp::test::log_capture log;
    polymcp::http::server srv;
    std::thread t;
    tls_server(std::shared_ptr<polymcp::http::stream_layer> tls)
        : srv(io, options(std::move(tls)), [](polymcp::http::request req, auto res) {
              res->respond(polymcp::http::response::with_body(200, "text/plain", "secure " + req.target));
          }) {
        srv.listen();
        t = std::thread([this] { io.run(); });
    }
    ~tls_server() {
        srv.stop();
        io.stop();
        t.join();
    }
    polymcp::http::server_options options(std::shared_ptr<polymcp::http::stream_layer> tls) {
        polymcp::http::server_options o;
        o.tls = std::move(tls);
        o.header_timeout = std::chrono::milliseconds(300);
        o.diagnostics = log.sink();
        return o;
    }
    bool logged(const std::string& needle) const { return log.logged(needle); }
};

}  // namespace

TEST_CASE("tls: certificate and key files that cannot be used are a clear error", "[tls]") {
    std::error_code ec;
    CHECK(polymcp::http::tls_context::from_files("/nonexistent/cert.pem", "/nonexistent/key.pem", ec) == nullptr);
    CHECK(ec);
    CHECK_THROWS_WITH(polymcp::http::tls_context::from_files("/nonexistent/cert.pem", "/nonexistent/key.pem"),
                      Catch::Contains("/nonexistent/cert.pem"));
}

TEST_CASE("tls: a verifying TLS client talks HTTP/1.1 to the server; plain HTTP and stalled handshakes are cut",
          "[tls]") {
    test_certificate c;
    tls_server s(polymcp::http::tls_context::from_files(c.cert, c.key));
    const auto port = s.srv.local_endpoint().port();

    asio::io_context io;
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ctx.load_verify_file(c.cert);
    ctx.set_verify_mode(asio::ssl::verify_peer);
    asio::ssl::stream<asio::ip::tcp::socket> tls(io, ctx);
    tls.set_verify_callback(asio::ssl::host_name_verification("localhost"));
    SSL_set_tlsext_host_name(tls.native_handle(), "localhost");
    tls.next_layer().connect({asio::ip::make_address("127.0.0.1"), port});
    tls.handshake(asio::ssl::stream_base::client);
    CHECK(std::string(SSL_get_version(tls.native_handle())) == "TLSv1.3");
    for (int i = 0; i < 2; ++i) {  // keep-alive over TLS
        std::string req = "GET /x" + std::to_string(i) + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
        asio::write(tls, asio::buffer(req));
        std::string got;
        char buf[4096];
        while (got.find("secure /x" + std::to_string(i)) == std::string::npos) {
            auto n = tls.read_some(asio::buffer(buf));
            got.append(buf, n);
        }
        CHECK(got.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    }

    // Plain HTTP to the TLS port: the handshake fails and the connection is closed.
    polymcp::test::http_client plain(port);
    plain.send(polymcp::test::make_request("GET", "/", {}));
    CHECK_FALSE(plain.read().has_value());
    // A client that connects and says nothing is cut after header_timeout.
    polymcp::test::http_client silent(port);
    CHECK(silent.closed_by_server());
    CHECK(s.logged("TLS handshake failed"));
}
