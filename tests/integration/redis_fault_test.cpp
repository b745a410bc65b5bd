// What redis_storage does when its server goes away, hangs, and comes back:
// a real redis-server child process of this test, killed, stopped with
// SIGSTOP and restarted on the same port while a client keeps working.

#include <polymcp/storage/redis.hpp>

#include "support/redis_process.hpp"

#include <asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace st = polymcp::storage;
using polymcp::test::redis_process;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

// A free TCP port on loopback (bound once by the kernel, then released).
std::uint16_t free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}

// Retries ping until it succeeds or `limit` passes; how long it took.
std::chrono::milliseconds until_ping(st::redis_storage& s, std::chrono::milliseconds limit) {
    auto start = clock_type::now();
    std::error_code ec;
    do {
        s.ping(ec);
        if (!ec) break;
        std::this_thread::sleep_for(20ms);
    } while (clock_type::now() - start < limit);
    REQUIRE_FALSE(ec);
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start);
}

// Short timeouts and backoff, so that the tests see outages and recoveries quickly.
st::redis_options fault_options(std::uint16_t port) {
    st::redis_options o;
    o.port = port;
    o.pool_size = 2;
    o.connect_timeout = 300ms;
    o.command_timeout = 300ms;
    o.operation_timeout = 800ms;
    o.reconnect_backoff_initial = 50ms;
    o.reconnect_backoff_max = 400ms;
    return o;
}

}  // namespace

TEST_CASE("redis_storage fails fast while Redis is down or hung, and recovers when it is back",
          "[storage][redis][fault]") {
    auto port = free_port();
    redis_process server(port);
    auto o = fault_options(port);
    std::vector<std::string> logs;
    std::mutex log_mu;
    o.log = [&](std::string_view m) {
        std::lock_guard lock(log_mu);
        logs.emplace_back(m);
    };
    std::error_code ec;
    st::redis_storage s(o, ec);  // may start before the server listens
    until_ping(s, 5s);
    s.set("before", "v", 0ms, ec);
    REQUIRE_FALSE(ec);
    s.define({"servers", {{"url", {"url"}}}}, ec);
    REQUIRE_FALSE(ec);

    // A client keeps writing and reading through the outages.
    std::atomic<bool> stop{false};
    std::atomic<int> ok{0}, failed{0}, unclear{0};
    std::atomic<long long> slowest_failure_ms{0};
    std::thread client([&] {
        for (int i = 0; !stop; ++i) {
            std::error_code e;
            auto t0 = clock_type::now();
            s.set("k" + std::to_string(i % 50), std::to_string(i), 60s, e);
            auto took = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - t0).count();
            if (!e) ++ok;
            else if (e == st::errc::unavailable || e == st::errc::timeout) {
                ++failed;
                if (took > slowest_failure_ms) slowest_failure_ms = took;
            } else {
                ++unclear;
            }
            std::this_thread::sleep_for(2ms);
        }
    });

    SECTION("killed and restarted") {
        std::this_thread::sleep_for(200ms);
        server.kill(SIGKILL);
        std::this_thread::sleep_for(1s);
        // Down: every form of operation fails with a typed error, in time.
        auto t0 = clock_type::now();
        CHECK_FALSE(s.get("before", ec));
        CHECK((ec == st::errc::unavailable || ec == st::errc::timeout));
        s.create("servers", "a", {{"url", "https://a"}}, ec);
        CHECK(ec == st::errc::unavailable);
        CHECK(clock_type::now() - t0 < 1500ms);

        asio::io_context io;
        std::error_code async_ec;
        s.async_get("before", asio::bind_executor(io, [&](std::error_code e, std::optional<std::string>) {
            async_ec = e;
        }));
        t0 = clock_type::now();
        io.run();
        CHECK((async_ec == st::errc::unavailable || async_ec == st::errc::timeout));
        CHECK(clock_type::now() - t0 < 1s);

        server.start();
        auto back = until_ping(s, 5s);
        WARN("Redis restarted: serving again after " << back.count() << " ms");
        CHECK(back < 3s);  // the backoff is capped at 400 ms
        s.create("servers", "a", {{"url", "https://a"}}, ec);
        CHECK_FALSE(ec);
        s.set("after", "v", 0ms, ec);
        CHECK(s.get("after", ec) == std::optional<std::string>("v"));
        CHECK_FALSE(s.get("before", ec));  // a fresh server without persistence
    }

    SECTION("hung (SIGSTOP) and resumed") {
        std::this_thread::sleep_for(200ms);
        server.kill(SIGSTOP);
        std::this_thread::sleep_for(200ms);
        auto t0 = clock_type::now();
        CHECK_FALSE(s.get("before", ec));
        CHECK((ec == st::errc::timeout || ec == st::errc::unavailable));
        CHECK(clock_type::now() - t0 < 1500ms);
        std::this_thread::sleep_for(500ms);
        server.kill(SIGCONT);
        until_ping(s, 5s);
        CHECK(s.get("before", ec) == std::optional<std::string>("v"));
    }

    std::this_thread::sleep_for(300ms);
    stop = true;
    client.join();
    WARN("client: " << ok << " ok, " << failed << " failed (all unavailable or timeout), slowest failure "
                    << slowest_failure_ms << " ms");
    CHECK(ok > 50);
    CHECK(failed > 0);
    CHECK(unclear == 0);
    // connect_timeout + command_timeout, and some scheduling slack.
    CHECK(slowest_failure_ms < 1500);
    std::lock_guard lock(log_mu);
    bool logged_loss = false;
    for (const auto& m : logs) logged_loss = logged_loss || m.find("redis:") == 0;
    CHECK(logged_loss);
}

