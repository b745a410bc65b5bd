// "Test connection": polymcp::connectors::test_connection against
// examples/everything_server (over Streamable HTTP, TLS and stdio, as real
// processes) and against HTTP servers that misbehave on purpose, on
// loopback; each failure must come back as its typed code with a message a
// user can act on, within the time limit.

#include <polymcp/client/streamable_http.hpp>
#include <polymcp/connectors/validator.hpp>

#include "support/everything_http.hpp"
#include "support/fake_http_server.hpp"
#include "support/listening_process.hpp"
#include "support/run_coro.hpp"
#include "support/test_certificate.hpp"

#include <catch2/catch.hpp>

#include <asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

namespace pc = polymcp::connectors;
using nlohmann::json;
using namespace std::chrono_literals;
using polymcp::test::free_port;

using polymcp::test::everything_http;

namespace {

pc::endpoint http_endpoint(std::string url) {
    pc::endpoint e;
    e.transport = pc::transport_kind::streamable_http;
    e.url = std::move(url);
    return e;
}

pc::validator_options loopback_allowed(std::chrono::milliseconds timeout = 10s) {
    pc::validator_options o;
    o.timeout = timeout;
    o.upstream.ssrf.allow_loopback = true;
    return o;
}

pc::validation_result check(const pc::endpoint& e, pc::validator_options o, pc::upstream_credentials creds = {}) {
    asio::io_context io;
    pc::validation_result r;
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        r = co_await pc::test_connection(io.get_executor(), e, creds, o);
    });
    return r;
}

using polymcp::http::request;
using polymcp::http::response;
using responder_ptr = std::shared_ptr<polymcp::http::responder>;

// A minimal MCP server over Streamable HTTP (JSON answers) with the given
// initialize result and tools; records every request target and header.
struct fake_mcp {
    std::string protocol_version = "2025-11-25";
    json tools = json::array();
    std::mutex mu;
    std::vector<std::string> targets;
    std::vector<std::string> api_keys;
    std::string authorization;

    polymcp::http::server::handler_type handler() {
        return [this](request req, responder_ptr res) {
            {
                std::lock_guard lock(mu);
                targets.push_back(req.target);
                if (auto k = req.fields.get("X-API-Key")) api_keys.emplace_back(*k);
                if (auto a = req.fields.get("Authorization")) authorization = std::string(*a);
            }
            auto j = json::parse(req.body, nullptr, false);
            if (req.method != "POST" || !j.is_object() || !j.contains("id"))
                return res->respond(response::with_body(req.method == "POST" ? 202 : 405, "text/plain", ""));
            json result;
            if (j["method"] == "initialize")
                result = {{"protocolVersion", protocol_version},
                          {"capabilities", {{"tools", json::object()}}},
                          {"serverInfo", {{"name", "fake"}, {"version", "1.2.3"}}}};
            else if (j["method"] == "tools/list") result = {{"tools", tools}};
            else result = json::object();
            res->respond(response::with_body(200, "application/json",
                                             json({{"jsonrpc", "2.0"}, {"id", j["id"]}, {"result", result}}).dump()));
        };
    }
};

}  // namespace

TEST_CASE("test connection: a real MCP server answers with its info and tools", "[connectors][validator]") {
    everything_http server;
    auto r = check(http_endpoint(server.url()), loopback_allowed());
    INFO(r.message);
    REQUIRE(r.success);
    CHECK(r.protocol_version == "2026-07-28");  // everything_server is dual-era: the stateless revision wins
    CHECK(r.server_info["name"] == "mcp-conformance-test-server");
    REQUIRE(r.tools.size() > 5);
    bool has_echo = false;
    for (const auto& t : r.tools) has_echo = has_echo || t["name"] == "test_simple_text";
    CHECK(has_echo);
    CHECK(r.note.empty());
    auto j = r.to_json();
    CHECK(j["success"] == true);
    CHECK(j["tools"].size() == r.tools.size());
}

