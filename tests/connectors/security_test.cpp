// The connector manager under attack, as a library: a user tries to choose
// an environment variable or an argument of a process the gateway starts,
// to read a catalog server's secrets, to keep using what an administrator
// revoked, to start more children than allowed, and to publish without a
// tenant. Real child processes (the scripted stdio server) and real
// storage; every refusal is a typed error.

#include <polymcp/connectors/environment.hpp>
#include <polymcp/connectors/manager.hpp>
#include <polymcp/connectors/ssrf.hpp>
#include <polymcp/crypto/fernet.hpp>
#include <polymcp/storage/memory.hpp>

#include "support/expect_connector_error.hpp"
#include "support/fake_http_server.hpp"
#include "support/run_coro.hpp"
#include "support/storage_backends.hpp"
#include "support/test_manager.hpp"

#include <catch2/catch.hpp>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <set>

namespace pc = polymcp::connectors;
namespace st = polymcp::storage;
using nlohmann::json;
using namespace std::chrono_literals;
using manager = polymcp::test::test_manager;
using polymcp::test::expect_connector_error;
using polymcp::test::expect_connector_error_sync;

namespace {

const pc::caller alice{"t1", "alice"};
const pc::caller admin{"t1", "carol", true};

const auto test_options = polymcp::test::test_manager_options;

std::shared_ptr<manager> make_manager(asio::io_context& io, std::shared_ptr<st::memory_storage> storage,
                                      pc::manager_options o = test_options(),
                                      polymcp::crypto::fernet::key_type key = polymcp::crypto::fernet::generate_key()) {
    return polymcp::test::make_test_manager(io, std::move(storage), key, std::move(o));
}

// The scripted stdio server, published by an administrator of t1, taking a
// user's credential in SCRIPTED_TOKEN.
json scripted_server(json extra = json::object()) {
    json s = {{"name", "scripted"},
              {"transport", "stdio"},
              {"command", POLYMCP_PYTHON},
              {"args", {POLYMCP_SCRIPTED_SERVER, "connector"}},
              {"env", {{"SCRIPTED_MODE", "test"}}},
              {"credential_env", {"SCRIPTED_TOKEN"}},
              {"public", true}};
    s.update(extra);
    return s;
}

json api_key_in(const std::string& variable, const std::string& key = "k-123") {
    return {{"type", "api_key"}, {"env", variable}, {"key", key}};
}

std::set<std::string> tool_names(const pc::aggregation& a) {
    std::set<std::string> out;
    for (const auto& t : a.tools) out.insert(t.name);
    return out;
}

// An administrator's scripted catalog server and alice's connector to it,
// connected in session `s` through `a` and called through `a` and `b` (two
// instances), so that each holds an upstream session (a child) of it.
template <class Manager>
std::pair<pc::server_record, pc::connector> used_on_both(asio::io_context& io, Manager& a, Manager& b,
                                                         const pc::session_key& s, const std::string& tool) {
    pc::server_record server;
    pc::connector c;
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        json body = scripted_server();
        server = co_await a.create_server(admin, body);
        json cb = {{"name", "scripted"}, {"server_id", server.id}};
        c = co_await a.create_connector(alice, cb);
        co_await a.connect(s, c.id);
        std::string t = tool;
        json args = json::object();
        co_await a.call_tool(s, t, args);
        co_await b.call_tool(s, t, args);  // b opens its own upstream session
    });
    return {server, c};
}

// Two gateway processes: a manager on each of two storage objects of one
// Redis or PostgreSQL.
template <class Storage>
struct two_processes {
    polymcp::test::backend<Storage> backend;
    decltype(backend.make()) first = backend.make();
    decltype(backend.peer()) second = backend.peer();
    asio::io_context io;
    polymcp::crypto::fernet::key_type key = polymcp::crypto::fernet::generate_key();
    std::shared_ptr<pc::connector_manager<Storage, polymcp::crypto::fernet>> a, b;

    explicit two_processes(const pc::manager_options& o)
        : a(polymcp::test::make_test_manager<Storage>(io, std::shared_ptr<Storage>(first.get(), [](Storage*) {}), key, o)),
          b(polymcp::test::make_test_manager<Storage>(io, std::shared_ptr<Storage>(second.get(), [](Storage*) {}), key, o)) {}
};

}  // namespace

