// Server features through the protocol core (no transport): requests to the
// client (roots, URL-mode elicitation, errors), list_changed of dynamic
// resource and prompt registries, and pagination of every list.

#include <catch2/catch.hpp>
#include <polymcp/polymcp.hpp>

#include "support/session_harness.hpp"

#include <asio/experimental/as_tuple.hpp>

using nlohmann::json;
using test::harness;

namespace {

asio::awaitable<std::string> list_roots(polymcp::request_context& ctx) {
    auto [ec, r] = co_await ctx.async_list_roots(asio::experimental::as_tuple(asio::use_awaitable));
    if (ec) co_return "error: " + ec.message() + " " + r.dump();
    co_return r["roots"][0]["uri"].get<std::string>();
}

asio::awaitable<std::string> open_link(polymcp::request_context& ctx) {
    std::string message = "Authorize", url = "https://auth.example.com/start", id = "el-1";
    auto [ec, r] = co_await ctx.async_elicit_url(std::move(message), std::move(url), std::move(id),
                                                 asio::experimental::as_tuple(asio::use_awaitable));
    if (ec) co_return "error: " + ec.message();
    co_return r["action"].get<std::string>();
}

polymcp::server_features client_request_features() {
    return polymcp::features(polymcp::tools(polymcp::tool<"roots">("Lists roots", list_roots),
                                            polymcp::tool<"link">("URL elicitation", open_link)));
}

}  // namespace

TEST_CASE("requests to the client: roots/list round trip, and a JSON-RPC error answer", "[client_requests]") {
    harness h(client_request_features());
    h.initialize("2025-11-25", {{"roots", {{"listChanged", true}}}});
    h.feed(harness::call(1, "roots", json::object()));
    auto ask = h.take_one();
    CHECK(ask["method"] == "roots/list");
    h.feed(json{{"jsonrpc", "2.0"}, {"id", ask["id"]}, {"result", {{"roots", {{{"uri", "file:///work"}}}}}}});
    REQUIRE(h.wait_new(1));
    CHECK(h.take_response()["result"]["content"][0]["text"] == "file:///work");

    h.feed(harness::call(2, "roots", json::object()));
    auto again = h.take_one();
    h.feed(json{{"jsonrpc", "2.0"}, {"id", again["id"]}, {"error", {{"code", -32603}, {"message", "no roots today"}}}});
    REQUIRE(h.wait_new(1));
    auto text = h.take_response()["result"]["content"][0]["text"].get<std::string>();
    CHECK(text.find("JSON-RPC error") != std::string::npos);
    CHECK(text.find("no roots today") != std::string::npos);
}

TEST_CASE("requests to the client: URL-mode elicitation needs elicitation.url", "[client_requests]") {
    SECTION("declared") {
        harness h(client_request_features());
        h.initialize("2025-11-25", {{"elicitation", {{"form", json::object()}, {"url", json::object()}}}});
        h.feed(harness::call(1, "link", json::object()));
        auto ask = h.take_one();
        CHECK(ask["method"] == "elicitation/create");
        CHECK(ask["params"]["mode"] == "url");
        CHECK(ask["params"]["url"] == "https://auth.example.com/start");
        CHECK(ask["params"]["elicitationId"] == "el-1");
        h.feed(json{{"jsonrpc", "2.0"}, {"id", ask["id"]}, {"result", {{"action", "accept"}}}});
        REQUIRE(h.wait_new(1));
        CHECK(h.take_response()["result"]["content"][0]["text"] == "accept");
    }
    SECTION("form only: refused without sending anything") {
        harness h(client_request_features());
        h.initialize("2025-11-25", {{"elicitation", json::object()}});
        h.feed(harness::call(1, "link", json::object()));
        REQUIRE(h.wait_new(1));
        auto msgs = h.take();
        REQUIRE(msgs.size() == 1);  // the tool's result, no request to the client
        CHECK(msgs[0]["result"]["content"][0]["text"].get<std::string>().find("did not declare") != std::string::npos);
    }
    SECTION("roots not declared") {
        harness h(client_request_features());
        h.initialize();
        h.feed(harness::call(1, "roots", json::object()));
        REQUIRE(h.wait_new(1));
        CHECK(h.take_response()["result"]["content"][0]["text"].get<std::string>().find("\"roots\"") !=
              std::string::npos);
    }
}

TEST_CASE("dynamic resource and prompt registries announce list changes", "[list_changed]") {
    auto resources = polymcp::make_dynamic_resource_registry();
    auto prompts = polymcp::make_dynamic_prompt_registry();
    harness h(polymcp::features(resources, prompts));
    auto init = h.initialize()["result"]["capabilities"];
    CHECK(init["resources"]["listChanged"] == true);
    CHECK(init["prompts"]["listChanged"] == true);
    resources->add(polymcp::resource<"a">("mem://a", "A", [] { return std::string("a"); }));
    prompts->add(polymcp::prompt<"p">("P", [] { return std::string("p"); }));
    REQUIRE(h.wait_new(2));
    auto n = h.take();
    CHECK(n[0]["method"] == "notifications/resources/list_changed");
    CHECK(n[1]["method"] == "notifications/prompts/list_changed");
    CHECK(prompts->remove("p"));
    REQUIRE(h.wait_new(1));
    CHECK(h.take_one()["method"] == "notifications/prompts/list_changed");
    std::error_code ec;
    resources->add(polymcp::resource<"a2">("mem://a", "same URI", [] { return std::string("x"); }).entry(), ec);
    CHECK(ec == polymcp::errc::duplicate_name);
}

TEST_CASE("resources, templates and prompts paginate with opaque cursors", "[pagination]") {
    struct v {
        BOOST_HANA_DEFINE_STRUCT(v, (std::string, id));
    };
    auto f = polymcp::features(
        polymcp::resources(polymcp::resource<"r1">("mem://1", "", [] { return std::string(); }),
                           polymcp::resource<"r2">("mem://2", "", [] { return std::string(); }),
                           polymcp::resource_template<"t1">("a://{id}", "", [](v) { return std::string(); }),
                           polymcp::resource_template<"t2">("b://{id}", "", [](v) { return std::string(); })),
        polymcp::prompts(polymcp::prompt<"p1">("", [] { return std::string(); }),
                         polymcp::prompt<"p2">("", [] { return std::string(); })));
    harness h(f, {.page_size = 1});
    h.initialize();
    for (auto [method, member] : {std::pair{"resources/list", "resources"},
                                  std::pair{"resources/templates/list", "resourceTemplates"},
                                  std::pair{"prompts/list", "prompts"}}) {
        INFO(method);
        h.feed(harness::request(1, method));
        auto first = h.take_response()["result"];
        REQUIRE(first[member].size() == 1);
        REQUIRE(first.contains("nextCursor"));
        h.feed(harness::request(2, method, {{"cursor", first["nextCursor"]}}));
        auto second = h.take_response()["result"];
        REQUIRE(second[member].size() == 1);
        CHECK(second[member][0] != first[member][0]);
        CHECK_FALSE(second.contains("nextCursor"));
        h.feed(harness::request(3, method, {{"cursor", "not-ours"}}));
        CHECK(h.take_response()["error"]["code"] == -32602);
    }
}
