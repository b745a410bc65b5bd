// One test suite for every model of the storage policy: each case below runs
// against each backend in `backends` (memory, SQLite, Redis, PostgreSQL),
// through the public *Storage* API. Redis and PostgreSQL are real servers on
// loopback that scripts/test.sh starts (scripts/services.sh) and names in
// POLYMCP_TEST_REDIS (host:port) and POLYMCP_TEST_POSTGRES (a libpq
// connection string); without them the Redis and PostgreSQL cases fail.

#include <polymcp/storage/memory.hpp>
#include <polymcp/storage/postgres.hpp>
#include <polymcp/storage/redis.hpp>
#include <polymcp/storage/split.hpp>
#include <polymcp/storage/sqlite.hpp>

#include <hiredis/hiredis.h>

#include "support/storage_backends.hpp"

#include <asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace st = polymcp::storage;
using namespace std::chrono_literals;
using st::errc;
using nlohmann::json;

namespace {

using polymcp::test::backend;
using polymcp::test::backend_ptr;
using polymcp::test::redis_postgres;
using polymcp::test::env_or;
using polymcp::test::test_redis_options;
using polymcp::test::temp_path;

using backends =
    std::tuple<st::memory_storage, st::sqlite_storage, st::redis_storage, st::postgres_storage, redis_postgres>;

const st::collection_schema servers{"servers", {{"name", {"owner", "name"}}, {"url", {"url"}}}};

template <class S>
void must(S& s, const st::collection_schema& schema) {
    std::error_code ec;
    s.define(schema, ec);
    REQUIRE_FALSE(ec);
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("Strings are stored, replaced and erased, and typed errors say what went wrong",
                        "[storage]", backends) {
    auto s = backend<TestType>().make();
    std::error_code ec;
    CHECK_FALSE(s->get("k", ec));
    CHECK_FALSE(ec);
    s->set("k", "v1", 0ms, ec);
    CHECK(s->get("k", ec) == std::optional<std::string>("v1"));
    s->set("k", std::string("v2\0binary", 9), 0ms, ec);
    CHECK(s->get("k", ec) == std::optional<std::string>(std::string("v2\0binary", 9)));
    CHECK(s->erase("k", ec));
    CHECK_FALSE(s->erase("k", ec));
    CHECK_FALSE(s->get("k", ec));

    // Keys and values are views: nothing past their end is read.
    std::string_view alphabet = "alphabet";
    s->set(alphabet.substr(0, 5), alphabet.substr(0, 2), 0ms, ec);
    CHECK(s->get("alpha", ec) == std::optional<std::string>("al"));
    CHECK_FALSE(s->get("alphabet", ec));

    s->set("", "v", 0ms, ec);
    CHECK(ec == errc::invalid_argument);
    CHECK_FALSE(s->set_if_absent(std::string(600, 'k'), "v", 0ms, ec));
    CHECK(ec == errc::invalid_argument);

    CHECK(s->set_add("set", "m", ec));
    CHECK_FALSE(s->get("set", ec));
    CHECK(ec == errc::wrong_type);
    s->set("str", "x", 0ms, ec);
    CHECK_FALSE(s->set_add("str", "m", ec));
    CHECK(ec == errc::wrong_type);
    CHECK(s->increment("str", 1, ec) == 0);
    CHECK(ec == errc::wrong_type);
    s->ping(ec);
    CHECK_FALSE(ec);
}

TEMPLATE_LIST_TEST_CASE("Keys expire after their TTL, and expire() refreshes or removes it", "[storage]", backends) {
    auto s = backend<TestType>().make();
    std::error_code ec;
    s->set("short", "v", 80ms, ec);
    s->set("long", "v", 60s, ec);
    CHECK(s->set_add("set", "m", ec));
    CHECK(s->expire("set", 80ms, ec));
    CHECK(s->set_if_absent("lock", "me", 80ms, ec));
    CHECK_FALSE(s->set_if_absent("lock", "you", 80ms, ec));
    CHECK(s->get("short", ec) == std::optional<std::string>("v"));

    std::this_thread::sleep_for(200ms);
    CHECK_FALSE(s->get("short", ec));
    CHECK(s->get("long", ec) == std::optional<std::string>("v"));
    CHECK(s->set_members("set", ec).empty());
    CHECK_FALSE(s->expire("short", 1s, ec));
    CHECK(s->set_if_absent("lock", "you", 0ms, ec));  // the expired holder no longer counts
    CHECK(s->get("lock", ec) == std::optional<std::string>("you"));

    // expire(): refresh on use, or remove the TTL.
    s->set("session", "v", 100ms, ec);
    CHECK(s->expire("session", 60s, ec));
    s->set("pinned", "v", 100ms, ec);
    CHECK(s->expire("pinned", 0ms, ec));
    std::this_thread::sleep_for(200ms);
    CHECK(s->get("session", ec));
    CHECK(s->get("pinned", ec));
    CHECK_FALSE(ec);
}

TEMPLATE_LIST_TEST_CASE("Of many threads racing set_if_absent on a key, exactly one wins", "[storage]", backends) {
    auto s = backend<TestType>().make();
    constexpr int threads = 8, keys = 40;
    std::vector<std::atomic<int>> winners(keys);
    std::atomic<int> errors{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
            for (int k = 0; k < keys; ++k) {
                std::error_code ec;
                if (s->set_if_absent("lock:" + std::to_string(k), "owner" + std::to_string(t), 60s, ec))
                    ++winners[k];
                if (ec) ++errors;
            }
        });
    for (auto& th : pool) th.join();
    CHECK(errors == 0);
    for (int k = 0; k < keys; ++k) CHECK(winners[k] == 1);
}

TEMPLATE_LIST_TEST_CASE("increment is atomic under concurrency and keeps the TTL", "[storage]", backends) {
    auto s = backend<TestType>().make();
    std::vector<std::thread> pool;
    for (int t = 0; t < 4; ++t)
        pool.emplace_back([&] {
            for (int i = 0; i < 100; ++i) {
                std::error_code ec;
                s->increment("counter", 1, ec);
                CHECK_FALSE(ec);
            }
        });
    for (auto& th : pool) th.join();
    std::error_code ec;
    CHECK(s->get("counter", ec) == std::optional<std::string>("400"));
    CHECK(s->increment("counter", -401, ec) == -1);

    s->set("rate", "5", 100ms, ec);
    CHECK(s->increment("rate", 1, ec) == 6);
    std::this_thread::sleep_for(200ms);
    CHECK_FALSE(s->get("rate", ec));
    s->set("big", std::to_string(INT64_MAX), 0ms, ec);
    s->increment("big", 1, ec);
    CHECK(ec == errc::invalid_argument);
}

TEMPLATE_LIST_TEST_CASE("Sets add, remove and list their members, and vanish with the last one", "[storage]",
                        backends) {
    auto s = backend<TestType>().make();
    std::error_code ec;
    CHECK(s->set_add("servers", "mcp_b", ec));
    CHECK(s->set_add("servers", "mcp_a", ec));
    CHECK_FALSE(s->set_add("servers", "mcp_a", ec));
    CHECK(s->set_members("servers", ec) == std::vector<std::string>{"mcp_a", "mcp_b"});
    CHECK(s->set_remove("servers", "mcp_a", ec));
    CHECK_FALSE(s->set_remove("servers", "mcp_a", ec));
    CHECK(s->set_remove("servers", "mcp_b", ec));
    CHECK(s->set_members("servers", ec).empty());
    CHECK_FALSE(s->erase("servers", ec));  // gone with its last member
    CHECK_FALSE(ec);
}

TEMPLATE_LIST_TEST_CASE("scan pages through one prefix and erase_prefix clears a session", "[storage]", backends) {
    auto s = backend<TestType>().make();
    std::error_code ec;
    auto mine = st::session_prefix("t1", "u1", "s1");
    auto other = st::session_prefix("t1", "u1", "s10");  // shares "s1" but not "s1:"
    for (int i = 0; i < 250; ++i) s->set(mine + "conn:" + std::to_string(i), "v", 0ms, ec);
    for (int i = 0; i < 30; ++i) s->set(other + "conn:" + std::to_string(i), "v", 0ms, ec);
    CHECK(s->set_add(mine + "servers", "mcp_x", ec));
    s->set("t1:u2:session:s1:conn:0", "v", 0ms, ec);

    std::set<std::string> seen;
    std::string cursor;
    int pages = 0;
    do {
        auto page = s->scan(mine, cursor, 100, ec);
        REQUIRE_FALSE(ec);
        CHECK(page.keys.size() < 200);  // about 100
        seen.insert(page.keys.begin(), page.keys.end());  // Redis may repeat a key (SCAN)
        cursor = page.next_cursor;
        ++pages;
    } while (!cursor.empty() && pages < 100);
    CHECK(seen.size() == 251);
    CHECK(pages >= 2);
    for (const auto& k : seen) CHECK(k.rfind(mine, 0) == 0);

    CHECK(s->erase_prefix(mine, ec) == 251);
    CHECK(s->scan(mine, "", 100, ec).keys.empty());
    CHECK(s->scan(other, "", 100, ec).keys.size() == 30);
    CHECK(s->get("t1:u2:session:s1:conn:0", ec));
    CHECK(st::make_key({"t", "u:1", "50%"}) == "t:u%3A1:50%25");
}

TEMPLATE_LIST_TEST_CASE("Records are created, read, updated with versions and removed", "[storage]", backends) {
    auto s = backend<TestType>().make();
    must(*s, servers);
    std::error_code ec;
    auto r = s->create("servers", "mcp_1", {{"owner", "u1"}, {"name", "files"}, {"url", "https://a"}}, ec);
    REQUIRE_FALSE(ec);
    CHECK(r.version == 1);
    CHECK(s->read("servers", "mcp_1", ec)->data["name"] == "files");
    CHECK_FALSE(s->read("servers", "mcp_2", ec));

    s->create("servers", "mcp_1", {{"name", "again"}}, ec);
    CHECK(ec == errc::already_exists);
    auto u = s->update("servers", "mcp_1", {{"owner", "u1"}, {"name", "files2"}, {"url", "https://a"}}, 1, ec);
    CHECK_FALSE(ec);
    CHECK(u.version == 2);
    s->update("servers", "mcp_1", {{"name", "stale"}}, 1, ec);
    CHECK(ec == errc::conflict);
    CHECK(s->read("servers", "mcp_1", ec)->data["name"] == "files2");
    s->update("servers", "mcp_9", {{"name", "x"}}, {}, ec);
    CHECK(ec == errc::not_found);
    s->remove("servers", "mcp_1", 1, ec);
    CHECK(ec == errc::conflict);
    s->remove("servers", "mcp_1", 2, ec);
    CHECK_FALSE(ec);
    s->remove("servers", "mcp_1", {}, ec);
    CHECK(ec == errc::not_found);

    s->create("servers", "mcp_3", json::array(), ec);
    CHECK(ec == errc::invalid_argument);
    s->create("nowhere", "x", json::object(), ec);
    CHECK(ec == errc::invalid_argument);
}

TEMPLATE_LIST_TEST_CASE("Unique constraints are enforced as typed errors, and free again after a remove",
                        "[storage]", backends) {
    auto s = backend<TestType>().make();
    must(*s, servers);
    std::error_code ec;
    s->create("servers", "a", {{"owner", "u1"}, {"name", "files"}, {"url", "https://a"}}, ec);
    REQUIRE_FALSE(ec);
    s->create("servers", "b", {{"owner", "u1"}, {"name", "files"}, {"url", "https://b"}}, ec);
    CHECK(ec == errc::unique_violation);
    s->create("servers", "b", {{"owner", "u2"}, {"name", "files"}, {"url", "https://a"}}, ec);
    CHECK(ec == errc::unique_violation);  // the url
    s->create("servers", "b", {{"owner", "u2"}, {"name", "files"}, {"url", "https://b"}}, ec);
    CHECK_FALSE(ec);  // same name, other owner
    s->update("servers", "b", {{"owner", "u1"}, {"name", "files"}, {"url", "https://b"}}, {}, ec);
    CHECK(ec == errc::unique_violation);
    CHECK(s->read("servers", "b", ec)->data["owner"] == "u2");
    // Missing fields are not constrained.
    s->create("servers", "c", {{"name", "files"}}, ec);
    CHECK_FALSE(ec);
    s->create("servers", "d", {{"name", "files"}, {"url", nullptr}}, ec);
    CHECK_FALSE(ec);
    s->remove("servers", "a", {}, ec);
    s->create("servers", "e", {{"owner", "u1"}, {"name", "files"}, {"url", "https://a"}}, ec);
    CHECK_FALSE(ec);
}

TEMPLATE_LIST_TEST_CASE("A batch is all or nothing: a failing write rolls back the ones before it", "[storage]",
                        backends) {
    auto s = backend<TestType>().make();
    must(*s, servers);
    std::error_code ec;
    s->create("servers", "taken", {{"owner", "u1"}, {"name", "taken"}, {"url", "https://t"}}, ec);

    s->commit(st::write_batch()
                  .create("servers", "n1", {{"owner", "u1"}, {"name", "n1"}, {"url", "https://n1"}})
                  .update("servers", "taken", {{"owner", "u1"}, {"name", "renamed"}, {"url", "https://t"}})
                  .create("servers", "n2", {{"owner", "u1"}, {"name", "renamed"}, {"url", "https://n2"}}),
              ec);
    CHECK(ec == errc::unique_violation);
    CHECK_FALSE(s->read("servers", "n1", ec));
    CHECK(s->read("servers", "taken", ec)->data["name"] == "taken");
    CHECK(s->read("servers", "taken", ec)->version == 1);

    s->commit(st::write_batch()
                  .create("servers", "n1", {{"owner", "u1"}, {"name", "n1"}, {"url", "https://n1"}})
                  .remove("servers", "taken", 7),
              ec);
    CHECK(ec == errc::conflict);
    CHECK_FALSE(s->read("servers", "n1", ec));

    s->commit(st::write_batch()
                  .create("servers", "n1", {{"owner", "u1"}, {"name", "n1"}, {"url", "https://n1"}})
                  .remove("servers", "taken", 1)
                  .create("servers", "n2", {{"owner", "u1"}, {"name", "taken"}, {"url", "https://t"}}),
              ec);
    CHECK_FALSE(ec);
    CHECK(s->read("servers", "n1", ec));
    CHECK(s->read("servers", "n2", ec));
    CHECK_FALSE(s->read("servers", "taken", ec));
}

TEMPLATE_LIST_TEST_CASE("list filters and pages through records in id order", "[storage]", backends) {
    auto s = backend<TestType>().make();
    must(*s, {"servers", {}});
    std::error_code ec;
    st::write_batch batch;
    std::set<std::string> expected;
    for (int i = 0; i < 250; ++i) {
        char id[16];
        std::snprintf(id, sizeof id, "mcp_%03d", i);
        bool pub = i % 5 == 0;
        std::string owner = i % 3 == 0 ? "u1" : "u2";
        batch.create("servers", id, {{"owner", owner}, {"public", pub}, {"enabled", i % 7 != 0}, {"n", i}});
        if ((pub || owner == "u1") && i % 7 != 0) expected.insert(id);
    }
    s->commit(batch, ec);
    REQUIRE_FALSE(ec);

    auto f = st::filter().where_any({{"public", true}, {"owner", "u1"}}).where("enabled", true);
    std::vector<std::string> got;
    st::page_request req{.limit = 17, .cursor = ""};
    int pages = 0;
    do {
        auto p = s->list("servers", f, req, ec);
        REQUIRE_FALSE(ec);
        CHECK(p.records.size() <= 17);
        for (auto& r : p.records) got.push_back(r.id);
        req.cursor = p.next_cursor;
        ++pages;
    } while (!req.cursor.empty() && pages < 100);
    CHECK(std::is_sorted(got.begin(), got.end()));
    CHECK(std::set<std::string>(got.begin(), got.end()) == expected);
    CHECK(got.size() == expected.size());

    // A number is not a string, and true is not 1.
    CHECK(s->list("servers", st::filter().where("n", 10), {}, ec).records.size() == 1);
    CHECK(s->list("servers", st::filter().where("n", "10"), {}, ec).records.empty());
    CHECK(s->list("servers", st::filter().where("public", 1), {}, ec).records.empty());
    CHECK(s->list("servers", {}, {.limit = 1000, .cursor = ""}, ec).records.size() == 250);
}

TEMPLATE_LIST_TEST_CASE("10,000 sessions are written and read back", "[storage][volume]", backends) {
    auto s = backend<TestType>().make();
    std::error_code ec;
    for (int i = 0; i < 10000; ++i) {
        s->set(st::make_key({"t1", "u" + std::to_string(i % 100), "session", std::to_string(i)}),
               "state-" + std::to_string(i), 3600s, ec);
        REQUIRE_FALSE(ec);
    }
    int found = 0;
    for (int i = 0; i < 10000; ++i) {
        auto v = s->get(st::make_key({"t1", "u" + std::to_string(i % 100), "session", std::to_string(i)}), ec);
        if (v && *v == "state-" + std::to_string(i)) ++found;
    }
    CHECK(found == 10000);
    std::size_t n = 0;
    std::string cursor;
    do {
        auto p = s->scan("t1:u7:", cursor, 1000, ec);
        n += p.keys.size();
        cursor = p.next_cursor;
    } while (!cursor.empty());
    CHECK(n == 100);
}

TEMPLATE_LIST_TEST_CASE("The asynchronous forms complete on the caller's executor", "[storage][async]", backends) {
    auto s = backend<TestType>().make();
    asio::io_context io;
    auto io_thread = std::this_thread::get_id();
    std::vector<std::string> log;
    s->async_set("a", "1", 0ms, asio::bind_executor(io, [&](std::error_code ec) {
        CHECK_FALSE(ec);
        log.push_back("set");
        s->async_get("a", asio::bind_executor(io, [&](std::error_code ec2, std::optional<std::string> v) {
            CHECK_FALSE(ec2);
            CHECK(std::this_thread::get_id() == io_thread);
            log.push_back("get " + v.value_or("-"));
        }));
    }));
    s->async_define(servers, asio::bind_executor(io, [&](std::error_code ec) {
        CHECK_FALSE(ec);
        s->async_create("servers", "x", {{"name", "n"}}, asio::bind_executor(io, [&](std::error_code ec2, st::record r) {
            CHECK_FALSE(ec2);
            CHECK(r.version == 1);
            log.push_back("create");
        }));
    }));
    auto guard = asio::make_work_guard(io);
    std::thread stopper([&] {
        for (int i = 0; i < 200 && log.size() < 3; ++i) std::this_thread::sleep_for(10ms);
        guard.reset();
    });
    io.run();
    stopper.join();
    std::sort(log.begin(), log.end());
    CHECK(log == std::vector<std::string>{"create", "get 1", "set"});
}

TEST_CASE("SQLite storage keeps its records and state across reopening", "[storage][sqlite]") {
    st::sqlite_options o;
    o.path = temp_path("reopen");
    std::error_code ec;
    {
        st::sqlite_storage s(o);
        must(s, servers);
        s.create("servers", "a", {{"owner", "u1"}, {"name", "n"}, {"url", "https://a"}}, ec);
        s.set("session", "v", 3600s, ec);
        REQUIRE_FALSE(ec);
    }
    st::sqlite_storage s(o);
    must(s, servers);
    CHECK(s.read("servers", "a", ec)->data["url"] == "https://a");
    CHECK(s.get("session", ec) == std::optional<std::string>("v"));
    s.create("servers", "b", {{"owner", "u1"}, {"name", "n"}, {"url", "https://b"}}, ec);
    CHECK(ec == errc::unique_violation);
    CHECK(s.integrity_check(ec));
}

TEST_CASE("SQLite storage reports a held write lock as a timeout, within the configured bounds",
          "[storage][sqlite]") {
    st::sqlite_options o;
    o.path = temp_path("busy");
    o.busy_timeout = 100ms;
    o.operation_timeout = 300ms;
    o.pool_size = 1;
    st::sqlite_storage s(o);
    std::error_code ec;
    s.set("k", "v", 0ms, ec);
    REQUIRE_FALSE(ec);

    // Another process-like connection holds the write lock.
    sqlite3* other = nullptr;
    REQUIRE(sqlite3_open(o.path.c_str(), &other) == SQLITE_OK);
    std::string attach = "ATTACH DATABASE '" + o.path + "-ephemeral' AS eph; BEGIN IMMEDIATE; "
                         "INSERT INTO eph.kv(key, kind, value) VALUES('held', 0, 'x');";
    REQUIRE(sqlite3_exec(other, attach.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);

    auto start = std::chrono::steady_clock::now();
    s.set("k", "v2", 0ms, ec);
    auto took = std::chrono::steady_clock::now() - start;
    CHECK(ec == errc::timeout);
    CHECK(took < 2s);
    CHECK(s.get("k", ec) == std::optional<std::string>("v"));  // readers are not blocked in WAL mode

    // The asynchronous form gives up at operation_timeout even while the
    // only worker is busy.
    asio::io_context io;
    std::error_code first, second;
    s.async_set("k", "v3", 0ms, asio::bind_executor(io, [&](std::error_code e) { first = e; }));
    s.async_set("k", "v4", 0ms, asio::bind_executor(io, [&](std::error_code e) { second = e; }));
    start = std::chrono::steady_clock::now();
    io.run();
    took = std::chrono::steady_clock::now() - start;
    CHECK(first == errc::timeout);
    CHECK(second == errc::timeout);
    CHECK(took < 2s);

    sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(other);
    s.set("k", "v5", 0ms, ec);
    CHECK_FALSE(ec);
}

TEST_CASE("SQLite storage refuses a path it cannot open with a typed error", "[storage][sqlite]") {
    std::error_code ec;
    st::sqlite_options o;
    o.path = "/nonexistent-dir/x/y.db";
    st::sqlite_storage s(o, ec);
    CHECK(ec == errc::unavailable);
    CHECK_THROWS_AS(st::sqlite_storage(o), std::system_error);
    o.path = "";
    st::sqlite_storage empty(o, ec);
    CHECK(ec == errc::invalid_argument);
}

#include <polymcp/crypto/aes_gcm.hpp>
#include <polymcp/storage/reencrypt.hpp>

TEMPLATE_LIST_TEST_CASE("reencrypt moves every stored credential to the primary key while others write",
                        "[storage][rotation]", backends) {
    namespace crypto = polymcp::crypto;
    using gcm = crypto::aes_256_gcm;
    auto s = backend<TestType>().make();
    must(*s, {"connectors", {}});
    auto k_old = gcm::generate_key(), k_new = gcm::generate_key();
    crypto::key_ring<gcm> old_ring({gcm(k_old)});
    crypto::key_ring<gcm> ring({gcm(k_new), gcm(k_old)});
    auto ad = [](const std::string& id, std::string_view field) { return "connector=" + id + ";field=" + std::string(field); };

    std::error_code ec;
    st::write_batch batch;
    for (int i = 0; i < 230; ++i) {
        std::string id = "c" + std::to_string(1000 + i);
        batch.create("connectors", id,
                     {{"api_key", old_ring.encrypt("key-" + id, ad(id, "api_key"))},
                      {"token", i % 2 ? ring.encrypt("tok-" + id, ad(id, "token")) : old_ring.encrypt("tok-" + id, ad(id, "token"))},
                      {"name", id}});
    }
    // One field under a key the ring does not hold: counted, left untouched.
    auto stranger = gcm(gcm::generate_key()).encrypt("x", ad("c9999", "api_key"));
    batch.create("connectors", "c9999", {{"api_key", stranger}, {"name", "c9999"}});
    s->commit(batch, ec);
    REQUIRE_FALSE(ec);

    // The server keeps writing while the rotation runs: a write every
    // millisecond (a writer in a tight loop would starve SQLite's other
    // writers past busy_timeout on a loaded machine, which no server does).
    std::atomic<bool> done{false};
    std::thread writer([&] {
        int n = 0;
        while (!done) {
            std::this_thread::sleep_for(1ms);
            std::error_code wec;
            auto r = s->read("connectors", "c1000", wec);
            if (r) {
                auto data = r->data;
                data["touched"] = ++n;
                s->update("connectors", "c1000", data, r->version, wec);
            }
        }
    });
    st::reencrypt_options opt;
    opt.collection = "connectors";
    opt.fields = {"api_key", "token"};
    opt.batch_size = 40;
    opt.associated_data = [&](const st::record& r, std::string_view field) { return ad(r.id, field); };
    auto report = st::reencrypt(*s, ring, opt, ec);
    done = true;
    writer.join();
    REQUIRE_FALSE(ec);
    CHECK(report.records == 231);
    CHECK(report.failed == 1);
    // A second run picks up what a concurrent write made it skip.
    auto again = st::reencrypt(*s, ring, opt, ec);
    CHECK(again.failed == 1);
    CHECK(report.rotated + again.rotated == 230 + 115);

    gcm primary(k_new);
    for (int i = 0; i < 230; ++i) {
        std::string id = "c" + std::to_string(1000 + i);
        auto r = s->read("connectors", id, ec);
        REQUIRE(r);
        CHECK(primary.decrypt(r->data["api_key"].template get<std::string>(), ad(id, "api_key")) == "key-" + id);
        CHECK(primary.decrypt(r->data["token"].template get<std::string>(), ad(id, "token")) == "tok-" + id);
    }
    CHECK(s->read("connectors", "c9999", ec)->data["api_key"] == stranger);
}

#include <libpq-fe.h>

TEST_CASE("PostgreSQL storage: processes opening one schema together migrate it once, and data outlives them",
          "[storage][postgres]") {
    st::postgres_options o;
    o.conninfo = env_or("POLYMCP_TEST_POSTGRES", "host=127.0.0.1 port=54329 user=polymcp dbname=postgres");
    o.schema = "test_migrate_" + std::to_string(::getpid());
    o.pool_size = 2;
    std::vector<std::unique_ptr<st::postgres_storage>> opened(4);
    std::vector<std::error_code> errors(4);
    std::vector<std::thread> starters;
    for (int i = 0; i < 4; ++i)
        starters.emplace_back([&, i] { opened[i] = std::make_unique<st::postgres_storage>(o, errors[i]); });
    for (auto& t : starters) t.join();
    for (auto& e : errors) CHECK_FALSE(e);

    std::error_code ec;
    must(*opened[0], servers);
    opened[0]->create("servers", "a", {{"owner", "u1"}, {"name", "n"}, {"url", "https://a"}}, ec);
    REQUIRE_FALSE(ec);
    opened.clear();

    st::postgres_storage again(o);
    must(again, servers);
    CHECK(again.read("servers", "a", ec)->data["url"] == "https://a");
    again.create("servers", "b", {{"owner", "u1"}, {"name", "n"}, {"url", "https://b"}}, ec);
    CHECK(ec == errc::unique_violation);

    PGconn* raw = PQconnectdb(o.conninfo.c_str());
    REQUIRE(PQstatus(raw) == CONNECTION_OK);
    std::string q = "SELECT count(*) FROM " + o.schema + ".polymcp_migrations";
    PGresult* r = PQexec(raw, q.c_str());
    REQUIRE(PQresultStatus(r) == PGRES_TUPLES_OK);
    CHECK(std::string(PQgetvalue(r, 0, 0)) == std::to_string(1));  // one migration, applied once
    PQclear(r);
    PQfinish(raw);

    // Keys must be UTF-8 text in PostgreSQL; values are bytes.
    again.set("bad\xff", "v", 0ms, ec);
    CHECK(ec == errc::invalid_argument);
    again.set("good", "\xff\x00\x01", 0ms, ec);
    CHECK_FALSE(ec);
    again.drop_schema(ec);
    CHECK_FALSE(ec);
}

TEST_CASE("Redis and PostgreSQL storages report a server that is not there as unavailable, within the connect timeout",
          "[storage][redis][postgres]") {
    // A loopback port nobody listens on.
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    auto port = ntohs(a.sin_port);

    std::error_code ec;
    auto t0 = std::chrono::steady_clock::now();
    st::redis_options ro;
    ro.port = port;
    ro.connect_timeout = 300ms;
    st::redis_storage r(ro, ec);
    CHECK(ec == errc::unavailable);
    CHECK_FALSE(r.get("k", ec));
    CHECK(ec == errc::unavailable);  // at once: backing off
    asio::io_context io;
    std::error_code async_ec;
    r.async_ping(asio::bind_executor(io, [&](std::error_code e) { async_ec = e; }));
    io.run();
    CHECK(async_ec == errc::unavailable);

    st::postgres_options po;
    po.conninfo = "host=127.0.0.1 port=" + std::to_string(port) + " user=polymcp dbname=postgres";
    po.connect_timeout = 300ms;
    st::postgres_storage p(po, ec);
    CHECK(ec == errc::unavailable);
    CHECK_THROWS_AS(st::postgres_storage(po), std::system_error);
    po.schema = "Robert'); DROP TABLE students;--";
    st::postgres_storage bad(po, ec);
    CHECK(ec == errc::invalid_argument);
    CHECK(std::chrono::steady_clock::now() - t0 < 3s);
}

TEST_CASE("Redis storage keeps a session at polymcp:{tenant}:{user}:session:{sid}:... and clears it with SCAN",
          "[storage][redis]") {
    auto o = test_redis_options();  // the default prefixes, "polymcp:" and "polymcp#"
    st::redis_storage s(o);
    std::error_code ec;
    std::string tenant = "tenant-" + std::to_string(::getpid());
    auto prefix = st::session_prefix(tenant, "alice", "s1");
    s.set(prefix + "status", "CONNECTED", 60s, ec);
    CHECK(s.set_add(prefix + "servers", "mcp_1", ec));
    s.set(st::session_prefix(tenant, "bob", "s1") + "status", "CONNECTED", 60s, ec);
    REQUIRE_FALSE(ec);

    redisContext* raw = redisConnect(o.host.c_str(), o.port);
    REQUIRE(raw->err == 0);
    auto exists = [&](const std::string& k) {
        auto* r = static_cast<redisReply*>(redisCommand(raw, "EXISTS %b", k.data(), k.size()));
        long long n = r->integer;
        freeReplyObject(r);
        return n;
    };
    auto pttl = [&](const std::string& k) {
        auto* r = static_cast<redisReply*>(redisCommand(raw, "PTTL %b", k.data(), k.size()));
        long long n = r->integer;
        freeReplyObject(r);
        return n;
    };
    CHECK(exists("polymcp:" + tenant + ":alice:session:s1:status") == 1);
    CHECK(exists("polymcp:" + tenant + ":alice:session:s1:servers") == 1);
    CHECK(pttl("polymcp:" + tenant + ":alice:session:s1:status") > 50000);

    CHECK(s.erase_prefix(prefix, ec) == 2);
    CHECK(exists("polymcp:" + tenant + ":alice:session:s1:status") == 0);
    CHECK(exists("polymcp:" + tenant + ":bob:session:s1:status") == 1);
    CHECK(s.erase_prefix(tenant + ":", ec) == 1);
    redisFree(raw);

    // Glob characters in a prefix are literal.
    s.set(tenant + ":a*b", "v", 60s, ec);
    s.set(tenant + ":aXb", "v", 60s, ec);
    CHECK(s.scan(tenant + ":a*", "", 100, ec).keys == std::vector<std::string>{tenant + ":a*b"});
    CHECK(s.erase_prefix(tenant + ":", ec) == 2);
    s.scan("x", "not-a-cursor", 10, ec);
    CHECK(ec == errc::invalid_argument);
}

TEST_CASE("PostgreSQL storage reports a lock held elsewhere as a timeout, within command_timeout",
          "[storage][postgres]") {
    st::postgres_options o;
    o.conninfo = env_or("POLYMCP_TEST_POSTGRES", "host=127.0.0.1 port=54329 user=polymcp dbname=postgres");
    o.schema = "test_lock_" + std::to_string(::getpid());
    o.pool_size = 1;
    o.command_timeout = 300ms;
    o.operation_timeout = 2s;
    st::postgres_storage s(o);
    std::error_code ec;
    s.set("held", "v1", 0ms, ec);
    REQUIRE_FALSE(ec);

    // Another client holds the row's lock in an open transaction.
    PGconn* other = PQconnectdb(o.conninfo.c_str());
    REQUIRE(PQstatus(other) == CONNECTION_OK);
    std::string lock = "BEGIN; SELECT * FROM " + o.schema + ".kv WHERE key = 'held' FOR UPDATE;";
    PQclear(PQexec(other, lock.c_str()));

    auto t0 = std::chrono::steady_clock::now();
    s.set("held", "v2", 0ms, ec);
    auto took = std::chrono::steady_clock::now() - t0;
    CHECK(ec == errc::timeout);
    CHECK(took < 1500ms);
    CHECK(s.get("held", ec) == std::optional<std::string>("v1"));  // readers are not blocked

    asio::io_context io;
    std::error_code async_ec;
    s.async_set("held", "v3", 0ms, asio::bind_executor(io, [&](std::error_code e) { async_ec = e; }));
    io.run();
    CHECK(async_ec == errc::timeout);

    PQclear(PQexec(other, "ROLLBACK"));
    PQfinish(other);
    s.set("held", "v4", 0ms, ec);
    CHECK_FALSE(ec);
    CHECK(s.get("held", ec) == std::optional<std::string>("v4"));
    s.drop_schema(ec);
}