TEST_CASE("credential variables: loader, interpreter and shell variables are refused, credentials are not",
          "[connectors][security]") {
    for (const char* name :
         {"LD_PRELOAD", "ld_preload", "LD_LIBRARY_PATH", "LD_AUDIT", "DYLD_INSERT_LIBRARIES", "NODE_OPTIONS", "node_options",
          "NODE_EXTRA_CA_CERTS", "NODE_PATH", "BASH_ENV", "ENV", "SHELLOPTS", "BASH_FUNC_x%%", "PS4", "PROMPT_COMMAND",
          "PYTHONPATH", "PYTHONSTARTUP", "PYTHONWARNINGS", "PYTHONHOME", "PERL5OPT", "PERL5LIB", "PERLLIB", "RUBYOPT",
          "RUBYLIB", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS", "CLASSPATH", "GCONV_PATH", "GLIBC_TUNABLES",
          "MALLOC_CHECK_", "PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "TZ", "HTTPS_PROXY", "http_proxy", "ALL_PROXY",
          "SSL_CERT_FILE", "OPENSSL_CONF", "CURL_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "GIT_SSH_COMMAND", "GIT_CONFIG_GLOBAL",
          "NPM_CONFIG_PREFIX", "PIP_INDEX_URL", "DOTNET_STARTUP_HOOKS", "GOFLAGS", "POLYMCP_ENCRYPTION_KEY",
          "KUBECONFIG", "AWS_CONFIG_FILE", "EDITOR", "PAGER", "", "1TOKEN", "A=B", "A B", "A-B", "TOKEN\n"}) {
        INFO(name);
        CHECK_FALSE(pc::credential_env_refusal(name).empty());
    }
    for (const char* name : {"GITHUB_TOKEN", "GITHUB_PERSONAL_ACCESS_TOKEN", "BRAVE_API_KEY", "SLACK_BOT_TOKEN",
                             "OPENAI_API_KEY", "NOTION_TOKEN", "API_KEY", "x_token"}) {
        INFO(name);
        CHECK(pc::credential_env_refusal(name).empty());
    }
    // The names the gateway passes on from its own environment are refused too.
    CHECK_FALSE(pc::credential_env_refusal("MY_TOKEN", {"MY_TOKEN"}).empty());
    // An administrator cannot declare such a variable for users' credentials.
    for (const char* name : {"LD_PRELOAD", "NODE_OPTIONS", "PATH"}) {
        auto e = expect_connector_error_sync([&] {
            pc::endpoint::from_json({{"transport", "stdio"}, {"command", "x"}, {"credential_env", {name}}});
        });
        CHECK(e.value() == pc::errc::invalid_request);
        CHECK(std::string(e.what()).find(name) != std::string::npos);
    }
}