TEST_CASE("test connection: a stdio server, and a command that does not exist", "[connectors][validator]") {
    pc::endpoint e;
    e.transport = pc::transport_kind::stdio;
    e.command = POLYMCP_EVERYTHING_SERVER;
    e.args = {"--stdio"};
    auto r = check(e, {});
    INFO(r.message);
    REQUIRE(r.success);
    CHECK(r.tools.size() > 5);

    e.command = "/nonexistent/polymcp-no-such-server";
    r = check(e, {});
    CHECK_FALSE(r.success);
    CHECK(r.error == pc::errc::connection_failed);
    CHECK(r.to_json()["error"] == "CONNECTION_FAILED");
}

TEST_CASE("test connection: loopback, private and link-local addresses are refused unless allowed",
          "[connectors][validator][ssrf]") {
    everything_http server;
    pc::validator_options o;  // default policy: public addresses only
    auto r = check(http_endpoint(server.url()), o);
    CHECK_FALSE(r.success);
    CHECK(r.error == pc::errc::ssrf_blocked);
    CHECK(r.message.find("127.0.0.1") != std::string::npos);
    CHECK(r.message.find("loopback") != std::string::npos);

    // A name is checked by what it resolves to.
    r = check(http_endpoint("http://localhost:" + std::to_string(server.port()) + "/mcp"), o);
    CHECK(r.error == pc::errc::ssrf_blocked);
    CHECK(r.message.find("localhost resolves to") != std::string::npos);

    // No connection is even attempted to these (they would time out here).
    for (const char* url : {"http://10.1.2.3/mcp", "http://192.168.0.1/mcp", "http://169.254.169.254/latest/meta-data",
                            "http://[::1]:1/mcp", "http://[fd00::1]/mcp", "http://[::ffff:127.0.0.1]/mcp",
                            "http://0.0.0.0/mcp", "http://100.64.0.1/mcp"}) {
        INFO(url);
        auto start = std::chrono::steady_clock::now();
        r = check(http_endpoint(url), o);
        CHECK(r.error == pc::errc::ssrf_blocked);
        CHECK(std::chrono::steady_clock::now() - start < 2s);
    }

    // An allowed network opens its range only.
    o.upstream.ssrf.allow_network("127.0.0.0/8");
    r = check(http_endpoint(server.url()), o);
    CHECK(r.success);
}

TEST_CASE("test connection: each failure has its code", "[connectors][validator]") {
    SECTION("INVALID_URL") {
        for (const char* url : {"ftp://example.com/mcp", "not a url", "mcp.example.com/mcp", "http://"}) {
            INFO(url);
            auto r = check(http_endpoint(url), loopback_allowed());
            CHECK(r.error == pc::errc::invalid_url);
        }
    }
    SECTION("DNS_FAILURE") {
        auto r = check(http_endpoint("http://no-such-host.invalid/mcp"), loopback_allowed());
        CHECK(r.error == pc::errc::dns_failure);
        CHECK(r.message.find("no-such-host.invalid") != std::string::npos);
    }
    SECTION("CONNECTION_FAILED") {
        auto r = check(http_endpoint("http://127.0.0.1:" + std::to_string(free_port()) + "/mcp"), loopback_allowed());
        CHECK(r.error == pc::errc::connection_failed);
        CHECK(r.message.find("check the host, the port") != std::string::npos);
    }
    SECTION("TLS_ERROR") {
        polymcp::test::test_certificate cert;
        everything_http server({"--tls-cert", cert.cert, "--tls-key", cert.key});
        auto r = check(http_endpoint(server.url("https")), loopback_allowed());
        CHECK(r.error == pc::errc::tls_error);
        auto o = loopback_allowed();
        o.upstream.ca_file = cert.cert;
        r = check(http_endpoint(server.url("https")), o);
        CHECK(r.success);
    }
    SECTION("TIMEOUT") {
        std::mutex mu;
        std::vector<responder_ptr> parked;  // answered never (until the server stops)
        polymcp::test::fake_http_server silent([&](request, responder_ptr res) {
            std::lock_guard lock(mu);
            parked.push_back(std::move(res));
        });
        auto start = std::chrono::steady_clock::now();
        auto r = check(http_endpoint(silent.url("/mcp")), loopback_allowed(400ms));
        auto took = std::chrono::steady_clock::now() - start;
        CHECK(r.error == pc::errc::timeout);
        CHECK(r.message.find("400 ms") != std::string::npos);
        CHECK(took < 3s);
        std::lock_guard lock(mu);
        parked.clear();
    }
    SECTION("HTTP_ERROR, with the status") {
        polymcp::test::fake_http_server missing([](request, responder_ptr res) {
            res->respond(response::with_body(404, "text/plain", "no such page"));
        });
        auto r = check(http_endpoint(missing.url("/wrong")), loopback_allowed());
        CHECK(r.error == pc::errc::http_error);
        CHECK(r.http_status == 404);
        CHECK(r.to_json()["status"] == 404);
    }
    SECTION("INVALID_MCP_SERVER: a web page") {
        polymcp::test::fake_http_server page([](request, responder_ptr res) {
            res->respond(response::with_body(200, "text/html", "<html><body>Welcome</body></html>"));
        });
        auto r = check(http_endpoint(page.url("/")), loopback_allowed());
        CHECK(r.error == pc::errc::invalid_mcp_server);
        CHECK(r.message.find("MCP endpoint") != std::string::npos);
    }
    SECTION("PROTOCOL_VERSION_UNSUPPORTED") {
        fake_mcp mcp;
        mcp.protocol_version = "1999-01-01";
        polymcp::test::fake_http_server srv(mcp.handler());
        auto r = check(http_endpoint(srv.url("/mcp")), loopback_allowed());
        CHECK(r.error == pc::errc::protocol_version_unsupported);
    }
}

