// The session as a sans-I/O dispatcher: parsed messages in, typed JSON-RPC
// replies out, one step at a time, with no socket and no text to re-read.
#include <catch2/catch.hpp>
#include <polymcp/polymcp.hpp>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

using nlohmann::json;
namespace jsonrpc = polymcp::jsonrpc;

namespace {

struct text_args {
    BOOST_HANA_DEFINE_STRUCT(text_args, (std::string, text));
};

// The answer channel of one message: what is sent about it, and its typed reply.
class recording_stream final : public polymcp::reply_stream {
public:
    void send(std::string message) override {
        std::lock_guard lock(mu_);
        sent_.push_back(json::parse(message));
    }
    void finish(jsonrpc::reply last) override {
        std::lock_guard lock(mu_);
        ++finished_;
        last_ = std::move(last);
    }
    int finished() const {
        std::lock_guard lock(mu_);
        return finished_;
    }
    jsonrpc::reply reply() const {
        std::lock_guard lock(mu_);
        return last_;
    }
    std::vector<json> sent() const {
        std::lock_guard lock(mu_);
        return sent_;
    }

private:
    mutable std::mutex mu_;
    std::vector<json> sent_;
    jsonrpc::reply last_;
    int finished_ = 0;
};

class null_outbound final : public polymcp::outbound {
public:
    void send(std::string) override {}
};

// One server core and one session, stepped by hand.
struct dispatcher {
    polymcp::server_core core;
    std::shared_ptr<polymcp::session> session;

    explicit dispatcher(polymcp::server_options o = {})
        : core(std::move(o), polymcp::tools(polymcp::tool<"echo">("Echo", [](text_args a) { return a.text; }),
                                            polymcp::tool<"fail">("Fails", [](text_args a) -> std::string {
                                                throw jsonrpc::exception({jsonrpc::error_code::invalid_params,
                                                                          "bad text: " + a.text, nullptr});
                                            }),
                                            polymcp::tool<"needs_sign_in">("Asks for a sign-in first", []() -> asio::awaitable<std::string> {
                                                throw jsonrpc::url_elicitation_required(
                                                    "sign in first", "e-1", "https://gw.example/connectors/c1/sign-in",
                                                    "Sign in to c1");
                                                co_return "unreachable";
                                            }),
                                            polymcp::tool<"slow">("Waits 30 s", []() -> asio::awaitable<std::string> {
                                                asio::steady_timer t(co_await asio::this_coro::executor);
                                                t.expires_after(std::chrono::seconds(30));
                                                co_await t.async_wait(asio::use_awaitable);
                                                co_return "late";
                                            }))
                                 .make_registry()),
          session(core.make_session(std::make_shared<null_outbound>())) {}

    // Delivers one parsed message and runs what it started until idle.
    std::shared_ptr<recording_stream> step(const json& message) {
        auto stream = std::make_shared<recording_stream>();
        asio::post(session->get_executor(), [s = session, message, stream] { s->receive(message, stream); });
        core.io().restart();
        core.io().poll();
        return stream;
    }

    static json request(int id, const std::string& method, json params = nullptr) {
        json j = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}};
        if (!params.is_null()) j["params"] = std::move(params);
        return j;
    }
    static json initialize(int id, const std::string& version) {
        return request(id, "initialize",
                       {{"protocolVersion", version},
                        {"capabilities", json::object()},
                        {"clientInfo", {{"name", "t"}, {"version", "1"}}}});
    }
};

int error_code(const jsonrpc::reply& r) {
    REQUIRE(r.kind() == jsonrpc::reply::kind_t::error);
    return r.as_error()->error.code;
}

const json& result_of(const jsonrpc::reply& r) {
    REQUIRE(r.kind() == jsonrpc::reply::kind_t::result);
    return r.as_result()->result;
}

}  // namespace