TEST_CASE("a child's environment: the allow-list, then the server's, then a declared credential, nothing else",
          "[connectors][security]") {
    ::setenv("POLYMCP_TEST_GATEWAY_SECRET", "must-not-leak", 1);
    ::setenv("PATH", std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin", 1);
    auto env = pc::child_environment({"PATH", "NOT_SET_ANYWHERE"}, {{"PATH", "/server/bin"}, {"MODE", "x"}},
                                     {"GITHUB_TOKEN"}, {{"GITHUB_TOKEN", "ghp_1"}});
    CHECK(env == std::map<std::string, std::string>{{"PATH", "/server/bin"}, {"MODE", "x"}, {"GITHUB_TOKEN", "ghp_1"}});
    // A user's variable must be declared, and may never override the allow-list or the server's.
    for (auto [name, declared] : std::vector<std::pair<std::string, std::vector<std::string>>>{
             {"NODE_OPTIONS", {"GITHUB_TOKEN"}}, {"PATH", {"PATH"}}, {"MODE", {"GITHUB_TOKEN"}}, {"LD_PRELOAD", {"LD_PRELOAD"}}}) {
        INFO(name);
        auto e = expect_connector_error_sync([&] {
            pc::child_environment({"PATH"}, {{"MODE", "x"}}, declared, {{name, "--import=data:,evil"}});
        });
        CHECK(e.value() == pc::errc::invalid_request);
        CHECK(std::string(e.what()).find("evil") == std::string::npos);  // never the value
    }
    ::unsetenv("POLYMCP_TEST_GATEWAY_SECRET");
}

TEST_CASE("a user cannot choose a variable or an argument of a process the gateway starts",
          "[connectors][security]") {
    asio::io_context io;
    auto m = make_manager(io, std::make_shared<st::memory_storage>());
    ::setenv("POLYMCP_TEST_GATEWAY_SECRET", "must-not-leak", 1);
    pc::server_record server;
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        json body = scripted_server();
        server = co_await m->create_server(admin, body);
    });

    // The audit's attack and its family: any variable not declared, loader and interpreter variables above all.
    for (const char* variable : {"NODE_OPTIONS", "LD_PRELOAD", "BASH_ENV", "PYTHONPATH", "PYTHONSTARTUP", "PERL5OPT",
                                 "PATH", "HOME", "SCRIPTED_MODE", "OTHER_TOKEN"}) {
        INFO(variable);
        auto e = expect_connector_error(io, [&]() -> asio::awaitable<void> {
            json body = {{"server_id", server.id},
                         {"auth_config", api_key_in(variable, "--import=data:text/javascript,import('child_process')")}};
            co_await m->test_connection(alice, body);
        });
        CHECK(e.value() == pc::errc::invalid_request);
        CHECK(std::string(e.what()).find("child_process") == std::string::npos);
    }
    // Other credential forms make no sense for a process, and the endpoint is the catalog's alone.
    for (json body : {json{{"server_id", server.id}, {"auth_config", {{"type", "bearer"}, {"token", "t"}}}},
                      json{{"server_id", server.id}, {"auth_config", {{"type", "api_key"}, {"key", "k"}, {"header", "X-K"}}}},
                      json{{"server_id", server.id}, {"args", {"-c", "import os; os.system('id')"}}},
                      json{{"server_id", server.id}, {"env", {{"LD_PRELOAD", "/tmp/x.so"}}}},
                      json{{"server_id", server.id}, {"command", "/bin/sh"}}}) {
        INFO(body.dump());
        auto e = expect_connector_error(io, [&]() -> asio::awaitable<void> { co_await m->test_connection(alice, body); });
        CHECK(e.value() == pc::errc::invalid_request);
    }
    // Describing a command directly is for administrators only.
    auto direct = expect_connector_error(io, [&]() -> asio::awaitable<void> {
        json body = {{"name", "mine"}, {"transport", "stdio"}, {"command", "/bin/sh"}, {"args", {"-c", "id"}}};
        co_await m->create_connector(alice, body);
    });
    CHECK(direct.value() == pc::errc::transport_not_allowed);

    // The declared variable works, and the child gets exactly the allow-list, the server's variables and it.
    const pc::session_key s{"t1", "alice", "default"};
    pc::connector c;
    json env;
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        json body = {{"name", "scripted"}, {"server_id", server.id}, {"auth_config", {{"type", "api_key"}, {"key", "tok-1"}}}};
        c = co_await m->create_connector(alice, body);
        CHECK(c.to_json().dump().find(POLYMCP_SCRIPTED_SERVER) == std::string::npos);  // the endpoint is not copied
        co_await m->connect(s, c.id);
        std::string tool = "scripted__environment";
        json args = json::object();
        auto r = co_await m->call_tool(s, tool, args);
        env = r.structured_content["env"];
        CHECK(r.structured_content["argv"] == json{"connector"});
    });
    CHECK(env["SCRIPTED_TOKEN"] == "tok-1");
    CHECK(env["SCRIPTED_MODE"] == "test");
    CHECK_FALSE(env.contains("POLYMCP_TEST_GATEWAY_SECRET"));
    const std::set<std::string> allowed{"PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "USER", "SCRIPTED_MODE",
                                        "SCRIPTED_TOKEN", "LC_CTYPE" /* set by Python itself in a C locale */};
    for (auto it = env.begin(); it != env.end(); ++it) {
        INFO(it.key());
        CHECK(allowed.count(it.key()) == 1);
    }

    // The owner rotates the credential of a connector made from a catalog stdio server.
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        json patch = {{"auth_config", {{"type", "api_key"}, {"key", "tok-2"}}}};
        co_await m->update_connector(alice, c.id, patch);
        co_await m->connect(s, c.id);
        std::string tool = "scripted__environment";
        json args = json::object();
        auto r = co_await m->call_tool(s, tool, args);
        CHECK(r.structured_content["env"]["SCRIPTED_TOKEN"] == "tok-2");
    });
    // ... but not its endpoint.
    auto moved = expect_connector_error(io, [&]() -> asio::awaitable<void> {
        json patch = {{"args", {"-c", "id"}}};
        co_await m->update_connector(alice, c.id, patch);
    });
    CHECK(moved.value() == pc::errc::invalid_request);

    // A credential stored in an undeclared variable (written around the API) is refused when the child starts.
    auto stored = expect_connector_error(io, [&]() -> asio::awaitable<void> {
        auto [config, version] = co_await m->connectors().auth_config(alice, c.id);
        json evil = api_key_in("LD_PRELOAD", "/tmp/evil.so");
        co_await m->connectors().replace_auth_config(alice, c.id, evil, version);
        co_await m->logout(s);
        co_await m->connect(s, c.id);
    });
    CHECK(stored.value() == pc::errc::invalid_request);
    CHECK(std::string(stored.what()).find("LD_PRELOAD") != std::string::npos);
    ::unsetenv("POLYMCP_TEST_GATEWAY_SECRET");
    m->close_all();
}

