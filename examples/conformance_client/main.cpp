// conformance_client: the polymcp MCP client as the official conformance
// suite drives it (npm @modelcontextprotocol/conformance, `conformance client`).
//
// usage: conformance_client SERVER_URL
//
// The suite starts a test server for one scenario, runs this program with
// the server's URL as the last argument, and names the scenario in
// MCP_CONFORMANCE_SCENARIO (with scenario data, when it has any, as JSON in
// MCP_CONFORMANCE_CONTEXT). The program does what the scenario asks of a
// client and exits 0, or prints why it failed and exits 1. Scenarios it does
// not know get the generic run: initialize, list the tools, close.

#include <polymcp/client.hpp>
#include <polymcp/client/oauth.hpp>
#include <polymcp/client/streamable_http.hpp>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace mc = polymcp::client;
using json = nlohmann::json;

namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

/// Calls every listed tool with no arguments (the tools the session kept).
asio::awaitable<void> call_every_tool(mc::session& s, const std::vector<mc::tool_info>& tools) {
    for (const auto& t : tools) {
        std::string name = t.name;
        co_await s.call_tool(name, json::object());
    }
}

/// The scenario's script, run on an initialized session.
asio::awaitable<void> run_scenario(const std::string& scenario, mc::session& s, const json& context) {
    auto tools = co_await s.list_tools();
    if (scenario == "tools_call") {
        std::string name = "add_numbers";
        json args = {{"a", 5}, {"b", 3}};
        auto r = co_await s.call_tool(name, args);
        if (r.is_error) throw std::runtime_error("add_numbers failed: " + r.raw.dump());
    } else if (scenario == "elicitation-sep1034-client-defaults") {
        std::string name = "test_client_elicitation_defaults";
        co_await s.call_tool(name, json::object());
    } else if (scenario == "sse-retry") {
        std::string name = "test_reconnection";
        co_await s.call_tool(name, json::object());
    } else if (scenario.rfind("auth/", 0) == 0) {
        // The authorization scenarios: an authorized call of the server's tool.
        for (const auto& t : tools)
            if (t.name == "test-tool") {
                std::string name = t.name;
                co_await s.call_tool(name, json::object());
            }
    } else if (scenario == "json-schema-2020-12-preservation") {
        // Echo the focal tool's inputSchema back exactly as received (SEP-1613).
        json schema;
        for (const auto& t : tools)
            if (t.name == "json_schema_2020_12_tool") schema = t.input_schema;
        if (schema.is_null()) throw std::runtime_error("json_schema_2020_12_tool is not listed");
        std::string name = "json_schema_echo";
        json args = {{"schema", schema}};
        co_await s.call_tool(name, args);
    } else if (scenario == "sep-2322-client-request-state" || scenario == "http-invalid-tool-headers") {
        // Input-required rounds answered by the handlers; tools with invalid
        // x-mcp-header annotations were left out by list_tools.
        co_await call_every_tool(s, tools);
    } else if (scenario == "http-custom-headers") {
        // The calls the scenario names, with their arguments (Mcp-Param-* mirrored by the session).
        for (const auto& c : context.value("toolCalls", json::array())) {
            std::string name = c.value("name", "");
            json args = c.value("arguments", json::object());
            co_await s.call_tool(name, args);
        }
    } else if (scenario == "http-standard-headers") {
        // One request of each kind that carries Mcp-Method and Mcp-Name.
        co_await call_every_tool(s, tools);
        auto resources = co_await s.list_resources();
        for (const auto& r : resources) {
            std::string uri = r.uri;
            co_await s.read_resource(uri);
        }
        auto prompts = co_await s.list_prompts();
        for (const auto& p : prompts) {
            std::string name = p.name;
            co_await s.get_prompt(name);
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: conformance_client SERVER_URL (scenario in MCP_CONFORMANCE_SCENARIO)\n");
        return 2;
    }
    const std::string url = argv[argc - 1];
    const std::string scenario = env("MCP_CONFORMANCE_SCENARIO");

    asio::io_context io;
    mc::session_options so;
    so.client_info = {.name = "polymcp-conformance-client", .version = "0.1.0"};
    // Elicitation: accept, filling every field the form gives a default for
    // (SEP-1034: clients SHOULD pre-populate defaults).
    so.on_elicitation = [](json params) -> asio::awaitable<json> {
        json content = mc::elicitation_defaults(params.value("requestedSchema", json::object()));
        co_return json{{"action", "accept"}, {"content", content}};
    };
    so.on_sampling = [](json) -> asio::awaitable<json> {
        co_return json{{"role", "assistant"},
                       {"content", {{"type", "text"}, {"text", "conformance sampling answer"}}},
                       {"model", "polymcp-conformance"},
                       {"stopReason", "endTurn"}};
    };
    so.on_roots = [](json) -> asio::awaitable<json> { co_return json{{"roots", json::array()}}; };
    // OAuth 2.1 as the MCP authorization spec says; the suite's authorization
    // servers approve at once, so the redirect needs no user.
    mc::oauth_options oauth;
    oauth.authorize = mc::headless_authorization(io.get_executor());
    oauth.redirect_uri = "http://localhost:3000/callback";
    oauth.client_name = "polymcp-conformance-client";
    oauth.client_id_metadata_url = "https://conformance-test.local/client-metadata.json";
    json context = json::parse(env("MCP_CONFORMANCE_CONTEXT").empty() ? "{}" : env("MCP_CONFORMANCE_CONTEXT"), nullptr, false);
    if (context.is_object() && context.contains("client_id"))
        oauth.preregistered[""] = {context.value("client_id", ""), context.value("client_secret", ""), ""};
    mc::http_options http{.url = url};
    http.auth = std::make_shared<mc::oauth_client>(io.get_executor(), url, oauth);
    mc::session s(std::make_shared<mc::streamable_http_transport>(io.get_executor(), http), so);

    int status = 0;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            std::exception_ptr failure;
            try {
                co_await s.initialize();
                co_await run_scenario(scenario, s, context);
            } catch (...) {
                failure = std::current_exception();
            }
            co_await s.close();  // also after a failure: nothing may keep the program running
            if (failure) std::rethrow_exception(failure);
        },
        [&](std::exception_ptr e) {
            if (!e) return;
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& x) {
                std::fprintf(stderr, "conformance_client (%s): %s\n", scenario.c_str(), x.what());
            }
            status = 1;
        });
    io.run();
    return status;
}
