// The connector manager's records, on every storage model a gateway runs
// on (memory, SQLite, and Redis + PostgreSQL as one split storage — the
// real servers scripts/test.sh starts): the catalog's ownership rules,
// categories, users' connectors with their sealed credentials and limit,
// and session-isolated connection state with its TTL.

#include <polymcp/connectors/catalog.hpp>
#include <polymcp/connectors/connector_store.hpp>
#include <polymcp/connectors/session_state.hpp>
#include <polymcp/crypto/aes_gcm.hpp>
#include <polymcp/crypto/fernet.hpp>

#include "support/expect_connector_error.hpp"
#include "support/run_coro.hpp"
#include "support/storage_backends.hpp"

#include <catch2/catch.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <functional>

namespace pc = polymcp::connectors;
namespace st = polymcp::storage;
using nlohmann::json;
using namespace std::chrono_literals;
using polymcp::test::backend;
using polymcp::test::redis_postgres;

namespace {

const pc::caller alice{"t1", "alice"};
const pc::caller bob{"t1", "bob"};
const pc::caller admin{"t1", "root", true};
const pc::caller carol{"t2", "carol"};

template <class S>
std::shared_ptr<S> fresh() {
    return std::shared_ptr<S>(backend<S>().make());  // keeps the backend's deleter
}


json http_server(const std::string& name, json extra = json::object()) {
    json j = {{"name", name}, {"transport", "streamable_http"}, {"url", "https://mcp.example.com/" + name}};
    j.update(extra);
    return j;
}

}  // namespace

using record_backends = std::tuple<st::memory_storage, st::sqlite_storage, redis_postgres>;

TEMPLATE_LIST_TEST_CASE("catalog: users see public servers and their own", "[connectors][catalog]", record_backends) {
    auto storage = fresh<TestType>();
    pc::catalog<TestType> cat(storage);
    asio::io_context io;
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        co_await cat.define();
        auto arg1 = http_server("notes", {{"query", {{"v", "2"}}}});
        auto mine = co_await cat.create_server(alice, arg1);
        CHECK(mine.id.rfind("mcp_", 0) == 0);
        CHECK(mine.id.size() == 20);
        CHECK(mine.owner == "alice");
        CHECK_FALSE(mine.is_public);
        auto arg2 = http_server("wiki", {{"public", true}});
        auto shared = co_await cat.create_server(admin, arg2);
        pc::server_record global;
        global.name = "everything";
        global.server.transport = pc::transport_kind::stdio;
        global.server.command = "everything_server";
        global = co_await cat.put_global_server(global);

        auto seen = [&](const pc::caller& who) -> asio::awaitable<std::vector<std::string>> {
            std::vector<std::string> names;
            auto list = co_await cat.list_servers(who);
            for (const auto& s : list) names.push_back(s.name);
            co_return names;
        };
        {
            auto v1_ = co_await seen(alice);
            CHECK(v1_ == std::vector<std::string>{"everything", "notes", "wiki"});
        }
        {
            auto v2_ = co_await seen(bob);
            CHECK(v2_ == std::vector<std::string>{"everything", "wiki"});
        }
        {
            auto v3_ = co_await seen(carol);
            CHECK(v3_ == std::vector<std::string>{"everything"});  // another tenant: only the global one
        }

        auto got = co_await cat.get_server(alice, mine.id);
        CHECK(got.server.query == std::vector<std::pair<std::string, std::string>>{{"v", "2"}});
        CHECK(got.to_json()["query"] == json::array({json::array({"v", "2"})}));

        // Putting a global server again replaces it, same id.
        global.description = "the reference server";
        auto again = co_await cat.put_global_server(global);
        CHECK(again.id == global.id);
        {
            auto v4_ = co_await cat.get_server(carol, global.id);
            CHECK(v4_.description == "the reference server");
        }
        {
            auto v5_ = co_await cat.list_servers(carol);
            CHECK(v5_.size() == 1);
        }
    });

    // Another user's server is not found, exactly like a missing one.
    std::string alices;
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        auto list = co_await cat.list_servers(alice);
        for (const auto& s : list)
            if (s.name == "notes") alices = s.id;
    });
    auto e = polymcp::test::expect_connector_error(io, [&]() -> asio::awaitable<void> { co_await cat.get_server(bob, alices); });
    CHECK(e.value() == pc::errc::not_found);
    auto e2 = polymcp::test::expect_connector_error(io, [&]() -> asio::awaitable<void> {
        std::string missing = "mcp_0000000000000000";
        co_await cat.get_server(bob, missing);
    });
    CHECK(e2.value() == pc::errc::not_found);
    CHECK(std::string(e.what()).find("no server with the id") != std::string::npos);
    CHECK(polymcp::test::expect_connector_error(io, [&]() -> asio::awaitable<void> {
              auto arg4 = json{{"name", "mine now"}};
              co_await cat.update_server(bob, alices, arg4);
          }).value() == pc::errc::not_found);
    CHECK(polymcp::test::expect_connector_error(io, [&]() -> asio::awaitable<void> { co_await cat.delete_server(carol, alices); }).value() ==
          pc::errc::not_found);
}

