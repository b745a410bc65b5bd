// everything_server: the C++ counterpart of the MCP conformance suite's
// reference fixture (everything-server.ts in modelcontextprotocol/conformance,
// examples/servers/typescript): the same tool, resource and prompt names and
// behaviours, over Streamable HTTP or stdio.
//
// Run:  everything_server --port 3001        # http://127.0.0.1:3001/mcp
//       everything_server --stdio
// Options: --host ADDRESS (default 127.0.0.1), --threads N (I/O threads, default 1),
//          --path /mcp, --tls-cert FILE --tls-key FILE (serve HTTPS),
//          --quiet (no diagnostics on stderr)
//          --list-ttl MS (2026-07-28 caching hint on the list results: ttlMs, cacheScope private; default 0)
// Behind the MCP OAuth 2.1 resource-server policy (docs/auth.md):
//          --auth-jwks URL|FILE   the authorization server's keys (a JWKS URL, or a JWK Set file)
//          --auth-issuer URL      the authorization server (its issuer identifier)
//          --auth-resource URI    this server's canonical URI (default http(s)://HOST:PORT/PATH)
//          --auth-scopes "a b"    scopes every request needs (default none)

#include "stateless_tools.hpp"

#include <polymcp/polymcp.hpp>
#include <polymcp/auth/jwks_client.hpp>
#include <polymcp/crypto/fernet.hpp>
#include <polymcp/server/request_state.hpp>
#include <polymcp/storage/memory.hpp>
#if POLYMCP_EVERYTHING_REDIS
#include <polymcp/storage/redis.hpp>
#endif
#include <polymcp/auth/resource_server.hpp>
#include <polymcp/http/tls.hpp>
#include <polymcp/transport/streamable_http.hpp>

#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>

namespace {

// A 1x1 red PNG and a minimal WAV file, base64-encoded (as in the fixture).
constexpr const char* test_image =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
constexpr const char* test_audio = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

struct prompt_args {
    BOOST_HANA_DEFINE_STRUCT(prompt_args, (std::string, prompt));
};
struct message_args {
    BOOST_HANA_DEFINE_STRUCT(message_args, (std::string, message));
};
struct postal_address {
    BOOST_HANA_DEFINE_STRUCT(postal_address, (std::optional<std::string>, street), (std::optional<std::string>, city));
};
struct schema_tool_args {
    BOOST_HANA_DEFINE_STRUCT(schema_tool_args, (std::optional<std::string>, name), (std::optional<postal_address>, address),
                             (std::optional<std::string>, contactMethod), (std::optional<std::string>, phone),
                             (std::optional<std::string>, email));
};
struct template_vars {
    BOOST_HANA_DEFINE_STRUCT(template_vars, (std::string, id));
};
struct two_args {
    BOOST_HANA_DEFINE_STRUCT(two_args, (std::string, arg1), (std::string, arg2));
};
struct resource_uri_args {
    BOOST_HANA_DEFINE_STRUCT(resource_uri_args, (std::string, resourceUri));
};

}  // namespace

template <>
struct polymcp::describe<prompt_args> {
    static polymcp::field_docs fields() { return {{"prompt", {.description = "The prompt to send to the LLM"}}}; }
};
template <>
struct polymcp::describe<message_args> {
    static polymcp::field_docs fields() { return {{"message", {.description = "The message to show the user"}}}; }
};
template <>
struct polymcp::describe<two_args> {
    static polymcp::field_docs fields() {
        return {{"arg1", {.description = "First test argument"}}, {"arg2", {.description = "Second test argument"}}};
    }
};
template <>
struct polymcp::describe<resource_uri_args> {
    static polymcp::field_docs fields() {
        return {{"resourceUri", {.description = "URI of the resource to embed"}}};
    }
};