TEST_CASE("test connection: AUTH_REQUIRED carries the challenge and the protected resource metadata",
          "[connectors][validator][auth]") {
    std::string base;
    polymcp::test::fake_http_server srv([&base](request req, responder_ptr res) {
        if (req.path() == "/.well-known/oauth-protected-resource/mcp")
            return res->respond(response::with_body(
                200, "application/json",
                json({{"resource", base + "/mcp"},
                      {"authorization_servers", {"https://auth.example.com"}},
                      {"scopes_supported", {"files:read", "files:write"}}})
                    .dump()));
        auto r = response::with_body(401, "application/json", R"({"error":"unauthorized"})");
        r.fields.set("WWW-Authenticate", "Bearer resource_metadata=\"" + base +
                                             "/.well-known/oauth-protected-resource/mcp\", scope=\"files:read\"");
        res->respond(std::move(r));
    });
    base = srv.url();
    auto r = check(http_endpoint(srv.url("/mcp")), loopback_allowed());
    CHECK(r.error == pc::errc::auth_required);
    CHECK(r.http_status == 401);
    CHECK(r.scope == "files:read");
    CHECK(r.resource_metadata == base + "/.well-known/oauth-protected-resource/mcp");
    REQUIRE(r.protected_resource.is_object());
    CHECK(r.protected_resource["authorization_servers"][0] == "https://auth.example.com");
    auto j = r.to_json();
    CHECK(j["error"] == "AUTH_REQUIRED");
    CHECK(j["scope"] == "files:read");
    CHECK(j["protected_resource"]["scopes_supported"].size() == 2);
}

TEST_CASE("test connection: a server without tools is a success with a note; query and headers reach it",
          "[connectors][validator]") {
    fake_mcp mcp;
    polymcp::test::fake_http_server srv(mcp.handler());
    auto e = http_endpoint(srv.url("/mcp?region=eu"));
    e.query = {{"tenant", "acme corp"}};
    e.headers = {{"X-Trace", "t1"}};
    pc::upstream_credentials creds;
    creds.headers["X-API-Key"] = "k-123";
    auto r = check(e, loopback_allowed(), creds);
    INFO(r.message);
    REQUIRE(r.success);
    CHECK(r.tools.empty());
    CHECK(r.note == "Connected, but the server offers no tools.");
    CHECK(r.to_json()["note"] == r.note);
    std::lock_guard lock(mcp.mu);
    REQUIRE_FALSE(mcp.targets.empty());
    CHECK(mcp.targets.front() == "/mcp?region=eu&tenant=acme%20corp");
    REQUIRE_FALSE(mcp.api_keys.empty());
    CHECK(mcp.api_keys.front() == "k-123");
}