TEST_CASE("catalog servers: secrets only in a sealed auth_config, never shown, never copied",
          "[connectors][security]") {
    asio::io_context io;
    auto storage = std::make_shared<st::memory_storage>();
    auto m = make_manager(io, storage);
    // Credentials anywhere but auth_config are refused, with where they belong.
    for (json bad : {json{{"name", "a"}, {"url", "https://mcp.example.com/mcp"}, {"headers", {{"Authorization", "Bearer x"}}}},
                     json{{"name", "a"}, {"url", "https://mcp.example.com/mcp"}, {"headers", {{"cookie", "sid=1"}}}},
                     json{{"name", "a"}, {"url", "https://mcp.example.com/mcp"}, {"headers", {{"Proxy-Authorization", "x"}}}},
                     json{{"name", "a"}, {"url", "https://mcp.example.com/mcp"}, {"headers", {{"X-API-Key", "x"}}}},
                     json{{"name", "a"}, {"url", "https://mcp.example.com/mcp"}, {"headers", {{"X-Auth-Token", "x"}}}},
                     json{{"name", "a"}, {"url", "https://user:pass@mcp.example.com/mcp"}},
                     json{{"name", "a"}, {"url", "https://token@mcp.example.com/mcp"}},
                     json{{"name", "a"}, {"url", "https://mcp.example.com/mcp?api_key=123"}},
                     json{{"name", "a"}, {"url", "https://mcp.example.com/mcp"}, {"query", {{"access_token", "x"}}}},
                     json{{"name", "a"}, {"url", "https://mcp.example.com/mcp"}, {"headers", {{"Host", "internal"}}}},
                     json{{"name", "a"}, {"url", "https://mcp.example.com/mcp"}, {"headers", {{"Content-Length", "0"}}}},
                     json{{"name", "a"}, {"url", "https://mcp.example.com/mcp"}, {"headers", {{"Mcp-Session-Id", "x"}}}},
                     json{{"name", "a\nb"}, {"url", "https://mcp.example.com/mcp"}},
                     json{{"name", std::string("a\0b", 3)}, {"url", "https://mcp.example.com/mcp"}}}) {
        INFO(bad.dump());
        auto e = expect_connector_error(io, [&]() -> asio::awaitable<void> { co_await m->create_server(admin, bad); });
        CHECK(e.value() == pc::errc::invalid_request);
        CHECK(std::string(e.what()).find("user:pass") == std::string::npos);
    }
    auto header = expect_connector_error(io, [&]() -> asio::awaitable<void> {
        json bad = {{"name", "a"}, {"url", "https://mcp.example.com/mcp"}, {"headers", {{"Authorization", "Bearer x"}}}};
        co_await m->create_server(admin, bad);
    });
    CHECK(std::string(header.what()).find("auth_config") != std::string::npos);

    // A server's own credential: sealed at rest, never in any JSON form, delivered to the child.
    pc::server_record server;
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        json body = scripted_server({{"auth_config", {{"type", "api_key"}, {"env", "SERVER_KEY"}, {"key", "server-s3cret"}}}});
        server = co_await m->create_server(admin, body);
        CHECK(server.auth_type == "api_key");
        CHECK(server.to_json().dump().find("server-s3cret") == std::string::npos);
        auto stored = co_await m->servers().read_server(server.id);
        REQUIRE(stored);
        std::string collection = "polymcp_mcp_servers";
        std::error_code ec;
        auto rec = co_await storage->async_read(collection, server.id, asio::redirect_error(asio::use_awaitable, ec));
        REQUIRE(rec);
        CHECK(rec->data.dump().find("server-s3cret") == std::string::npos);  // sealed at rest
        // A user sees where it runs, not its arguments or environment.
        auto list = co_await m->servers().list_servers(alice);
        REQUIRE(list.size() == 1);
        auto view = list.front().to_json(pc::catalog<st::memory_storage>::may_manage(alice, list.front()));
        CHECK_FALSE(view.contains("args"));
        CHECK_FALSE(view.contains("env"));
        CHECK(view["credential_env"] == json{"SCRIPTED_TOKEN"});
        CHECK(pc::catalog<st::memory_storage>::may_manage(admin, list.front()));

        json c = {{"name", "scripted"}, {"server_id", server.id}, {"auth_config", {{"type", "api_key"}, {"key", "u"}}}};
        auto made = co_await m->create_connector(alice, c);
        const pc::session_key s{"t1", "alice", "default"};
        co_await m->connect(s, made.id);
        std::string tool = "scripted__environment";
        json args = json::object();
        auto r = co_await m->call_tool(s, tool, args);
        CHECK(r.structured_content["env"]["SERVER_KEY"] == "server-s3cret");
        CHECK(r.structured_content["env"]["SCRIPTED_TOKEN"] == "u");
        auto own = co_await m->connectors().get(alice, made.id);
        CHECK(own.to_json().dump().find("SCRIPTED_MODE") == std::string::npos);  // nothing of the server copied
    });
    // An HTTP server's URL is shown to users as its origin only (a path may hold a token).
    pc::endpoint ep = pc::endpoint::from_json({{"url", "https://mcp.example.com:8443/v1/sk-secret-path/mcp"}});
    CHECK(ep.to_public_json()["url"] == "https://mcp.example.com:8443");
    m->close_all();
}

