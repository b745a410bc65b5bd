// The HTTP/1.1 server over real loopback sockets: framing, keep-alive,
// pipelining, chunked bodies, every limit with its status, timeouts,
// streamed responses and the output bound.

#include <polymcp/http/server.hpp>

#include "support/http_client.hpp"
#include "support/log_capture.hpp"

#include <asio/steady_timer.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

using polymcp::http::request;
using polymcp::http::responder;
using polymcp::http::response;
using polymcp::test::http_client;
using polymcp::test::make_request;

namespace {

// A server on 127.0.0.1 with an ephemeral port, run by `threads` I/O threads.
struct running_server {
    asio::io_context io;
    polymcp::test::log_capture log;
    polymcp::http::server srv;
    std::vector<std::thread> threads;
    std::mutex adopted_mu;
    std::vector<std::thread> adopted;

    running_server(polymcp::http::server_options o, polymcp::http::server::handler_type h, int n = 1)
        : srv(io, with_log(std::move(o)), std::move(h)) {
        srv.listen();
        for (int i = 0; i < n; ++i) threads.emplace_back([this] { io.run(); });
    }
    ~running_server() {
        {
            // Handler threads hold responders: they end before the io_context does.
            std::lock_guard lock(adopted_mu);
            for (auto& t : adopted) t.join();
        }
        srv.stop();
        io.stop();
        for (auto& t : threads) t.join();
    }
    /// Keeps a handler's helper thread, to be joined before the server goes.
    void adopt(std::thread t) {
        std::lock_guard lock(adopted_mu);
        adopted.push_back(std::move(t));
    }
    unsigned short port() const { return srv.local_endpoint().port(); }
    bool logged(const std::string& needle) const { return log.logged(needle); }

private:
    polymcp::http::server_options with_log(polymcp::http::server_options o) {
        o.diagnostics = log.sink();
        return o;
    }
};

// Answers "<METHOD> <target> <body size>" as text/plain.
void echo_handler(request req, std::shared_ptr<responder> res) {
    res->respond(response::with_body(200, "text/plain",
                                     req.method + " " + req.target + " " + std::to_string(req.body.size())));
}

}  // namespace

TEST_CASE("http: a request gets a response and the connection stays open for the next", "[http]") {
    running_server s({}, echo_handler);
    http_client c(s.port());
    c.send(make_request("GET", "/a"));
    auto r1 = c.read();
    REQUIRE(r1);
    CHECK(r1->status == 200);
    CHECK(r1->body == "GET /a 0");
    CHECK(r1->field("content-length") == "8");
    c.send(make_request("POST", "/b", "hello"));
    auto r2 = c.read();
    REQUIRE(r2);
    CHECK(r2->body == "POST /b 5");
    CHECK(s.srv.connections() == 1);
}

TEST_CASE("http: pipelined requests are answered in order even when handlers finish out of order", "[http]") {
    // The handler answers each request after a delay that shrinks with its
    // number, from another thread, so later requests would finish first.
    std::atomic<int> n{0};
    running_server s({}, [&](request req, std::shared_ptr<responder> res) {
        int k = n++;
        s.adopt(std::thread([k, req = std::move(req), res] {
            std::this_thread::sleep_for(std::chrono::milliseconds(30 - 10 * (k % 3)));
            res->respond(response::with_body(200, "text/plain", req.target));
        }));
    }, 2);
    http_client c(s.port());
    c.send(make_request("GET", "/1") + make_request("GET", "/2") + make_request("GET", "/3"));
    for (auto expected : {"/1", "/2", "/3"}) {
        auto r = c.read();
        REQUIRE(r);
        CHECK(r->body == expected);
    }
}

TEST_CASE("http: a chunk whose size passes the body limit is answered 413 at once", "[http][limits]") {
    polymcp::http::server_options o;
    o.max_body_bytes = 1000;
    running_server s(o, echo_handler);
    for (std::string head : {std::string("ffffffff"), std::string("3e9"), std::string("7fffffffffffffff")}) {
        INFO(head);
        http_client c(s.port());
        // Only the chunk's size line: the answer must not wait for its data.
        c.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + head + "\r\n");
        auto r = c.read();
        REQUIRE(r);
        CHECK(r->status == 413);
        CHECK(c.closed_by_server());
    }
    // The sizes of several chunks add up.
    http_client c(s.port());
    c.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1f4\r\n" + std::string(500, 'a') +
           "\r\n1f5\r\n");
    auto r = c.read();
    REQUIRE(r);
    CHECK(r->status == 413);
}

