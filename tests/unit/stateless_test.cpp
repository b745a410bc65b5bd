// MCP 2026-07-28, the stateless revision, served by the same session that
// serves 2025-11-25: per-request _meta, server/discover, resultType and the
// server's identity on results, caching hints, per-request log level, and
// multi round-trip requests (InputRequiredResult) from handlers written once.
#include <catch2/catch.hpp>
#include <polymcp/crypto/fernet.hpp>
#include <polymcp/polymcp.hpp>

#include "support/session_harness.hpp"

using nlohmann::json;
using test::harness;

namespace {

struct echo_args {
    BOOST_HANA_DEFINE_STRUCT(echo_args, (std::string, text));
};

json modern_meta(json capabilities = json::object(), std::optional<std::string> log_level = std::nullopt) {
    json m = {{"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
              {"io.modelcontextprotocol/clientCapabilities", std::move(capabilities)},
              {"io.modelcontextprotocol/clientInfo", {{"name", "spec-test"}, {"version", "1"}}}};
    if (log_level) m["io.modelcontextprotocol/logLevel"] = *log_level;
    return m;
}

json modern(json id, const std::string& method, json params = json::object(), json meta = modern_meta()) {
    params["_meta"] = std::move(meta);
    return harness::request(std::move(id), method, std::move(params));
}

const json name_schema = {{"type", "object"}, {"properties", {{"name", {{"type", "string"}}}}}, {"required", {"name"}}};

polymcp::server_features features() {
    auto echo = polymcp::tool<"echo">("Echo", [](echo_args a) { return a.text; });
    auto chatty = polymcp::tool<"chatty">("Logs at two levels", [](polymcp::request_context& ctx) {
        ctx.log(polymcp::logging_level::debug, "debug detail");
        ctx.log(polymcp::logging_level::warning, "careful");
        return std::string("done");
    });
    // Written once, in the multi round-trip style, for both revisions.
    auto greet = polymcp::tool<"greet">("Asks for a name", [](polymcp::request_context& ctx) -> asio::awaitable<std::string> {
        std::string key = "user_name", method = "elicitation/create";
        json params = {{"message", "What is your name?"}, {"requestedSchema", name_schema}};
        auto r = co_await ctx.async_input(key, method, params, asio::use_awaitable);
        co_return "Hello, " + r["content"]["name"].get<std::string>() + "!";
    });
    auto survey = polymcp::tool<"survey">("Two rounds and its own state",
                                         [](polymcp::request_context& ctx) -> asio::awaitable<std::string> {
        std::string k1 = "step1", k2 = "step2", method = "elicitation/create";
        json p1 = {{"message", "Step 1: your name?"}, {"requestedSchema", name_schema}};
        auto a = co_await ctx.async_input(k1, method, p1, asio::use_awaitable);
        ctx.set_request_state({{"name", a["content"]["name"]}});
        json p2 = {{"message", "Step 2: your colour?"}, {"requestedSchema", name_schema}};
        auto b = co_await ctx.async_input(k2, method, p2, asio::use_awaitable);
        co_return ctx.request_state()["name"].get<std::string>() + " likes " + b["content"]["name"].get<std::string>();
    });
    auto many = polymcp::tool<"many">("Three inputs in one round", [](polymcp::request_context& ctx) -> asio::awaitable<std::string> {
        json requests = {
            {"user_name", {{"method", "elicitation/create"}, {"params", {{"message", "Name?"}, {"requestedSchema", name_schema}}}}},
            {"greeting", {{"method", "sampling/createMessage"},
                          {"params", {{"messages", {{{"role", "user"}, {"content", {{"type", "text"}, {"text", "Greet"}}}}}},
                                      {"maxTokens", 50}}}}},
            {"client_roots", {{"method", "roots/list"}, {"params", json::object()}}}};
        auto r = co_await ctx.async_inputs(requests, asio::use_awaitable);
        co_return r["greeting"]["content"]["text"].get<std::string>() + " " +
            r["user_name"]["content"]["name"].get<std::string>() + " in " +
            r["client_roots"]["roots"][0]["uri"].get<std::string>();
    });
    auto readme = polymcp::resource<"readme">("file:///readme.md", "The README", [] { return std::string("# Hi"); });
    // Input-required results are universal: a prompt asks too.
    auto topic = polymcp::prompt<"topic">("Asks what to write about", [](polymcp::request_context& ctx) -> asio::awaitable<std::string> {
        std::string key = "topic", method = "elicitation/create";
        json params = {{"message", "Topic?"}, {"requestedSchema", name_schema}};
        auto r = co_await ctx.async_input(key, method, params, asio::use_awaitable);
        co_return "Write about " + r["content"]["name"].get<std::string>();
    });
    return polymcp::features(polymcp::tools(echo, chatty, greet, survey, many), polymcp::resources(readme),
                             polymcp::prompts(topic));
}

polymcp::server_options options() {
    polymcp::server_options o;
    o.info = {.name = "stateless-spec", .version = "2.0.0"};
    o.cache.tools_list = {std::chrono::milliseconds(60'000), true};
    return o;
}

json accept(json content) { return {{"action", "accept"}, {"content", std::move(content)}}; }

}  // namespace

TEST_CASE("stateless: server/discover names the revisions, capabilities and identity", "[stateless]") {
    harness h(features(), options());
    h.feed(modern(1, "server/discover"));
    auto r = h.take_response()["result"];
    CHECK(r["resultType"] == "complete");
    CHECK(r["supportedVersions"] == json({"2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"}));
    CHECK(r["capabilities"].contains("tools"));
    CHECK(r["capabilities"].contains("resources"));
    CHECK(r["_meta"]["io.modelcontextprotocol/serverInfo"] == json({{"name", "stateless-spec"}, {"version", "2.0.0"}}));
    CHECK(r["ttlMs"] == 0);
    CHECK(r["cacheScope"] == "private");
}

TEST_CASE("stateless: a request with _meta is served without initialize, beside a 2025-11-25 session", "[stateless]") {
    harness h(features(), options());
    h.feed(modern(1, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "hi"}}}}));
    auto r = h.take_response();
    CHECK(r["result"]["content"][0]["text"] == "hi");
    CHECK(r["result"]["resultType"] == "complete");
    CHECK(r["result"]["_meta"]["io.modelcontextprotocol/serverInfo"]["name"] == "stateless-spec");
    // The same session still does the 2025-11-25 handshake, and its results carry no resultType.
    auto init = h.initialize("2025-11-25");
    CHECK(init["result"]["protocolVersion"] == "2025-11-25");
    h.feed(harness::call(2, "echo", {{"text", "old"}}));
    auto legacy = h.take_response()["result"];
    CHECK(legacy["content"][0]["text"] == "old");
    CHECK_FALSE(legacy.contains("resultType"));
    // And stateless requests go on being served statelessly.
    h.feed(modern(3, "tools/list"));
    auto list = h.take_response()["result"];
    CHECK(list["resultType"] == "complete");
    CHECK(list["ttlMs"] == 60'000);
    CHECK(list["cacheScope"] == "public");
}

