#include <catch2/catch.hpp>
#include <polymcp/polymcp.hpp>

#include "support/session_harness.hpp"

#include <atomic>
#include <thread>

using nlohmann::json;
using test::harness;

namespace {
struct echo_args {
    BOOST_HANA_DEFINE_STRUCT(echo_args, (std::string, text));
};
struct add_args {
    BOOST_HANA_DEFINE_STRUCT(add_args, (double, a), (double, b));
};
struct sum {
    BOOST_HANA_DEFINE_STRUCT(sum, (double, value));
};
struct wait_args {
    BOOST_HANA_DEFINE_STRUCT(wait_args, (int, ms));
};

std::atomic<int> blocking_started{0};
std::atomic<bool> release_blocking{false};

std::shared_ptr<polymcp::tool_registry> make_tools() {
    auto echo = polymcp::tool<"echo">("Echo", [](echo_args a) { return a.text; });
    auto add = polymcp::tool<"add">("Add", [](add_args a) { return sum{a.a + a.b}; })
                   .title("Adder")
                   .annotations({.read_only_hint = true})
                   .icons({{.src = "https://example.com/a.png", .mime_type = "image/png"}});
    auto twice = polymcp::tool<"twice">("Vector result", [](echo_args a) {
        return std::vector<std::string>{a.text, a.text};
    });
    auto boom = polymcp::tool<"boom">("Throws", [](echo_args) -> std::string {
        throw std::runtime_error("kaboom");
    });
    auto content = polymcp::tool<"content">("Content list", [] {
        return std::vector<polymcp::content_block>{
            polymcp::text_content{"hi", nullptr, nullptr},
            polymcp::image_content{"aGk=", "image/png", nullptr, nullptr},
            polymcp::audio_content{"aGk=", "audio/wav", nullptr, nullptr},
            polymcp::resource_link{.uri = "file:///x", .name = "x"},
            polymcp::embedded_resource{.uri = "file:///y", .mime_type = "text/plain", .text = "y"}};
    });
    auto wait = polymcp::tool<"wait">(
        "Waits ms, reporting progress, logging",
        [](wait_args a, polymcp::request_context& ctx) -> asio::awaitable<std::string> {
            ctx.report_progress(0, 1, "waiting");
            ctx.log(polymcp::logging_level::debug, "debug detail");
            ctx.log(polymcp::logging_level::warning, json{{"msg", "careful"}}, "waiter");
            asio::steady_timer t(co_await asio::this_coro::executor);
            t.expires_after(std::chrono::milliseconds(a.ms));
            co_await t.async_wait(asio::use_awaitable);
            co_return "waited";
        });
    auto block = polymcp::tool<"block">("Blocks a pool thread until released", [](polymcp::request_context& ctx) {
                     ++blocking_started;
                     while (!release_blocking && !ctx.cancelled())
                         std::this_thread::sleep_for(std::chrono::milliseconds(1));
                     return std::string("released");
                 }).blocking();
    return polymcp::tools(echo, add, twice, boom, content, wait, block).make_registry();
}

json error_of(const json& m) { return m.at("error"); }
}  // namespace