namespace {

// The inputSchema of the conformance suite's json-schema-2020-12 scenario
// (SEP-1613, SEP-2106): $schema, $defs with an $anchor, $ref, allOf/anyOf,
// if/then/else and additionalProperties, all published as written.
nlohmann::json json_schema_2020_12() {
    nlohmann::json s = {{"$schema", "https://json-schema.org/draft/2020-12/schema"}, {"type", "object"}};
    s["$defs"]["address"] = {{"$anchor", "addressDef"},
                             {"type", "object"},
                             {"properties", {{"street", {{"type", "string"}}}, {"city", {{"type", "string"}}}}}};
    s["properties"] = {{"name", {{"type", "string"}}},
                       {"address", {{"$ref", "#/$defs/address"}}},
                       {"contactMethod", {{"type", "string"}, {"enum", {"phone", "email"}}}},
                       {"phone", {{"type", "string"}}},
                       {"email", {{"type", "string"}}}};
    s["allOf"] = nlohmann::json::array({{{"anyOf", nlohmann::json::array({{{"required", {"phone"}}}, {{"required", {"email"}}}})}}});
    s["if"] = {{"properties", {{"contactMethod", {{"const", "phone"}}}}}, {"required", {"contactMethod"}}};
    s["then"] = {{"required", {"phone"}}};
    s["else"] = {{"required", {"email"}}};
    s["additionalProperties"] = false;
    return s;
}

asio::awaitable<void> sleep_ms(int ms) {
    asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(ms));
    co_await t.async_wait(asio::use_awaitable);
}

// Sends an elicitation and describes the answer, as the fixture's tools do.
asio::awaitable<std::string> elicit(polymcp::request_context& ctx, std::string message, nlohmann::json schema,
                                    std::string label) {
    auto [ec, r] = co_await ctx.async_elicit(std::move(message), std::move(schema),
                                             asio::experimental::as_tuple(asio::use_awaitable));
    if (ec) co_return "Elicitation not supported or error: " + ec.message();
    co_return label + ": action=" + r.value("action", std::string()) +
        ", content=" + r.value("content", nlohmann::json::object()).dump();
}