TEST_CASE("stateless: bad _meta, unknown versions and removed methods get their errors", "[stateless]") {
    harness h(features(), options());
    SECTION("missing clientCapabilities is -32602") {
        h.feed(harness::request(1, "tools/list", {{"_meta", {{"io.modelcontextprotocol/protocolVersion", "2026-07-28"}}}}));
        auto e = h.take_response()["error"];
        CHECK(e["code"] == -32602);
        CHECK(e["message"].get<std::string>().find("clientCapabilities") != std::string::npos);
    }
    SECTION("an unknown version is -32022 with the supported ones and the requested one") {
        auto m = modern_meta();
        m["io.modelcontextprotocol/protocolVersion"] = "1900-01-01";
        h.feed(modern(1, "tools/list", json::object(), m));
        auto e = h.take_response()["error"];
        CHECK(e["code"] == -32022);
        CHECK(e["data"]["requested"] == "1900-01-01");
        CHECK(e["data"]["supported"][0] == "2026-07-28");
    }
    SECTION("clientInfo may be omitted") {
        auto m = modern_meta();
        m.erase("io.modelcontextprotocol/clientInfo");
        h.feed(modern(1, "tools/list", json::object(), m));
        CHECK(h.take_response()["result"]["resultType"] == "complete");
    }
    SECTION("initialize, ping, logging/setLevel and resources/subscribe are -32601") {
        int id = 1;
        for (const char* m : {"initialize", "ping", "logging/setLevel", "resources/subscribe", "resources/unsubscribe", "nope/nope"}) {
            h.feed(modern(id, m));
            auto r = h.take_response();
            CHECK(r["id"] == id);
            CHECK(r["error"]["code"] == -32601);
            ++id;
        }
    }
    SECTION("a resource that does not exist is -32602 (it was -32002 before)") {
        h.feed(modern(1, "resources/read", {{"uri", "file:///nope"}}));
        CHECK(h.take_response()["error"]["code"] == -32602);
        h.initialize();
        h.feed(harness::request(2, "resources/read", {{"uri", "file:///nope"}}));
        CHECK(h.take_response()["error"]["code"] == -32002);
    }
}

