// The connector manager end to end, as a library: users create connectors
// (tested first), connect them in sessions, list the aggregated tools and
// call them on real upstreams — examples/everything_server over Streamable
// HTTP and a scripted stdio server as real processes — with progress,
// cancellation, upstreams that die, list_changed, and token refresh against
// a token endpoint that requires authentication, once across two manager
// instances sharing one storage.

#include <polymcp/connectors/manager.hpp>
#include <polymcp/crypto/fernet.hpp>
#include <polymcp/crypto/openssl.hpp>
#include <polymcp/storage/memory.hpp>

#include "support/everything_http.hpp"
#include "support/expect_connector_error.hpp"
#include "support/fake_http_server.hpp"
#include "support/listening_process.hpp"
#include "support/run_coro.hpp"
#include "support/test_manager.hpp"

#include <catch2/catch.hpp>

#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include <curl/curl.h>
#include <openssl/sha.h>

namespace pc = polymcp::connectors;
namespace st = polymcp::storage;
using nlohmann::json;
using namespace std::chrono_literals;
using polymcp::test::free_port;
using polymcp::test::everything_http;
using manager = polymcp::test::test_manager;

namespace {

const pc::caller alice{"t1", "alice"};
const pc::caller bob{"t1", "bob"};

using polymcp::test::make_test_manager;
const auto test_options = polymcp::test::test_manager_options;

// A one-tool MCP server over plain JSON responses ("read", answering "read
// ok"), for upstreams scripted in a fake_http_server.
void answer_one_tool_server(const polymcp::http::request& req, polymcp::http::responder& res) {
    auto j = json::parse(req.body, nullptr, false);
    if (!j.is_object() || !j.contains("id")) return res.respond(polymcp::http::response::with_body(202, "text/plain", ""));
    json result;
    if (j["method"] == "initialize")
        result = {{"protocolVersion", "2025-11-25"}, {"capabilities", json::object()}, {"serverInfo", {{"name", "o"}, {"version", "1"}}}};
    else if (j["method"] == "tools/list")
        result = {{"tools", {{{"name", "read"}, {"inputSchema", {{"type", "object"}}}}}}};
    else
        result = {{"content", {{{"type", "text"}, {"text", "read ok"}}}}};
    res.respond(polymcp::http::response::with_body(200, "application/json",
                                                   json({{"jsonrpc", "2.0"}, {"id", j["id"]}, {"result", result}}).dump()));
}

// The scripted stdio server as a global catalog server (users never
// describe a command themselves), and a connector body that uses it.
asio::awaitable<json> scripted_connector(std::shared_ptr<manager> m, std::string name) {
    json server = {{"name", "scripted"},
                   {"transport", "stdio"},
                   {"command", POLYMCP_PYTHON},
                   {"args", {POLYMCP_SCRIPTED_SERVER, "connector"}},
                   {"credential_env", {"SCRIPTED_TOKEN"}}};
    auto s = co_await m->put_global_server(server);
    co_return json{{"name", name}, {"server_id", s.id}};
}

std::vector<std::string> names(const pc::aggregation& a) {
    std::vector<std::string> out;
    for (const auto& t : a.tools) out.push_back(t.name);
    return out;
}

bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

std::string text_of(const polymcp::client::call_tool_result& r) {
    return r.content.empty() ? std::string() : std::get<polymcp::text_content>(r.content.front()).text;
}


}  // namespace