TEST_CASE("auth_config: a malformed one is refused with 400 naming its member, on every path that takes one",
          "[connectors][security]") {
    asio::io_context io;
    auto m = make_manager(io, std::make_shared<st::memory_storage>());
    pc::server_record stdio_server, http_server;
    pc::connector stored;
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        json body = scripted_server();
        stdio_server = co_await m->create_server(admin, body);
        json http = {{"name", "remote"}, {"url", "https://mcp.example.com/mcp"}, {"public", true}};
        http_server = co_await m->create_server(admin, http);
        pc::connector c;
        c.name = "stored";
        c.server = pc::endpoint::from_json({{"url", "https://mcp.example.com/mcp"}});
        json bearer = {{"type", "bearer"}, {"token", "t"}};
        stored = co_await m->connectors().insert(alice, c, bearer);
    });
    // Each is read before it is validated (an api_key's default variable, a sign-in's request): none may throw
    // anything but the validation's own error.
    const std::vector<json> malformed = {
        json{{"type", json::array({"--ro"})}, {"key", "s1cr%t-license-key-0123456789"}},
        json{{"type", 5}},
        json{{"type", nullptr}},
        json{{"type", json::object()}},
        json{{"type", "api_key"}, {"key", 5}},
        json{{"type", "api_key"}, {"key", "k"}, {"env", 5}},
        json{{"type", "oauth_sign_in"}, {"client_id", 5}},
        json{{"type", "oauth_sign_in"}, {"registered_client", true}},
        json("api_key"),
        json::array({1}),
    };
    using op = std::function<asio::awaitable<void>(json)>;
    const std::vector<std::pair<std::string, op>> paths = {
        {"create_server (stdio)",
         [&](json a) -> asio::awaitable<void> {
             json b = scripted_server({{"name", "other"}, {"auth_config", a}});
             co_await m->create_server(admin, b);
         }},
        {"create_server (http)",
         [&](json a) -> asio::awaitable<void> {
             json b = {{"name", "other"}, {"url", "https://mcp.example.com/mcp"}, {"auth_config", a}};
             co_await m->create_server(admin, b);
         }},
        {"update_server",
         [&](json a) -> asio::awaitable<void> {
             json b = {{"auth_config", a}};
             co_await m->update_server(admin, stdio_server.id, b);
         }},
        {"create_connector (catalog stdio)",
         [&](json a) -> asio::awaitable<void> {
             json b = {{"name", "mine"}, {"server_id", stdio_server.id}, {"auth_config", a}};
             co_await m->create_connector(alice, b);
         }},
        {"create_connector (catalog http)",
         [&](json a) -> asio::awaitable<void> {
             json b = {{"name", "mine"}, {"server_id", http_server.id}, {"auth_config", a}};
             co_await m->create_connector(alice, b);
         }},
        {"create_connector (url)",
         [&](json a) -> asio::awaitable<void> {
             json b = {{"name", "mine"}, {"url", "https://mcp.example.com/mcp"}, {"auth_config", a}};
             co_await m->create_connector(alice, b);
         }},
        {"update_connector",
         [&](json a) -> asio::awaitable<void> {
             json b = {{"auth_config", a}};
             co_await m->update_connector(alice, stored.id, b);
         }},
    };
    for (const auto& [name, call] : paths)
        for (const auto& a : malformed) {
            INFO(name << " with " << a.dump());
            auto e = expect_connector_error(io, [&]() -> asio::awaitable<void> { co_await call(a); });
            CHECK(e.value() == pc::errc::invalid_request);
            CHECK(pc::response_status(e.value()) == 400);
            CHECK_THAT(e.what(), Catch::Contains("auth_config"));
            CHECK_THAT(e.what(), !Catch::Contains("s1cr%t"));  // never echoes a secret
        }
    // Nothing was stored or changed by them.
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        auto servers = co_await m->servers().list_servers(admin);
        CHECK(servers.size() == 2);
        auto mine = co_await m->connectors().list(alice);
        REQUIRE(mine.size() == 1);
        auto [config, version] = co_await m->connectors().auth_config(alice, stored.id);
        CHECK(config == json{{"type", "bearer"}, {"token", "t"}});
    });
    m->close_all();
}