TEMPLATE_LIST_TEST_CASE("catalog: who may publish, run commands, change and delete", "[connectors][catalog]",
                        record_backends) {
    auto storage = fresh<TestType>();
    pc::catalog<TestType> cat(storage);
    asio::io_context io;
    pc::server_record wiki, notes;
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        co_await cat.define();
        auto arg5 = http_server("wiki", {{"public", true}});
        wiki = co_await cat.create_server(admin, arg5);
        auto arg6 = http_server("notes");
        notes = co_await cat.create_server(alice, arg6);
    });
    CHECK(polymcp::test::expect_connector_error(io, [&]() -> asio::awaitable<void> {
              auto arg7 = http_server("mine", {{"public", true}});
              co_await cat.create_server(alice, arg7);
          }).value() == pc::errc::forbidden);
    auto stdio = json{{"name", "local"}, {"transport", "stdio"}, {"command", "rm"}, {"args", {"-rf", "/"}}};
    auto e = polymcp::test::expect_connector_error(io, [&]() -> asio::awaitable<void> { co_await cat.create_server(alice, stdio); });
    CHECK(e.value() == pc::errc::transport_not_allowed);
    CHECK(pc::response_status(e.value()) == 403);
    CHECK(polymcp::test::expect_connector_error(io, [&]() -> asio::awaitable<void> {
              auto arg8 = json{{"description", "defaced"}};
              co_await cat.update_server(bob, wiki.id, arg8);
          }).value() == pc::errc::forbidden);  // visible, but not bob's
    CHECK(polymcp::test::expect_connector_error(io, [&]() -> asio::awaitable<void> {
              auto arg9 = http_server("notes");
              co_await cat.create_server(alice, arg9);
          }).value() == pc::errc::already_exists);

    test::run_coro(io, [&]() -> asio::awaitable<void> {
        auto arg10 = http_server("notes");
        auto other = co_await cat.create_server(bob, arg10);  // the same name, another owner
        CHECK(other.id != notes.id);
        auto arg11 = json{{"url", "https://notes.example.com/mcp"}, {"enabled", false}};
        auto changed = co_await cat.update_server(alice, notes.id, arg11);
        CHECK(changed.server.url == "https://notes.example.com/mcp");
        CHECK_FALSE(changed.enabled);
        CHECK(changed.version == notes.version + 1);
        auto arg12 = json{{"description", "team wiki"}};
        auto by_admin = co_await cat.update_server(admin, wiki.id, arg12);
        CHECK(by_admin.description == "team wiki");
        co_await cat.create_server(admin, stdio);  // administrators may
        co_await cat.delete_server(alice, notes.id);
        auto left = co_await cat.list_servers(alice);
        REQUIRE(left.size() == 1);  // the public wiki; the administrator's stdio server is theirs alone
        CHECK(left[0].name == "wiki");
    });
}