std::shared_ptr<polymcp::tool_registry> make_tools(const std::shared_ptr<polymcp::prompt_registry>& prompts) {
    auto reg = polymcp::make_dynamic_tool_registry();  // tools.listChanged: true, as in the fixture
    everything::add_stateless_tools(reg, prompts);

    reg->add(polymcp::tool<"test_simple_text">("Tests simple text content response", [] {
        return std::string("This is a simple text response for testing.");
    }));
    reg->add(polymcp::tool<"test_image_content">("Tests image content response", [] {
        return polymcp::content_block{polymcp::image_content{test_image, "image/png"}};
    }));
    reg->add(polymcp::tool<"test_audio_content">("Tests audio content response", [] {
        return polymcp::content_block{polymcp::audio_content{test_audio, "audio/wav"}};
    }));
    reg->add(polymcp::tool<"test_embedded_resource">("Tests embedded resource content response", [] {
        return polymcp::content_block{polymcp::embedded_resource{
            "test://embedded-resource", "text/plain", std::string("This is an embedded resource content."), {}}};
    }));
    reg->add(polymcp::tool<"test_multiple_content_types">(
        "Tests response with multiple content types (text, image, resource)", [] {
            return std::vector<polymcp::content_block>{
                polymcp::text_content{"Multiple content types test:"},
                polymcp::image_content{test_image, "image/png"},
                polymcp::embedded_resource{"test://mixed-content-resource", "application/json",
                                           nlohmann::json{{"test", "data"}, {"value", 123}}.dump(), {}}};
        }));
    reg->add(polymcp::tool<"test_tool_with_logging">(
        "Tests tool that emits log messages during execution",
        [](polymcp::request_context& ctx) -> asio::awaitable<std::string> {
            ctx.log(polymcp::logging_level::info, "Tool execution started");
            co_await sleep_ms(50);
            ctx.log(polymcp::logging_level::info, "Tool processing data");
            co_await sleep_ms(50);
            ctx.log(polymcp::logging_level::info, "Tool execution completed");
            co_return "Tool with logging executed successfully";
        }));
    reg->add(polymcp::tool<"test_tool_with_progress">(
        "Tests tool that reports progress notifications",
        [](polymcp::request_context& ctx) -> asio::awaitable<std::string> {
            for (int step : {0, 50, 100}) {
                ctx.report_progress(step, 100,
                                    "Completed step " + std::to_string(step) + " of 100");
                if (step != 100) co_await sleep_ms(50);
            }
            auto token = ctx.meta().is_object() ? ctx.meta().value("progressToken", nlohmann::json(0))
                                                : nlohmann::json(0);
            co_return token.is_string() ? token.get<std::string>() : token.dump();
        }));
    reg->add(polymcp::tool<"test_error_handling">("Tests error response handling", []() -> std::string {
        throw std::runtime_error("This tool intentionally returns an error for testing");
    }));
    reg->add(polymcp::tool<"test_reconnection">(
        "Tests SSE stream disconnection and client reconnection (SEP-1699). Server will close the stream "
        "mid-call and send the result after client reconnects.",
        [](polymcp::request_context& ctx) -> asio::awaitable<std::string> {
            ctx.close_stream();
            co_await sleep_ms(100);
            co_return "Reconnection test completed successfully. If you received this, the client properly "
                      "reconnected after stream closure.";
        }));
    reg->add(polymcp::tool<"test_sampling">(
        "Tests server-initiated sampling (LLM completion request)",
        [](prompt_args a, polymcp::request_context& ctx) -> asio::awaitable<std::string> {
            nlohmann::json params = {
                {"messages", {{{"role", "user"}, {"content", {{"type", "text"}, {"text", a.prompt}}}}}},
                {"maxTokens", 100}};
            auto [ec, r] = co_await ctx.async_create_message(std::move(params), asio::experimental::as_tuple(asio::use_awaitable));
            if (ec) co_return "Sampling not supported or error: " + ec.message();
            std::string text = "No response";
            if (r.contains("content") && r["content"].is_object())
                text = r["content"].value("text", text);
            co_return "LLM response: " + text;
        }));
    reg->add(polymcp::tool<"test_elicitation">(
        "Tests server-initiated elicitation (user input request)",
        [](message_args a, polymcp::request_context& ctx) -> asio::awaitable<std::string> {
            nlohmann::json schema = {
                {"type", "object"},
                {"properties", {{"response", {{"type", "string"}, {"description", "User's response"}}}}},
                {"required", {"response"}}};
            co_return co_await elicit(ctx, a.message, std::move(schema), "User response");
        }));
    reg->add(polymcp::tool<"test_elicitation_sep1034_defaults">(
        "Tests elicitation with default values per SEP-1034",
        [](polymcp::request_context& ctx) -> asio::awaitable<std::string> {
            nlohmann::json schema = {
                {"type", "object"},
                {"properties",
                 {{"name", {{"type", "string"}, {"description", "User name"}, {"default", "John Doe"}}},
                  {"age", {{"type", "integer"}, {"description", "User age"}, {"default", 30}}},
                  {"score", {{"type", "number"}, {"description", "User score"}, {"default", 95.5}}},
                  {"status",
                   {{"type", "string"},
                    {"description", "User status"},
                    {"enum", {"active", "inactive", "pending"}},
                    {"default", "active"}}},
                  {"verified", {{"type", "boolean"}, {"description", "Verification status"}, {"default", true}}}}},
                {"required", nlohmann::json::array()}};
            co_return co_await elicit(ctx, "Please review and update the form fields with defaults",
                                      std::move(schema), "Elicitation completed");
        }));
    reg->add(polymcp::tool<"test_elicitation_sep1330_enums">(
        "Tests elicitation with enum schema improvements per SEP-1330",
        [](polymcp::request_context& ctx) -> asio::awaitable<std::string> {
            auto titled = [](const char* prefix, const char* noun) {
                nlohmann::json v = nlohmann::json::array();
                const char* names[] = {"First", "Second", "Third"};
                for (int i = 0; i < 3; ++i)
                    v.push_back({{"const", std::string(prefix) + std::to_string(i + 1)},
                                 {"title", std::string(names[i]) + " " + noun}});
                return v;
            };
            nlohmann::json schema = {
                {"type", "object"},
                {"properties",
                 {{"untitledSingle",
                   {{"type", "string"},
                    {"description", "Select one option"},
                    {"enum", {"option1", "option2", "option3"}}}},
                  {"titledSingle",
                   {{"type", "string"},
                    {"description", "Select one option with titles"},
                    {"oneOf", titled("value", "Option")}}},
                  {"legacyEnum",
                   {{"type", "string"},
                    {"description", "Select one option (legacy)"},
                    {"enum", {"opt1", "opt2", "opt3"}},
                    {"enumNames", {"Option One", "Option Two", "Option Three"}}}},
                  {"untitledMulti",
                   {{"type", "array"},
                    {"description", "Select multiple options"},
                    {"minItems", 1},
                    {"maxItems", 3},
                    {"items", {{"type", "string"}, {"enum", {"option1", "option2", "option3"}}}}}},
                  {"titledMulti",
                   {{"type", "array"},
                    {"description", "Select multiple options with titles"},
                    {"minItems", 1},
                    {"maxItems", 3},
                    {"items", {{"anyOf", titled("value", "Choice")}}}}}}},
                {"required", nlohmann::json::array()}};
            co_return co_await elicit(ctx, "Please select options from the enum fields", std::move(schema),
                                      "Elicitation completed");
        }));
    reg->add(polymcp::tool<"json_schema_2020_12_tool">(
                 "Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613)",
                 [](schema_tool_args a) {
                     return "JSON Schema 2020-12 tool called with: " + polymcp::encode(a).dump();
                 })
                 .input_schema(json_schema_2020_12()));
    return reg;
}