TEST_CASE("client address_filter and resolve: the address connected to is what is checked",
          "[connectors][ssrf][client]") {
    fake_mcp mcp;
    polymcp::test::fake_http_server srv(mcp.handler());
    const std::string port = srv.url().substr(srv.url().rfind(':') + 1);
    // A name pinned to loopback: the pin is used instead of DNS...
    polymcp::client::http_options h;
    h.url = "http://pinned.invalid:" + port + "/mcp";
    h.resolve = {"pinned.invalid:" + port + ":127.0.0.1"};
    asio::io_context io;
    std::optional<polymcp::client::errc> refused;
    bool pinned_ok = false;
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        {
            polymcp::client::session s(std::make_shared<polymcp::client::streamable_http_transport>(io.get_executor(), h));
            co_await s.initialize();
            pinned_ok = true;
            co_await s.close();
        }
        // ...and the filter sees the pinned address, as it would a rebinding DNS answer.
        h.address_filter = pc::ssrf_policy{}.address_filter();
        polymcp::client::session s(std::make_shared<polymcp::client::streamable_http_transport>(io.get_executor(), h));
        try {
            co_await s.initialize();
        } catch (const polymcp::client::client_error& err) {
            refused = err.value();
        }
        co_await s.close();
    });
    CHECK(pinned_ok);
    REQUIRE(refused);
    CHECK(*refused == polymcp::client::errc::address_blocked);
}

TEST_CASE("ssrf_policy classifies addresses", "[connectors][ssrf]") {
    using pc::address_class;
    auto cls = [](const char* a) { return pc::classify(asio::ip::make_address(a)); };
    CHECK(cls("8.8.8.8") == address_class::public_unicast);
    CHECK(cls("2606:4700::1111") == address_class::public_unicast);
    CHECK(cls("127.0.0.2") == address_class::loopback);
    CHECK(cls("::1") == address_class::loopback);
    CHECK(cls("10.0.0.1") == address_class::private_network);
    CHECK(cls("172.31.255.255") == address_class::private_network);
    CHECK(cls("172.32.0.1") == address_class::public_unicast);
    CHECK(cls("192.168.1.1") == address_class::private_network);
    CHECK(cls("100.127.0.1") == address_class::private_network);
    CHECK(cls("fd12::1") == address_class::private_network);
    CHECK(cls("169.254.169.254") == address_class::link_local);
    CHECK(cls("fe80::1") == address_class::link_local);
    CHECK(cls("0.0.0.0") == address_class::forbidden);
    CHECK(cls("::") == address_class::forbidden);
    CHECK(cls("224.0.0.1") == address_class::forbidden);
    CHECK(cls("255.255.255.255") == address_class::forbidden);
    CHECK(cls("::ffff:10.0.0.1") == address_class::private_network);
    CHECK(cls("64:ff9b::7f00:1") == address_class::loopback);

    pc::ssrf_policy p;
    CHECK(p.allows(asio::ip::make_address("8.8.8.8")));
    CHECK_FALSE(p.allows(asio::ip::make_address("10.0.0.1")));
    p.allow_network("10.20.0.0/16");
    CHECK(p.allows(asio::ip::make_address("10.20.3.4")));
    CHECK_FALSE(p.allows(asio::ip::make_address("10.21.0.1")));
    p.allow_private = true;
    CHECK(p.allows(asio::ip::make_address("10.21.0.1")));
    CHECK_FALSE(p.allows(asio::ip::make_address("0.0.0.0")));  // never
    CHECK_THROWS_WITH(p.allow_network("10.0.0.0/33"), Catch::Contains("CIDR"));
}
