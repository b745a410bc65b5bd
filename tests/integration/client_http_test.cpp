// The MCP client over Streamable HTTP: polymcp::client::session with
// streamable_http_transport (libcurl multi on the Asio loop) against
// examples/everything_server run as a real process, and against HTTP
// servers that misbehave on purpose (polymcp::http::server with handlers
// written to misbehave), on loopback.

#include <polymcp/client.hpp>
#include <polymcp/client/streamable_http.hpp>
#include <polymcp/http/server.hpp>

#include "support/client_walkthrough.hpp"
#include "support/everything_http.hpp"
#include "support/fake_http_server.hpp"
#include "support/expect_client_error.hpp"
#include "support/http_client.hpp"
#include "support/listening_process.hpp"
#include "support/run_coro.hpp"
#include "support/test_certificate.hpp"

#include <catch2/catch.hpp>

#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <chrono>
#include <cstdlib>
#include <csignal>
#include <mutex>
#include <thread>


namespace mc = polymcp::client;
using polymcp::json;
using namespace std::chrono_literals;

namespace {

using polymcp::test::free_port;

using polymcp::test::everything_http;

using fake_server = polymcp::test::fake_http_server;

using polymcp::http::request;
using polymcp::http::response;
using responder_ptr = std::shared_ptr<polymcp::http::responder>;

response json_response(const json& j) { return response::with_body(200, "application/json", j.dump()); }

json initialize_result(const json& req, const std::string& version = "2025-11-25") {
    return {{"jsonrpc", "2.0"},
            {"id", req["id"]},
            {"result",
             {{"protocolVersion", version}, {"capabilities", json::object()}, {"serverInfo", {{"name", "fake"}, {"version", "1"}}}}}};
}

std::shared_ptr<mc::streamable_http_transport> http_transport(asio::io_context& io, mc::http_options o) {
    return std::make_shared<mc::streamable_http_transport>(io.get_executor(), std::move(o));
}

using polymcp::test::expect_error;

/// Initializes a session on `url` and returns the error it fails with.
mc::client_error initialize_error(asio::io_context& io, mc::http_options o,
                                  std::chrono::milliseconds timeout = 10s) {
    mc::session s(http_transport(io, std::move(o)));
    std::optional<mc::client_error> out;
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        mc::request_options ro;
        ro.timeout = timeout;
        out = co_await expect_error([&]() -> asio::awaitable<void> { co_await s.initialize(ro); });
        co_await s.close();
    });
    REQUIRE(out);
    return *out;
}

}  // namespace

TEST_CASE("client over Streamable HTTP: every client call against everything_server", "[client][http]") {
    everything_http server;
    asio::io_context io;
    auto t = http_transport(io, {.url = server.url()});
    polymcp::test::walkthrough_log log;
    mc::session s(t, polymcp::test::walkthrough_options(log));
    std::string session_id;
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        co_await polymcp::test::walk_everything(s, log);
        session_id = t->session_id();
        CHECK(session_id.size() >= 16);
        co_await s.close();
    });
    // close() ended the session with DELETE: the server no longer knows the id.
    polymcp::test::http_client c(server.port());
    c.send(polymcp::test::make_request("POST", "/mcp", R"({"jsonrpc":"2.0","id":1,"method":"ping"})",
                                       "Content-Type: application/json\r\n"
                                       "Accept: application/json, text/event-stream\r\n"
                                       "Mcp-Session-Id: " + session_id + "\r\n"
                                       "MCP-Protocol-Version: 2025-11-25\r\n"));
    auto r = c.read();
    REQUIRE(r);
    CHECK(r->status == 404);
}

