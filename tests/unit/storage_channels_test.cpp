// The channels of the storage policy (*PublishSubscribe* in
// polymcp/storage/concepts.hpp), through the public API of every model:
// memory, SQLite, Redis, PostgreSQL and Redis + PostgreSQL. Two storage
// objects on one Redis or PostgreSQL stand for two processes of one
// deployment. Redis and PostgreSQL are the real servers scripts/test.sh
// starts (scripts/services.sh).

#include <polymcp/storage/memory.hpp>
#include <polymcp/storage/postgres.hpp>
#include <polymcp/storage/redis.hpp>
#include <polymcp/storage/split.hpp>
#include <polymcp/storage/sqlite.hpp>

#include "support/storage_backends.hpp"

#include <asio/bind_executor.hpp>
#include <asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

namespace st = polymcp::storage;
using namespace std::chrono_literals;
using st::errc;

namespace {

using polymcp::test::backend;
using polymcp::test::redis_postgres;

using backends =
    std::tuple<st::memory_storage, st::sqlite_storage, st::redis_storage, st::postgres_storage, redis_postgres>;
using shared_backends = std::tuple<st::redis_storage, st::postgres_storage, redis_postgres>;

static_assert(st::publish_subscribe<redis_postgres>);
static_assert(st::publish_subscribe<st::split_storage<st::memory_storage, st::sqlite_storage>>);

// What one handler received, in order ("lost" for errc::messages_lost).
class inbox {
public:
    st::message_handler handler() {
        return [this](std::error_code ec, std::string_view payload) {
            std::lock_guard lock(mu_);
            got_.push_back(ec == errc::messages_lost ? std::string("lost") : ec ? ec.message() : std::string(payload));
            cv_.notify_all();
        };
    }
    // Waits up to 5 s for `n` messages; what arrived.
    std::vector<std::string> wait_for(std::size_t n) {
        std::unique_lock lock(mu_);
        cv_.wait_for(lock, 5s, [&] { return got_.size() >= n; });
        return got_;
    }
    // What arrived within `d`, for checking that nothing more does.
    std::vector<std::string> after(std::chrono::milliseconds d) {
        std::this_thread::sleep_for(d);
        std::lock_guard lock(mu_);
        return got_;
    }

private:
    std::mutex mu_;
    std::condition_variable cv_;
    std::vector<std::string> got_;
};

template <class S>
st::subscription subscribe(S& s, std::string_view channel, inbox& to) {
    std::error_code ec;
    auto sub = s.subscribe(channel, to.handler(), ec);
    REQUIRE_FALSE(ec);
    REQUIRE(sub);
    return sub;
}

template <class S>
void publish(S& s, std::string_view channel, std::string_view message) {
    std::error_code ec;
    s.publish(channel, message, ec);
    REQUIRE_FALSE(ec);
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("A message reaches every subscription of its channel, in order, and no other",
                        "[storage][channels]", backends) {
    auto s = backend<TestType>().make();
    inbox a1, a2, b;
    auto sa1 = subscribe(*s, "changes:a", a1);
    auto sa2 = subscribe(*s, "changes:a", a2);
    auto sb = subscribe(*s, "changes:b", b);

    publish(*s, "changes:a", "one");
    publish(*s, "changes:a", R"({"connector":"c1","é":"ü"})");
    publish(*s, "changes:b", "");  // an empty message is a message
    const std::vector<std::string> both{"one", R"({"connector":"c1","é":"ü"})"};
    CHECK(a1.wait_for(2) == both);
    CHECK(a2.wait_for(2) == both);
    CHECK(b.wait_for(1) == std::vector<std::string>{""});

    // A reset subscription hears nothing more; the others go on.
    sa1.reset();
    CHECK_FALSE(sa1);
    publish(*s, "changes:a", "two");
    CHECK(a2.wait_for(3).back() == "two");
    CHECK(a1.after(100ms).size() == 2);
    CHECK(b.after(0ms).size() == 1);
}

TEMPLATE_LIST_TEST_CASE("Channels refuse bad names and payloads with invalid_argument, and take the largest allowed",
                        "[storage][channels]", backends) {
    auto s = backend<TestType>().make();
    inbox in;
    auto sub = subscribe(*s, "c", in);
    std::error_code ec;
    for (std::string bad : {std::string(), std::string("two words"), std::string("a/b"), std::string("x\n"),
                            std::string(st::max_channel_bytes + 1, 'c')}) {
        INFO("channel '" << bad << "'");
        s->publish(bad, "m", ec);
        CHECK(ec == errc::invalid_argument);
        auto none = s->subscribe(bad, in.handler(), ec);
        CHECK(ec == errc::invalid_argument);
        CHECK_FALSE(none);
    }
    auto empty_handler = s->subscribe("c", st::message_handler{}, ec);
    CHECK(ec == errc::invalid_argument);
    for (std::string bad : {std::string(st::max_message_bytes + 1, 'm'), std::string("a\0b", 3), std::string("caf\xc3"),
                            std::string("\xed\xa0\x80")}) {
        s->publish("c", bad, ec);
        CHECK(ec == errc::invalid_argument);
    }
    const std::string largest(st::max_message_bytes, 'm');
    const std::string longest_channel(st::max_channel_bytes, 'c');
    inbox far;
    auto sub2 = subscribe(*s, longest_channel, far);
    publish(*s, longest_channel, largest);
    publish(*s, "c", "after the refusals");
    CHECK(far.wait_for(1) == std::vector<std::string>{largest});
    CHECK(in.wait_for(1) == std::vector<std::string>{"after the refusals"});
}

TEMPLATE_LIST_TEST_CASE("async_publish completes on the caller's executor and the message arrives",
                        "[storage][channels][async]", backends) {
    auto s = backend<TestType>().make();
    inbox in;
    auto sub = subscribe(*s, "c", in);
    asio::io_context io;
    const auto io_thread = std::this_thread::get_id();
    std::vector<std::error_code> results;
    s->async_publish("c", "async", asio::bind_executor(io, [&](std::error_code ec) {
        CHECK(std::this_thread::get_id() == io_thread);
        results.push_back(ec);
    }));
    s->async_publish("bad channel", "m", asio::bind_executor(io, [&](std::error_code ec) { results.push_back(ec); }));
    for (int i = 0; i < 500 && results.size() < 2; ++i) {
        io.run_for(10ms);
        io.restart();
    }
    REQUIRE(results.size() == 2);
    std::sort(results.begin(), results.end(), [](auto a, auto b) { return a.value() < b.value(); });
    CHECK_FALSE(results[0]);
    CHECK(results[1] == errc::invalid_argument);
    CHECK(in.wait_for(1) == std::vector<std::string>{"async"});
}

TEMPLATE_LIST_TEST_CASE("Two storage objects on one backend, as two processes, hear each other's messages",
                        "[storage][channels]", shared_backends) {
    backend<TestType> b;
    auto one = b.make();
    auto two = b.peer();
    inbox on_one, on_two;
    auto s1 = subscribe(*one, "revoked", on_one);
    auto s2 = subscribe(*two, "revoked", on_two);
    publish(*one, "revoked", "from one");
    publish(*two, "revoked", "from two");
    // Each hears both, its own included; per publisher in order.
    auto heard1 = on_one.wait_for(2), heard2 = on_two.wait_for(2);
    std::sort(heard1.begin(), heard1.end());
    std::sort(heard2.begin(), heard2.end());
    CHECK(heard1 == std::vector<std::string>{"from one", "from two"});
    CHECK(heard2 == heard1);

    // Another deployment on the same server (other prefixes or schema) hears nothing.
    auto other = backend<TestType>().make();
    inbox elsewhere;
    auto s3 = subscribe(*other, "revoked", elsewhere);
    for (int i = 0; i < 20; ++i) publish(*one, "revoked", std::to_string(i));
    auto all = on_two.wait_for(22);
    REQUIRE(all.size() == 22);
    for (int i = 0; i < 20; ++i) CHECK(all[static_cast<std::size_t>(i) + 2] == std::to_string(i));
    CHECK(elsewhere.after(100ms).empty());
}

TEST_CASE("reset() waits for a handler running on another thread, and a handler may reset its own subscription",
          "[storage][channels]") {
    st::memory_storage s;
    std::atomic<bool> entered{false}, finished{false};
    std::error_code ec;
    auto slow = s.subscribe("c", [&](std::error_code, std::string_view) {
        entered = true;
        std::this_thread::sleep_for(200ms);
        finished = true;
    }, ec);
    REQUIRE_FALSE(ec);
    std::thread publisher([&] {
        std::error_code pec;
        s.publish("c", "m", pec);
    });
    while (!entered) std::this_thread::sleep_for(1ms);
    slow.reset();
    CHECK(finished);  // reset returned only after the call ended
    publisher.join();

    st::subscription self;
    int calls = 0;
    self = s.subscribe("d", [&](std::error_code, std::string_view) {
        ++calls;
        self.reset();  // from inside its own call: no deadlock
    }, ec);
    s.publish("d", "1", ec);
    s.publish("d", "2", ec);
    CHECK(calls == 1);
    CHECK_FALSE(self);
}
