// The polymcp client against the official reference server,
// @modelcontextprotocol/server-everything (npm, pinned in
// tests/interop/package.json), run by node 22 over all three client
// transports: stdio, Streamable HTTP, and the 2024-11-05 HTTP+SSE transport;
// and against a server on the TypeScript SDK v2 (@modelcontextprotocol/server)
// under MCP 2026-07-28 (tests/interop/ts_sdk_v2_server.mjs).

#include <polymcp/client.hpp>
#include <polymcp/client/legacy_sse.hpp>
#include <polymcp/client/streamable_http.hpp>

#include "support/listening_process.hpp"
#include "support/run_coro.hpp"

#include <catch2/catch.hpp>

#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <chrono>
#include <csignal>
#include <thread>


namespace mc = polymcp::client;
using polymcp::json;
using namespace std::chrono_literals;

namespace {

const std::string server_js = POLYMCP_SERVER_EVERYTHING;

using polymcp::test::free_port;

/// server-everything in one of its HTTP modes ("streamableHttp" or "sse") on a free port.
class node_http_server {
public:
    explicit node_http_server(const char* mode)
        : port_(free_port()), process_({POLYMCP_NODE, server_js, mode}, port_, {"PORT=" + std::to_string(port_)}) {}
    std::string url(const char* path) const { return process_.url(path); }

private:
    unsigned short port_;
    polymcp::test::listening_process process_;
};

struct seen_by_handlers {
    int sampling = 0;
    int elicitation = 0;
    int roots = 0;
    int tools_list_changed = 0;
};

mc::session_options handlers(seen_by_handlers& seen) {
    mc::session_options so;
    so.on_sampling = [&seen](json) -> asio::awaitable<json> {
        ++seen.sampling;
        co_return json{{"role", "assistant"},
                       {"content", {{"type", "text"}, {"text", "sampled by polymcp"}}},
                       {"model", "polymcp-test"},
                       {"stopReason", "endTurn"}};
    };
    so.on_elicitation = [&seen](json params) -> asio::awaitable<json> {
        ++seen.elicitation;
        co_return json{{"action", "accept"}, {"content", mc::elicitation_defaults(params.value("requestedSchema", json::object()))}};
    };
    so.on_roots = [&seen](json) -> asio::awaitable<json> {
        ++seen.roots;
        co_return json{{"roots", {{{"uri", "file:///work/polymcp"}, {"name", "polymcp"}}}}};
    };
    so.on_tools_list_changed = [&seen] { ++seen.tools_list_changed; };
    so.diagnostics = [](std::string_view) {};
    return so;
}

std::string text_of(const mc::call_tool_result& r) {
    REQUIRE_FALSE(r.content.empty());
    return std::get<polymcp::text_content>(r.content[0]).text;
}

/// Every client call against server-everything.
asio::awaitable<void> walk_server_everything(mc::session& s, seen_by_handlers& seen) {
    auto init = co_await s.initialize();
    CHECK(init.protocol_version == "2025-11-25");
    CHECK_FALSE(init.server_info.name.empty());
    CHECK(init.capabilities.tools);
    CHECK(init.capabilities.prompts);
    CHECK(init.capabilities.resources);

    // The tools that depend on client capabilities are registered once the
    // server saw notifications/initialized, and announced with list_changed.
    std::vector<mc::tool_info> tools;
    asio::steady_timer t(co_await asio::this_coro::executor);
    for (int i = 0; i < 100; ++i) {
        tools = co_await s.list_tools();
        if (std::any_of(tools.begin(), tools.end(), [](auto& x) { return x.name == "trigger-sampling-request"; })) break;
        t.expires_after(50ms);
        co_await t.async_wait(asio::use_awaitable);
    }
    auto has = [&](const char* n) { return std::any_of(tools.begin(), tools.end(), [&](auto& x) { return x.name == n; }); };
    REQUIRE(has("echo"));
    REQUIRE(has("trigger-sampling-request"));
    REQUIRE(has("trigger-elicitation-request"));
    REQUIRE(has("get-roots-list"));

    std::string name = "echo";
    json args = {{"message", "hello from C++"}};
    auto echoed = co_await s.call_tool(name, args);  // (no co_await inside CHECK: docs/portability.md)
    CHECK(text_of(echoed) == "Echo: hello from C++");

    name = "get-sum";
    args = {{"a", 2}, {"b", 40}};
    auto sum = co_await s.call_tool(name, args);
    CHECK(text_of(sum) == "The sum of 2 and 40 is 42.");

    name = "get-tiny-image";
    auto img = co_await s.call_tool(name, json::object());
    CHECK(std::any_of(img.content.begin(), img.content.end(),
                      [](auto& b) { return std::holds_alternative<polymcp::image_content>(b); }));

    name = "get-structured-content";
    args = {{"location", "New York"}};
    auto sc = co_await s.call_tool(name, args);
    CHECK(sc.structured_content.contains("temperature"));

    std::vector<mc::progress_info> progress;
    mc::request_options ro;
    ro.on_progress = [&](const mc::progress_info& p) { progress.push_back(p); };
    name = "trigger-long-running-operation";
    args = {{"duration", 0.3}, {"steps", 3}};
    co_await s.call_tool(name, args, ro);
    REQUIRE(progress.size() == 3);
    CHECK(progress[2].progress == 3);
    CHECK(progress[2].total == 3);

    name = "trigger-sampling-request";
    args = {{"prompt", "Say hi"}, {"maxTokens", 20}};
    auto sampled = co_await s.call_tool(name, args);
    CHECK(sampled.raw.dump().find("sampled by polymcp") != std::string::npos);
    CHECK(seen.sampling == 1);

    name = "trigger-elicitation-request";
    auto elicited = co_await s.call_tool(name, json::object());
    CHECK_FALSE(elicited.is_error);
    CHECK(seen.elicitation == 1);

    name = "get-roots-list";
    auto roots = co_await s.call_tool(name, json::object());
    CHECK(roots.raw.dump().find("file:///work/polymcp") != std::string::npos);
    CHECK(seen.roots >= 1);

    auto resources = co_await s.list_resources();
    REQUIRE_FALSE(resources.empty());
    auto first = co_await s.read_resource(resources[0].uri);
    REQUIRE_FALSE(first.contents.empty());
    CHECK(first.contents[0].uri == resources[0].uri);
    auto templates = co_await s.list_resource_templates();
    CHECK(std::any_of(templates.begin(), templates.end(),
                      [](auto& x) { return x.uri_template == "demo://resource/dynamic/text/{resourceId}"; }));
    std::string uri = "demo://resource/dynamic/text/7";
    auto dynamic = co_await s.read_resource(uri);
    REQUIRE(dynamic.contents.size() == 1);
    CHECK(dynamic.contents[0].text.has_value());
    CHECK(init.capabilities.resources_subscribe);
    co_await s.subscribe(uri);
    co_await s.unsubscribe(uri);

    auto prompts = co_await s.list_prompts();
    CHECK(std::any_of(prompts.begin(), prompts.end(), [](auto& p) { return p.name == "args-prompt"; }));
    name = "args-prompt";
    std::map<std::string, std::string> pargs{{"city", "Paris"}};
    auto gp = co_await s.get_prompt(name, pargs);
    REQUIRE_FALSE(gp.messages.empty());
    CHECK(std::get<polymcp::text_content>(gp.messages[0].content).text.find("Paris") != std::string::npos);

    name = "completable-prompt";
    std::string arg = "department", value = "S";
    auto c = co_await s.complete(mc::completion_reference::prompt(name), arg, value);
    CHECK(c.values == std::vector<std::string>{"Sales", "Support"});
    arg = "name";
    value = "";
    std::map<std::string, std::string> context{{"department", "Engineering"}};
    c = co_await s.complete(mc::completion_reference::prompt(name), arg, value, context);
    CHECK(c.values == std::vector<std::string>{"Alice", "Bob", "Charlie"});

    co_await s.set_logging_level(polymcp::logging_level::debug);
    co_await s.ping();

    name = "no-such-tool";
    try {
        auto r = co_await s.call_tool(name, json::object());
        // The TypeScript SDK reports unknown tools as tool errors.
        CHECK(r.is_error);
    } catch (const mc::client_error& e) {
        CHECK(e.value() == mc::errc::rpc_error);
    }
}

}  // namespace