TEST_CASE("stateless: log messages only at and above the request's own logLevel", "[stateless][logging]") {
    harness h(features(), options());
    h.feed(modern(1, "tools/call", {{"name", "chatty"}}));
    REQUIRE(h.wait_new(1));
    auto none = h.take();
    REQUIRE(none.size() == 1);  // the response only: no logLevel, no notifications/message
    CHECK(none[0]["result"]["content"][0]["text"] == "done");

    h.feed(modern(2, "tools/call", {{"name", "chatty"}}, modern_meta(json::object(), "warning")));
    REQUIRE(h.wait_new(2));
    auto msgs = h.take();
    REQUIRE(msgs.size() == 2);
    CHECK(msgs[0]["method"] == "notifications/message");
    CHECK(msgs[0]["params"]["data"] == "careful");
    CHECK(msgs[1]["id"] == 2);
}

TEST_CASE("input required: a handler's question becomes an InputRequiredResult, the retry resumes it",
          "[stateless][mrtr]") {
    harness h(features(), options());
    const json caps = {{"elicitation", json::object()}};
    h.feed(modern(1, "tools/call", {{"name", "greet"}}, modern_meta(caps)));
    REQUIRE(h.wait_new(1));
    auto irr = h.take_response()["result"];
    CHECK(irr["resultType"] == "input_required");
    CHECK(irr["inputRequests"]["user_name"]["method"] == "elicitation/create");
    CHECK(irr["inputRequests"]["user_name"]["params"]["message"] == "What is your name?");
    REQUIRE(irr["requestState"].is_string());
    const auto state = irr["requestState"].get<std::string>();

    SECTION("with the answer and the state it completes") {
        h.feed(modern(2, "tools/call",
                      {{"name", "greet"}, {"inputResponses", {{"user_name", accept({{"name", "Alice"}})}}}, {"requestState", state}},
                      modern_meta(caps)));
        REQUIRE(h.wait_new(1));
        auto r = h.take_response()["result"];
        CHECK(r["resultType"] == "complete");
        CHECK(r["content"][0]["text"] == "Hello, Alice!");
    }
    SECTION("a missing or malformed answer is asked for again, extra ones are ignored") {
        h.feed(modern(2, "tools/call",
                      {{"name", "greet"}, {"inputResponses", {{"wrong_key", accept({{"name", "A"}})}, {"user_name", 42}}},
                       {"requestState", state}},
                      modern_meta(caps)));
        REQUIRE(h.wait_new(1));
        auto again = h.take_response()["result"];
        CHECK(again["resultType"] == "input_required");
        CHECK(again["inputRequests"].contains("user_name"));
    }
    SECTION("a tampered requestState is refused with -32602") {
        auto bad = state;
        bad[bad.size() / 2] = bad[bad.size() / 2] == 'a' ? 'b' : 'a';
        h.feed(modern(2, "tools/call",
                      {{"name", "greet"}, {"inputResponses", {{"user_name", accept({{"name", "A"}})}}}, {"requestState", bad}},
                      modern_meta(caps)));
        auto e = h.take_response()["error"];
        CHECK(e["code"] == -32602);
        CHECK(e["message"].get<std::string>().find("requestState") != std::string::npos);
    }
    SECTION("a requestState presented on another request is refused") {
        h.feed(modern(2, "tools/call",
                      {{"name", "survey"}, {"inputResponses", {{"user_name", accept({{"name", "A"}})}}}, {"requestState", state}},
                      modern_meta(caps)));
        auto e = h.take_response()["error"];
        CHECK(e["code"] == -32602);
        CHECK(e["message"].get<std::string>().find("another request") != std::string::npos);
    }
    SECTION("inputResponses that are not an object are -32602") {
        h.feed(modern(2, "tools/call", {{"name", "greet"}, {"inputResponses", "yes"}}, modern_meta(caps)));
        CHECK(h.take_response()["error"]["code"] == -32602);
    }
}