TEST_CASE("dispatch: a 2025-11-25 session steps from uninitialized to serving, each step a typed reply") {
    dispatcher d;

    // Before initialize: only ping.
    auto s = d.step(dispatcher::request(1, "tools/list"));
    REQUIRE(s->finished() == 1);
    CHECK(error_code(s->reply()) == jsonrpc::error_code::invalid_request);
    CHECK(s->reply().as_error()->id == jsonrpc::request_id(1));
    CHECK_FALSE(d.session->initialized());

    s = d.step(dispatcher::request(2, "ping"));
    CHECK(result_of(s->reply()) == json::object());

    // initialize: the negotiated revision, then the state changes.
    s = d.step(dispatcher::initialize(3, "2025-11-25"));
    CHECK(result_of(s->reply())["protocolVersion"] == "2025-11-25");
    CHECK(d.session->initialized());
    CHECK(d.session->protocol_version() == polymcp::revision::v2025_11_25);

    // A second initialize is refused; the state stays.
    s = d.step(dispatcher::initialize(4, "2025-06-18"));
    CHECK(error_code(s->reply()) == jsonrpc::error_code::invalid_request);
    CHECK(d.session->protocol_version() == polymcp::revision::v2025_11_25);

    // A notification is answered with nothing, exactly once.
    s = d.step(json{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
    CHECK(s->finished() == 1);
    CHECK(s->reply().empty());
    CHECK(s->reply().serialize().empty());

    // Serving: a list, a call, a call whose handler fails, an unknown tool, an unknown method.
    s = d.step(dispatcher::request(5, "tools/list"));
    CHECK(result_of(s->reply())["tools"].size() == 4);

    s = d.step(dispatcher::request(6, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "hi"}}}}));
    CHECK(result_of(s->reply())["content"][0]["text"] == "hi");

    // A tool's own failure is a result with isError (MCP 2025-11-25 "Tools" > "Error Handling").
    s = d.step(dispatcher::request(7, "tools/call", {{"name", "fail"}, {"arguments", {{"text", "x"}}}}));
    CHECK(result_of(s->reply())["isError"] == true);
    CHECK(result_of(s->reply())["content"][0]["text"].get<std::string>().find("bad text: x") != std::string::npos);

    // Except URLElicitationRequiredError, which is the request's JSON-RPC error (MCP 2025-11-25 "Elicitation").
    s = d.step(dispatcher::request(70, "tools/call", {{"name", "needs_sign_in"}}));
    REQUIRE(s->reply().as_error());
    CHECK(error_code(s->reply()) == jsonrpc::error_code::url_elicitation_required);
    const json elicitation = s->reply().as_error()->error.data["elicitations"][0];
    CHECK(elicitation["mode"] == "url");
    CHECK(elicitation["elicitationId"] == "e-1");
    CHECK(elicitation["url"] == "https://gw.example/connectors/c1/sign-in");

    s = d.step(dispatcher::request(8, "tools/call", {{"name", "nope"}}));
    CHECK(error_code(s->reply()) == jsonrpc::error_code::invalid_params);
    CHECK(s->reply().as_error()->error.data["name"] == "nope");

    s = d.step(dispatcher::request(9, "no/such"));
    CHECK(error_code(s->reply()) == jsonrpc::error_code::method_not_found);

    // A response to a request the server never sent: nothing answers it.
    s = d.step(json{{"jsonrpc", "2.0"}, {"id", 99}, {"result", json::object()}});
    CHECK(s->finished() == 1);
    CHECK(s->reply().empty());

    // Bad JSON-RPC shape: an error without an id.
    s = d.step(json{{"jsonrpc", "1.0"}, {"id", 10}, {"method", "ping"}});
    CHECK(error_code(s->reply()) == jsonrpc::error_code::invalid_request);

    // After shutdown every request gets -32000.
    bool done = false;
    asio::post(d.session->get_executor(), [&] { d.session->shutdown([&] { done = true; }); });
    d.core.io().restart();
    d.core.io().poll();
    CHECK(done);
    s = d.step(dispatcher::request(11, "tools/list"));
    CHECK(error_code(s->reply()) == jsonrpc::error_code::server_shutting_down);
}

TEST_CASE("dispatch: a 2025-03-26 batch is one typed reply holding each request's answer") {
    dispatcher d;
    d.step(dispatcher::initialize(1, "2025-03-26"));
    auto s = d.step(json::array({dispatcher::request(2, "ping"),
                                 json{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}},
                                 dispatcher::request(3, "no/such")}));
    REQUIRE(s->finished() == 1);
    const auto reply = s->reply();
    REQUIRE(reply.kind() == jsonrpc::reply::kind_t::batch);
    REQUIRE(reply.as_batch()->size() == 2);  // the notification has no answer
    int results = 0, errors = 0;
    for (const auto& a : *reply.as_batch()) {
        if (std::holds_alternative<jsonrpc::response>(a)) ++results;
        else if (std::get<jsonrpc::error_response>(a).error.code == jsonrpc::error_code::method_not_found) ++errors;
    }
    CHECK(results == 1);
    CHECK(errors == 1);
    const auto text = json::parse(reply.serialize());
    CHECK(text.is_array());
    CHECK(text.size() == 2);

    // Notifications only: nothing answers the batch.
    s = d.step(json::array({json{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}}));
    CHECK(s->finished() == 1);
    CHECK(s->reply().empty());
}