TEST_CASE("client over Streamable HTTP: every client call against everything_server, statelessly (2026-07-28)",
          "[client][http][stateless]") {
    everything_http server;
    asio::io_context io;
    auto t = http_transport(io, {.url = server.url()});
    polymcp::test::walkthrough_log log;
    // The default, dual-era session finds that everything_server speaks 2026-07-28.
    mc::session s(t, polymcp::test::walkthrough_options(log, mc::protocol_era::dual));
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        co_await polymcp::test::walk_everything(s, log, "2026-07-28");
        CHECK(t->session_id().empty());  // no protocol session
        co_await s.close();
    });
}

TEST_CASE("client over Streamable HTTP: resources/updated on a subscriptions/listen stream (2026-07-28)",
          "[client][http][stateless]") {
    everything_http server;
    asio::io_context io;
    polymcp::test::check_resource_updated(io, http_transport(io, {.url = server.url()}), mc::protocol_era::modern);
}

TEST_CASE("client over Streamable HTTP: a stream closed mid-call is resumed with Last-Event-ID", "[client][http]") {
    everything_http server;
    asio::io_context io;
    mc::session s(http_transport(io, {.url = server.url()}), {.era = mc::protocol_era::legacy});
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        co_await s.initialize();
        std::string name = "test_reconnection";
        auto r = co_await s.call_tool(name, nullptr);
        CHECK(std::get<polymcp::text_content>(r.content[0]).text.find("Reconnection test completed successfully") == 0);
        co_await s.close();
    });
}

TEST_CASE("client over Streamable HTTP: notifications on the GET stream", "[client][http]") {
    everything_http server;
    asio::io_context io;
    polymcp::test::check_resource_updated(io, http_transport(io, {.url = server.url()}));
}

TEST_CASE("client over Streamable HTTP: TLS is verified unless the CA is given", "[client][http][tls]") {
    polymcp::test::test_certificate cert;
    everything_http server({"--tls-cert", cert.cert, "--tls-key", cert.key});
    asio::io_context io;
    auto e = initialize_error(io, {.url = server.url("https")});
    CHECK(e.value() == mc::errc::tls_error);

    mc::session s(http_transport(io, {.url = server.url("https"), .ca_file = cert.cert}));
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        auto init = co_await s.initialize();
        CHECK(init.server_info.name == "mcp-conformance-test-server");
        co_await s.close();
    });
}

TEST_CASE("client over Streamable HTTP: custom headers, query parameters and a bearer token", "[client][http]") {
    std::mutex m;
    std::vector<request> seen;
    fake_server fake([&](request req, responder_ptr res) {
        {
            std::lock_guard lock(m);
            seen.push_back(req);
        }
        auto j = json::parse(req.body, nullptr, false);
        if (req.method == "POST" && j.value("method", "") == "initialize") {
            auto r = json_response(initialize_result(j));
            r.fields.set("Mcp-Session-Id", "session-1");
            return res->respond(std::move(r));
        }
        if (req.method == "POST" && j.contains("id")) return res->respond(json_response({{"jsonrpc", "2.0"}, {"id", j["id"]}, {"result", json::object()}}));
        if (req.method == "GET") return res->respond(response::error(405));
        res->respond(response{202, {}, {}});
    });
    asio::io_context io;
    mc::http_options o{.url = fake.url("/mcp?tenant=a%26b"),
                       .headers = {{"X-Api-Key", "k-123"}},
                       .query = {{"region", "eu west"}},
                       .auth = std::make_shared<mc::bearer_token>("tok-xyz")};
    mc::session s(http_transport(io, o), {.era = mc::protocol_era::legacy});
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        co_await s.initialize();
        co_await s.ping();
        co_await s.close();
    });
    std::lock_guard lock(m);
    REQUIRE(seen.size() >= 4);  // initialize, initialized, ping, DELETE (and maybe GET)
    for (const auto& r : seen) {
        CHECK(r.target == "/mcp?tenant=a%26b&region=eu%20west");
        CHECK(r.fields.get("X-Api-Key").value_or("") == "k-123");
        CHECK(r.fields.get("Authorization").value_or("") == "Bearer tok-xyz");
    }
    CHECK_FALSE(seen[0].fields.contains("Mcp-Session-Id"));
    CHECK(seen[0].fields.get("Accept").value_or("") == "application/json, text/event-stream");
    CHECK(seen[1].fields.get("Mcp-Session-Id").value_or("") == "session-1");
    CHECK(seen[1].fields.get("MCP-Protocol-Version").value_or("") == "2025-11-25");
    CHECK(seen.back().method == "DELETE");
    CHECK(seen.back().fields.get("Mcp-Session-Id").value_or("") == "session-1");
}