TEST_CASE("input required: several rounds carry the earlier answers and the handler's state", "[stateless][mrtr]") {
    harness h(features(), options());
    const json caps = {{"elicitation", json::object()}};
    h.feed(modern(1, "tools/call", {{"name", "survey"}}, modern_meta(caps)));
    REQUIRE(h.wait_new(1));
    auto r1 = h.take_response()["result"];
    REQUIRE(r1["inputRequests"].contains("step1"));
    h.feed(modern(2, "tools/call",
                  {{"name", "survey"}, {"inputResponses", {{"step1", accept({{"name", "Ann"}})}}}, {"requestState", r1["requestState"]}},
                  modern_meta(caps)));
    REQUIRE(h.wait_new(1));
    auto r2 = h.take_response()["result"];
    CHECK(r2["resultType"] == "input_required");
    REQUIRE(r2["inputRequests"].contains("step2"));
    CHECK_FALSE(r2["inputRequests"].contains("step1"));
    CHECK(r2["requestState"] != r1["requestState"]);
    h.feed(modern(3, "tools/call",
                  {{"name", "survey"}, {"inputResponses", {{"step2", accept({{"name", "green"}})}}}, {"requestState", r2["requestState"]}},
                  modern_meta(caps)));
    REQUIRE(h.wait_new(1));
    CHECK(h.take_response()["result"]["content"][0]["text"] == "Ann likes green");
}

TEST_CASE("input required: several inputs in one round", "[stateless][mrtr]") {
    harness h(features(), options());
    const json caps = {{"elicitation", json::object()}, {"sampling", json::object()}, {"roots", json::object()}};
    h.feed(modern(1, "tools/call", {{"name", "many"}}, modern_meta(caps)));
    REQUIRE(h.wait_new(1));
    auto irr = h.take_response()["result"];
    CHECK(irr["inputRequests"].size() == 3);
    json answers = {{"user_name", accept({{"name", "Bo"}})},
                    {"greeting", {{"role", "assistant"}, {"content", {{"type", "text"}, {"text", "Hi"}}}, {"model", "m"}}},
                    {"client_roots", {{"roots", {{{"uri", "file:///w"}}}}}}};
    h.feed(modern(2, "tools/call", {{"name", "many"}, {"inputResponses", answers}, {"requestState", irr["requestState"]}},
                  modern_meta(caps)));
    REQUIRE(h.wait_new(1));
    CHECK(h.take_response()["result"]["content"][0]["text"] == "Hi Bo in file:///w");
}

TEST_CASE("input required: a capability the request lacks is -32021 naming it", "[stateless][mrtr]") {
    harness h(features(), options());
    h.feed(modern(1, "tools/call", {{"name", "greet"}}));  // no elicitation capability
    REQUIRE(h.wait_new(1));
    auto e = h.take_response()["error"];
    CHECK(e["code"] == -32021);
    CHECK(e["data"]["requiredCapabilities"] == json({{"elicitation", json::object()}}));
}

TEST_CASE("input required: under 2025-11-25 the same handler sends elicitation/create and resumes", "[stateless][mrtr]") {
    harness h(features(), options());
    h.initialize("2025-11-25", {{"elicitation", json::object()}});
    h.feed(harness::call(5, "greet", json::object()));
    REQUIRE(h.wait_new(1));
    auto ask = h.take_one();
    REQUIRE(ask["method"] == "elicitation/create");
    CHECK(ask["params"]["message"] == "What is your name?");
    h.feed(json{{"jsonrpc", "2.0"}, {"id", ask["id"]}, {"result", accept({{"name", "Cy"}})}});
    REQUIRE(h.wait_new(1));
    auto r = h.take_response();
    CHECK(r["id"] == 5);
    CHECK(r["result"]["content"][0]["text"] == "Hello, Cy!");
}

TEST_CASE("input required: with a cipher the requestState is sealed, and another instance with the key resumes it",
          "[stateless][mrtr][crypto]") {
    const auto key = polymcp::crypto::fernet::generate_key();
    auto sealed = [&] {
        auto o = options();
        o.request_state = polymcp::request_state_with(polymcp::crypto::fernet(key));
        return o;
    };
    harness a(features(), sealed()), b(features(), sealed());
    const json caps = {{"elicitation", json::object()}};
    a.feed(modern(1, "tools/call", {{"name", "greet"}}, modern_meta(caps)));
    REQUIRE(a.wait_new(1));
    const auto state = a.take_response()["result"]["requestState"].get<std::string>();
    CHECK(state.find("Alice") == std::string::npos);
    CHECK(state.rfind("gAAAAA", 0) == 0);  // a Fernet token: opaque to the client
    json retry = {{"name", "greet"}, {"inputResponses", {{"user_name", accept({{"name", "Alice"}})}}}, {"requestState", state}};
    b.feed(modern(2, "tools/call", retry, modern_meta(caps)));
    REQUIRE(b.wait_new(1));
    CHECK(b.take_response()["result"]["content"][0]["text"] == "Hello, Alice!");

    SECTION("one altered byte and it is refused") {
        retry["requestState"] = state.substr(0, 20) + (state[20] == 'A' ? 'B' : 'A') + state.substr(21);
        b.feed(modern(3, "tools/call", retry, modern_meta(caps)));
        CHECK(b.take_response()["error"]["code"] == -32602);
    }
    SECTION("an instance with another key refuses it") {
        harness c(features(), [] {
            auto o = options();
            o.request_state = polymcp::request_state_with(polymcp::crypto::fernet(polymcp::crypto::fernet::generate_key()));
            return o;
        }());
        c.feed(modern(3, "tools/call", retry, modern_meta(caps)));
        CHECK(c.take_response()["error"]["code"] == -32602);
    }
}

