// One walk through every client call against examples/everything_server,
// shared by the stdio and the Streamable HTTP client tests so that both
// transports are held to the same checks.
#pragma once

#include <polymcp/client/session.hpp>

#include "support/run_coro.hpp"

#include <catch2/catch.hpp>

#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace polymcp::test {

/// What the walkthrough's handlers saw.
struct walkthrough_log {
    std::vector<polymcp::client::log_message> logs;
    polymcp::json sampling_params;
    polymcp::json elicitation_params;
};

/// Session options whose handlers record into `log` and answer sampling and elicitation.
inline polymcp::client::session_options walkthrough_options(
    walkthrough_log& log, polymcp::client::protocol_era era = polymcp::client::protocol_era::legacy) {
    namespace mc = polymcp::client;
    using polymcp::json;
    mc::session_options so;
    so.era = era;
    so.on_log = [&log](const mc::log_message& m) { log.logs.push_back(m); };
    so.on_sampling = [&log](json p) -> asio::awaitable<json> {
        log.sampling_params = p;
        co_return json{{"role", "assistant"},
                       {"content", {{"type", "text"}, {"text", "sampled answer"}}},
                       {"model", "test-model"},
                       {"stopReason", "endTurn"}};
    };
    so.on_elicitation = [&log](json p) -> asio::awaitable<json> {
        log.elicitation_params = p;
        co_return json{{"action", "accept"}, {"content", {{"response", "from the user"}}}};
    };
    return so;
}

/// Calls every client method against everything_server and checks the typed
/// results. everything_server is dual-era: `revision` is what the session is
/// expected to speak ("2025-11-25" with `protocol_era::legacy`, "2026-07-28"
/// with the default), and every call must work the same either way.
inline asio::awaitable<void> walk_everything(polymcp::client::session& s, walkthrough_log& log,
                                             std::string revision = "2025-11-25") {
    namespace mc = polymcp::client;
    using polymcp::json;
    auto init = co_await s.initialize();
    CHECK(init.protocol_version == revision);
    CHECK(s.is_stateless() == (revision == "2026-07-28"));
    CHECK(init.server_info.name == "mcp-conformance-test-server");
    CHECK(init.capabilities.tools);
    CHECK(init.capabilities.resources_subscribe);
    CHECK(init.capabilities.prompts);
    CHECK(init.capabilities.logging);
    CHECK(init.capabilities.completions);
    CHECK(s.is_open());

    auto tools = co_await s.list_tools();
    REQUIRE(tools.size() >= 10);
    auto simple = std::find_if(tools.begin(), tools.end(), [](auto& x) { return x.name == "test_simple_text"; });
    REQUIRE(simple != tools.end());
    CHECK(simple->input_schema.value("type", "") == "object");
    CHECK(simple->raw["name"] == "test_simple_text");

    std::string name = "test_simple_text";
    auto r = co_await s.call_tool(name, json::object());
    REQUIRE(r.content.size() == 1);
    CHECK(std::get<polymcp::text_content>(r.content[0]).text == "This is a simple text response for testing.");
    CHECK_FALSE(r.is_error);

    name = "test_multiple_content_types";
    r = co_await s.call_tool(name, nullptr);
    REQUIRE(r.content.size() == 3);
    CHECK(std::get<polymcp::image_content>(r.content[1]).mime_type == "image/png");
    CHECK(std::get<polymcp::embedded_resource>(r.content[2]).uri == "test://mixed-content-resource");

    name = "test_error_handling";
    r = co_await s.call_tool(name, nullptr);
    CHECK(r.is_error);

    std::vector<mc::progress_info> progress;
    mc::request_options ro;
    ro.on_progress = [&](const mc::progress_info& p) { progress.push_back(p); };
    name = "test_tool_with_progress";
    r = co_await s.call_tool(name, nullptr, ro);
    REQUIRE(progress.size() == 3);
    CHECK(progress[0].progress == 0);
    CHECK(progress[2].progress == 100);
    CHECK(progress[2].total == 100);
    CHECK(progress[1].message == "Completed step 50 of 100");

    co_await s.set_logging_level(polymcp::logging_level::info);
    name = "test_tool_with_logging";
    log.logs.clear();
    r = co_await s.call_tool(name, nullptr);
    REQUIRE(log.logs.size() == 3);
    CHECK(log.logs[0].level == polymcp::logging_level::info);
    CHECK(log.logs[0].data == "Tool execution started");

    name = "test_sampling";
    json args = {{"prompt", "What is 2+2?"}};
    r = co_await s.call_tool(name, args);
    CHECK(std::get<polymcp::text_content>(r.content[0]).text == "LLM response: sampled answer");
    CHECK(log.sampling_params["messages"][0]["content"]["text"] == "What is 2+2?");

    // x-mcp-header parameters: over HTTP in 2026-07-28 the server refuses the
    // call (-32020) unless the client mirrors them into Mcp-Param-* headers.
    name = "test_custom_headers";
    args = {{"region", " eu-west\t"}, {"priority", 7}, {"verbose", true}, {"query", "SELECT 1"}};
    r = co_await s.call_tool(name, args);
    CHECK_FALSE(r.is_error);
    CHECK(std::get<polymcp::text_content>(r.content[0]).text ==
          "region= eu-west\t, priority=7, verbose=true, query=SELECT 1");

    name = "test_elicitation";
    args = {{"message", "Your name?"}};
    r = co_await s.call_tool(name, args);
    CHECK(std::get<polymcp::text_content>(r.content[0]).text ==
          "User response: action=accept, content={\"response\":\"from the user\"}");
    CHECK(log.elicitation_params["message"] == "Your name?");

    auto resources = co_await s.list_resources();
    CHECK(std::any_of(resources.begin(), resources.end(), [](auto& x) { return x.uri == "test://static-text"; }));
    auto templates = co_await s.list_resource_templates();
    REQUIRE(templates.size() == 1);
    CHECK(templates[0].uri_template == "test://template/{id}/data");
    std::string uri = "test://static-text";
    auto rr = co_await s.read_resource(uri);
    REQUIRE(rr.contents.size() == 1);
    CHECK(rr.contents[0].text == "This is the content of the static text resource.");
    uri = "test://static-binary";
    rr = co_await s.read_resource(uri);
    REQUIRE(rr.contents.size() == 1);
    CHECK(rr.contents[0].blob.has_value());
    uri = "test://template/42/data";
    rr = co_await s.read_resource(uri);
    CHECK(json::parse(*rr.contents[0].text)["id"] == "42");

    auto prompts = co_await s.list_prompts();
    CHECK(prompts.size() == 5);  // the fixture's four and test_input_required_result_prompt
    CHECK(std::any_of(prompts.begin(), prompts.end(),
                      [](auto& x) { return x.name == "test_input_required_result_prompt"; }));
    name = "test_prompt_with_arguments";
    std::map<std::string, std::string> pargs{{"arg1", "a"}, {"arg2", "b"}};
    auto gp = co_await s.get_prompt(name, pargs);
    REQUIRE(gp.messages.size() == 1);
    CHECK(gp.messages[0].role == "user");
    CHECK(std::get<polymcp::text_content>(gp.messages[0].content).text == "Prompt with arguments: arg1='a', arg2='b'");

    std::string arg = "arg1", value = "te";
    auto c = co_await s.complete(mc::completion_reference::prompt(name), arg, value);
    CHECK(c.values == std::vector<std::string>{"test", "testing", "tested"});
    std::string tmpl = "test://template/{id}/data";
    arg = "id";
    value = "1";
    c = co_await s.complete(mc::completion_reference::resource(tmpl), arg, value);
    CHECK(c.values == std::vector<std::string>{"1", "123"});

    co_await s.ping();

    name = "no_such_tool";
    try {
        co_await s.call_tool(name, nullptr);
        FAIL("an unknown tool must be a JSON-RPC error");
    } catch (const mc::client_error& e) {
        CHECK(e.value() == mc::errc::rpc_error);
        REQUIRE(e.rpc);
        CHECK(e.rpc->code == -32602);
        CHECK(std::string(e.what()).find("no_such_tool") != std::string::npos);
    }
}