TEST_CASE("http: a chunked request body arrives de-chunked", "[http]") {
    running_server s({}, [](request req, std::shared_ptr<responder> res) {
        res->respond(response::with_body(200, "text/plain", req.body));
    });
    http_client c(s.port());
    c.send("POST /mcp HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
           "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n");
    auto r = c.read();
    REQUIRE(r);
    CHECK(r->body == "hello, world");
}

TEST_CASE("http: Expect: 100-continue gets an interim response before the body is sent", "[http]") {
    running_server s({}, echo_handler);
    http_client c(s.port());
    c.send("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
    // The interim response must arrive although no body byte was sent.
    char buf[64] = {};
    auto n = c.socket().read_some(asio::buffer(buf));
    CHECK(std::string(buf, n).rfind("HTTP/1.1 100 Continue\r\n\r\n", 0) == 0);
    c.send("abc");
    auto r = c.read();
    REQUIRE(r);
    CHECK(r->body == "POST /up 3");
}

TEST_CASE("http: every size limit answers its status and closes the connection", "[http][limits]") {
    polymcp::http::server_options o;
    o.max_body_bytes = 1000;
    running_server s(o, echo_handler);
    struct { const char* what; std::string request; unsigned status; } cases[] = {
        {"request-target over 8 KiB", make_request("GET", "/" + std::string(8 * 1024, 'a')), 414},
        {"one header line over 8 KiB", make_request("GET", "/", {}, "X-Big: " + std::string(8 * 1024, 'b') + "\r\n"), 431},
        {"101 header fields", make_request("GET", "/", {}, [] {
             std::string h;
             for (int i = 0; i < 101; ++i) h += "X-" + std::to_string(i) + ": v\r\n";
             return h;
         }()), 431},
        {"headers over 16 KiB together", make_request("GET", "/", {}, [] {
             std::string h;
             for (int i = 0; i < 5; ++i) h += "X-" + std::to_string(i) + ": " + std::string(4000, 'c') + "\r\n";
             return h;
         }()), 431},
        {"Content-Length over the body limit", make_request("POST", "/", std::string(1001, 'd')), 413},
        {"chunked body over the body limit",
         "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n" + std::string(1000, 'e') +
             "\r\n1\r\nf\r\n0\r\n\r\n", 413},
        {"garbage instead of a request line", "\x16\x03\x01\x02\x00 not http\r\n\r\n", 400},
        {"HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505},
        {"an unsupported Expect", make_request("POST", "/", "x", "Expect: something\r\n"), 417},
        // RFC 9112 section 3.2: exactly one Host in HTTP/1.1.
        {"HTTP/1.1 without Host", "GET / HTTP/1.1\r\nX-A: 1\r\n\r\n", 400},
        {"two Host fields", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
        {"two Host fields in HTTP/1.0", "GET / HTTP/1.0\r\nHost: a\r\nhost: a\r\n\r\n", 400},
        // RFC 9112 section 5.2: obsolete line folding is refused, with SP or HT, on any field.
        {"a folded field (SP)", "GET / HTTP/1.1\r\nHost: x\r\nX-A: one\r\n two\r\n\r\n", 400},
        {"a folded field (HT)", "GET / HTTP/1.1\r\nHost: x\r\nX-A: one\r\n\ttwo\r\n\r\n", 400},
        {"a folded Host", "GET / HTTP/1.1\r\nHost:\r\n x\r\n\r\n", 400},
        {"a space before the first field", "GET / HTTP/1.1\r\n Host: x\r\n\r\n", 400},
    };
    for (auto& k : cases) {
        SECTION(k.what) {
            http_client c(s.port());
            c.send(k.request);
            auto r = c.read();
            REQUIRE(r);
            CHECK(r->status == k.status);
            CHECK(r->field("connection") == "close");
            CHECK(c.closed_by_server());
            CHECK(s.logged(std::to_string(k.status)));
        }
    }
    // Other connections are not disturbed.
    http_client ok(s.port());
    ok.send(make_request("GET", "/still-here"));
    auto r = ok.read();
    REQUIRE(r);
    CHECK(r->status == 200);
}

TEST_CASE("http: a client that sends its header too slowly gets 408; an idle one is closed", "[http][timeouts]") {
    polymcp::http::server_options o;
    o.header_timeout = std::chrono::milliseconds(300);
    o.idle_timeout = std::chrono::milliseconds(300);
    running_server s(o, echo_handler);
    SECTION("slow header: one byte every 50 ms, forever") {
        http_client c(s.port());
        std::string req = make_request("GET", "/slow");
        auto t0 = std::chrono::steady_clock::now();
        try {
            for (char ch : req) {  // 500 ms+ for the whole header: beyond the 300 ms limit
                c.send(std::string(1, ch));
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
        } catch (const std::exception&) {
            // the server ended the sending direction; its 408 is waiting to be read
        }
        auto r = c.read();
        REQUIRE(r);
        CHECK(r->status == 408);
        CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
        CHECK(s.logged("header_timeout"));
    }
    SECTION("idle keep-alive connection") {
        http_client c(s.port());
        c.send(make_request("GET", "/"));
        REQUIRE(c.read());
        auto t0 = std::chrono::steady_clock::now();
        CHECK(c.closed_by_server());
        CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
    }
}

TEST_CASE("http: a streamed response arrives chunk by chunk, then the connection serves again", "[http][stream]") {
    running_server s({}, [&](request req, std::shared_ptr<responder> res) {
        if (req.target != "/stream") return echo_handler(std::move(req), res);
        response head;
        head.fields.set("Content-Type", "text/event-stream");
        res->begin_stream(std::move(head));
        s.adopt(std::thread([res] {
            for (int i = 0; i < 3; ++i) {
                res->write("data: " + std::to_string(i) + "\n\n");
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
            res->end_stream();
        }));
    });
    http_client c(s.port());
    c.send(make_request("GET", "/stream"));
    std::vector<std::string> pieces;
    auto r = c.read([&](const std::string& p) { pieces.push_back(p); });
    REQUIRE(r);
    CHECK(r->chunked);
    CHECK(r->field("content-type") == "text/event-stream");
    CHECK(r->body == "data: 0\n\ndata: 1\n\ndata: 2\n\n");
    CHECK(pieces.size() >= 2);  // not one buffered blob
    c.send(make_request("GET", "/after"));
    auto r2 = c.read();
    REQUIRE(r2);
    CHECK(r2->body == "GET /after 0");
}

TEST_CASE("http: a client that never reads cannot grow the server's output buffer", "[http][stream]") {
    polymcp::http::server_options o;
    o.max_output_bytes = 256 * 1024;
    std::promise<void> disconnected;
    std::atomic<std::size_t> written{0};
    running_server s(o, [&](request, std::shared_ptr<responder> res) {
        res->on_disconnect([&] { disconnected.set_value(); });
        res->begin_stream(response{});
        s.adopt(std::thread([res, &written] {
            std::string blob(16 * 1024, 'x');
            while (res->connected() && written < (64u << 20)) {
                res->write(blob);
                written += blob.size();
                std::this_thread::sleep_for(std::chrono::microseconds(200));
            }
        }));
    });
    http_client c(s.port());
    int small = 4096;
    ::setsockopt(c.socket().native_handle(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    c.send(make_request("GET", "/firehose"));
    // Never read: the server must give up on this connection.
    REQUIRE(disconnected.get_future().wait_for(std::chrono::seconds(20)) == std::future_status::ready);
    CHECK(s.logged("max_output_bytes"));
    CHECK(written < (64u << 20));
}

TEST_CASE("http: a handler that drops its responder produces a 500, and an exception does too", "[http]") {
    running_server s({}, [](request req, std::shared_ptr<responder>) {
        if (req.target == "/throw") throw std::runtime_error("boom");
    });
    for (auto target : {"/drop", "/throw"}) {
        http_client c(s.port());
        c.send(make_request("GET", target));
        auto r = c.read();
        REQUIRE(r);
        CHECK(r->status == 500);
    }
}

TEST_CASE("http: connections beyond max_connections get 503", "[http][limits]") {
    polymcp::http::server_options o;
    o.max_connections = 2;
    running_server s(o, echo_handler);
    http_client a(s.port()), b(s.port());
    a.send(make_request("GET", "/"));
    b.send(make_request("GET", "/"));
    REQUIRE(a.read());
    REQUIRE(b.read());
    http_client c(s.port());
    auto r = c.read();
    REQUIRE(r);
    CHECK(r->status == 503);
    CHECK(s.logged("max_connections"));
}

TEST_CASE("http: the server binds 127.0.0.1 by default and reports a taken port", "[http]") {
    running_server s({}, echo_handler);
    CHECK(s.srv.local_endpoint().address().to_string() == "127.0.0.1");
    asio::io_context io;
    polymcp::http::server other(io, {.port = s.port()}, echo_handler);
    std::error_code ec;
    other.listen(ec);
    CHECK(ec == asio::error::address_in_use);
    CHECK_THROWS_WITH(other.listen(), Catch::Contains("cannot listen on 127.0.0.1:" + std::to_string(s.port())));
}