TEST_CASE("A channel subscription outlives a Redis restart: its handler hears messages_lost, then messages again",
          "[storage][redis][fault][channels]") {
    auto port = free_port();
    redis_process server(port);
    auto o = fault_options(port);
    std::error_code ec;
    st::redis_storage s(o, ec);
    until_ping(s, 5s);

    std::mutex mu;
    std::condition_variable cv;
    std::vector<std::string> heard;
    auto wait_for = [&](std::size_t n, std::chrono::milliseconds limit) {
        std::unique_lock lock(mu);
        cv.wait_for(lock, limit, [&] { return heard.size() >= n; });
        return heard;
    };
    auto sub = s.subscribe("changes", [&](std::error_code e, std::string_view m) {
        std::lock_guard lock(mu);
        heard.push_back(e == st::errc::messages_lost ? std::string("lost") : std::string(m));
        cv.notify_all();
    }, ec);
    REQUIRE_FALSE(ec);
    s.publish("changes", "before", ec);
    REQUIRE_FALSE(ec);
    CHECK(wait_for(1, 5s) == std::vector<std::string>{"before"});

    server.kill(SIGKILL);
    std::this_thread::sleep_for(300ms);
    s.publish("changes", "while down", ec);
    CHECK((ec == st::errc::unavailable || ec == st::errc::timeout));
    server.start();
    until_ping(s, 5s);
    // The listener reconnects on its own backoff (messages published before
    // it is subscribed again are lost): publish until it hears again.
    auto t0 = clock_type::now();
    std::vector<std::string> got;
    for (int i = 0; clock_type::now() - t0 < 10s; ++i) {
        s.publish("changes", "after " + std::to_string(i), ec);
        got = wait_for(3, 100ms);
        if (got.size() >= 3) break;
    }
    REQUIRE(got.size() >= 3);
    CHECK(got[1] == "lost");  // before any message published after the restart
    CHECK(got[2].rfind("after ", 0) == 0);
    WARN("channel listening again " << std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - t0).count()
                                    << " ms after Redis answered pings");

    // A subscription made while Redis is down is refused nothing: it says
    // unavailable now and hears messages_lost when the listener is back.
    server.kill(SIGKILL);
    std::this_thread::sleep_for(200ms);
    std::vector<std::string> late;
    auto late_sub = s.subscribe("late", [&](std::error_code e, std::string_view m) {
        std::lock_guard lock(mu);
        late.push_back(e == st::errc::messages_lost ? std::string("lost") : std::string(m));
        cv.notify_all();
    }, ec);
    CHECK(ec == st::errc::unavailable);
    CHECK(late_sub);
    server.start();
    until_ping(s, 5s);
    t0 = clock_type::now();
    while (clock_type::now() - t0 < 10s) {
        s.publish("late", "hello", ec);
        std::unique_lock lock(mu);
        if (cv.wait_for(lock, 100ms, [&] { return late.size() >= 2; })) break;
    }
    std::lock_guard lock(mu);
    REQUIRE(late.size() >= 2);
    CHECK(late[0] == "lost");
    CHECK(late[1] == "hello");
}