TEMPLATE_LIST_TEST_CASE("catalog: bad bodies are refused and store nothing", "[connectors][catalog]", record_backends) {
    auto storage = fresh<TestType>();
    pc::catalog<TestType> cat(storage);
    asio::io_context io;
    test::run_coro(io, [&]() -> asio::awaitable<void> { co_await cat.define(); });
    struct bad {
        json body;
        const char* says;
    };
    std::vector<bad> cases = {
        {json::array(), "JSON object"},
        {json{{"transport", "streamable_http"}, {"url", "https://x"}}, "/name: required property \"name\" is missing"},
        {json{{"name", ""}, {"url", "https://x"}}, "/name: expected a string of at least 1 characters, got 0"},
        {json{{"name", std::string(65, 'n')}, {"url", "https://x"}}, "/name: expected a string of at most 64 characters"},
        {json{{"name", "line\nbreak"}, {"url", "https://x"}}, "/name: expected a name without control characters"},
        {json{{"name", "   "}, {"url", "https://x"}}, "/name: expected a name with a visible character"},
        {json{{"name", "x"}}, "/url: expected the server's URL"},
        {json{{"name", "x"}, {"url", 42}}, "/url: expected string, got integer 42"},
        {json{{"name", "x"}, {"url", "https://x"}, {"transport", "websocket"}}, "/transport: expected one of"},
        {json{{"name", "x"}, {"url", "https://x"}, {"headers", {{"X-A", 1}}}}, "/headers/X-A: expected string, got integer 1"},
        {json{{"name", "x"}, {"url", "https://x"}, {"headers", {{"X-A", "a\r\nInjected: 1"}}}}, "/headers: expected"},
        {json{{"name", "x"}, {"url", "https://x"}, {"query", "a=b"}}, "/query: expected"},
        {json{{"name", "x"}, {"url", "https://x"}, {"query", {{"a", 1}}}}, "/query/a: expected string, got integer 1"},
        {json{{"name", "x"}, {"url", "https://x"}, {"owner", "bob"}}, "/owner: unknown member; the members are name,"},
        {json{{"name", "x"}, {"url", "https://x"}, {"category_id", "ctg_missing"}}, "/category_id: names no category"},
        {json{{"name", "x"}, {"url", "https://x"}, {"public", "yes"}}, "/public: expected boolean, got string \"yes\""},
        {json{{"name", "x"}, {"url", "https://x"}, {"description", std::string("a\0b", 3)}}, "/description: expected text without NUL bytes"},
    };
    for (const auto& c : cases) {
        INFO(c.body.dump());
        auto e = polymcp::test::expect_connector_error(io, [&]() -> asio::awaitable<void> { co_await cat.create_server(alice, c.body); });
        CHECK(e.value() == pc::errc::invalid_request);
        CHECK(pc::response_status(e.value()) == 400);
        CHECK_THAT(e.what(), Catch::Contains(c.says));
    }
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        auto left = co_await cat.list_servers(alice);
        CHECK(left.empty());
    });
}

TEMPLATE_LIST_TEST_CASE("catalog: a stored record that does not decode names its member, never reads as defaults",
                        "[connectors][catalog]", record_backends) {
    auto storage = fresh<TestType>();
    pc::catalog<TestType> cat(storage);
    asio::io_context io;
    pc::server_record wiki;
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        co_await cat.define();
        auto body = json{{"name", "wiki"}, {"url", "https://wiki.example.com/mcp"}};
        wiki = co_await cat.create_server(alice, body);
    });
    // Altered outside polymcp: a name that is a number.
    std::error_code ec;
    auto rec = storage->read("polymcp_mcp_servers", wiki.id, ec);
    REQUIRE(rec);
    rec->data["name"] = 42;
    storage->update("polymcp_mcp_servers", wiki.id, rec->data, std::nullopt, ec);
    REQUIRE_FALSE(ec);
    auto back = storage->read("polymcp_mcp_servers", wiki.id, ec);
    INFO(back->data.dump());
    CHECK_THROWS(pc::server_record::from_record(*back));
    auto e = polymcp::test::expect_connector_error(io, [&]() -> asio::awaitable<void> {
        auto id = wiki.id;
        co_await cat.get_server(alice, id);
    });
    CHECK(e.value() == pc::errc::storage_unavailable);
    CHECK_THAT(e.what(), Catch::Contains("/name: expected string, got integer 42"));
    CHECK_THAT(e.what(), Catch::Contains(wiki.id));
}