TEST_CASE("connector manager: two upstreams in a session, aggregated, called, one disconnected",
          "[connectors][manager]") {
    everything_http everything;
    asio::io_context io;
    auto m = make_test_manager(io, std::make_shared<st::memory_storage>(), polymcp::crypto::fernet::generate_key());
    const pc::session_key s1{"t1", "alice", "chat-1"};
    pc::connector ev, sc;
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        json body = {{"name", "everything"}, {"url", everything.url()}};
        ev = co_await m->create_connector(alice, body);
        CHECK(ev.tools.size() > 5);
        CHECK(ev.server_info["name"] == "mcp-conformance-test-server");
        auto scripted = co_await scripted_connector(m, "scripted");
        sc = co_await m->create_connector(alice, scripted);

        auto state = co_await m->connect(s1, ev.id);
        CHECK(state.status == pc::connection_status::connected);
        co_await m->connect(s1, sc.id);
        auto agg = co_await m->tools(s1);
        auto all = names(agg);
        CHECK(has(all, "everything__test_simple_text"));
        CHECK(has(all, "scripted__slow"));

        std::string tool = "everything__test_simple_text";
        json no_args = json::object();
        auto r = co_await m->call_tool(s1, tool, no_args);
        CHECK(text_of(r) == "This is a simple text response for testing.");

        std::vector<double> progress;
        std::mutex mu;
        pc::call_options o;
        o.on_progress = [&](const polymcp::client::progress_info& p) {
            std::lock_guard lock(mu);
            progress.push_back(p.progress);
        };
        std::string slow = "scripted__slow";
        json args = {{"steps", 4}, {"gap_ms", 20}};
        r = co_await m->call_tool(s1, slow, args, o);
        CHECK(text_of(r) == "slow done");
        {
            std::lock_guard lock(mu);
            CHECK(progress == std::vector<double>{1, 2, 3, 4});
        }

        auto conns = co_await m->connections(s1);
        CHECK(conns.size() == 2);
        auto off = co_await m->disconnect(s1, sc.id);
        CHECK(off.status == pc::connection_status::disconnected);
        agg = co_await m->tools(s1);
        all = names(agg);
        CHECK_FALSE(has(all, "scripted__slow"));
        CHECK(has(all, "everything__test_simple_text"));
    });
    auto gone = polymcp::test::expect_connector_error(io, [&]() -> asio::awaitable<void> {
        std::string slow = "scripted__slow";
        json args = json::object();
        co_await m->call_tool(s1, slow, args);
    });
    CHECK(gone.value() == pc::errc::unknown_tool);

    // Nobody else sees any of it: another session of alice, bob, bob with alice's ids.
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        const pc::session_key s2{"t1", "alice", "chat-2"};
        const pc::session_key bobs{"t1", "bob", "chat-1"};
        auto t2 = co_await m->tools(s2);
        CHECK(t2.tools.empty());
        auto tb = co_await m->tools(bobs);
        CHECK(tb.tools.empty());
        auto lb = co_await m->connectors().list(bob);
        CHECK(lb.empty());
    });
    CHECK(polymcp::test::expect_connector_error(io, [&]() -> asio::awaitable<void> {
              const pc::session_key bobs{"t1", "bob", "chat-1"};
              co_await m->connect(bobs, ev.id);
          }).value() == pc::errc::not_found);
    CHECK(polymcp::test::expect_connector_error(io, [&]() -> asio::awaitable<void> {
              const pc::session_key bobs{"t1", "bob", "chat-1"};
              std::string tool = "everything__test_simple_text";
              json args = json::object();
              co_await m->call_tool(bobs, tool, args);
          }).value() == pc::errc::unknown_tool);

    // Logout closes the session's upstreams and forgets its state.
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        CHECK(m->live_upstreams() == 1);
        co_await m->logout(s1);
        CHECK(m->live_upstreams() == 0);
        auto left = co_await m->connections(s1);
        CHECK(left.empty());
    });
    m->close_all();
}

TEST_CASE("connector manager: cancellation, an upstream that dies, list_changed", "[connectors][manager]") {
    asio::io_context io;
    auto m = make_test_manager(io, std::make_shared<st::memory_storage>(), polymcp::crypto::fernet::generate_key());
    const pc::session_key s{"t1", "alice", "default"};
    pc::connector sc;
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        auto body = co_await scripted_connector(m, "scripted");
        sc = co_await m->create_connector(alice, body);
        co_await m->connect(s, sc.id);
    });

    SECTION("cancelling a forwarded call cancels it upstream") {
        asio::cancellation_signal cancel;
        std::optional<pc::errc> failed;
        test::run_coro(io, [&]() -> asio::awaitable<void> {
            asio::steady_timer t(io, 300ms);
            t.async_wait([&](std::error_code) { cancel.emit(asio::cancellation_type::terminal); });
            pc::call_options o;
            o.cancellation = cancel.slot();
            std::string hang = "scripted__hang";
            json args = json::object();
            try {
                co_await m->call_tool(s, hang, args, o);
            } catch (const pc::connector_error& e) {
                failed = e.value();
            }
            std::string seen = "scripted__seen";
            auto r = co_await m->call_tool(s, seen, args);
            CHECK(r.structured_content["cancelled"].size() == 1);  // the upstream got notifications/cancelled
        });
        REQUIRE(failed);
        CHECK(*failed == pc::errc::cancelled);
    }
    SECTION("an upstream that dies mid-call is an error; the next call opens it again") {
        auto e = polymcp::test::expect_connector_error(io, [&]() -> asio::awaitable<void> {
            std::string exit = "scripted__exit";
            json args = json::object();
            co_await m->call_tool(s, exit, args);
        });
        CHECK(e.value() == pc::errc::upstream_error);
        CHECK(std::string(e.what()).find("gives up") != std::string::npos);  // the upstream's stderr
        test::run_coro(io, [&]() -> asio::awaitable<void> {
            std::string seen = "scripted__seen";
            json args = json::object();
            auto r = co_await m->call_tool(s, seen, args);
            CHECK(r.structured_content.contains("cancelled"));
        });
    }
    SECTION("an upstream's list_changed refreshes the tools and is passed on") {
        std::atomic<int> changes{0};
        auto sub = m->subscribe(s, [&] { ++changes; });
        test::run_coro(io, [&]() -> asio::awaitable<void> {
            std::string grow = "scripted__grow";
            json args = json::object();
            co_await m->call_tool(s, grow, args);
            asio::steady_timer t(io);
            for (int i = 0; i < 100 && changes == 0; ++i) {
                t.expires_after(20ms);
                co_await t.async_wait(asio::use_awaitable);
            }
            CHECK(changes >= 1);
            auto agg = co_await m->tools(s);
            auto all = names(agg);
            CHECK(has(all, "scripted__grown"));
            std::string grown = "scripted__grown";
            auto r = co_await m->call_tool(s, grown, args);
            CHECK(text_of(r) == "I am new");
        });
        m->unsubscribe(sub);
    }
    m->close_all();
}