auto make_resources() {
    return polymcp::resources(
        polymcp::resource<"static-text">("test://static-text", "A static text resource for testing",
                                         [] { return std::string("This is the content of the static text resource."); })
            .title("Static Text Resource")
            .mime_type("text/plain"),
        polymcp::resource<"static-binary">("test://static-binary", "A static binary resource (image) for testing",
                                           [] {
                                               return polymcp::resource_contents::of_blob("test://static-binary",
                                                                                          test_image, "image/png");
                                           })
            .title("Static Binary Resource")
            .mime_type("image/png"),
        polymcp::resource_template<"template">(
            "test://template/{id}/data", "A resource template with parameter substitution",
            [](template_vars v) {
                return nlohmann::json{{"id", v.id}, {"templateTest", true}, {"data", "Data for ID: " + v.id}}.dump();
            })
            .title("Resource Template")
            .mime_type("application/json")
            .complete("id", polymcp::complete_from({"1", "2", "3", "123"})),
        polymcp::resource<"watched-resource">("test://watched-resource",
                                              "A resource that auto-updates every 3 seconds",
                                              [] { return std::string("Watched resource content"); })
            .title("Watched Resource")
            .mime_type("text/plain"));
}

std::shared_ptr<polymcp::prompt_registry> make_prompts() {
    auto reg = polymcp::make_dynamic_prompt_registry();  // prompts.listChanged: test_trigger_prompt_change
    auto fixed = polymcp::prompts(
        polymcp::prompt<"test_simple_prompt">("A simple prompt without arguments",
                                              [] { return std::string("This is a simple prompt for testing."); })
            .title("Simple Test Prompt"),
        polymcp::prompt<"test_prompt_with_arguments">(
            "A prompt with required arguments",
            [](two_args a) { return "Prompt with arguments: arg1='" + a.arg1 + "', arg2='" + a.arg2 + "'"; })
            .title("Prompt With Arguments")
            .complete("arg1", polymcp::complete_from({"test", "testing", "tested", "value1"}))
            .complete("arg2", polymcp::complete_from({"alpha", "beta", "gamma"})),
        polymcp::prompt<"test_prompt_with_embedded_resource">(
            "A prompt that includes an embedded resource",
            [](resource_uri_args a) {
                return std::vector<polymcp::prompt_message>{
                    {"user", polymcp::embedded_resource{a.resourceUri, "text/plain",
                                                        std::string("Embedded resource content for testing."), {}}},
                    {"user", polymcp::text_content{"Please process the embedded resource above."}}};
            })
            .title("Prompt With Embedded Resource"),
        polymcp::prompt<"test_prompt_with_image">("A prompt that includes image content", [] {
            return std::vector<polymcp::prompt_message>{
                {"user", polymcp::image_content{test_image, "image/png"}},
                {"user", polymcp::text_content{"Please analyze the image above."}}};
        }).title("Prompt With Image"));
    fixed.add_to(*reg);
    return reg;
}

// Announces an update of test://watched-resource every 3 s, from its own
// thread (notify_updated is thread-safe), until destroyed.
class resource_watcher {
public:
    explicit resource_watcher(std::shared_ptr<polymcp::resource_registry> r)
        : thread_([this, r = std::move(r)] {
              std::unique_lock lock(m_);
              while (!cv_.wait_for(lock, std::chrono::seconds(3), [this] { return stop_; }))
                  r->notify_updated("test://watched-resource");
          }) {}
    ~resource_watcher() {
        {
            std::lock_guard lock(m_);
            stop_ = true;
        }
        cv_.notify_all();
        thread_.join();
    }

private:
    std::mutex m_;
    std::condition_variable cv_;
    bool stop_ = false;
    std::thread thread_;
};