TEST_CASE("client over Streamable HTTP: servers that misbehave give typed errors", "[client][http]") {
    std::mutex m;
    std::vector<responder_ptr> parked;  // answers never sent
    fake_server fake([&](request req, responder_ptr res) {
        auto path = std::string(req.path());
        auto j = json::parse(req.body, nullptr, false);
        if (path == "/html") return res->respond(response::with_body(200, "text/html", "<!DOCTYPE html><html>Hello</html>"));
        if (path == "/badjson") return res->respond(response::with_body(200, "application/json", "{\"jsonrpc\": 2.0, oops"));
        if (path == "/huge")
            return res->respond(response::with_body(200, "application/json", std::string(2 * 1024 * 1024, ' ') + "{}"));
        if (path == "/redirect") {
            response r{302, {}, {}};
            r.fields.set("Location", "http://elsewhere.example/mcp");
            return res->respond(std::move(r));
        }
        if (path == "/auth") {
            response r = response::with_body(401, "application/json",
                                             R"({"error":"invalid_token","error_description":"no token"})");
            r.fields.set("WWW-Authenticate",
                         "Bearer realm=\"mcp\", error=\"invalid_token\", "
                         "resource_metadata=\"https://rs.example/.well-known/oauth-protected-resource/mcp\", "
                         "scope=\"files:read files:write\"");
            return res->respond(std::move(r));
        }
        if (path == "/500") return res->respond(response::with_body(500, "text/plain", "boom"));
        if (path == "/accepted") return res->respond(response{202, {}, {}});
        if (path == "/hang") {
            std::lock_guard lock(m);
            parked.push_back(res);
            return;
        }
        if (path == "/midstream") {
            response head{200, {}, {}};
            head.fields.set("Content-Type", "text/event-stream");
            res->begin_stream(std::move(head));
            res->write("data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{\"level\":\"info\",\"data\":\"x\"}}\n\n");
            res->end_stream();
            return;
        }
        if (path == "/version") return res->respond(json_response(initialize_result(j, "1999-01-01")));
        if (path == "/expired") {
            if (j.value("method", "") == "initialize") {
                auto r = json_response(initialize_result(j));
                r.fields.set("Mcp-Session-Id", "old-session");
                return res->respond(std::move(r));
            }
            if (req.fields.get("Mcp-Session-Id").value_or("") == "old-session" && j.value("method", "") == "ping")
                return res->respond(response::error(404));
            return res->respond(response{202, {}, {}});
        }
        res->respond(response::error(404));
    });
    // The parked responders hold connections of the fake server's io_context:
    // drop them before the server goes, however the test ends.
    struct release_parked {
        std::mutex& m;
        std::vector<responder_ptr>& parked;
        ~release_parked() {
            std::lock_guard lock(m);
            for (auto& r : parked) r->respond(response::error(503));
            parked.clear();
        }
    } release{m, parked};
    asio::io_context io;

    SECTION("HTML instead of MCP") {
        auto e = initialize_error(io, {.url = fake.url("/html")});
        CHECK(e.value() == mc::errc::invalid_mcp_server);
        CHECK(std::string(e.what()).find("text/html") != std::string::npos);
        CHECK(std::string(e.what()).find("<!DOCTYPE html>") != std::string::npos);
    }
    SECTION("invalid JSON") {
        auto e = initialize_error(io, {.url = fake.url("/badjson")});
        CHECK(e.value() == mc::errc::invalid_mcp_server);
        CHECK(std::string(e.what()).find("not JSON") != std::string::npos);
    }
    SECTION("an oversized message") {
        auto e = initialize_error(io, {.url = fake.url("/huge"), .max_message_size = 1024 * 1024});
        CHECK(e.value() == mc::errc::message_too_large);
    }
    SECTION("a redirect to another host") {
        auto e = initialize_error(io, {.url = fake.url("/redirect")});
        CHECK(e.value() == mc::errc::http_error);
        CHECK(e.http_status == 302);
        CHECK(std::string(e.what()).find("http://elsewhere.example/mcp") != std::string::npos);
    }
    SECTION("authorization required, with the challenge parsed") {
        auto e = initialize_error(io, {.url = fake.url("/auth")});
        CHECK(e.value() == mc::errc::auth_required);
        CHECK(e.http_status == 401);
        REQUIRE(e.challenge);
        CHECK(e.challenge->resource_metadata == "https://rs.example/.well-known/oauth-protected-resource/mcp");
        CHECK(e.challenge->scope == "files:read files:write");
        CHECK(e.challenge->error == "invalid_token");
    }
    SECTION("a server error") {
        auto e = initialize_error(io, {.url = fake.url("/500")});
        CHECK(e.value() == mc::errc::http_error);
        CHECK(e.http_status == 500);
        CHECK(std::string(e.what()).find("boom") != std::string::npos);
    }
    SECTION("202 with no response to a request") {
        auto e = initialize_error(io, {.url = fake.url("/accepted")});
        CHECK(e.value() == mc::errc::invalid_mcp_server);
    }
    SECTION("a server that never answers") {
        auto start = std::chrono::steady_clock::now();
        auto e = initialize_error(io, {.url = fake.url("/hang")}, 300ms);
        CHECK(e.value() == mc::errc::timeout);
        CHECK(std::chrono::steady_clock::now() - start < 5s);
    }
    SECTION("an event stream that ends before the response") {
        auto e = initialize_error(io, {.url = fake.url("/midstream")});
        CHECK(e.value() == mc::errc::connection_closed);
        CHECK(std::string(e.what()).find("before answering") != std::string::npos);
    }
    SECTION("an unknown protocol version") {
        auto e = initialize_error(io, {.url = fake.url("/version")});
        CHECK(e.value() == mc::errc::protocol_version_unsupported);
        CHECK(std::string(e.what()).find("1999-01-01") != std::string::npos);
    }
    SECTION("a session the server forgot") {
        mc::session s(http_transport(io, {.url = fake.url("/expired"), .open_get_stream = false}),
                      {.era = mc::protocol_era::legacy});
        test::run_coro(io, [&]() -> asio::awaitable<void> {
            co_await s.initialize();
            auto e = co_await expect_error([&]() -> asio::awaitable<void> { co_await s.ping(); });
            CHECK(e.value() == mc::errc::session_expired);
            CHECK(e.http_status == 404);
            co_await s.close();
        });
    }
    SECTION("nothing listening") {
        auto port = free_port();
        auto e = initialize_error(io, {.url = "http://127.0.0.1:" + std::to_string(port) + "/mcp"});
        CHECK(e.value() == mc::errc::connection_failed);
    }
    SECTION("a host name that does not resolve") {
        auto e = initialize_error(io, {.url = "http://polymcp-test.invalid/mcp"});
        CHECK(e.value() == mc::errc::dns_failure);
    }
    SECTION("URLs that cannot be used") {
        CHECK(initialize_error(io, {.url = "ftp://127.0.0.1/mcp"}).value() == mc::errc::invalid_url);
        CHECK(initialize_error(io, {.url = "not a url"}).value() == mc::errc::invalid_url);
    }
}