TEST_CASE("connector manager: creation is tested first and limited", "[connectors][manager]") {
    asio::io_context io;
    auto o = test_options();
    o.connectors.max_per_user = 1;
    auto m = make_test_manager(io, std::make_shared<st::memory_storage>(), polymcp::crypto::fernet::generate_key(), o);
    auto refused = polymcp::test::expect_connector_error(io, [&]() -> asio::awaitable<void> {
        json body = {{"name", "down"}, {"url", "http://127.0.0.1:" + std::to_string(free_port()) + "/mcp"}};
        co_await m->create_connector(alice, body);
    });
    CHECK(refused.value() == pc::errc::connection_failed);
    CHECK(std::string(refused.what()).find("the connection test failed") == 0);
    auto ssrf = polymcp::test::expect_connector_error(io, [&]() -> asio::awaitable<void> {
        json body = {{"name", "metadata"}, {"url", "http://169.254.169.254/latest"}};
        co_await m->create_connector(alice, body);
    });
    CHECK(ssrf.value() == pc::errc::ssrf_blocked);
    auto bad = polymcp::test::expect_connector_error(io, [&]() -> asio::awaitable<void> {
        json body = {{"name", "x"}, {"url", "https://example.com/mcp"}, {"auth_config", {{"type", "token_endpoint"}, {"url", "https://t.example.com"}}}};
        co_await m->create_connector(alice, body);
    });
    CHECK(bad.value() == pc::errc::invalid_request);
    CHECK(std::string(bad.what()).find("must itself require authentication") != std::string::npos);
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        auto stored = co_await m->connectors().list(alice);
        CHECK(stored.empty());  // nothing was stored
        auto body = co_await scripted_connector(m, "one");
        co_await m->create_connector(alice, body);
    });
    auto limit = polymcp::test::expect_connector_error(io, [&]() -> asio::awaitable<void> {
        auto body = co_await scripted_connector(m, "two");
        co_await m->create_connector(alice, body);
    });
    CHECK(limit.value() == pc::errc::connector_limit_reached);
    m->close_all();
}

namespace {

// An upstream that accepts one bearer token at a time, and a token endpoint
// that requires its own credentials and issues the next token on each request.
struct token_world {
    std::mutex mu;
    int issued = 0;               // tokens issued so far: "tok-1", "tok-2", ...
    int token_requests = 0;
    int unauthenticated_requests = 0;
    bool upstream_accepts_latest = true;
    std::string accepted;         // the token the upstream takes now

    polymcp::test::fake_http_server token_endpoint{[this](polymcp::http::request req, std::shared_ptr<polymcp::http::responder> res) {
        std::lock_guard lock(mu);
        auto a = req.fields.get("Authorization");
        if (!a || *a != "Bearer gateway-secret") {
            ++unauthenticated_requests;
            return res->respond(polymcp::http::response::with_body(401, "application/json", R"({"error":"unauthorized"})"));
        }
        ++token_requests;
        std::string t = "tok-" + std::to_string(++issued);
        if (upstream_accepts_latest) accepted = t;
        res->respond(polymcp::http::response::with_body(200, "application/json",
                                                        json({{"token", t}, {"valid", true}}).dump()));
    }};

    polymcp::test::fake_http_server upstream{[this](polymcp::http::request req, std::shared_ptr<polymcp::http::responder> res) {
        {
            std::lock_guard lock(mu);
            auto a = req.fields.get("Authorization");
            if (!a || *a != "Bearer " + accepted) {
                auto r = polymcp::http::response::with_body(401, "application/json", R"({"error":"invalid_token"})");
                r.fields.set("WWW-Authenticate", "Bearer error=\"invalid_token\"");
                return res->respond(std::move(r));
            }
        }
        auto j = json::parse(req.body, nullptr, false);
        if (req.method != "POST" || !j.is_object() || !j.contains("id"))
            return res->respond(polymcp::http::response::with_body(req.method == "POST" ? 202 : 405, "text/plain", ""));
        json result = json::object();
        if (j["method"] == "initialize")
            result = {{"protocolVersion", "2025-11-25"}, {"capabilities", {{"tools", json::object()}}},
                      {"serverInfo", {{"name", "calendar"}, {"version", "1"}}}};
        else if (j["method"] == "tools/list")
            result = {{"tools", {{{"name", "book"}, {"inputSchema", {{"type", "object"}}}}}}};
        else if (j["method"] == "tools/call")
            result = {{"content", {{{"type", "text"}, {"text", "booked"}}}}};
        res->respond(polymcp::http::response::with_body(200, "application/json",
                                                        json({{"jsonrpc", "2.0"}, {"id", j["id"]}, {"result", result}}).dump()));
    }};