// Runs `srv` until it stops; the process's exit status.
template <class Server>
int serve(Server&& srv) {
    resource_watcher watcher(srv.core().resources());
    auto ec = srv.run();
    if (ec) std::fprintf(stderr, "everything_server: %s\n", ec.message().c_str());
    return ec ? 1 : 0;
}

int usage() {
    std::fprintf(stderr,
                 "usage: everything_server (--port N [--host ADDRESS] [--threads N] [--path /mcp] "
                 "[--tls-cert FILE --tls-key FILE] [--auth-jwks URL|FILE --auth-issuer URL [--auth-resource URI] "
                 "[--auth-scopes \"a b\"]] [--redis HOST:PORT --key-file FILE] | --stdio) [--quiet] [--list-ttl MS]\n"
                 "  --redis HOST:PORT  keep sessions (and requestState) in this Redis, so that several instances\n"
                 "                     behind a load balancer serve any session (docs/scaling.md)\n"
                 "  --key-file FILE    the Fernet key (base64url) that seals what is stored; the same on every instance\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::optional<int> port;
    std::string host = "127.0.0.1", path = "/mcp", tls_cert, tls_key;
    std::string auth_jwks, auth_issuer, auth_resource, auth_scopes, redis, key_file;
    std::size_t threads = 1;
    bool stdio = false, quiet = false;
    std::chrono::milliseconds list_ttl{0};
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
        if (a == "--port") {
            auto v = value();
            if (!v) return usage();
            port = std::atoi(v);
        } else if (a == "--host") {
            auto v = value();
            if (!v) return usage();
            host = v;
        } else if (a == "--threads") {
            auto v = value();
            if (!v) return usage();
            threads = static_cast<std::size_t>(std::max(1, std::atoi(v)));
        } else if (a == "--path") {
            auto v = value();
            if (!v) return usage();
            path = v;
        } else if (a == "--tls-cert" || a == "--tls-key") {
            auto v = value();
            if (!v) return usage();
            (a == "--tls-cert" ? tls_cert : tls_key) = v;
        } else if (a == "--auth-jwks" || a == "--auth-issuer" || a == "--auth-resource" || a == "--auth-scopes") {
            auto v = value();
            if (!v) return usage();
            (a == "--auth-jwks" ? auth_jwks : a == "--auth-issuer" ? auth_issuer : a == "--auth-resource" ? auth_resource
                                                                                                          : auth_scopes) = v;
        } else if (a == "--redis" || a == "--key-file") {
            auto v = value();
            if (!v) return usage();
            (a == "--redis" ? redis : key_file) = v;
        } else if (a == "--stdio") {
            stdio = true;
        } else if (a == "--list-ttl") {
            auto v = value();
            if (!v) return usage();
            list_ttl = std::chrono::milliseconds(std::max(0L, std::atol(v)));
        } else if (a == "--quiet") {
            quiet = true;
        } else {
            return usage();
        }
    }
    if (stdio == port.has_value() || tls_cert.empty() != tls_key.empty()) return usage();
    if (auth_jwks.empty() != auth_issuer.empty() || (stdio && !auth_jwks.empty())) return usage();
    if (redis.empty() != key_file.empty() || (stdio && !redis.empty())) return usage();

    polymcp::server_options options{.info = {.name = "mcp-conformance-test-server", .version = "1.0.0"}};
    options.io_threads = threads;
    for (auto* hint : {&options.cache.tools_list, &options.cache.resources_list, &options.cache.resource_templates_list,
                       &options.cache.prompts_list})
        hint->ttl = list_ttl;
    if (quiet) options.diagnostics = [](std::string_view) {};
    // requestState (MCP 2026-07-28 input-required results), and with --redis
    // the sessions, sealed with Fernet: under the key of --key-file, or a key
    // made at start, valid for this process only.
    std::optional<polymcp::crypto::fernet> sealing;
    try {
        sealing.emplace(key_file.empty() ? polymcp::crypto::fernet::generate_key()
                                         : polymcp::crypto::fernet::key_type::from_file(key_file));
    } catch (const std::system_error& e) {
        std::fprintf(stderr, "everything_server: %s\n", e.what());
        return 1;
    }
    const polymcp::crypto::fernet cipher = *sealing;
    auto storage = std::make_shared<polymcp::storage::memory_storage>();
    auto prompts = make_prompts();
    auto features = polymcp::features(make_tools(prompts), make_resources(), prompts);

    if (stdio) {
        polymcp::server srv(options, features, polymcp::stdio_transport{}, polymcp::auth::no_auth{}, storage, cipher);
        resource_watcher watcher(srv.core().resources());
        return srv.run() ? 1 : 0;
    }

    polymcp::streamable_http_options http;
    http.http.address = host;
    http.http.port = static_cast<std::uint16_t>(*port);
    http.path = path;
    if (quiet) http.http.diagnostics = [](std::string_view) {};
    if (!tls_cert.empty()) {
        std::error_code ec;
        http.http.tls = polymcp::http::tls_context::from_files(tls_cert, tls_key, ec);
        if (!http.http.tls) {
            std::fprintf(stderr, "everything_server: cannot use %s and %s: %s\n", tls_cert.c_str(),
                         tls_key.c_str(), ec.message().c_str());
            return 1;
        }
    }
    const char* scheme = tls_cert.empty() ? "http" : "https";
    polymcp::auth::any_auth policy;  // none unless --auth-jwks
    if (!auth_jwks.empty()) {
        namespace auth = polymcp::auth;
        try {
            if (auth_resource.empty())
                auth_resource = std::string(scheme) + "://" + (host == "0.0.0.0" ? "localhost" : host) + ":" +
                                std::to_string(*port) + path;
            auto keys = auth::key_source_from(auth_jwks);
            std::vector<std::string> scopes;
            for (std::size_t i = 0; i < auth_scopes.size();) {
                auto sp = auth_scopes.find(' ', i);
                if (sp != i) scopes.push_back(auth_scopes.substr(i, sp - i));
                if (sp == std::string::npos) break;
                i = sp + 1;
            }
            auth::jwt_options jo;
            jo.algorithms = {auth::jws_algorithm::RS256, auth::jws_algorithm::ES256, auth::jws_algorithm::PS256};
            jo.issuer = auth_issuer;
            jo.audiences = {auth_resource};
            policy = auth::oauth_resource_server(
                {.resource = auth_resource, .authorization_servers = {auth_issuer}, .scopes_supported = scopes,
                 .required_scopes = scopes, .resource_name = "polymcp everything_server"},
                auth::jwt_verifier(jo, keys));
            std::fprintf(stderr, "everything_server: OAuth resource server %s, tokens from %s\n", auth_resource.c_str(),
                         auth_issuer.c_str());
        } catch (const std::exception& e) {
            std::fprintf(stderr, "everything_server: cannot set up auth: %s\n", e.what());
            return 1;
        }
    }
    http.on_listening = [&](const asio::ip::tcp::endpoint& ep) {
        std::fprintf(stderr, "everything_server: listening on %s://%s:%u%s\n", scheme,
                     ep.address().to_string().c_str(), static_cast<unsigned>(ep.port()), path.c_str());
    };
    if (!redis.empty()) {
#if !POLYMCP_EVERYTHING_REDIS
        std::fprintf(stderr, "everything_server: built without Redis (hiredis was not found)\n");
        return 1;
#else
        polymcp::storage::redis_options ro;
        auto colon = redis.rfind(':');
        ro.host = redis.substr(0, colon);
        ro.port = colon == std::string::npos ? 6379 : static_cast<std::uint16_t>(std::atoi(redis.c_str() + colon + 1));
        std::error_code ec;
        auto shared = std::make_shared<polymcp::storage::redis_storage>(ro, ec);
        if (ec) {
            std::fprintf(stderr, "everything_server: cannot use Redis at %s: %s\n", redis.c_str(), ec.message().c_str());
            return 1;
        }
        return serve(polymcp::server(options, features, polymcp::streamable_http_transport(http), policy, shared, cipher));
#endif
    }
    return serve(polymcp::server(options, features, polymcp::streamable_http_transport(http), policy, storage, cipher));
}