TEST_CASE("dispatch: a batch on a 2025-11-25 session is refused with a typed error") {
    dispatcher d;
    d.step(dispatcher::initialize(1, "2025-11-25"));
    auto s = d.step(json::array({dispatcher::request(2, "ping")}));
    CHECK(error_code(s->reply()) == jsonrpc::error_code::invalid_request);
    CHECK_FALSE(s->reply().as_error()->id.has_value());
}

TEST_CASE("dispatch: 2026-07-28 stateless requests need no initialize and carry their own revision") {
    dispatcher d;
    const json meta = {{"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
                       {"io.modelcontextprotocol/clientCapabilities", json::object()},
                       {"io.modelcontextprotocol/clientInfo", {{"name", "t"}, {"version", "1"}}}};

    auto s = d.step(dispatcher::request(1, "server/discover", {{"_meta", meta}}));
    CHECK(result_of(s->reply())["resultType"] == "complete");
    CHECK_FALSE(d.session->initialized());

    s = d.step(dispatcher::request(2, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "a"}}}, {"_meta", meta}}));
    CHECK(result_of(s->reply())["content"][0]["text"] == "a");
    CHECK(result_of(s->reply())["resultType"] == "complete");

    // Methods 2026-07-28 removed are unknown there, whatever the session did.
    s = d.step(dispatcher::request(3, "ping", {{"_meta", meta}}));
    CHECK(error_code(s->reply()) == jsonrpc::error_code::method_not_found);

    // An unsupported revision is the protocol's own error (-32022), typed as such.
    json old = meta;
    old["io.modelcontextprotocol/protocolVersion"] = "1999-01-01";
    s = d.step(dispatcher::request(4, "tools/list", {{"_meta", old}}));
    CHECK(error_code(s->reply()) == jsonrpc::error_code::unsupported_protocol_version);
    CHECK(s->reply().as_error()->error.data.contains("supported"));
}

TEST_CASE("dispatch: a request in flight holds its id until it is cancelled, then nothing answers it") {
    dispatcher d;
    d.step(dispatcher::initialize(1, "2025-11-25"));
    // `slow` waits 30 s; a step only runs what is ready, so it stays in flight.
    auto first = d.step(dispatcher::request(5, "tools/call", {{"name", "slow"}}));
    CHECK(first->finished() == 0);
    CHECK(d.session->in_flight() == 1);

    auto dup = d.step(dispatcher::request(5, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "x"}}}}));
    CHECK(error_code(dup->reply()) == jsonrpc::error_code::invalid_request);
    CHECK(d.session->in_flight() == 1);

    auto cancel = d.step(json{{"jsonrpc", "2.0"},
                              {"method", "notifications/cancelled"},
                              {"params", {{"requestId", 5}, {"reason", "user"}}}});
    CHECK(cancel->reply().empty());
    d.core.io().restart();
    d.core.io().run_for(std::chrono::milliseconds(200));
    CHECK(first->finished() == 1);
    CHECK(first->reply().empty());  // a cancelled request is not answered (MCP 2025-11-25 "Cancellation")
    CHECK(d.session->in_flight() == 0);

    // The id is free again.
    auto again = d.step(dispatcher::request(5, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "y"}}}}));
    CHECK(result_of(again->reply())["content"][0]["text"] == "y");
}

