#ifndef POLYMCP_TESTS_SUPPORT_HTTP_CLIENT_HPP
#define POLYMCP_TESTS_SUPPORT_HTTP_CLIENT_HPP

// A blocking HTTP/1.1 test client over a real loopback socket: it sends raw
// bytes (so tests can send anything, malformed or slow) and reads responses
// with the http-parser library in response mode.

#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>

#include <http_parser.h>

#include <chrono>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <sys/time.h>

namespace polymcp::test {

struct http_reply {
    unsigned status = 0;
    std::map<std::string, std::string> fields;  // lower-case names
    std::string body;
    bool chunked = false;
    bool keep_alive = true;
    std::string field(const std::string& lower) const {
        auto it = fields.find(lower);
        return it == fields.end() ? std::string() : it->second;
    }
};

class http_client {
public:
    explicit http_client(unsigned short port, std::chrono::milliseconds timeout = std::chrono::seconds(10))
        : socket_(io_) {
        socket_.connect({asio::ip::make_address("127.0.0.1"), port});
        timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
        ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }

    void send(const std::string& bytes) { asio::write(socket_, asio::buffer(bytes)); }
    void shutdown_send() { socket_.shutdown(asio::ip::tcp::socket::shutdown_send); }
    /// Shuts both directions down, so that a read blocked on another thread returns.
    void close() {
        asio::error_code ec;
        socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    }

    /// Reads one response; std::nullopt when the server closed the connection
    /// before a complete response arrived. `on_chunk` sees body pieces as they come.
    std::optional<http_reply> read(std::function<void(const std::string&)> on_chunk = {}) {
        http_reply r;
        state st{&r, {}, {}, false, false, std::move(on_chunk)};
        http_parser p;
        http_parser_init(&p, HTTP_RESPONSE);
        p.data = &st;
        http_parser_settings s{};
        s.on_header_field = [](http_parser* p, const char* a, size_t n) {
            auto& st = *static_cast<state*>(p->data);
            if (st.in_value) { st.flush(); }
            st.name.append(a, n);
            return 0;
        };
        s.on_header_value = [](http_parser* p, const char* a, size_t n) {
            auto& st = *static_cast<state*>(p->data);
            st.in_value = true;
            st.value.append(a, n);
            return 0;
        };
        s.on_headers_complete = [](http_parser* p) {
            auto& st = *static_cast<state*>(p->data);
            if (st.in_value) st.flush();
            st.reply->status = p->status_code;
            st.reply->chunked = (p->flags & F_CHUNKED) != 0;
            return 0;
        };
        s.on_body = [](http_parser* p, const char* a, size_t n) {
            auto& st = *static_cast<state*>(p->data);
            st.reply->body.append(a, n);
            if (st.on_chunk) st.on_chunk(std::string(a, n));
            return 0;
        };
        s.on_message_complete = [](http_parser* p) {
            auto& st = *static_cast<state*>(p->data);
            st.done = true;
            st.reply->keep_alive = http_should_keep_alive(p) != 0;
            http_parser_pause(p, 1);
            return 0;
        };
        for (;;) {
            if (!buffer_.empty()) {
                size_t n = http_parser_execute(&p, &s, buffer_.data(), buffer_.size());
                buffer_.erase(0, n);
                if (st.done) {
                    if (r.status == 100) return read(st.on_chunk);  // interim response
                    return r;
                }
                if (HTTP_PARSER_ERRNO(&p) != HPE_OK) throw std::runtime_error("bad HTTP response");
            }
            char tmp[16384];
            std::error_code ec;
            size_t n = socket_.read_some(asio::buffer(tmp), ec);
            if (ec) {
                // EOF ends a close-delimited body.
                http_parser_execute(&p, &s, nullptr, 0);
                if (st.done) return r;
                return std::nullopt;
            }
            buffer_.append(tmp, n);
        }
    }

    /// True when the server closed the connection (reads EOF or a reset within the timeout).
    bool closed_by_server() {
        char c;
        std::error_code ec;
        socket_.read_some(asio::buffer(&c, 1), ec);
        return ec == asio::error::eof || ec == asio::error::connection_reset;
    }

    asio::ip::tcp::socket& socket() { return socket_; }

private:
    struct state {
        http_reply* reply;
        std::string name, value;
        bool in_value, done;
        std::function<void(const std::string&)> on_chunk;
        void flush() {
            for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            reply->fields[name] = value;
            name.clear();
            value.clear();
            in_value = false;
        }
    };
    asio::io_context io_;
    asio::ip::tcp::socket socket_;
    std::string buffer_;
};

/// "METHOD target" request with optional headers and body (Content-Length added).
inline std::string make_request(const std::string& method, const std::string& target, const std::string& body = {},
                                 const std::string& extra_headers = {}) {
    std::string r = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers;
    if (!body.empty() || method == "POST") r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    return r + "\r\n" + body;
}

}  // namespace polymcp::test

#endif