TEST_CASE("client over Streamable HTTP: an initialize answered on an event stream sets the session at once",
          "[client][http]") {
    // The session sends notifications/initialized as soon as the initialize
    // response event arrives, before the POST's stream has ended: the
    // session id must already be in force then.
    std::mutex m;
    std::vector<std::string> refused;
    fake_server fake([&](request req, responder_ptr res) {
        auto j = json::parse(req.body, nullptr, false);
        if (req.method == "POST" && j.value("method", "") == "initialize") {
            response head{200, {}, {}};
            head.fields.set("Content-Type", "text/event-stream");
            head.fields.set("Mcp-Session-Id", "sse-session");
            res->begin_stream(std::move(head));
            res->write("event: message\ndata: " + initialize_result(j).dump() + "\n\n");
            res->end_stream();
            return;
        }
        if (req.fields.get("Mcp-Session-Id").value_or("") != "sse-session") {
            std::lock_guard lock(m);
            refused.push_back(req.method + " " + j.value("method", ""));
            return res->respond(response::with_body(400, "text/plain", "Invalid or missing session ID"));
        }
        if (req.method == "POST" && j.contains("id"))
            return res->respond(json_response({{"jsonrpc", "2.0"}, {"id", j["id"]}, {"result", json::object()}}));
        if (req.method == "GET") return res->respond(response::error(405));
        res->respond(response{202, {}, {}});
    });
    asio::io_context io;
    mc::session s(http_transport(io, {.url = fake.url("/mcp")}), {.era = mc::protocol_era::legacy});
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        co_await s.initialize();
        co_await s.ping();
        co_await s.close();
    });
    std::lock_guard lock(m);
    CHECK(refused.empty());
}

