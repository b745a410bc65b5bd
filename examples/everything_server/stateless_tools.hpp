// The everything_server's tools and prompt for MCP 2026-07-28: the
// diagnostic tools of the conformance suite's server-stateless scenario, the
// input-required (multi round-trip) tools of its SEP-2322 scenarios, and a
// tool with x-mcp-header parameters (SEP-2243). Each handler is written once
// and works under both revisions: in a 2025-11-25 session its inputs are
// server-to-client requests, in a 2026-07-28 request they come back in
// `inputResponses` (docs/revisions.md).
#ifndef EVERYTHING_SERVER_STATELESS_TOOLS_HPP
#define EVERYTHING_SERVER_STATELESS_TOOLS_HPP

#include <polymcp/polymcp.hpp>

#include <asio/use_awaitable.hpp>

#include <memory>
#include <optional>
#include <string>

namespace everything {

struct custom_header_args {
    BOOST_HANA_DEFINE_STRUCT(custom_header_args, (std::string, region), (std::optional<std::int64_t>, priority),
                             (std::optional<bool>, verbose), (std::string, query));
};

}  // namespace everything

template <>
struct polymcp::describe<everything::custom_header_args> {
    static polymcp::field_docs fields() {
        return {{"region", {.description = "Where to run the query", .header = "Region"}},
                {"priority", {.description = "Queue priority", .header = "Priority"}},
                {"verbose", {.description = "Verbose output", .header = "Verbose"}},
                {"query", {.description = "The query to run (not mirrored into a header)"}}};
    }
};

