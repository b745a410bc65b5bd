// A tour of the storage policy (docs/storage.md) — ephemeral state, records,
// channels — written once for any model of *PublishSubscribe* and run on the
// one named on the command line:
//   storage_tour memory
//   storage_tour sqlite /var/lib/polymcp/state.db
//   storage_tour redis-postgres 127.0.0.1:6379 "host=127.0.0.1 dbname=polymcp user=polymcp"
// (the last one: sessions in Redis, records in PostgreSQL, in a key prefix and
// a schema of its own that it deletes when done)

#include <polymcp/storage/memory.hpp>
#include <polymcp/storage/postgres.hpp>
#include <polymcp/storage/redis.hpp>
#include <polymcp/storage/split.hpp>
#include <polymcp/storage/sqlite.hpp>

#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <iostream>
#include <string>

namespace st = polymcp::storage;
using namespace std::chrono_literals;

// From an I/O thread, storage is used through its asynchronous forms: they
// never block the thread, and a backend that does not answer completes them
// with st::errc::timeout.
// (Arguments are named locals: docs/portability.md.)
template <st::publish_subscribe S>
asio::awaitable<void> tour(S& store) {
    auto use = asio::use_awaitable;
    // Ephemeral state: one user's session, with a TTL refreshed on use.
    const std::string session = st::session_prefix("acme", "alice", "s-42");
    const std::string status_key = session + "status", servers_key = session + "servers";
    const std::string connected = "CONNECTED", files = "mcp_files";
    const st::ttl day = 24h, half_minute = 30s;
    co_await store.async_set(status_key, connected, day, use);
    co_await store.async_set_add(servers_key, files, use);
    auto status = co_await store.async_get(status_key, use);
    std::cout << "session status: " << status.value_or("(none)") << "\n";

    // A lock: of all instances racing for it, one wins.
    const std::string lock = "lock:refresh:mcp_files", me = "instance-1";
    bool won = co_await store.async_set_if_absent(lock, me, half_minute, use);
    std::cout << "refresh lock won: " << std::boolalpha << won << "\n";

    // Durable records with a unique constraint, written in one transaction.
    const st::collection_schema servers{"servers", {{"name", {"owner", "name"}}}};
    co_await store.async_define(servers, use);
    auto batch = st::write_batch()
                     .create("servers", "mcp_files", {{"owner", "alice"}, {"name", "files"}})
                     .create("servers", "mcp_wiki", {{"owner", "alice"}, {"name", "wiki"}});
    co_await store.async_commit(batch, use);
    const std::string collection = "servers", dup_id = "mcp_dup";
    const nlohmann::json dup = {{"owner", "alice"}, {"name", "files"}};
    try {
        co_await store.async_create(collection, dup_id, dup, use);
    } catch (const std::system_error& e) {
        std::cout << "duplicate name: " << e.code().message() << "\n";
    }
    auto mine = st::filter().where("owner", "alice");
    const st::page_request first_page;
    auto page = co_await store.async_list(collection, mine, first_page, use);
    for (const auto& r : page.records) std::cout << "server " << r.id << " v" << r.version << "\n";

    // Logout: everything of the session goes.
    auto cleared = co_await store.async_erase_prefix(session, use);
    std::cout << "cleared " << cleared << " session keys\n";

    // Channels: tell every process sharing the storage that something
    // changed. The handler runs on a storage thread (or the publisher's):
    // it only posts the work to this coroutine's executor.
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer heard(ex, std::chrono::steady_clock::time_point::max());
    std::string message;
    std::error_code ec;
    auto subscription = store.subscribe("servers.changed", [&](std::error_code lost, std::string_view m) {
        asio::post(ex, [&, lost, m = std::string(m)] {
            message = lost ? "(some were lost: reread)" : m;
            heard.cancel();
        });
    }, ec);
    const std::string channel = "servers.changed", changed = R"({"id":"mcp_files"})";
    const st::ttl wait = 5s;
    heard.expires_after(wait);
    co_await store.async_publish(channel, changed, use);
    if (message.empty()) co_await heard.async_wait(asio::redirect_error(use, ec));  // cancelled when it arrives
    std::cout << "heard on servers.changed: " << message << "\n";
}

template <st::publish_subscribe S>
int run(S& store) {
    asio::io_context io;
    int rc = 0;
    asio::co_spawn(io, tour(store), [&](std::exception_ptr e) {
        if (!e) return;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            std::cerr << "storage_tour: " << ex.what() << "\n";
            rc = 1;
        }
    });
    io.run();
    return rc;
}

int main(int argc, char** argv) {
    std::string kind = argc > 1 ? argv[1] : "memory";
    if (kind == "sqlite" && argc > 2) {
        st::sqlite_options o;
        o.path = argv[2];
        st::sqlite_storage store(o);
        return run(store);
    }
    if (kind == "redis-postgres" && argc > 3) {
        std::string where = argv[2], tag = std::to_string(::getpid());
        st::redis_options ro;
        ro.host = where.substr(0, where.rfind(':'));
        ro.port = static_cast<std::uint16_t>(std::stoi(where.substr(where.rfind(':') + 1)));
        ro.key_prefix = "polymcp-tour:" + tag + ":";
        ro.record_prefix = "polymcp-tour#" + tag + "#";
        st::postgres_options po;
        po.conninfo = argv[3];
        po.schema = "storage_tour_" + tag;
        try {
            st::redis_storage sessions(ro);
            st::postgres_storage records(po);
            st::split_storage store(sessions, records);
            int rc = run(store);
            std::error_code ec;
            sessions.erase_prefix("", ec);
            records.drop_schema(ec);
            return rc;
        } catch (const std::system_error& e) {  // e.g. PostgreSQL not reachable
            std::cerr << "storage_tour: " << e.what() << "\n";
            return 1;
        }
    }
    st::memory_storage store;
    return run(store);
}