TEST_CASE("dispatch: a session's record counts its changes, and a copy never takes an older record") {
    dispatcher d;
    auto on_strand = [&](auto f) {
        asio::post(d.session->get_executor(), f);
        d.core.io().restart();
        d.core.io().poll();
    };
    auto current = [&] {
        polymcp::session_record r;
        on_strand([&] { r = d.session->record(); });
        return r;
    };

    // initialize and every change to the record add one; what changes nothing adds nothing.
    d.step(dispatcher::initialize(1, "2025-11-25"));
    CHECK(current().generation == 1);
    d.step(dispatcher::request(2, "logging/setLevel", {{"level", "error"}}));
    d.step(dispatcher::request(3, "logging/setLevel", {{"level", "error"}}));
    d.step(dispatcher::request(4, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "hi"}}}}));
    auto held = current();
    CHECK(held.generation == 2);
    CHECK(held.log_level == polymcp::logging_level::error);
    const auto local_changes = d.session->record_version();

    // A record read before that change (another instance's announcement that
    // raced it) is refused, and the session keeps its own.
    auto stale = held;
    stale.generation = 1;
    stale.log_level = polymcp::logging_level::debug;
    bool taken = true;
    on_strand([&] { taken = d.session->restore(stale); });
    CHECK_FALSE(taken);
    CHECK(current().log_level == polymcp::logging_level::error);

    // One of the same or a later revision is taken; taking one is not a change of this copy's own.
    auto later = held;
    later.generation = 5;
    later.log_level = polymcp::logging_level::warning;
    on_strand([&] { taken = d.session->restore(later); });
    CHECK(taken);
    CHECK(current().log_level == polymcp::logging_level::warning);
    CHECK(current().generation == 5);
    CHECK(d.session->record_version() == local_changes);

    // The next change counts on from the record taken.
    d.step(dispatcher::request(5, "logging/setLevel", {{"level", "debug"}}));
    CHECK(current().generation == 6);
    CHECK(d.session->record_version() == local_changes + 1);
}

TEST_CASE("dispatcher: the feature methods are served from the request scope alone, for either front end") {
    asio::io_context io;
    auto shared = std::make_shared<polymcp::server_shared>();
    shared->tools = polymcp::tools(polymcp::tool<"echo">("Echo", [](text_args a) { return a.text; }),
                                   polymcp::tool<"secret">("Needs a scope", [](text_args a) { return a.text; })
                                       .scopes({"files:read"}))
                        .make_registry();
    shared->blocking_executor = io.get_executor();
    auto d = std::make_shared<polymcp::dispatcher>(shared, asio::make_strand(io), std::make_shared<null_outbound>());

    // Serves one request and runs what it started; the reply, or nullopt when `serve` declined it.
    auto serve = [&](const json& message, const polymcp::request_scope& scope) -> std::optional<jsonrpc::reply> {
        auto parsed = jsonrpc::from_json(message);
        auto& r = std::get<jsonrpc::request>(*parsed.value);
        std::optional<jsonrpc::reply> out;
        polymcp::dispatcher::reply_fn reply = [&](jsonrpc::reply m) { out = std::move(m); };
        bool served = false;
        asio::post(d->get_executor(), [&] { served = d->serve(r, scope, reply, nullptr); });
        io.restart();
        io.poll();
        if (!served) CHECK_FALSE(out);  // declined: nothing was answered
        return served ? out : std::nullopt;
    };
    auto reader = std::make_shared<const polymcp::auth::principal>(
        polymcp::auth::principal{.subject = "ann", .issuer = "test", .scopes = {"files:read"}});
    auto stranger = std::make_shared<const polymcp::auth::principal>(polymcp::auth::principal{.subject = "bob"});
    auto stateless = std::make_shared<polymcp::handler::stateless_request>();
    stateless->method = "tools/list";

    // A session request's result is bare; a stateless one's carries resultType and the server's identity.
    auto bare = serve(dispatcher::request(1, "tools/list"), {reader, nullptr});
    REQUIRE(bare);
    CHECK_FALSE(result_of(*bare).contains("resultType"));
    CHECK(result_of(*bare)["tools"].size() == 2);
    auto decorated = serve(dispatcher::request(2, "tools/list"), {reader, stateless});
    REQUIRE(decorated);
    CHECK(result_of(*decorated)["resultType"] == "complete");
    CHECK(result_of(*decorated)["_meta"].contains(polymcp::meta_key::server_info));

    // The scope's caller is the one whose scopes are checked.
    auto call_secret = dispatcher::request(3, "tools/call", {{"name", "secret"}, {"arguments", {{"text", "s"}}}});
    auto allowed = serve(call_secret, {reader, nullptr});
    REQUIRE(allowed);
    CHECK(result_of(*allowed)["content"][0]["text"] == "s");
    auto refused = serve(call_secret, {stranger, nullptr});
    REQUIRE(refused);
    CHECK(error_code(*refused) == jsonrpc::error_code::insufficient_scope);

    // What is not a feature method this server declares is left to the front end.
    CHECK_FALSE(serve(dispatcher::request(4, "ping"), {reader, nullptr}));
    CHECK_FALSE(serve(dispatcher::request(5, "prompts/list"), {reader, nullptr}));  // no prompts capability
    CHECK(d->in_flight() == 0);
}