TEST_CASE("client over Streamable HTTP: a proxy named in the environment is used", "[client][http]") {
    // The "proxy" answers as the MCP server would; libcurl sends it absolute URLs.
    std::mutex m;
    std::vector<std::string> targets;
    fake_server proxy([&](request req, responder_ptr res) {
        {
            std::lock_guard lock(m);
            targets.push_back(req.target);
        }
        auto j = json::parse(req.body, nullptr, false);
        if (req.method == "POST" && j.value("method", "") == "initialize") return res->respond(json_response(initialize_result(j)));
        if (req.method == "POST" && j.contains("id"))
            return res->respond(json_response({{"jsonrpc", "2.0"}, {"id", j["id"]}, {"result", json::object()}}));
        if (req.method == "GET") return res->respond(response::error(405));
        res->respond(response{202, {}, {}});
    });
    ::setenv("http_proxy", proxy.url().c_str(), 1);
    struct unset_proxy {
        ~unset_proxy() { ::unsetenv("http_proxy"); }
    } unset;
    asio::io_context io;
    mc::session s(http_transport(io, {.url = "http://mcp.example.invalid/mcp"}));  // resolvable only by the proxy
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        co_await s.initialize();
        co_await s.ping();
        co_await s.close();
    });
    std::lock_guard lock(m);
    REQUIRE_FALSE(targets.empty());
    CHECK(targets[0] == "http://mcp.example.invalid/mcp");
}