    json connector_body() {
        return {{"name", "calendar"},
                {"url", upstream.url("/mcp")},
                {"auth_config",
                 {{"type", "token_endpoint"}, {"url", token_endpoint.url("/current-token")}, {"authorization", "Bearer gateway-secret"}}}};
    }
    // The upstream stops accepting the token it has: the next must be fetched.
    void rotate() {
        std::lock_guard lock(mu);
        accepted = "rotated-away";
        upstream_accepts_latest = true;
    }
    int requests() {
        std::lock_guard lock(mu);
        return token_requests;
    }
};

}  // namespace

TEST_CASE("connector manager: a refused token is refreshed once, for all instances, never in a loop",
          "[connectors][manager][tokens]") {
    token_world world;
    asio::io_context io;
    auto storage = std::make_shared<st::memory_storage>();
    auto key = polymcp::crypto::fernet::generate_key();
    auto a = make_test_manager(io, storage, key);
    auto b = make_test_manager(io, storage, key);  // a second gateway instance on the same storage
    const pc::session_key s{"t1", "alice", "default"};
    pc::connector cal;
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        auto body = world.connector_body();
        cal = co_await a->create_connector(alice, body);  // fetches a token to test with (not stored)
        CHECK(cal.auth_type == "token_endpoint");
        co_await a->connect(s, cal.id);  // no stored token yet: fetches and stores one
    });
    CHECK(world.requests() == 2);
    CHECK(world.unauthenticated_requests == 0);

    // The upstream stops taking the token; calls on both instances at once.
    world.rotate();
    int done = 0;
    std::vector<std::string> failures;
    for (auto* m : {a.get(), b.get(), a.get(), b.get()})
        asio::co_spawn(io, [&, m]() -> asio::awaitable<void> {
            std::string tool = "calendar__book";
            json args = json::object();
            try {
                auto r = co_await m->call_tool(s, tool, args);
                CHECK(text_of(r) == "booked");
                ++done;
            } catch (const std::exception& e) {
                failures.push_back(e.what());
            }
        }, asio::detached);
    io.restart();
    io.run();
    CHECK(failures == std::vector<std::string>{});
    CHECK(done == 4);
    CHECK(world.requests() == 3);  // one refresh for all four calls and both instances

    // A token endpoint whose tokens are refused too: AUTH_REQUIRED after one refresh, no loop.
    {
        std::lock_guard lock(world.mu);
        world.accepted = "nothing-you-have";
        world.upstream_accepts_latest = false;
    }
    auto e = polymcp::test::expect_connector_error(io, [&]() -> asio::awaitable<void> {
        std::string tool = "calendar__book";
        json args = json::object();
        co_await a->call_tool(s, tool, args);
    });
    CHECK(e.value() == pc::errc::auth_required);
    CHECK(world.requests() == 4);
    CHECK(world.unauthenticated_requests == 0);

    // The stored credentials are the refreshed ones, still sealed.
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        auto [config, version] = co_await a->connectors().auth_config(alice, cal.id);
        CHECK(config["token"] == "tok-4");
        CHECK(config["authorization"] == "Bearer gateway-secret");
        (void)version;
    });
    a->close_all();
    b->close_all();
}

TEST_CASE("connector manager: one failing upstream does not break the others", "[connectors][manager]") {
    auto everything = std::make_unique<everything_http>();
    asio::io_context io;
    auto m = make_test_manager(io, std::make_shared<st::memory_storage>(), polymcp::crypto::fernet::generate_key());
    const pc::session_key s{"t1", "alice", "default"};
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        json body = {{"name", "everything"}, {"url", everything->url()}};
        auto ev = co_await m->create_connector(alice, body);
        auto scripted = co_await scripted_connector(m, "scripted");
        auto sc = co_await m->create_connector(alice, scripted);
        co_await m->connect(s, ev.id);
        co_await m->connect(s, sc.id);
    });
    everything.reset();  // the HTTP upstream goes away
    auto e = polymcp::test::expect_connector_error(io, [&]() -> asio::awaitable<void> {
        std::string tool = "everything__test_simple_text";
        json args = json::object();
        co_await m->call_tool(s, tool, args);
    });
    CHECK((e.value() == pc::errc::upstream_error || e.value() == pc::errc::connection_failed));
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        auto agg = co_await m->tools(s);
        auto all = names(agg);
        CHECK(has(all, "everything__test_simple_text"));  // still listed (cached) ...
        CHECK(has(all, "scripted__seen"));
        std::string seen = "scripted__seen";  // ... and the other upstream still answers
        json args = json::object();
        auto r = co_await m->call_tool(s, seen, args);
        CHECK(r.structured_content.contains("cancelled"));
    });
    m->close_all();
}