/// Subscribes to `uri`, waits (up to 8 s; everything_server announces an
/// update of test://watched-resource every 3 s) until `updated` — filled by
/// the session's `on_resource_updated` — is not empty, then unsubscribes.
inline asio::awaitable<void> subscribe_and_wait(polymcp::client::session& s, std::string uri,
                                                const std::vector<std::string>& updated) {
    co_await s.subscribe(uri);
    asio::steady_timer t(co_await asio::this_coro::executor);
    for (int i = 0; i < 80 && updated.empty(); ++i) {
        t.expires_after(std::chrono::milliseconds(100));
        co_await t.async_wait(asio::use_awaitable);
    }
    co_await s.unsubscribe(uri);
}

/// The whole resources/updated check over `transport` (to everything_server):
/// initialize, subscribe_and_wait on test://watched-resource, close; then
/// at least one update for that URI must have arrived. In the legacy era the
/// updates come after resources/subscribe (on the GET stream over HTTP); in
/// the modern one on a subscriptions/listen stream.
inline void check_resource_updated(asio::io_context& io, std::shared_ptr<polymcp::client::transport> transport,
                                   polymcp::client::protocol_era era = polymcp::client::protocol_era::legacy) {
    std::vector<std::string> updated;
    polymcp::client::session_options so;
    so.era = era;
    so.on_resource_updated = [&](const std::string& uri) { updated.push_back(uri); };
    polymcp::client::session s(std::move(transport), so);
    ::test::run_coro(io, [&]() -> asio::awaitable<void> {
        co_await s.initialize();
        CHECK(s.is_stateless() == (era == polymcp::client::protocol_era::modern));
        std::string uri = "test://watched-resource";
        co_await subscribe_and_wait(s, uri, updated);
        co_await s.close();
    });
    REQUIRE_FALSE(updated.empty());
    CHECK(updated[0] == "test://watched-resource");
}

}  // namespace polymcp::test