TEST_CASE("revocation: a disabled or deleted catalog server or connector stops at once, on every instance",
          "[connectors][security]") {
    asio::io_context io;
    auto storage = std::make_shared<st::memory_storage>();
    auto key = polymcp::crypto::fernet::generate_key();
    auto o = test_options();
    o.upstream_idle_timeout = 400ms;  // the periodic check runs every 100 ms
    auto a = make_manager(io, storage, o, key);
    auto b = make_manager(io, storage, o, key);  // a second gateway instance on the same storage
    const pc::session_key s{"t1", "alice", "default"};
    std::atomic<int> changes{0};
    auto sub = a->subscribe(s, [&] { ++changes; });
    const std::string tool = "scripted__seen";
    auto [server, c] = used_on_both(io, *a, *b, s, tool);
    CHECK(a->live_upstreams() == 1);
    CHECK(b->live_upstreams() == 1);

    auto call_fails = [&](std::shared_ptr<manager> m) {
        return expect_connector_error(io, [&]() -> asio::awaitable<void> {
            std::string t = tool;
            json args = json::object();
            co_await m->call_tool(s, t, args);
        });
    };
    SECTION("disabling the catalog server") {
        changes = 0;
        test::run_coro(io, [&]() -> asio::awaitable<void> {
            json patch = {{"enabled", false}};
            co_await a->update_server(admin, server.id, patch);
        });
        CHECK(a->live_upstreams() == 0);  // closed here at once
        CHECK(changes >= 1);              // list_changed for the session
        test::run_coro(io, [&]() -> asio::awaitable<void> {
            auto agg = co_await a->tools(s);
            CHECK(tool_names(agg).count(tool) == 0);
            auto other = co_await b->tools(s);
            CHECK(tool_names(other).count(tool) == 0);
        });
        auto e = call_fails(a);
        CHECK(e.value() == pc::errc::disabled);
        auto e2 = call_fails(b);  // the other instance refuses too, and closes its upstream
        CHECK(e2.value() == pc::errc::disabled);
        CHECK(b->live_upstreams() == 0);
        auto reconnect = expect_connector_error(io, [&]() -> asio::awaitable<void> { co_await a->connect(s, c.id); });
        CHECK(reconnect.value() == pc::errc::disabled);
    }
    SECTION("another instance closes its child and tells its sessions without a call") {
        std::atomic<int> b_changes{0};
        auto b_sub = b->subscribe(s, [&] { ++b_changes; });
        test::run_coro(io, [&]() -> asio::awaitable<void> {
            json patch = {{"enabled", false}};
            co_await a->update_server(admin, server.id, patch);
            asio::steady_timer t(io);
            for (int i = 0; i < 200 && b->live_upstreams() > 0; ++i) {
                t.expires_after(20ms);
                co_await t.async_wait(asio::use_awaitable);
            }
        });
        CHECK(b->live_upstreams() == 0);  // at once, through the storage's channel
        CHECK(b_changes >= 1);
        b->unsubscribe(b_sub);
    }
    SECTION("deleting the catalog server") {
        test::run_coro(io, [&]() -> asio::awaitable<void> { co_await a->delete_server(admin, server.id); });
        CHECK(a->live_upstreams() == 0);
        CHECK(call_fails(a).value() == pc::errc::disabled);
        CHECK(call_fails(b).value() == pc::errc::disabled);
    }
    SECTION("disabling the connector") {
        changes = 0;
        test::run_coro(io, [&]() -> asio::awaitable<void> {
            json patch = {{"enabled", false}};
            co_await b->update_connector(alice, c.id, patch);  // on the other instance this time
        });
        CHECK(b->live_upstreams() == 0);
        CHECK(call_fails(a).value() == pc::errc::disabled);
        CHECK(a->live_upstreams() == 0);
        test::run_coro(io, [&]() -> asio::awaitable<void> {
            auto agg = co_await a->tools(s);
            CHECK(tool_names(agg).count(tool) == 0);
            json patch = {{"enabled", true}};
            co_await a->update_connector(alice, c.id, patch);
            agg = co_await a->tools(s);
            CHECK(tool_names(agg).count(tool) == 1);  // enabled again: the session's connection comes back
        });
        CHECK(changes >= 1);
    }
    a->unsubscribe(sub);
    a->close_all();
    b->close_all();
}

TEMPLATE_TEST_CASE("revocation reaches a gateway process on another storage object at once, through the storage's channel",
                   "[connectors][security][channels]", st::redis_storage, st::postgres_storage) {
    two_processes<TestType> f(test_options());  // upstream_idle_timeout 10 min: the periodic check would wait 30 s
    auto& io = f.io;
    auto &a = f.a, &b = f.b;
    const pc::session_key s{"t1", "alice", "default"};
    const std::string tool = "scripted__seen";
    auto [server, c] = used_on_both(io, *a, *b, s, tool);
    REQUIRE(a->live_upstreams() == 1);
    REQUIRE(b->live_upstreams() == 1);
    std::atomic<int> b_changes{0};
    auto sub = b->subscribe(s, [&] { ++b_changes; });

    int revocation = 0;
    SECTION("a connector disabled") { revocation = 0; }
    SECTION("a catalog server deleted") { revocation = 1; }
    SECTION("a catalog server's credentials changed") { revocation = 2; }
    const auto t0 = std::chrono::steady_clock::now();
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        if (revocation == 0) {
            json patch = {{"enabled", false}};
            co_await a->update_connector(alice, c.id, patch);
        } else if (revocation == 1) {
            co_await a->delete_server(admin, server.id);
        } else {
            json patch = {{"auth_config", {{"type", "none"}}}};
            co_await a->update_server(admin, server.id, patch);
        }
        asio::steady_timer t(io);
        for (int i = 0; i < 250 && (b->live_upstreams() > 0 || b_changes == 0); ++i) {
            t.expires_after(20ms);
            co_await t.async_wait(asio::use_awaitable);
        }
    });
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
    CHECK(a->live_upstreams() == 0);
    CHECK(b->live_upstreams() == 0);  // its child closed without a call on it
    CHECK(b_changes >= 1);            // and its session told (list_changed)
    CHECK(took < 2s);
    WARN("the other process closed its upstream and notified its session " << took.count() << " ms after the revocation");
    b->unsubscribe(sub);
    a->close_all();
    b->close_all();
}