TEMPLATE_LIST_TEST_CASE("catalog: categories", "[connectors][catalog]", record_backends) {
    auto storage = fresh<TestType>();
    pc::catalog<TestType> cat(storage);
    asio::io_context io;
    pc::category dev;
    pc::server_record gh;
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        co_await cat.define();
        auto arg13 = json{{"name", "Development"}, {"icon", "🛠"}, {"color", "#4CAF50"}};
        dev = co_await cat.create_category(admin, arg13);
        CHECK(dev.id.rfind("ctg_", 0) == 0);
        auto arg14 = json{{"name", "Communication"}};
        co_await cat.create_category(admin, arg14);
        auto all = co_await cat.list_categories();
        REQUIRE(all.size() == 2);
        CHECK(all[0].name == "Communication");
        CHECK(all[1].icon == "🛠");
        auto arg15 = http_server("github", {{"category_id", dev.id}});
        gh = co_await cat.create_server(alice, arg15);
        {
            auto v7_ = co_await cat.list_servers(alice, dev.id);
            CHECK(v7_.size() == 1);
        }
    });
    CHECK(polymcp::test::expect_connector_error(io, [&]() -> asio::awaitable<void> {
              auto arg16 = json{{"name", "Mine"}};
              co_await cat.create_category(alice, arg16);
          }).value() == pc::errc::forbidden);
    CHECK(polymcp::test::expect_connector_error(io, [&]() -> asio::awaitable<void> {
              auto arg17 = json{{"name", "Development"}};
              co_await cat.create_category(admin, arg17);
          }).value() == pc::errc::already_exists);
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        auto arg18 = json{{"color", "#FF5722"}};
        auto renamed = co_await cat.update_category(admin, dev.id, arg18);
        CHECK(renamed.color == "#FF5722");
        co_await cat.delete_category(admin, dev.id);
        {
            auto v8_ = co_await cat.list_categories();
            CHECK(v8_.size() == 1);
        }
        auto left = co_await cat.get_server(alice, gh.id);
        CHECK(left.category_id.empty());  // the server stays, without category
    });
    CHECK(polymcp::test::expect_connector_error(io, [&]() -> asio::awaitable<void> { co_await cat.get_category(dev.id); }).value() ==
          pc::errc::not_found);
}

namespace {
pc::connector draft(const std::string& name) {
    pc::connector c;
    c.name = name;
    c.server.url = "https://mcp.example.com/" + name;
    c.auth_type = "bearer";
    c.tools = json::array({{{"name", "search"}, {"inputSchema", {{"type", "object"}}}}});
    return c;
}
}  // namespace