TEST_CASE("connector manager: an OAuth access token is refreshed with its refresh token, rotation kept",
          "[connectors][manager][tokens]") {
    std::mutex mu;
    int grants = 0;
    std::string accepted = "at-1";
    std::string last_form;
    polymcp::test::fake_http_server token_endpoint([&](polymcp::http::request req, std::shared_ptr<polymcp::http::responder> res) {
        std::lock_guard lock(mu);
        last_form = req.body;
        const std::string expected = "refresh_token=rt-" + std::to_string(grants + 1);
        if (req.body.find("grant_type=refresh_token") == std::string::npos || req.body.find(expected) == std::string::npos ||
            req.body.find("client_id=gw") == std::string::npos)
            return res->respond(polymcp::http::response::with_body(400, "application/json", R"({"error":"invalid_grant"})"));
        ++grants;
        res->respond(polymcp::http::response::with_body(
            200, "application/json",
            json({{"access_token", "at-" + std::to_string(grants + 1)}, {"refresh_token", "rt-" + std::to_string(grants + 1)},
                  {"token_type", "Bearer"}, {"expires_in", 3600}})
                .dump()));
    });
    polymcp::test::fake_http_server upstream([&](polymcp::http::request req, std::shared_ptr<polymcp::http::responder> res) {
        {
            std::lock_guard lock(mu);
            auto a = req.fields.get("Authorization");
            if (!a || *a != "Bearer " + accepted)
                return res->respond(polymcp::http::response::with_body(401, "application/json", "{}"));
        }
        answer_one_tool_server(req, *res);
    });
    asio::io_context io;
    auto m = make_test_manager(io, std::make_shared<st::memory_storage>(), polymcp::crypto::fernet::generate_key());
    const pc::session_key s{"t1", "alice", "default"};
    pc::connector c;
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        json body = {{"name", "drive"},
                     {"url", upstream.url("/mcp")},
                     {"auth_config",
                      {{"type", "oauth"}, {"access_token", "at-1"}, {"refresh_token", "rt-1"},
                       {"token_endpoint", token_endpoint.url("/token")}, {"client_id", "gw"}, {"client_secret", "s3cret"}}}};
        c = co_await m->create_connector(alice, body);
        CHECK(c.auth_type == "oauth");
        co_await m->connect(s, c.id);
        {
            std::lock_guard lock(mu);
            accepted = "at-2";  // the access token expired
        }
        std::string tool = "drive__read";
        json args = json::object();
        auto r = co_await m->call_tool(s, tool, args);
        CHECK(text_of(r) == "read ok");
        auto [config, version] = co_await m->connectors().auth_config(alice, c.id);
        CHECK(config["access_token"] == "at-2");
        CHECK(config["refresh_token"] == "rt-2");  // the rotated refresh token is kept
        CHECK(config["expires_at"].get<std::int64_t>() > pc::unix_now() + 3000);
        (void)version;
    });
    {
        std::lock_guard lock(mu);
        CHECK(grants == 1);
        CHECK(last_form.find("client_secret=s3cret") != std::string::npos);
        accepted = "at-never";
    }
    // A refresh that yields a refused token: AUTH_REQUIRED after exactly one more grant.
    auto e = polymcp::test::expect_connector_error(io, [&]() -> asio::awaitable<void> {
        std::string tool = "drive__read";
        json args = json::object();
        co_await m->call_tool(s, tool, args);
    });
    CHECK(e.value() == pc::errc::auth_required);
    std::lock_guard lock(mu);
    CHECK(grants == 2);
    m->close_all();
}

