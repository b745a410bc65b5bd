// An HTTP server on its own thread whose handler the test writes: for
// peers that misbehave on purpose, or small stand-ins such as an OAuth
// authorization server. polymcp::http::server on loopback, port 0.
#pragma once

#include <polymcp/http/server.hpp>

#include <asio/io_context.hpp>

#include <string>
#include <thread>

namespace polymcp::test {

class fake_http_server {
public:
    explicit fake_http_server(polymcp::http::server::handler_type h) : srv_(io_, options(), std::move(h)) {
        srv_.listen();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~fake_http_server() {
        srv_.stop();
        io_.stop();
        thread_.join();
    }
    fake_http_server(const fake_http_server&) = delete;
    fake_http_server& operator=(const fake_http_server&) = delete;

    /// "http://127.0.0.1:PORT" followed by `path`.
    std::string url(const std::string& path = "") const {
        return "http://127.0.0.1:" + std::to_string(srv_.local_endpoint().port()) + path;
    }

private:
    static polymcp::http::server_options options() {
        polymcp::http::server_options o;
        o.address = "127.0.0.1";
        o.port = 0;
        o.diagnostics = [](std::string_view) {};
        return o;
    }
    asio::io_context io_;
    polymcp::http::server srv_;
    std::thread thread_;
};

}  // namespace polymcp::test