TEST_CASE("lifecycle: initialize negotiates the revision", "[lifecycle]") {
    for (std::string v : {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"}) {
        harness h(make_tools(), {.info = {.name = "srv", .version = "9", .title = "Server"}, .instructions = "Be nice"});
        auto r = h.initialize(v)["result"];
        CHECK(r["protocolVersion"] == v);
        CHECK(r["serverInfo"]["name"] == "srv");
        CHECK(r["serverInfo"]["version"] == "9");
        CHECK(r["serverInfo"].contains("title") == (v >= "2025-06-18"));
        CHECK(r["instructions"] == "Be nice");
        CHECK(r["capabilities"].contains("tools"));
        CHECK(r["capabilities"].contains("logging"));
    }
    harness h(make_tools());
    CHECK(h.initialize("1999-01-01")["result"]["protocolVersion"] == "2025-11-25");
}

TEST_CASE("lifecycle: requests before initialize are refused, ping is not", "[lifecycle]") {
    harness h(make_tools());
    h.feed(harness::request(1, "tools/list"));
    auto e = error_of(h.take_one());
    CHECK(e["code"] == -32600);
    CHECK_THAT(e["message"].get<std::string>(), Catch::Contains("not initialized"));
    h.feed(harness::request(2, "ping"));
    CHECK(h.take_one()["result"] == json::object());
    h.feed(json{{"jsonrpc", "2.0"}, {"method", "notifications/whatever"}});
    CHECK(h.take().empty());
}

TEST_CASE("lifecycle: initialize validates its params and happens once", "[lifecycle]") {
    harness h(make_tools());
    h.feed(harness::request(1, "initialize", {{"protocolVersion", 2025}}));
    auto e = error_of(h.take_one());
    CHECK(e["code"] == -32602);
    CHECK_THAT(e["message"].get<std::string>(), Catch::Contains("/protocolVersion"));
    h.feed(harness::request(2, "initialize", {{"protocolVersion", "2025-11-25"}, {"capabilities", json::object()}}));
    CHECK_THAT(error_of(h.take_one())["message"].get<std::string>(), Catch::Contains("/clientInfo"));
    h.initialize();
    h.feed(harness::request(3, "initialize", {{"protocolVersion", "2025-11-25"}, {"capabilities", json::object()},
                                              {"clientInfo", {{"name", "a"}, {"version", "1"}}}}));
    CHECK_THAT(error_of(h.take_one())["message"].get<std::string>(), Catch::Contains("already initialized"));
}

TEST_CASE("dispatch: unknown methods get -32601, notifications are never answered", "[dispatch]") {
    harness h(make_tools());
    h.initialize();
    h.feed(harness::request("x", "resources/list"));
    auto m = h.take_one();
    CHECK(m["id"] == "x");
    CHECK(error_of(m)["code"] == -32601);
    h.feed(json{{"jsonrpc", "2.0"}, {"method", "tools/list"}});  // a notification with a request's method
    h.feed(json{{"jsonrpc", "2.0"}, {"method", "notifications/unknown"}, {"params", {{"a", 1}}}});
    h.feed(json{{"jsonrpc", "2.0"}, {"method", "notifications/cancelled"}, {"params", {{"requestId", 99}}}});
    CHECK(h.take().empty());
    h.feed(json{{"jsonrpc", "2.0"}, {"id", 5}, {"result", json::object()}});  // a stray response
    CHECK(h.take().empty());
}

TEST_CASE("tools/list: descriptors follow the negotiated revision", "[tools]") {
    harness h(make_tools());
    h.initialize("2025-11-25");
    h.feed(harness::request(1, "tools/list"));
    auto tools = h.take_one()["result"]["tools"];
    REQUIRE(tools.size() == 7);
    CHECK(tools[0]["name"] == "add");  // name order
    CHECK(tools[0]["title"] == "Adder");
    CHECK(tools[0]["annotations"]["readOnlyHint"] == true);
    CHECK(tools[0]["icons"][0]["src"] == "https://example.com/a.png");
    CHECK(tools[0]["outputSchema"]["properties"]["value"]["type"] == "number");
    CHECK(tools[0]["inputSchema"]["required"] == json{"a", "b"});

    harness old(make_tools());
    old.initialize("2024-11-05");
    old.feed(harness::request(1, "tools/list"));
    auto t = old.take_one()["result"]["tools"][0];
    CHECK_FALSE(t.contains("title"));
    CHECK_FALSE(t.contains("outputSchema"));
    CHECK_FALSE(t.contains("annotations"));
    CHECK_FALSE(t.contains("icons"));
}

TEST_CASE("tools/list: paginates with nextCursor", "[tools]") {
    harness h(make_tools(), {.page_size = 3});
    h.initialize();
    std::vector<std::string> seen;
    json cursor;
    for (int i = 0; i < 10; ++i) {
        json params = cursor.is_null() ? json::object() : json{{"cursor", cursor}};
        h.feed(harness::request(i + 1, "tools/list", params));
        auto r = h.take_one()["result"];
        for (auto& t : r["tools"]) seen.push_back(t["name"]);
        if (!r.contains("nextCursor")) break;
        cursor = r["nextCursor"];
    }
    CHECK(seen == std::vector<std::string>{"add", "block", "boom", "content", "echo", "twice", "wait"});
    h.feed(harness::request(99, "tools/list", {{"cursor", "bogus"}}));
    CHECK(error_of(h.take_one())["code"] == -32602);
}

TEST_CASE("tools/call: results for each return type", "[tools]") {
    harness h(make_tools());
    h.initialize();
    h.feed(harness::call(1, "echo", {{"text", "hello"}}));
    auto r = h.take_one()["result"];
    CHECK(r["content"] == json::array({{{"type", "text"}, {"text", "hello"}}}));
    CHECK_FALSE(r.contains("isError"));
    CHECK_FALSE(r.contains("structuredContent"));

    h.feed(harness::call(2, "add", {{"a", 2}, {"b", 0.5}}));
    r = h.take_one()["result"];
    CHECK(r["structuredContent"] == json{{"value", 2.5}});
    CHECK(json::parse(r["content"][0]["text"].get<std::string>()) == json{{"value", 2.5}});

    h.feed(harness::call(3, "twice", {{"text", "x"}}));
    r = h.take_one()["result"];
    CHECK(r["structuredContent"] == json{{"result", {"x", "x"}}});

    h.feed(harness::call(4, "content", json::object()));
    r = h.take_one()["result"];
    REQUIRE(r["content"].size() == 5);
    CHECK(r["content"][1] == json{{"type", "image"}, {"data", "aGk="}, {"mimeType", "image/png"}});
    CHECK(r["content"][2]["type"] == "audio");
    CHECK(r["content"][3] == json{{"type", "resource_link"}, {"uri", "file:///x"}, {"name", "x"}});
    CHECK(r["content"][4]["resource"] == json{{"uri", "file:///y"}, {"mimeType", "text/plain"}, {"text", "y"}});
}

TEST_CASE("tools/call: bad arguments and exceptions are tool errors, unknown tools protocol errors", "[tools]") {
    harness h(make_tools());
    h.initialize();
    h.feed(harness::call(1, "add", {{"a", 1}, {"b", "two"}}));
    auto r = h.take_one()["result"];
    CHECK(r["isError"] == true);
    CHECK(r["content"][0]["text"] == "Invalid arguments for tool 'add': /b: expected number, got string \"two\"");

    h.feed(harness::call(2, "boom", {{"text", "x"}}));
    r = h.take_one()["result"];
    CHECK(r["isError"] == true);
    CHECK_THAT(r["content"][0]["text"].get<std::string>(), Catch::Contains("kaboom"));

    h.feed(harness::call(3, "nope", json::object()));
    auto e = error_of(h.take_one());
    CHECK(e["code"] == -32602);
    CHECK_THAT(e["message"].get<std::string>(), Catch::Contains("Unknown tool: 'nope'"));

    h.feed(harness::request(4, "tools/call", {{"name", "echo"}, {"arguments", "str"}}));
    CHECK(error_of(h.take_one())["code"] == -32602);
    h.feed(harness::request(5, "tools/call", json::object()));
    CHECK(error_of(h.take_one())["code"] == -32602);

    // Missing arguments decode as {}: a required member is then reported.
    h.feed(harness::request(6, "tools/call", {{"name", "echo"}}));
    r = h.take_one()["result"];
    CHECK(r["isError"] == true);
    CHECK_THAT(r["content"][0]["text"].get<std::string>(), Catch::Contains("/text"));
}

TEST_CASE("tools/call: coroutines report progress and log at the client's level", "[tools][progress][logging]") {
    harness h(make_tools());
    h.initialize();
    h.feed(harness::call(1, "wait", {{"ms", 1}}, {{"progressToken", "tok"}}));
    REQUIRE(h.wait_new(3));
    auto msgs = h.take();
    REQUIRE(msgs.size() == 3);  // progress, warning log, result (debug is below the default "info")
    CHECK(msgs[0]["method"] == "notifications/progress");
    CHECK(msgs[0]["params"]["progressToken"] == "tok");
    CHECK(msgs[0]["params"]["total"] == 1);
    CHECK(msgs[1]["method"] == "notifications/message");
    CHECK(msgs[1]["params"] == json{{"level", "warning"}, {"logger", "waiter"}, {"data", {{"msg", "careful"}}}});
    CHECK(msgs[2]["id"] == 1);
    CHECK(msgs[2]["result"]["content"][0]["text"] == "waited");

    h.feed(harness::request(2, "logging/setLevel", {{"level", "error"}}));
    CHECK(h.take_one()["result"] == json::object());
    h.feed(harness::call(3, "wait", {{"ms", 1}}));  // no progress token, logs filtered out
    REQUIRE(h.wait_new(1));
    msgs = h.take();
    REQUIRE(msgs.size() == 1);
    CHECK(msgs[0]["id"] == 3);

    h.feed(harness::request(4, "logging/setLevel", {{"level", "loud"}}));
    CHECK(error_of(h.take_one())["code"] == -32602);
}

TEST_CASE("cancellation: a cancelled coroutine stops and gets no response", "[tools][cancellation]") {
    harness h(make_tools());
    h.initialize();
    h.feed(harness::call(7, "wait", {{"ms", 60000}}));
    h.feed(harness::call(8, "echo", {{"text", "still serving"}}));
    auto m = h.take_responses();  // the echo answers while wait runs
    REQUIRE(m.size() == 1);
    CHECK(m[0]["id"] == 8);
    CHECK(h.session->in_flight() == 1);
    h.feed(json{{"jsonrpc", "2.0"}, {"method", "notifications/cancelled"},
                {"params", {{"requestId", 7}, {"reason", "user"}}}});
    REQUIRE(h.run_until([&] { return h.session->in_flight() == 0; }, 2000));
    h.pump(20);
    CHECK(h.take_responses().empty());
}

TEST_CASE("concurrency: a blocking tool runs on the pool without stalling others", "[tools][concurrency]") {
    blocking_started = 0;
    release_blocking = false;
    harness h(make_tools(), {.blocking_threads = 2});
    h.initialize();
    h.feed(harness::call(1, "block", json::object()));
    h.feed(harness::call(2, "block", json::object()));
    REQUIRE(h.run_until([&] { return blocking_started == 2; }));  // both run at once
    h.feed(harness::call(3, "echo", {{"text", "x"}}));
    auto m = h.take();
    REQUIRE(m.size() == 1);
    CHECK(m[0]["id"] == 3);
    release_blocking = true;
    REQUIRE(h.wait_new(2));
    auto rest = h.take();
    REQUIRE(rest.size() == 2);
    CHECK(rest[0]["result"]["content"][0]["text"] == "released");
}

TEST_CASE("ids: a request id still in flight cannot be reused", "[dispatch]") {
    harness h(make_tools());
    h.initialize();
    h.feed(harness::call(1, "wait", {{"ms", 200}}));
    h.feed(harness::call(1, "echo", {{"text", "x"}}));
    auto e = error_of(h.take_response());
    CHECK(e["code"] == -32600);
    CHECK_THAT(e["message"].get<std::string>(), Catch::Contains("still in progress"));
}

TEST_CASE("batches: accepted for 2025-03-26 only", "[dispatch][batch]") {
    harness h(make_tools());
    h.initialize("2025-03-26");
    h.feed(json::array({harness::request(1, "ping"), json{{"jsonrpc", "2.0"}, {"method", "notifications/x"}},
                        harness::call(2, "echo", {{"text", "b"}}), json{{"bad", true}}}));
    auto msgs = h.take();
    REQUIRE(msgs.size() == 1);
    REQUIRE(msgs[0].is_array());
    REQUIRE(msgs[0].size() == 3);
    CHECK(msgs[0][0]["id"] == 1);
    CHECK(msgs[0][1]["id"] == 2);
    CHECK(msgs[0][2]["error"]["code"] == -32600);
    h.feed(json::array());
    CHECK(error_of(h.take_one())["code"] == -32600);

    harness n(make_tools());
    n.initialize("2025-06-18");
    n.feed(json::array({harness::request(1, "ping")}));
    auto e = error_of(n.take_one());
    CHECK(e["code"] == -32600);
    CHECK_THAT(e["message"].get<std::string>(), Catch::Contains("batches"));
}

TEST_CASE("shutdown: in-flight requests finish, later ones are refused", "[shutdown]") {
    harness h(make_tools());
    h.initialize();
    h.feed(harness::call(1, "wait", {{"ms", 30}}));
    bool done = false;
    asio::post(h.session->get_executor(), [&] { h.session->shutdown([&] { done = true; }); });
    h.pump();
    CHECK_FALSE(done);
    h.feed(harness::call(2, "echo", {{"text", "late"}}));
    auto e = h.take_response();
    CHECK(e["id"] == 2);
    CHECK(e["error"]["code"] == -32000);
    REQUIRE(h.run_until([&] { return done; }));
    auto r = h.take_response();
    CHECK(r["id"] == 1);
    CHECK(r["result"]["content"][0]["text"] == "waited");
}

TEST_CASE("shutdown: requests past the grace period get -32000", "[shutdown]") {
    harness h(make_tools(), {.shutdown_grace = std::chrono::milliseconds(50)});
    h.initialize();
    h.feed(harness::call(1, "wait", {{"ms", 60000}}));
    bool done = false;
    asio::post(h.session->get_executor(), [&] { h.session->shutdown([&] { done = true; }); });
    REQUIRE(h.run_until([&] { return done; }, 3000));
    auto e = h.take_response();
    CHECK(e["id"] == 1);
    CHECK(e["error"]["code"] == -32000);
    CHECK_THAT(e["error"]["message"].get<std::string>(), Catch::Contains("50 ms"));
    h.pump(20);
    CHECK(h.take_responses().empty());  // the cancelled coroutine sends nothing more
}

TEST_CASE("limits: an oversized message is reported without an id", "[limits]") {
    harness h(make_tools(), {.max_message_bytes = 1024});
    h.session->receive_oversized(5000);
    auto e = h.take_one();
    CHECK_FALSE(e.contains("id"));
    CHECK(e["error"]["code"] == -32600);
    CHECK(e["error"]["data"]["limit"] == 1024);
}

namespace {
// Tools per caller: "mine_<n>" for each n in `names`, and "echo" (which the
// registry also has: the registry's wins).
struct test_provider : polymcp::tool_provider {
    std::mutex mu;
    std::vector<std::string> names = {"mine_a"};
    std::function<void(std::string, json)> notify;
    std::vector<std::uint64_t> closed;

    static std::shared_ptr<const polymcp::tool_entry> entry(const std::string& name) {
        polymcp::tool_entry e;
        e.name = name;
        e.descriptor = {{"name", name}, {"description", "per caller"}, {"inputSchema", {{"type", "object"}}}};
        e.call = [name](const json& args, std::shared_ptr<polymcp::request_context>, polymcp::tool_entry::completion done) {
            done(polymcp::call_tool_result::text(name + " got " + args.dump()));
        };
        return std::make_shared<const polymcp::tool_entry>(std::move(e));
    }
    asio::awaitable<std::vector<std::shared_ptr<const polymcp::tool_entry>>> list_tools(polymcp::tool_scope scope) override {
        std::lock_guard lock(mu);
        notify = scope.notify;
        std::vector<std::shared_ptr<const polymcp::tool_entry>> out;
        for (const auto& n : names) out.push_back(entry(n));
        out.push_back(entry("echo"));
        co_return out;
    }
    asio::awaitable<std::shared_ptr<const polymcp::tool_entry>> find_tool(polymcp::tool_scope, std::string name) override {
        std::lock_guard lock(mu);
        for (const auto& n : names)
            if (n == name) co_return entry(n);
        co_return nullptr;
    }
    void session_closed(std::uint64_t id) override {
        std::lock_guard lock(mu);
        closed.push_back(id);
    }
};
}  // namespace

TEST_CASE("per-caller tools: listed after the registry's, called like them, changes announced", "[tools][provider]") {
    auto provider = std::make_shared<test_provider>();
    {
        polymcp::server_options o;
        o.per_caller_tools = provider;
        harness h(make_tools(), o);
        auto init = h.initialize();
        CHECK(init["result"]["capabilities"]["tools"]["listChanged"] == true);

        h.feed(harness::request(1, "tools/list"));
        auto list = h.take_response()["result"]["tools"];
        std::vector<std::string> names;
        for (const auto& t : list) names.push_back(t["name"]);
        REQUIRE(names.size() >= 2);
        CHECK(names.back() == "mine_a");  // after the registry's tools
        CHECK(std::count(names.begin(), names.end(), "echo") == 1);  // the registry's echo, not the provider's

        h.feed(harness::call(2, "mine_a", {{"x", 1}}));
        CHECK(h.take_response()["result"]["content"][0]["text"] == "mine_a got {\"x\":1}");
        h.feed(harness::call(3, "mine_b", json::object()));
        auto unknown = h.take_response();
        CHECK(unknown["error"]["code"] == -32602);
        CHECK(unknown["error"]["message"] == "Unknown tool: 'mine_b'");

        // The provider's tools change and it says so.
        {
            std::lock_guard lock(provider->mu);
            provider->names = {"mine_a", "mine_b"};
        }
        provider->notify("notifications/tools/list_changed", nullptr);
        REQUIRE(h.wait_new(1));  // sent from the session's strand
        auto note = h.take_one();
        CHECK(note["method"] == "notifications/tools/list_changed");
        h.feed(harness::call(4, "mine_b", json::object()));
        CHECK(h.take_response()["result"]["content"][0]["text"] == "mine_b got {}");
    }
    CHECK(provider->closed.size() == 1);  // told when the session ended
}

TEST_CASE("per-caller tools: a 2026-07-28 listen stream gets the provider's changes, tagged", "[tools][provider][stateless]") {
    auto provider = std::make_shared<test_provider>();
    polymcp::server_options o;
    o.per_caller_tools = provider;
    harness h(make_tools(), o);
    const json meta = {{"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
                       {"io.modelcontextprotocol/clientCapabilities", json::object()}};
    h.feed(harness::request(7, "subscriptions/listen", {{"notifications", {{"toolsListChanged", true}}}, {"_meta", meta}}));
    auto ack = h.take_one();
    REQUIRE(ack["method"] == "notifications/subscriptions/acknowledged");
    CHECK(ack["params"]["notifications"]["toolsListChanged"] == true);
    // The listen asked the provider for the caller's tools, so the provider knows whom to tell.
    std::function<void(std::string, json)> notify;
    REQUIRE(h.run_until([&] {
        std::lock_guard lock(provider->mu);
        notify = provider->notify;
        return notify != nullptr;
    }));
    notify("notifications/tools/list_changed", nullptr);
    REQUIRE(h.wait_new(1));
    auto note = h.take_one();
    CHECK(note["method"] == "notifications/tools/list_changed");
    CHECK(note["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"] == 7);
}