TEST_CASE("connector manager: the Asio-style forms complete with (error_code, result) and a diagnostics message",
          "[connectors][manager][async]") {
    everything_http everything;
    asio::io_context io;
    auto m = make_test_manager(io, std::make_shared<st::memory_storage>(), polymcp::crypto::fernet::generate_key());
    const pc::session_key s1{"t1", "alice", "async"};
    polymcp::diagnostics diag;

    // A callback: no coroutine, no exception.
    std::optional<std::error_code> done;
    pc::connector created;
    m->async_create_connector(alice, json{{"name", "everything"}, {"url", everything.url()}}, diag,
                              [&](std::error_code ec, pc::connector c) {
                                  done = ec;
                                  created = std::move(c);
                              });
    io.restart();  // make_test_manager ran it to completion: stopped until restarted
    while (!done && io.run_one() > 0) {
    }
    REQUIRE(done);
    CHECK_FALSE(*done);
    CHECK(diag.message.empty());
    CHECK(created.tools.size() > 5);

    // A failure: the manager's code, the message the throwing form says, a default result.
    done.reset();
    pc::connector refused;
    refused.name = "untouched";
    m->async_create_connector(alice, json{{"name", ""}, {"url", everything.url()}}, diag,
                              [&](std::error_code ec, pc::connector c) {
                                  done = ec;
                                  refused = std::move(c);
                              });
    io.restart();  // the last run left it out of work, hence stopped
    while (!done && io.run_one() > 0) {
    }
    REQUIRE(done);
    CHECK(*done == pc::errc::invalid_request);
    CHECK(pc::response_status(static_cast<pc::errc>(done->value())) == 400);
    CHECK(diag.message.find("name") != std::string::npos);
    CHECK(refused.name.empty());

    // Completion tokens compose: as_tuple(use_awaitable) in a coroutine.
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        using asio::experimental::as_tuple;
        auto [ec, state] = co_await m->async_connect(s1, created.id, diag, as_tuple(asio::use_awaitable));
        CHECK_FALSE(ec);
        CHECK(state.status == pc::connection_status::connected);
        std::string tool = "everything__test_simple_text";
        auto [cec, r] = co_await m->async_call_tool(s1, tool, json::object(), pc::call_options{}, diag,
                                                   as_tuple(asio::use_awaitable));
        CHECK_FALSE(cec);
        CHECK(text_of(r) == "This is a simple text response for testing.");
        auto [uec, none] = co_await m->async_call_tool(s1, "no_such_tool", json::object(), pc::call_options{}, diag,
                                                      as_tuple(asio::use_awaitable));
        CHECK(uec == pc::errc::unknown_tool);
        CHECK(diag.message.find("no_such_tool") != std::string::npos);
        auto [lec] = co_await m->async_logout(s1, diag, as_tuple(asio::use_awaitable));
        CHECK_FALSE(lec);
        CHECK(diag.message.empty());  // cleared at the start of each operation
    });
}

TEST_CASE("connector manager: catalog reads, categories and connector reads have Asio-style forms too",
          "[connectors][manager][async]") {
    asio::io_context io;
    auto m = make_test_manager(io, std::make_shared<st::memory_storage>(), polymcp::crypto::fernet::generate_key());
    polymcp::diagnostics diag;
    const pc::caller admin{"t1", "root", true};
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        using asio::experimental::as_tuple;
        // Arguments of co_await are named variables (docs/portability.md).
        json tools_body = {{"name", "Tools"}, {"color", "#123456"}};
        auto [cec, tools] = co_await m->async_create_category(admin, tools_body, diag,
                                                              as_tuple(asio::use_awaitable));
        REQUIRE_FALSE(cec);
        CHECK(tools.id.rfind("ctg_", 0) == 0);

        // A non-administrator is refused with the manager's code and a message.
        json mine_body = {{"name", "Mine"}};
        auto [fec, none] = co_await m->async_create_category(alice, mine_body, diag,
                                                             as_tuple(asio::use_awaitable));
        CHECK(fec == pc::errc::forbidden);
        CHECK_FALSE(diag.message.empty());
        CHECK(none.id.empty());

        json rename = {{"name", "Dev tools"}};
        auto [uec, renamed] = co_await m->async_update_category(admin, tools.id, rename, diag,
                                                                as_tuple(asio::use_awaitable));
        CHECK_FALSE(uec);
        CHECK(renamed.name == "Dev tools");
        auto [gec, got] = co_await m->async_get_category(tools.id, diag, as_tuple(asio::use_awaitable));
        CHECK_FALSE(gec);
        CHECK(got.name == "Dev tools");

        json server_body = {{"name", "docs"}, {"url", "https://docs.example/mcp"}, {"category_id", tools.id}, {"public", true}};
        auto [sec, server] = co_await m->async_create_server(admin, server_body, diag, as_tuple(asio::use_awaitable));
        REQUIRE_FALSE(sec);
        auto [lec, listed] = co_await m->async_list_servers(alice, tools.id, diag, as_tuple(asio::use_awaitable));
        CHECK_FALSE(lec);
        REQUIRE(listed.size() == 1);
        CHECK(listed[0].id == server.id);
        pc::caller mallory{"t2", "mallory"};
        auto [oec, other] = co_await m->async_get_server(mallory, server.id, diag,
                                                         as_tuple(asio::use_awaitable));
        CHECK(oec == pc::errc::not_found);  // another tenant's public server does not exist for them

        auto [dec] = co_await m->async_delete_category(admin, tools.id, diag, as_tuple(asio::use_awaitable));
        CHECK_FALSE(dec);
        auto [all_ec, all] = co_await m->async_list_categories(diag, as_tuple(asio::use_awaitable));
        CHECK_FALSE(all_ec);
        CHECK(all.empty());
        auto [kept_ec, kept] = co_await m->async_get_server(alice, server.id, diag, as_tuple(asio::use_awaitable));
        CHECK_FALSE(kept_ec);
        CHECK(kept.category_id.empty());  // its category went with the delete, in the same transaction

        auto [nec, mine] = co_await m->async_list_connectors(alice, diag, as_tuple(asio::use_awaitable));
        CHECK_FALSE(nec);
        CHECK(mine.empty());
        std::string unknown_id = "con_0000000000000000";
        auto [xec, missing] = co_await m->async_get_connector(alice, unknown_id, diag,
                                                              as_tuple(asio::use_awaitable));
        CHECK(xec == pc::errc::not_found);
    });
}