TEST_CASE("subscriptions/listen: acknowledged first, tagged, filtered, ended by the client or the server",
          "[stateless][listen]") {
    auto tools = std::make_shared<polymcp::tool_registry>(true);  // tools may change at run time
    tools->add(polymcp::tool<"echo">("Echo", [](echo_args a) { return a.text; }));
    harness h(polymcp::features(tools), options());
    h.feed(modern(7, "subscriptions/listen", {{"notifications", {{"toolsListChanged", true}, {"promptsListChanged", true}}}}));
    auto ack = h.take_one();
    CHECK(ack["method"] == "notifications/subscriptions/acknowledged");
    CHECK(ack["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"] == 7);
    // Only what the server honours: it has no prompts.
    CHECK(ack["params"]["notifications"] == json({{"toolsListChanged", true}}));

    h.feed(modern(8, "subscriptions/listen", {{"notifications", {{"resourcesListChanged", true}}}}));
    CHECK(h.take_one()["params"]["notifications"] == json::object());

    tools->remove("echo");
    REQUIRE(h.wait_new(1));
    auto changed = h.take();
    REQUIRE(changed.size() == 1);  // to listen 7 only, not to 8, which did not ask for it
    CHECK(changed[0]["method"] == "notifications/tools/list_changed");
    CHECK(changed[0]["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"] == 7);

    SECTION("cancelled by the client: no more notifications, no response") {
        h.feed(json{{"jsonrpc", "2.0"}, {"method", "notifications/cancelled"}, {"params", {{"requestId", 7}}}});
        h.pump(20);
        tools->add(polymcp::tool<"echo">("Echo", [](echo_args a) { return a.text; }));
        h.pump(20);
        CHECK(h.take().empty());
    }
    SECTION("ended by the server: the listen's result carries its subscriptionId") {
        bool done = false;
        asio::post(h.session->get_executor(), [&] { h.session->shutdown([&] { done = true; }); });
        REQUIRE(h.run_until([&] { return done; }));
        auto ends = h.take_responses();
        REQUIRE(ends.size() == 2);
        for (const auto& e : ends) CHECK(e["result"]["_meta"]["io.modelcontextprotocol/subscriptionId"] == e["id"]);
    }
    SECTION("a filter that is not an object is -32602") {
        h.feed(modern(9, "subscriptions/listen", {{"notifications", true}}));
        CHECK(h.take_response()["error"]["code"] == -32602);
    }
}

TEST_CASE("stateless: a coroutine prompt asks for input and completes on the retry", "[stateless]") {
    harness h(features(), options());
    h.feed(modern(1, "prompts/get", {{"name", "topic"}}, modern_meta({{"elicitation", json::object()}})));
    auto first = h.take_response()["result"];
    REQUIRE(first["resultType"] == "input_required");
    CHECK(first["inputRequests"]["topic"]["method"] == "elicitation/create");
    // The retry may leave out the requestState when nothing else was carried.
    h.feed(modern(2, "prompts/get", {{"name", "topic"}, {"inputResponses", {{"topic", accept({{"name", "owls"}})}}}},
                  modern_meta({{"elicitation", json::object()}})));
    auto done = h.take_response()["result"];
    CHECK(done["resultType"] == "complete");
    CHECK(done["messages"][0]["content"]["text"] == "Write about owls");
    // In a 2025-11-25 session the same handler sends elicitation/create and resumes.
    h.initialize("2025-11-25", {{"elicitation", json::object()}});
    h.feed(harness::request(3, "prompts/get", {{"name", "topic"}}));
    auto ask = h.take_one();
    REQUIRE(ask["method"] == "elicitation/create");
    h.feed(json{{"jsonrpc", "2.0"}, {"id", ask["id"]}, {"result", accept({{"name", "bats"}})}});
    CHECK(h.take_response()["result"]["messages"][0]["content"]["text"] == "Write about bats");
}