TEST_CASE("client vs @modelcontextprotocol/server-everything over stdio", "[client][interop]") {
    asio::io_context io;
    auto t = std::make_shared<mc::stdio_transport>(
        io.get_executor(), mc::stdio_options{.command = POLYMCP_NODE, .args = {server_js, "stdio"}});
    seen_by_handlers seen;
    mc::session s(t, handlers(seen));
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        co_await walk_server_everything(s, seen);
        co_await s.close();
    });
    REQUIRE(t->exit_status());
}

TEST_CASE("client vs @modelcontextprotocol/server-everything over Streamable HTTP", "[client][interop]") {
    node_http_server server("streamableHttp");
    asio::io_context io;
    seen_by_handlers seen;
    mc::session s(std::make_shared<mc::streamable_http_transport>(io.get_executor(), mc::http_options{.url = server.url("/mcp")}),
                  handlers(seen));
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        co_await walk_server_everything(s, seen);
        co_await s.close();
    });
    CHECK(seen.tools_list_changed >= 1);
}

TEST_CASE("client vs @modelcontextprotocol/server-everything over HTTP+SSE (2024-11-05)", "[client][interop]") {
    node_http_server server("sse");
    asio::io_context io;
    seen_by_handlers seen;
    auto t = std::make_shared<mc::sse_transport>(io.get_executor(), mc::http_options{.url = server.url("/sse")});
    mc::session s(t, handlers(seen));
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        co_await walk_server_everything(s, seen);
        CHECK(t->endpoint().rfind(server.url("/message"), 0) == 0);
        co_await s.close();
    });
}