namespace {
// The value of `name` in the query of `url` (percent-decoded by curl).
std::string query_value(const std::string& url, const std::string& name) {
    auto q = url.find('?');
    std::string rest = q == std::string::npos ? url : url.substr(q + 1);
    std::size_t i = 0;
    while (i <= rest.size()) {
        auto amp = rest.find('&', i);
        if (amp == std::string::npos) amp = rest.size();
        auto kv = rest.substr(i, amp - i);
        if (kv.rfind(name + "=", 0) == 0) {
            int n = 0;
            char* d = curl_easy_unescape(nullptr, kv.c_str() + name.size() + 1, static_cast<int>(kv.size() - name.size() - 1), &n);
            std::string out(d, static_cast<std::size_t>(n));
            curl_free(d);
            return out;
        }
        i = amp + 1;
    }
    return {};
}
}  // namespace

TEST_CASE("connector manager: the gateway signs a user in to an OAuth upstream, the state bound to that user, used once",
          "[connectors][manager][sign-in]") {
    std::mutex mu;
    std::string token_form;  // the authorization code grant the gateway sent
    int registrations = 0;
    std::string as_base;
    polymcp::test::fake_http_server as([&](polymcp::http::request req, std::shared_ptr<polymcp::http::responder> res) {
        auto reply = [&](unsigned status, const json& j) {
            res->respond(polymcp::http::response::with_body(status, "application/json", j.dump()));
        };
        std::lock_guard lock(mu);
        const auto path = std::string(req.path());
        if (path == "/.well-known/oauth-authorization-server")
            return reply(200, {{"issuer", as_base},
                               {"authorization_endpoint", as_base + "/authorize"},
                               {"token_endpoint", as_base + "/token"},
                               {"registration_endpoint", as_base + "/register"},
                               {"code_challenge_methods_supported", {"S256"}},
                               {"token_endpoint_auth_methods_supported", {"none"}}});
        if (path == "/register") {
            ++registrations;
            auto r = json::parse(req.body);
            return reply(201, {{"client_id", "gw-client"}, {"redirect_uris", r["redirect_uris"]}, {"token_endpoint_auth_method", "none"}});
        }
        if (path == "/token") {
            token_form = req.body;
            if (req.body.find("code=code-1") == std::string::npos) return reply(400, {{"error", "invalid_grant"}});
            return reply(200, {{"access_token", "at-1"}, {"refresh_token", "rt-1"}, {"token_type", "Bearer"}, {"expires_in", 3600}});
        }
        reply(404, json::object());
    });
    as_base = as.url();
    std::string resource_base;
    polymcp::test::fake_http_server upstream([&](polymcp::http::request req, std::shared_ptr<polymcp::http::responder> res) {
        const auto path = std::string(req.path());
        if (path == "/.well-known/oauth-protected-resource/mcp")
            return res->respond(polymcp::http::response::with_body(
                200, "application/json",
                json({{"resource", resource_base + "/mcp"}, {"authorization_servers", {as_base}}, {"scopes_supported", {"files"}}}).dump()));
        auto a = req.fields.get("Authorization");
        if (!a || *a != "Bearer at-1") {
            auto r = polymcp::http::response::with_body(401, "application/json", "{}");
            r.fields.set("WWW-Authenticate", "Bearer resource_metadata=\"" + resource_base +
                                                 "/.well-known/oauth-protected-resource/mcp\", scope=\"files\"");
            return res->respond(std::move(r));
        }
        answer_one_tool_server(req, *res);
    });
    resource_base = upstream.url();
    asio::io_context io;
    auto m = make_test_manager(io, std::make_shared<st::memory_storage>(), polymcp::crypto::fernet::generate_key());
    const pc::session_key s{"t1", "alice", "default"};
    pc::connector c;
    std::string id;

    // Sign-in off until the gateway knows its callback.
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        json body = {{"name", "files"}, {"url", upstream.url("/mcp")}, {"auth_config", {{"type", "oauth_sign_in"}}}};
        c = co_await m->create_connector(alice, body);
        id = c.id;
    });
    CHECK(c.needs_sign_in);
    CHECK(c.tools.empty());
    CHECK(c.to_json()["needs_sign_in"] == true);
    auto off = polymcp::test::expect_connector_error(io, [&]() -> asio::awaitable<void> { co_await m->begin_sign_in(alice, id); });
    CHECK(off.value() == pc::errc::invalid_request);
    auto not_yet = polymcp::test::expect_connector_error(io, [&]() -> asio::awaitable<void> { co_await m->connect(s, id); });
    CHECK(not_yet.value() == pc::errc::auth_required);

    pc::sign_in_options o;
    o.redirect_uri = "https://gw.example/oauth/callback";
    o.sign_in_page = "https://gw.example/connectors/{id}/sign-in";
    m->configure_sign_in(o);
    CHECK(m->sign_in_page(id) == "https://gw.example/connectors/" + id + "/sign-in");

    std::string url;
    test::run_coro(io, [&]() -> asio::awaitable<void> { url = co_await m->begin_sign_in(alice, id); });
    REQUIRE(url.rfind(as.url("/authorize?"), 0) == 0);
    CHECK(query_value(url, "response_type") == "code");
    CHECK(query_value(url, "client_id") == "gw-client");
    CHECK(query_value(url, "redirect_uri") == "https://gw.example/oauth/callback");
    CHECK(query_value(url, "code_challenge_method") == "S256");
    CHECK(query_value(url, "resource") == upstream.url("/mcp"));
    CHECK(query_value(url, "scope") == "files");
    const auto state = query_value(url, "state");
    CHECK(state.size() == 32);

    // Another user cannot complete it, and the attempt uses it up.
    auto foreign = polymcp::test::expect_connector_error(io, [&]() -> asio::awaitable<void> {
        co_await m->complete_sign_in(bob, "code=code-1&state=" + state);
    });
    CHECK(foreign.value() == pc::errc::forbidden);
    auto used = polymcp::test::expect_connector_error(io, [&]() -> asio::awaitable<void> {
        co_await m->complete_sign_in(alice, "code=code-1&state=" + state);
    });
    CHECK(used.value() == pc::errc::invalid_request);
    CHECK(std::string(used.what()).find("expired or was already completed") != std::string::npos);

    // A refusal by the authorization server is an AUTH_REQUIRED that says so.
    test::run_coro(io, [&]() -> asio::awaitable<void> { url = co_await m->begin_sign_in(alice, id); });
    auto denied = polymcp::test::expect_connector_error(io, [&]() -> asio::awaitable<void> {
        co_await m->complete_sign_in(alice, "error=access_denied&state=" + query_value(url, "state"));
    });
    CHECK(denied.value() == pc::errc::auth_required);
    CHECK(std::string(denied.what()).find("access_denied") != std::string::npos);

    // The right user, the right state: the code is exchanged with the PKCE verifier, the tokens sealed.
    test::run_coro(io, [&]() -> asio::awaitable<void> { url = co_await m->begin_sign_in(alice, id); });
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        c = co_await m->complete_sign_in(alice, "code=code-1&state=" + query_value(url, "state"));
    });
    CHECK_FALSE(c.needs_sign_in);
    REQUIRE(c.tools.size() == 1);
    {
        std::lock_guard lock(mu);
        const auto verifier = query_value("?" + token_form, "code_verifier");
        unsigned char digest[32];
        SHA256(reinterpret_cast<const unsigned char*>(verifier.data()), verifier.size(), digest);
        auto challenge = polymcp::crypto::base64url_encode({digest, 32});
        while (!challenge.empty() && challenge.back() == '=') challenge.pop_back();  // RFC 7636: unpadded
        CHECK(challenge == query_value(url, "code_challenge"));
        CHECK(query_value("?" + token_form, "resource") == upstream.url("/mcp"));
        CHECK(query_value("?" + token_form, "redirect_uri") == "https://gw.example/oauth/callback");
        CHECK(registrations == 3);  // Dynamic Client Registration, once per sign-in started
    }
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        auto [config, version] = co_await m->connectors().auth_config(alice, id);
        (void)version;
        CHECK(config["type"] == "oauth_sign_in");
        CHECK(config["access_token"] == "at-1");
        CHECK(config["refresh_token"] == "rt-1");
        CHECK(config["token_endpoint"] == as.url("/token"));
        CHECK(config["resource"] == upstream.url("/mcp"));
        CHECK(pc::sign_in_request(config) == json{{"type", "oauth_sign_in"}});  // what a new sign-in starts from
        co_await m->connect(s, id);
        std::string tool = "files__read";
        json args = json::object();
        auto r = co_await m->call_tool(s, tool, args);
        CHECK(text_of(r) == "read ok");
    });

    // A catalog server may carry the client its administrator registered: users sign in as it.
    const pc::caller carol{"t1", "carol", true};
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        json server = {{"name", "files-catalog"}, {"url", upstream.url("/mcp")}, {"public", true}, {"requires_oauth", true},
                       {"auth_config", {{"type", "oauth_client"}, {"client_id", "catalog-client"}}}};
        auto srv = co_await m->create_server(carol, server);
        CHECK(srv.auth_type == "oauth_client");
        json body = {{"name", "files2"}, {"server_id", srv.id}, {"auth_config", {{"type", "oauth_sign_in"}}}};
        auto c2 = co_await m->create_connector(alice, body);
        CHECK(c2.needs_sign_in);
        url = co_await m->begin_sign_in(alice, c2.id);
    });
    CHECK(query_value(url, "client_id") == "catalog-client");
    {
        std::lock_guard lock(mu);
        CHECK(registrations == 3);  // no registration: the catalog's client
    }
    m->close_all();
}