TEST_CASE("client over Streamable HTTP: cached lists honour ttlMs and list_changed (2026-07-28)",
          "[client][http][stateless]") {
    everything_http server({"--list-ttl", "60000"});
    asio::io_context io;
    auto has = [](const std::vector<mc::tool_info>& tools, const char* name) {
        return std::any_of(tools.begin(), tools.end(), [&](const auto& t) { return t.name == name; });
    };
    SECTION("without a list_changed callback the cached list is served until refreshed") {
        mc::session s(http_transport(io, {.url = server.url()}));
        test::run_coro(io, [&]() -> asio::awaitable<void> {
            co_await s.initialize();
            REQUIRE(s.is_stateless());
            auto before = co_await s.list_tools();
            CHECK_FALSE(has(before, "test_dynamic_tool"));
            std::string trigger = "test_trigger_tool_change";
            co_await s.call_tool(trigger, json::object());  // adds test_dynamic_tool
            auto cached = co_await s.list_tools();
            CHECK(cached.size() == before.size());  // ttlMs 60000: from memory
            mc::request_options fresh;
            fresh.use_cache = false;
            auto listed = co_await s.list_tools(fresh);
            CHECK(has(listed, "test_dynamic_tool"));
            co_await s.call_tool(trigger, json::object());  // and removes it again
            co_await s.close();
        });
    }
    SECTION("a list_changed notification on the listen stream drops the cached list") {
        int changes = 0;
        mc::session_options so;
        so.on_tools_list_changed = [&] { ++changes; };
        mc::session s(http_transport(io, {.url = server.url()}), so);
        test::run_coro(io, [&]() -> asio::awaitable<void> {
            co_await s.initialize();  // opens subscriptions/listen for toolsListChanged
            auto before = co_await s.list_tools();
            std::string trigger = "test_trigger_tool_change";
            co_await s.call_tool(trigger, json::object());
            asio::steady_timer t(io);
            for (int i = 0; i < 100 && changes == 0; ++i) {
                t.expires_after(20ms);
                co_await t.async_wait(asio::use_awaitable);
            }
            CHECK(changes >= 1);
            auto after = co_await s.list_tools();
            CHECK(has(after, "test_dynamic_tool"));
            CHECK(after.size() == before.size() + 1);
            co_await s.call_tool(trigger, json::object());
            co_await s.close();
        });
    }
}

TEST_CASE("client over Streamable HTTP: a dual-era session falls back to initialize for a legacy server",
          "[client][http][stateless]") {
    // A 2025-11-25-only server: no session means 400 with a JSON-RPC error of its own (not a modern one).
    std::mutex m;
    std::vector<std::string> methods;
    fake_server fake([&](request req, responder_ptr res) {
        auto j = json::parse(req.body, nullptr, false);
        {
            std::lock_guard lock(m);
            methods.push_back(req.method + " " + j.value("method", ""));
        }
        if (req.method == "POST" && j.value("method", "") == "initialize") {
            auto r = json_response(initialize_result(j));
            r.fields.set("Mcp-Session-Id", "legacy-1");
            return res->respond(std::move(r));
        }
        if (req.fields.get("Mcp-Session-Id").value_or("") != "legacy-1")
            return res->respond(response::with_body(
                400, "application/json",
                R"({"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"Bad Request: Server not initialized"}})"));
        if (req.method == "POST" && j.contains("id"))
            return res->respond(json_response({{"jsonrpc", "2.0"}, {"id", j["id"]}, {"result", {{"tools", json::array()}}}}));
        if (req.method == "GET") return res->respond(response::error(405));
        res->respond(response{202, {}, {}});
    });
    asio::io_context io;
    mc::session s(http_transport(io, {.url = fake.url("/mcp")}));
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        auto init = co_await s.initialize();
        CHECK(init.protocol_version == "2025-11-25");
        CHECK_FALSE(s.is_stateless());
        co_await s.list_tools();
        co_await s.close();
    });
    {
        std::lock_guard lock(m);  // released before the section: the server's handler takes it
        REQUIRE(methods.size() >= 3);
        CHECK(methods[0] == "POST server/discover");
        CHECK(methods[1] == "POST initialize");
        CHECK(std::find(methods.begin(), methods.end(), "POST tools/list") != methods.end());
    }

    SECTION("pinned to the modern era, the same server is refused") {
        mc::session modern(http_transport(io, {.url = fake.url("/mcp")}), {.era = mc::protocol_era::modern});
        std::optional<mc::client_error> e;
        test::run_coro(io, [&]() -> asio::awaitable<void> {
            e = co_await polymcp::test::expect_error([&]() -> asio::awaitable<void> { co_await modern.initialize(); });
        });
        REQUIRE(e);
        CHECK(e->value() == mc::errc::protocol_version_unsupported);
        CHECK(std::string(e->what()).find("2026-07-28") != std::string::npos);
    }
}