namespace {
/// tests/interop/ts_sdk_v2_server.mjs on a free port: the TypeScript SDK v2 server.
class ts_v2_server {
public:
    ts_v2_server()
        : port_(free_port()), process_({POLYMCP_NODE, POLYMCP_TS_V2_SERVER}, port_, {"PORT=" + std::to_string(port_)}) {}
    std::string url() const { return process_.url("/mcp"); }

private:
    unsigned short port_;
    polymcp::test::listening_process process_;
};
}  // namespace

TEST_CASE("client vs a TypeScript SDK v2 server under 2026-07-28", "[client][interop][stateless]") {
    ts_v2_server server;
    asio::io_context io;
    seen_by_handlers seen;
    auto transport = [&] {
        return std::make_shared<mc::streamable_http_transport>(io.get_executor(), mc::http_options{.url = server.url()});
    };
    SECTION("a dual-era session speaks 2026-07-28: tools, input requests, x-mcp-header") {
        mc::session_options so = handlers(seen);
        so.on_elicitation = [&seen](json params) -> asio::awaitable<json> {
            ++seen.elicitation;
            CHECK(params["message"] == "Who are you?");
            co_return json{{"action", "accept"}, {"content", {{"name", "Ada"}}}};
        };
        mc::session s(transport(), so);
        test::run_coro(io, [&]() -> asio::awaitable<void> {
            auto init = co_await s.initialize();
            CHECK(init.protocol_version == "2026-07-28");
            CHECK(s.is_stateless());
            CHECK(init.server_info.name == "ts-sdk-v2-server");
            std::string name = "echo";
            json args = {{"text", "hi"}};
            auto echoed = co_await s.call_tool(name, args);  // (no co_await inside CHECK: docs/portability.md)
            CHECK(text_of(echoed) == "echo: hi");
            // The server answers InputRequiredResult; the session's handlers fill it and retry.
            name = "greet";
            args = json::object();
            auto greeted = co_await s.call_tool(name, args);
            CHECK(seen.elicitation == 1);
            CHECK(text_of(greeted) == "hello Ada");
            name = "capital";
            auto sampled = co_await s.call_tool(name, args);
            CHECK(text_of(sampled) == "LLM says sampled by polymcp");
            CHECK(seen.sampling == 1);
            // Mcp-Param-Region: the TypeScript server refuses the call without it.
            // Not listed yet: the first call gets -32020, the session lists the tools and retries.
            name = "route";
            args = {{"region", "Zürich"}, {"query", "SELECT 1"}};
            auto routed = co_await s.call_tool(name, args);
            CHECK(text_of(routed) == "Zürich: SELECT 1");
            routed = co_await s.call_tool(name, args);  // now with the header at once
            CHECK(text_of(routed) == "Zürich: SELECT 1");
            co_await s.close();
        });
    }
    SECTION("the same server through its 2025-11-25 fallback") {
        mc::session_options so = handlers(seen);
        so.era = mc::protocol_era::legacy;
        mc::session s(transport(), so);
        test::run_coro(io, [&]() -> asio::awaitable<void> {
            auto init = co_await s.initialize();
            CHECK(init.protocol_version == "2025-11-25");
            CHECK_FALSE(s.is_stateless());
            std::string name = "echo";
            json args = {{"text", "old"}};
            auto echoed = co_await s.call_tool(name, args);
            CHECK(text_of(echoed) == "echo: old");
            co_await s.close();
        });
    }
}