TEMPLATE_LIST_TEST_CASE("connector store: own connectors only, sealed credentials, a limit per user",
                        "[connectors][store]", record_backends) {
    auto storage = fresh<TestType>();
    pc::connector_store_options o;
    o.max_per_user = 3;
    pc::connector_store<TestType, polymcp::crypto::fernet> store(storage, polymcp::crypto::fernet(polymcp::crypto::fernet::generate_key()), o);
    asio::io_context io;
    pc::connector gh;
    const json secret = {{"type", "bearer"}, {"token", "ghp_very-secret-token"}};
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        co_await store.define();
        auto arg19 = draft("github");
        gh = co_await store.insert(alice, arg19, secret);
        CHECK(gh.id.rfind("con_", 0) == 0);
        auto [config, version] = co_await store.auth_config(alice, gh.id);
        CHECK(config == secret);
        CHECK(version == gh.version);
        // Neither the API form nor the stored record shows the token.
        CHECK(gh.to_json().dump().find("ghp_") == std::string::npos);
        std::error_code ec;
        auto raw = storage->read(o.collection, gh.id, ec);
        REQUIRE(raw);
        CHECK(raw->data.dump().find("ghp_") == std::string::npos);
        CHECK(raw->data.dump().find("very-secret") == std::string::npos);
        {
            auto v10_ = co_await store.list(alice);
            CHECK(v10_.size() == 1);
        }
        {
            auto v11_ = co_await store.list(bob);
            CHECK(v11_.empty());
        }
    });
    CHECK(polymcp::test::expect_connector_error(io, [&]() -> asio::awaitable<void> { co_await store.get(bob, gh.id); }).value() ==
          pc::errc::not_found);
    CHECK(polymcp::test::expect_connector_error(io, [&]() -> asio::awaitable<void> { co_await store.auth_config(carol, gh.id); }).value() ==
          pc::errc::not_found);
    CHECK(polymcp::test::expect_connector_error(io, [&]() -> asio::awaitable<void> { co_await store.remove(bob, gh.id); }).value() ==
          pc::errc::not_found);
    CHECK(polymcp::test::expect_connector_error(io, [&]() -> asio::awaitable<void> {
              auto arg20 = draft("github");
              auto arg21 = json();
              co_await store.insert(alice, arg20, arg21);
          }).value() == pc::errc::already_exists);

    // Concurrent creations cannot pass the limit together.
    int made = 0, refused = 0;
    for (int i = 0; i < 5; ++i)
        asio::co_spawn(io, [&, i]() -> asio::awaitable<void> {
            try {
                auto c = draft("c" + std::to_string(i));
                json none;
                co_await store.insert(alice, c, none);
                ++made;
            } catch (const pc::connector_error& e) {
                if (e.value() == pc::errc::connector_limit_reached) ++refused;
            }
        }, asio::detached);
    io.restart();
    io.run();
    CHECK(made == 2);  // github + 2 = the limit of 3
    CHECK(refused == 3);
    auto limit = polymcp::test::expect_connector_error(io, [&]() -> asio::awaitable<void> { co_await store.check_limit(alice); });
    CHECK(limit.value() == pc::errc::connector_limit_reached);
    CHECK(pc::code_name(limit.value()) == "CONNECTOR_LIMIT_REACHED");
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        co_await store.check_limit(bob);  // bob has none
        co_await store.remove(alice, gh.id);
        co_await store.check_limit(alice);  // room again
    });
}

TEMPLATE_LIST_TEST_CASE("connector store: sealed credentials open only on their own record", "[connectors][store]",
                        record_backends) {
    auto storage = fresh<TestType>();
    pc::connector_store<TestType, polymcp::crypto::aes_256_gcm> store(
        storage, polymcp::crypto::aes_256_gcm(polymcp::crypto::aes_256_gcm::generate_key()));
    asio::io_context io;
    pc::connector a, b;
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        co_await store.define();
        auto arg22 = draft("a");
        auto arg23 = json{{"type", "bearer"}, {"token", "alice-token"}};
        a = co_await store.insert(alice, arg22, arg23);
        auto arg24 = draft("b");
        auto arg25 = json{{"type", "bearer"}, {"token", "bob-token"}};
        b = co_await store.insert(bob, arg24, arg25);
    });
    // Bob copies Alice's sealed credentials onto his own connector's record.
    std::error_code ec;
    auto ra = storage->read("polymcp_connectors", a.id, ec);
    auto rb = storage->read("polymcp_connectors", b.id, ec);
    REQUIRE((ra && rb));
    auto data = rb->data;
    data["auth_sealed"] = ra->data["auth_sealed"];
    storage->update("polymcp_connectors", b.id, data, std::nullopt, ec);
    REQUIRE_FALSE(ec);
    auto e = polymcp::test::expect_connector_error(io, [&]() -> asio::awaitable<void> { co_await store.auth_config(bob, b.id); });
    CHECK(e.value() == pc::errc::crypto_error);
    CHECK(std::string(e.what()).find("alice-token") == std::string::npos);

    // A refresh written against a stale version is refused.
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        auto [config, version] = co_await store.auth_config(alice, a.id);
        json fresh_token = {{"type", "bearer"}, {"token", "new"}};
        auto v2 = co_await store.replace_auth_config(alice, a.id, fresh_token, version);
        CHECK(v2 == version + 1);
        {
            auto v15_ = co_await store.auth_config(alice, a.id);
            CHECK(v15_.first["token"] == "new");
        }
    });
    CHECK(polymcp::test::expect_connector_error(io, [&]() -> asio::awaitable<void> {
              auto arg26 = json{{"type", "bearer"}, {"token", "late"}};
              co_await store.replace_auth_config(alice, a.id, arg26, a.version);
          }).value() == pc::errc::conflict);
}