namespace everything {

inline nlohmann::json text_schema(const char* property, const char* type) {
    return {{"type", "object"}, {"properties", {{property, {{"type", type}}}}}, {"required", {property}}};
}

inline nlohmann::json elicitation(const char* message, const char* property, const char* type = "string") {
    return {{"message", message}, {"requestedSchema", text_schema(property, type)}};
}

inline nlohmann::json sampling(const char* text, int max_tokens) {
    return {{"messages", {{{"role", "user"}, {"content", {{"type", "text"}, {"text", text}}}}}},
            {"maxTokens", max_tokens}};
}

// The text of a CreateMessageResult (content is an object or an array of them).
inline std::string sampled_text(const nlohmann::json& r) {
    const auto& c = r.contains("content") ? r["content"] : nlohmann::json();
    const auto& first = c.is_array() && !c.empty() ? c[0] : c;
    return first.is_object() ? first.value("text", std::string()) : std::string();
}

inline std::string root_uris(const nlohmann::json& r) {
    std::string out;
    for (const auto& root : r.value("roots", nlohmann::json::array()))
        out += (out.empty() ? "" : ", ") + root.value("uri", std::string("?"));
    return out.empty() ? "(none)" : out;
}

inline std::string elicited(const nlohmann::json& r, const char* property) {
    if (r.value("action", std::string()) != "accept") return "(" + r.value("action", std::string("no answer")) + ")";
    auto c = r.value("content", nlohmann::json::object());
    auto v = c.contains(property) ? c[property] : nlohmann::json();
    return v.is_string() ? v.get<std::string>() : v.dump();
}

// Adds the tools. `tools` and `prompts` are dynamic registries (the trigger
// tools change them).
inline void add_stateless_tools(const std::shared_ptr<polymcp::tool_registry>& tools,
                                const std::shared_ptr<polymcp::prompt_registry>& prompts) {
    using polymcp::request_context;
    using asio::use_awaitable;

    // --- server-stateless diagnostics
    tools->add(polymcp::tool<"test_missing_capability">(
        "Needs the client's sampling capability: without it a 2026-07-28 request fails with -32021 "
        "(MissingRequiredClientCapabilityError)",
        [](request_context& ctx) -> asio::awaitable<std::string> {
            std::string key = "completion";
            std::string method = "sampling/createMessage";
            auto params = sampling("Say hello", 20);
            auto r = co_await ctx.async_input(key, method, params, use_awaitable);
            co_return "LLM response: " + sampled_text(r);
        }));
    tools->add(polymcp::tool<"test_streaming_elicitation">(
        "Reports progress, then asks the user for a value (an input request, never a request on the stream)",
        [](request_context& ctx) -> asio::awaitable<std::string> {
            ctx.report_progress(0, 2, "asking the user");
            std::string key = "favorite";
            std::string method = "elicitation/create";
            auto params = elicitation("What is your favorite number?", "number", "integer");
            auto r = co_await ctx.async_input(key, method, params, use_awaitable);
            ctx.report_progress(2, 2, "answered");
            co_return "Favorite number: " + elicited(r, "number");
        }));
    tools->add(polymcp::tool<"test_logging_tool">(
        "Logs three messages; a 2026-07-28 request sees them only when its _meta sets a logLevel",
        [](request_context& ctx) {
            ctx.log(polymcp::logging_level::info, "test_logging_tool: started");
            ctx.log(polymcp::logging_level::warning, "test_logging_tool: a warning");
            ctx.log(polymcp::logging_level::info, "test_logging_tool: done");
            return std::string("Logged 3 messages");
        }));
    std::weak_ptr<polymcp::tool_registry> weak_tools = tools;
    tools->add(polymcp::tool<"test_trigger_tool_change">(
        "Adds or removes the tool test_dynamic_tool (notifications/tools/list_changed)", [weak_tools] {
            auto reg = weak_tools.lock();
            if (!reg) return std::string("the server is stopping");
            if (reg->remove("test_dynamic_tool")) return std::string("Removed test_dynamic_tool");
            reg->add(polymcp::tool<"test_dynamic_tool">("A tool that comes and goes",
                                                        [] { return std::string("dynamic"); }));
            return std::string("Added test_dynamic_tool");
        }));
    std::weak_ptr<polymcp::prompt_registry> weak_prompts = prompts;
    tools->add(polymcp::tool<"test_trigger_prompt_change">(
        "Adds or removes the prompt test_dynamic_prompt (notifications/prompts/list_changed)", [weak_prompts] {
            auto reg = weak_prompts.lock();
            if (!reg) return std::string("the server is stopping");
            if (reg->remove("test_dynamic_prompt")) return std::string("Removed test_dynamic_prompt");
            reg->add(polymcp::prompt<"test_dynamic_prompt">("A prompt that comes and goes",
                                                            [] { return std::string("dynamic"); }));
            return std::string("Added test_dynamic_prompt");
        }));

    // --- input-required results (SEP-2322)
    tools->add(polymcp::tool<"test_input_required_result_elicitation">(
        "Asks the user's name (input user_name), then greets them",
        [](request_context& ctx) -> asio::awaitable<std::string> {
            std::string key = "user_name", method = "elicitation/create";
            auto params = elicitation("What is your name?", "name");
            auto r = co_await ctx.async_input(key, method, params, use_awaitable);
            co_return "Hello, " + elicited(r, "name") + "!";
        }));
    tools->add(polymcp::tool<"test_input_required_result_sampling">(
        "Asks the client's LLM a question (input capital_question) and returns its answer",
        [](request_context& ctx) -> asio::awaitable<std::string> {
            std::string key = "capital_question", method = "sampling/createMessage";
            auto params = sampling("What is the capital of France?", 100);
            auto r = co_await ctx.async_input(key, method, params, use_awaitable);
            co_return "LLM response: " + sampled_text(r);
        }));
    tools->add(polymcp::tool<"test_input_required_result_list_roots">(
        "Asks for the client's roots (input client_roots) and lists them",
        [](request_context& ctx) -> asio::awaitable<std::string> {
            std::string key = "client_roots", method = "roots/list";
            auto params = nlohmann::json::object();
            auto r = co_await ctx.async_input(key, method, params, use_awaitable);
            co_return "Client roots: " + root_uris(r);
        }));
    // The handler's own state travels (sealed) in requestState between rounds.
    auto confirm_with_state = [](request_context& ctx) -> asio::awaitable<std::string> {
        const nlohmann::json expected = {{"step", "confirm"}, {"tool", "state"}};
        if (ctx.request_state().is_null()) ctx.set_request_state(expected);
        std::string key = "confirm", method = "elicitation/create";
        auto params = elicitation("Please confirm", "ok", "boolean");
        auto r = co_await ctx.async_input(key, method, params, use_awaitable);
        if (ctx.request_state() != expected) co_return "state-lost: the request state did not come back";
        co_return "state-ok: confirmed=" + elicited(r, "ok");
    };
    tools->add(polymcp::tool<"test_input_required_result_request_state">(
        "Keeps its own state across rounds (requestState) and confirms it came back (state-ok)", confirm_with_state));
    tools->add(polymcp::tool<"test_input_required_result_tampered_state">(
        "Like test_input_required_result_request_state; a changed requestState is refused (-32602)",
        confirm_with_state));
    tools->add(polymcp::tool<"test_input_required_result_multiple_inputs">(
        "Asks for a name, an LLM greeting and the roots in one round",
        [](request_context& ctx) -> asio::awaitable<std::string> {
            nlohmann::json requests = {
                {"user_name", {{"method", "elicitation/create"}, {"params", elicitation("What is your name?", "name")}}},
                {"greeting", {{"method", "sampling/createMessage"}, {"params", sampling("Generate a greeting", 50)}}},
                {"client_roots", {{"method", "roots/list"}, {"params", nlohmann::json::object()}}}};
            auto r = co_await ctx.async_inputs(requests, use_awaitable);
            co_return "name=" + elicited(r["user_name"], "name") + ", greeting=" + sampled_text(r["greeting"]) +
                ", roots=" + root_uris(r["client_roots"]);
        }));
    tools->add(polymcp::tool<"test_input_required_result_multi_round">(
        "Asks a name (step1), then a colour (step2): two rounds",
        [](request_context& ctx) -> asio::awaitable<std::string> {
            std::string k1 = "step1", k2 = "step2", method = "elicitation/create";
            auto p1 = elicitation("Step 1: What is your name?", "name");
            auto a = co_await ctx.async_input(k1, method, p1, use_awaitable);
            auto p2 = elicitation("Step 2: What is your favorite color?", "color");
            auto b = co_await ctx.async_input(k2, method, p2, use_awaitable);
            co_return "name=" + elicited(a, "name") + ", color=" + elicited(b, "color");
        }));
    tools->add(polymcp::tool<"test_input_required_result_capabilities">(
        "Asks only for what the client declared: sampling, elicitation, roots",
        [](request_context& ctx) -> asio::awaitable<std::string> {
            const auto caps = ctx.client_capabilities();
            nlohmann::json requests = nlohmann::json::object();
            if (caps.contains("sampling"))
                requests["llm"] = {{"method", "sampling/createMessage"}, {"params", sampling("Say hello", 20)}};
            if (caps.contains("elicitation"))
                requests["user"] = {{"method", "elicitation/create"}, {"params", elicitation("Your name?", "name")}};
            if (caps.contains("roots"))
                requests["roots"] = {{"method", "roots/list"}, {"params", nlohmann::json::object()}};
            if (requests.empty()) co_return std::string("The client declared no sampling, elicitation or roots");
            auto r = co_await ctx.async_inputs(requests, use_awaitable);
            co_return "Answered inputs: " + std::to_string(r.size());
        }));
    prompts->add(polymcp::prompt<"test_input_required_result_prompt">(
        "Asks the user for context (input user_context), then builds the prompt with it",
        [](request_context& ctx) -> asio::awaitable<std::string> {
            std::string key = "user_context", method = "elicitation/create";
            auto params = elicitation("What context should the prompt use?", "context");
            auto r = co_await ctx.async_input(key, method, params, use_awaitable);
            co_return "Use this context: " + elicited(r, "context");
        }));

    // --- x-mcp-header (SEP-2243)
    tools->add(polymcp::tool<"test_custom_headers">(
        "Mirrors region, priority and verbose into Mcp-Param-* headers (x-mcp-header)",
        [](custom_header_args a) {
            return "region=" + a.region + ", priority=" + (a.priority ? std::to_string(*a.priority) : "none") +
                   ", verbose=" + (a.verbose ? (*a.verbose ? "true" : "false") : "none") + ", query=" + a.query;
        }));
}

}  // namespace everything

#endif