TEST_CASE("limits: children and upstream sessions per user, session names, connection tests, idle children",
          "[connectors][security]") {
    asio::io_context io;
    auto o = test_options();
    o.max_stdio_children_per_user = 2;
    o.max_sessions_per_user = 2;
    o.max_tests_per_minute = 4;
    o.upstream_idle_timeout = 300ms;
    auto m = make_manager(io, std::make_shared<st::memory_storage>(), o);
    pc::server_record server;
    pc::connector c;
    // Named locals: docs/portability.md.
    const pc::session_key s1{"t1", "alice", "s1"}, s2{"t1", "alice", "s2"}, s3{"t1", "alice", "s3"};
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        json body = scripted_server();
        server = co_await m->create_server(admin, body);
        json cb = {{"name", "scripted"}, {"server_id", server.id}};
        c = co_await m->create_connector(alice, cb);  // test 1
        co_await m->connect(s1, c.id);
        co_await m->connect(s1, c.id);  // connecting again replaces, does not add
        co_await m->connect(s2, c.id);
        CHECK(m->live_upstreams() == 2);
    });
    // A third session name is over max_sessions_per_user.
    auto sessions = expect_connector_error(io, [&]() -> asio::awaitable<void> { co_await m->connect(s3, c.id); });
    CHECK(sessions.value() == pc::errc::limit_reached);
    CHECK(pc::response_status(sessions.value()) == 429);
    // A test of a stdio server would be a third child.
    auto children = expect_connector_error(io, [&]() -> asio::awaitable<void> {
        json body = {{"server_id", server.id}};
        co_await m->test_connection(alice, body);  // test 2
    });
    CHECK(children.value() == pc::errc::limit_reached);
    CHECK(std::string(children.what()).find("max_stdio_children_per_user") != std::string::npos);
    // Logging out of a session frees its name and its child.
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        co_await m->logout(s2);
        co_await m->connect(s3, c.id);
        json body = {{"url", "http://127.0.0.1:1/mcp"}};
        co_await m->test_connection(alice, body);  // test 3: an HTTP server is no child
        co_await m->test_connection(alice, body);  // test 4
    });
    auto rate = expect_connector_error(io, [&]() -> asio::awaitable<void> {
        json body = {{"url", "http://127.0.0.1:1/mcp"}};
        co_await m->test_connection(alice, body);  // test 5
    });
    CHECK(rate.value() == pc::errc::rate_limited);
    // Idle children are reaped without any further call.
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        asio::steady_timer t(io);
        for (int i = 0; i < 250 && m->live_upstreams() > 0; ++i) {  // up to 5 s, under a loaded machine
            t.expires_after(20ms);
            co_await t.async_wait(asio::use_awaitable);
        }
    });
    CHECK(m->live_upstreams() == 0);
    m->close_all();
}

TEST_CASE("tenants: a caller without one publishes nothing; ids of any length are answered 404",
          "[connectors][security]") {
    asio::io_context io;
    auto m = make_manager(io, std::make_shared<st::memory_storage>());
    const pc::caller tenantless{"", "mallory", true};
    auto e = expect_connector_error(io, [&]() -> asio::awaitable<void> {
        json body = {{"name", "everyone"}, {"url", "https://mcp.example.com/mcp"}, {"public", true}};
        co_await m->create_server(tenantless, body);
    });
    CHECK(e.value() == pc::errc::forbidden);
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        json global = {{"name", "global"}, {"url", "https://mcp.example.com/mcp"}};
        co_await m->put_global_server(global);  // the configuration may publish to every tenant
        auto seen = co_await m->servers().list_servers(alice);
        CHECK(seen.size() == 1);
        auto none = co_await m->servers().list_servers(tenantless);
        CHECK(none.empty());
    });
    for (std::string id : {std::string(600, 'a'), "con_" + std::string(5000, '0'), std::string("con_\xff\xfe"), std::string()}) {
        auto nf = expect_connector_error(io, [&]() -> asio::awaitable<void> { co_await m->connectors().get(alice, id); });
        CHECK(nf.value() == pc::errc::not_found);
        CHECK(json(nf.what()).dump(-1, ' ', false, json::error_handler_t::strict).size() < 200);
        auto ns = expect_connector_error(io, [&]() -> asio::awaitable<void> { co_await m->servers().get_server(alice, id); });
        CHECK(ns.value() == pc::errc::not_found);
    }
}