TEMPLATE_LIST_TEST_CASE("session state: isolated per tenant, user and session, with a TTL", "[connectors][sessions]",
                        record_backends) {
    auto storage = fresh<TestType>();
    pc::session_state_options o;
    o.ttl = 1500ms;
    pc::session_state<TestType> sessions(storage, o);
    asio::io_context io;
    const pc::session_key chat1{"t1", "alice", "chat-1"};
    const pc::session_key chat2{"t1", "alice", "chat-2"};
    const pc::session_key bobs{"t1", "bob", "chat-1"};
    const pc::session_key other_tenant{"t2", "alice", "chat-1"};
    const pc::session_key tricky{"t1", "alice:chat-1", ""};  // must not reach chat1's keys
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        pc::connection_state gh;
        gh.connector_id = "con_1";
        gh.name = "github";
        gh.status = pc::connection_status::connected;
        gh.tools = json::array({{{"name", "search"}}});
        co_await sessions.put(chat1, gh);
        pc::connection_state slack = gh;
        slack.connector_id = "con_2";
        slack.name = "slack";
        co_await sessions.put(chat1, slack);

        auto now = co_await sessions.connected(chat1);
        REQUIRE(now.size() == 2);
        CHECK(now[0].name == "github");
        CHECK(now[0].tools.size() == 1);
        const std::vector<pc::session_key> others = {chat2, bobs, other_tenant, tricky};
        for (const auto& k : others) {
            {
                auto v16_ = co_await sessions.connected(k);
                CHECK(v16_.empty());
            }
            {
                std::string arg27 = "con_1";
                auto v17_ = co_await sessions.get(k, arg27);
                CHECK_FALSE(v17_);
            }
        }

        slack.status = pc::connection_status::disconnected;
        co_await sessions.put(chat1, slack);
        now = co_await sessions.connected(chat1);
        REQUIRE(now.size() == 1);
        std::string arg28 = "con_2";
        auto s = co_await sessions.get(chat1, arg28);
        REQUIRE(s);
        CHECK(s->status == pc::connection_status::disconnected);
        CHECK(s->tools.empty());
        CHECK(s->to_json()["status"] == "DISCONNECTED");

        // Use refreshes the TTL; without use the state expires.
        asio::steady_timer t(io);
        for (int i = 0; i < 3; ++i) {
            t.expires_after(700ms);
            co_await t.async_wait(asio::use_awaitable);
            {
                auto v18_ = co_await sessions.connected(chat1);
                CHECK(v18_.size() == 1);
            }
        }
        t.expires_after(1700ms);
        co_await t.async_wait(asio::use_awaitable);
        {
            auto v19_ = co_await sessions.connected(chat1);
            CHECK(v19_.empty());
        }

        // Logout clears every key of the session, and only its keys.
        co_await sessions.put(chat1, gh);
        co_await sessions.put(chat2, gh);
        {
            auto v20_ = co_await sessions.clear(chat1) >= 2;
            CHECK(v20_);
        }
        {
            auto v21_ = co_await sessions.connected(chat1);
            CHECK(v21_.empty());
        }
        {
            auto v22_ = co_await sessions.connected(chat2);
            CHECK(v22_.size() == 1);
        }
    });
}
