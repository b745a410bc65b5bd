// Fresh, empty storage backends for tests, one per test case: memory,
// SQLite (a temporary file), Redis and PostgreSQL (the real servers that
// scripts/test.sh starts on loopback, scripts/services.sh, named in
// POLYMCP_TEST_REDIS and POLYMCP_TEST_POSTGRES; each backend gets key
// prefixes or a schema of its own, deleted with it), and Redis + PostgreSQL
// as one split storage.
#pragma once

#include <polymcp/storage/memory.hpp>
#include <polymcp/storage/postgres.hpp>
#include <polymcp/storage/redis.hpp>
#include <polymcp/storage/split.hpp>
#include <polymcp/storage/sqlite.hpp>

#include <hiredis/hiredis.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include <unistd.h>

namespace polymcp::test {

namespace st = polymcp::storage;

// Makes a fresh, empty backend of type S for one test case; what a shared
// server holds for it is deleted with it.
template <class S>
struct backend;

template <class S>
using backend_ptr = std::unique_ptr<S, std::function<void(S*)>>;

template <>
struct backend<st::memory_storage> {
    backend_ptr<st::memory_storage> make() {
        return {new st::memory_storage(), [](st::memory_storage* p) { delete p; }};
    }
};

inline std::string env_or(const char* name, const char* fallback) {
    const char* v = std::getenv(name);
    return v != nullptr && *v != '\0' ? v : fallback;
}

// The test Redis server (scripts/services.sh), as redis_options.
inline st::redis_options test_redis_options() {
    std::string where = env_or("POLYMCP_TEST_REDIS", "127.0.0.1:6390");
    st::redis_options o;
    o.host = where.substr(0, where.rfind(':'));
    o.port = static_cast<std::uint16_t>(std::stoi(where.substr(where.rfind(':') + 1)));
    return o;
}

// Deletes every key starting with `prefix` on the test Redis server.
inline void redis_delete_prefix(const st::redis_options& o, const std::string& prefix) {
    redisContext* c = redisConnect(o.host.c_str(), o.port);
    if (c == nullptr || c->err != 0) {
        if (c != nullptr) redisFree(c);
        return;
    }
    std::string cursor = "0";
    do {
        auto* r = static_cast<redisReply*>(redisCommand(c, "SCAN %s MATCH %s* COUNT 1000", cursor.c_str(), prefix.c_str()));
        if (r == nullptr) break;
        cursor = r->element[0]->str;
        for (std::size_t i = 0; i < r->element[1]->elements; ++i)
            freeReplyObject(redisCommand(c, "UNLINK %b", r->element[1]->element[i]->str, r->element[1]->element[i]->len));
        freeReplyObject(r);
    } while (cursor != "0");
    redisFree(c);
}

template <>
struct backend<st::redis_storage> {
    backend_ptr<st::redis_storage> make() {
        static std::atomic<int> n{0};
        auto o = test_redis_options();
        std::string id = std::to_string(::getpid()) + "-" + std::to_string(n++);
        o.key_prefix = "polymcp-test:" + id + ":";
        o.record_prefix = "polymcp-test#" + id + "#";
        std::error_code ec;
        auto* s = new st::redis_storage(o, ec);
        INFO("Redis at " << o.host << ":" << o.port << " (start it with scripts/services.sh)");
        REQUIRE_FALSE(ec);
        options = o;
        return {s, [o](st::redis_storage* p) {
                    delete p;
                    redis_delete_prefix(o, o.key_prefix);
                    redis_delete_prefix(o, o.record_prefix);
                }};
    }
    // Another storage object on the data of the last make(), as another
    // process of the same deployment would open it.
    backend_ptr<st::redis_storage> peer() {
        return {new st::redis_storage(options), [](st::redis_storage* p) { delete p; }};
    }
    st::redis_options options;
};

inline std::string temp_path(const std::string& stem) {
    static std::atomic<int> n{0};
    auto dir = std::filesystem::temp_directory_path() / ("polymcp_storage_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    return (dir / (stem + std::to_string(n++) + ".db")).string();
}

template <>
struct backend<st::postgres_storage> {
    // A schema of its own per instance, dropped with it.
    backend_ptr<st::postgres_storage> make() {
        static std::atomic<int> n{0};
        st::postgres_options o;
        o.conninfo = env_or("POLYMCP_TEST_POSTGRES", "host=127.0.0.1 port=54329 user=polymcp dbname=postgres");
        o.schema = "test_" + std::to_string(::getpid()) + "_" + std::to_string(n++);
        std::error_code ec;
        auto* s = new st::postgres_storage(o, ec);
        INFO("PostgreSQL at " << o.conninfo << " (start it with scripts/services.sh)");
        REQUIRE_FALSE(ec);
        options = o;
        return {s, [](st::postgres_storage* p) {
                    std::error_code e;
                    p->drop_schema(e);
                    delete p;
                }};
    }
    // Another storage object on the schema of the last make().
    backend_ptr<st::postgres_storage> peer() {
        return {new st::postgres_storage(options), [](st::postgres_storage* p) { delete p; }};
    }
    st::postgres_options options;
};

template <>
struct backend<st::sqlite_storage> {
    backend_ptr<st::sqlite_storage> make() {
        st::sqlite_options o;
        o.path = temp_path("suite");
        return {new st::sqlite_storage(o), [](st::sqlite_storage* p) { delete p; }};
    }
};

// Scaling out: sessions in Redis, records in PostgreSQL, as one storage.
using redis_postgres = st::split_storage<st::redis_storage, st::postgres_storage>;
template <>
struct backend<redis_postgres> {
    backend_ptr<redis_postgres> make() { return join(redis.make(), postgres.make()); }
    // Another split storage on the data of the last make().
    backend_ptr<redis_postgres> peer() { return join(redis.peer(), postgres.peer()); }

    static backend_ptr<redis_postgres> join(backend_ptr<st::redis_storage> e, backend_ptr<st::postgres_storage> d) {
        auto* s = new redis_postgres(*e, *d);
        return {s, [e = std::shared_ptr<st::redis_storage>(std::move(e)),
                    d = std::shared_ptr<st::postgres_storage>(std::move(d))](redis_postgres* p) mutable {
                    delete p;
                    e.reset();
                    d.reset();
                }};
    }
    backend<st::redis_storage> redis;
    backend<st::postgres_storage> postgres;
};


}  // namespace polymcp::test