TEST_CASE("an upstream's invalid UTF-8 is quoted as valid text, never an error of its own", "[connectors][security]") {
    // Bodies an upstream answers with: not JSON, cut by the excerpt inside a character, or plain bad bytes.
    std::string body(199, 'x');
    body += "\xE2\x82\xAC\xFF\xFE more";
    polymcp::test::fake_http_server upstream([&](polymcp::http::request, std::shared_ptr<polymcp::http::responder> res) {
        res->respond(polymcp::http::response::with_body(500, "text/html", body));
    });
    asio::io_context io;
    auto m = make_manager(io, std::make_shared<st::memory_storage>());
    pc::validation_result r;
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        json b = {{"url", upstream.url("/mcp")}};
        r = co_await m->test_connection(alice, b);
    });
    CHECK_FALSE(r.success);
    CHECK(r.error == pc::errc::http_error);
    std::string text;
    CHECK_NOTHROW(text = r.to_json().dump(-1, ' ', false, json::error_handler_t::strict));
    CHECK(text.find("xxx") != std::string::npos);  // the excerpt is there, repaired
    m->close_all();
}

TEST_CASE("SSRF: addresses that embed or translate to IPv4 are classified by what they reach",
          "[connectors][security][ssrf]") {
    pc::ssrf_policy p;
    for (const char* a : {"::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::ffff:0:0", "::ffff:0.0.0.0",
                          "::ffff:0:127.0.0.1", "::ffff:0:a00:1", "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe",
                          "64:ff9b:1::a00:1", "2002:7f00:1::", "2002:a9fe:a9fe::1", "2001:0:4136:e378:8000:63bf:3fff:fdd2",
                          "::127.0.0.1", "::", "::1", "fe80::1", "fc00::1", "100::1", "2001:db8::1", "0.0.0.0",
                          "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
                          "192.0.0.170", "198.18.0.1", "192.0.2.1", "198.51.100.1", "203.0.113.1", "240.0.0.1",
                          "255.255.255.255", "224.0.0.1"}) {
        INFO(a);
        CHECK_FALSE(p.allows(asio::ip::make_address(a)));
    }
    for (const char* a : {"93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "::ffff:93.184.216.34",
                          "64:ff9b::5db8:d822", "2002:5db8:d822::1"}) {
        INFO(a);
        CHECK(p.allows(asio::ip::make_address(a)));
    }
}

TEMPLATE_TEST_CASE("what the call path keeps in an instance follows changes made on another at once",
                   "[connectors][channels]", st::redis_storage, st::postgres_storage) {
    auto o = test_options();
    o.view_ttl = std::chrono::minutes(10);  // only the channel can make a kept view go
    two_processes<TestType> f(o);
    auto& io = f.io;
    auto &a = f.a, &b = f.b;
    const pc::session_key s{"t1", "alice", "default"};
    const std::string tool = "scripted__seen";
    auto [server, c] = used_on_both(io, *a, *b, s, tool);  // b keeps the session's view now

    // Polls b's tools for up to 2 s until `wanted` tells it saw the change.
    auto b_sees = [&](auto wanted) {
        bool seen = false;
        test::run_coro(io, [&]() -> asio::awaitable<void> {
            asio::steady_timer t(io);
            for (int i = 0; i < 100 && !seen; ++i) {
                seen = wanted(tool_names(co_await b->tools(s)).count(tool));
                if (seen) break;
                t.expires_after(20ms);
                co_await t.async_wait(asio::use_awaitable);
            }
        });
        return seen;
    };
    auto b_call = [&]() {
        return expect_connector_error(io, [&]() -> asio::awaitable<void> {
            std::string t = tool;
            json args = json::object();
            co_await b->call_tool(s, t, args);
        });
    };

    // A disconnect on A: gone from B's tools, and B's calls fail, long before view_ttl.
    test::run_coro(io, [&]() -> asio::awaitable<void> { co_await a->disconnect(s, c.id); });
    CHECK(b_sees([](std::size_t n) { return n == 0; }));
    CHECK(b_call().value() == pc::errc::unknown_tool);

    // A connect on A: B calls it again.
    test::run_coro(io, [&]() -> asio::awaitable<void> { co_await a->connect(s, c.id); });
    CHECK(b_sees([](std::size_t n) { return n == 1; }));

    // Disabled on A: B's kept view says so; enabled again on A: B follows.
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        json patch = {{"enabled", false}};
        co_await a->update_connector(alice, c.id, patch);
    });
    CHECK(b_sees([](std::size_t n) { return n == 0; }));
    CHECK(b_call().value() == pc::errc::disabled);
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        json patch = {{"enabled", true}};
        co_await a->update_connector(alice, c.id, patch);
    });
    CHECK(b_sees([](std::size_t n) { return n == 1; }));
    a->close_all();
    b->close_all();
}
