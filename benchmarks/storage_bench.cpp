// Operations per second of each storage backend through the public *Storage*
// API: get, set, set_if_absent (ephemeral state) and record create, read
// (durable records), from T threads at once, each operation waiting for its
// answer (no pipelining). Run by benchmarks/run_storage_benchmark.sh, which
// starts Redis and PostgreSQL and prints redis-benchmark's figures beside.
//
//   storage_bench [--ops N] [--threads T] [--redis HOST:PORT] [--postgres CONNINFO]
//                 [--sqlite-dir DIR] [--only memory,sqlite,redis,postgres]

#include <polymcp/storage/memory.hpp>
#include <polymcp/storage/postgres.hpp>
#include <polymcp/storage/redis.hpp>
#include <polymcp/storage/sqlite.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

namespace st = polymcp::storage;
using namespace std::chrono_literals;

namespace {

struct config {
    int ops = 20000;
    int threads = 1;
    std::string redis = "127.0.0.1:6390";
    std::string postgres = "host=127.0.0.1 port=54329 user=polymcp dbname=postgres";
    std::string sqlite_dir = std::filesystem::temp_directory_path().string();
    std::string only = "memory,sqlite,redis,postgres";
};

// Runs body(thread, i) for i in [0, ops) split over the threads; ops/s.
// Counts failures, which make the figure meaningless: reported.
double measure(const config& cfg, const std::function<bool(int, int)>& body, int& failures) {
    std::atomic<int> failed{0};
    std::vector<std::thread> pool;
    auto start = std::chrono::steady_clock::now();
    int per = cfg.ops / cfg.threads;
    for (int t = 0; t < cfg.threads; ++t)
        pool.emplace_back([&, t] {
            for (int i = 0; i < per; ++i)
                if (!body(t, t * per + i)) ++failed;
        });
    for (auto& th : pool) th.join();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    failures += failed;
    return per * cfg.threads / secs;
}

template <class S>
void run(const char* name, S& s, const config& cfg) {
    int failures = 0;
    std::error_code ec;
    s.define({"bench", {{"name", {"name"}}}}, ec);
    if (ec) {
        std::fprintf(stderr, "%s: define failed: %s\n", name, ec.message().c_str());
        return;
    }
    const std::string value(64, 'v');  // a session-sized value
    auto key = [](int i) { return st::make_key({"t1", "u" + std::to_string(i % 100), "session", std::to_string(i)}); };
    double set = measure(cfg, [&](int, int i) {
        std::error_code e;
        s.set(key(i), value, 3600s, e);
        return !e;
    }, failures);
    double get = measure(cfg, [&](int, int i) {
        std::error_code e;
        auto v = s.get(key(i), e);
        return !e && v.has_value();
    }, failures);
    double nx = measure(cfg, [&](int, int i) {
        std::error_code e;
        s.set_if_absent("lock:" + std::to_string(i), "owner", 60s, e);
        return !e;
    }, failures);
    int record_ops = std::max(cfg.ops / 4, cfg.threads);
    config rc = cfg;
    rc.ops = record_ops;
    double create = measure(rc, [&](int, int i) {
        std::error_code e;
        s.create("bench", "mcp_" + std::to_string(i),
                 {{"name", "server " + std::to_string(i)}, {"url", "https://example.com/mcp"}, {"owner", "u1"}}, e);
        return !e;
    }, failures);
    double read = measure(rc, [&](int, int i) {
        std::error_code e;
        auto r = s.read("bench", "mcp_" + std::to_string(i), e);
        return !e && r.has_value();
    }, failures);
    std::printf("%-10s %8d %12.0f %12.0f %14.0f %14.0f %12.0f%s\n", name, cfg.threads, get, set, nx, create, read,
                failures ? "  (failures!)" : "");
    std::fflush(stdout);
}

bool wanted(const config& cfg, const char* name) { return cfg.only.find(name) != std::string::npos; }

}  // namespace

int main(int argc, char** argv) {
    config cfg;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string a = argv[i], v = argv[i + 1];
        if (a == "--ops") cfg.ops = std::stoi(v);
        else if (a == "--threads") cfg.threads = std::max(1, std::stoi(v));
        else if (a == "--redis") cfg.redis = v;
        else if (a == "--postgres") cfg.postgres = v;
        else if (a == "--sqlite-dir") cfg.sqlite_dir = v;
        else if (a == "--only") cfg.only = v;
        else {
            std::fprintf(stderr, "unknown option %s\n", a.c_str());
            return 2;
        }
    }
    std::string tag = std::to_string(::getpid());
    if (wanted(cfg, "memory")) {
        st::memory_storage s;
        run("memory", s, cfg);
    }
    if (wanted(cfg, "sqlite")) {
        st::sqlite_options o;
        o.path = cfg.sqlite_dir + "/polymcp_bench_" + tag + ".db";
        o.pool_size = static_cast<std::size_t>(std::max(cfg.threads, 1));
        {
            st::sqlite_storage s(o);
            run("sqlite", s, cfg);
        }
        for (const char* suffix : {"", "-wal", "-shm", "-ephemeral", "-ephemeral-wal", "-ephemeral-shm"})
            std::filesystem::remove(o.path + suffix);
    }
    if (wanted(cfg, "redis")) {
        st::redis_options o;
        o.host = cfg.redis.substr(0, cfg.redis.rfind(':'));
        o.port = static_cast<std::uint16_t>(std::stoi(cfg.redis.substr(cfg.redis.rfind(':') + 1)));
        o.key_prefix = "polymcp-bench:" + tag + ":";
        o.record_prefix = "polymcp-bench#" + tag + "#";
        o.pool_size = static_cast<std::size_t>(std::max(cfg.threads, 1));
        std::error_code ec;
        st::redis_storage s(o, ec);
        if (ec) std::fprintf(stderr, "redis: %s\n", ec.message().c_str());
        else run("redis", s, cfg);
        s.erase_prefix("", ec);
    }
    if (wanted(cfg, "postgres")) {
        st::postgres_options o;
        o.conninfo = cfg.postgres;
        o.schema = "bench_" + tag;
        o.pool_size = static_cast<std::size_t>(std::max(cfg.threads, 1));
        std::error_code ec;
        st::postgres_storage s(o, ec);
        if (ec) std::fprintf(stderr, "postgres: %s\n", ec.message().c_str());
        else run("postgres", s, cfg);
        s.drop_schema(ec);
    }
    return 0;
}
