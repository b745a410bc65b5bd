// Any instance serves any 2025-11-25 session: two Streamable HTTP servers on
// one shared storage (the real Redis and PostgreSQL of scripts/services.sh),
// each on its own loopback port and thread, as two instances behind a load
// balancer without sticky sessions would run.

#include <polymcp/auth.hpp>
#include <polymcp/crypto.hpp>
#include <polymcp/polymcp.hpp>
#include <polymcp/transport/streamable_http.hpp>

#include "support/http_client.hpp"
#include "support/listening_process.hpp"
#include "support/log_capture.hpp"
#include "support/redis_process.hpp"
#include "support/storage_backends.hpp"

#include <catch2/catch.hpp>

#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>

#include <poll.h>

using nlohmann::json;
using polymcp::test::http_client;
namespace st = polymcp::storage;

namespace {

struct text_args {
    BOOST_HANA_DEFINE_STRUCT(text_args, (std::string, text));
};

// The API keys of two callers of one tenant.
polymcp::auth::api_key_auth test_keys() {
    polymcp::auth::api_key_auth keys;
    keys.add("session-store-key-ann-0123456789", {.subject = "ann", .tenant = "t1"});
    keys.add("session-store-key-bob-0123456789", {.subject = "bob", .tenant = "t1"});
    return keys;
}
const std::string ann = "X-API-Key: session-store-key-ann-0123456789\r\n";
const std::string bob = "X-API-Key: session-store-key-bob-0123456789\r\n";

asio::awaitable<void> sleep_ms(int ms) {
    asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(ms));
    co_await t.async_wait(asio::use_awaitable);
}

// How many "wait" calls saw their cancellation.
std::atomic<int> waits_cancelled{0};

polymcp::server_features test_features() {
    // Each instance's own registry, which "grow" changes on that instance only.
    auto reg = polymcp::make_dynamic_tool_registry();
    std::weak_ptr<polymcp::tool_registry> weak = reg;
    reg->add(polymcp::tool<"grow">("Adds the tool 'grown' to this instance", [weak] {
        if (auto r = weak.lock()) r->add(polymcp::tool<"grown">("Grown", [] { return std::string("grown"); }));
        return std::string("grew");
    }));
    auto add = [&](const auto&... t) { (reg->add(t), ...); };
    add(polymcp::tool<"echo">("Echo", [](text_args a) { return a.text; }),
        polymcp::tool<"ask">("Elicits a name",
                             [](polymcp::request_context& ctx) -> asio::awaitable<std::string> {
                                 json schema = {{"type", "object"}, {"properties", {{"name", {{"type", "string"}}}}}};
                                 auto [ec, r] = co_await ctx.async_elicit("Your name?", schema,
                                                                          asio::experimental::as_tuple(asio::use_awaitable));
                                 if (ec) co_return "error: " + ec.message();
                                 co_return r.value("action", std::string()) + " " +
                                     r.value("content", json::object()).value("name", std::string());
                             }),
        // Says it started, then waits until it is cancelled (10 s at most).
        polymcp::tool<"wait">("Waits until cancelled",
                              [](polymcp::request_context& ctx) -> asio::awaitable<std::string> {
                                  ctx.log(polymcp::logging_level::warning, "waiting");
                                  try {
                                      for (int i = 0; i < 1000 && !ctx.cancelled(); ++i) co_await sleep_ms(10);
                                  } catch (const std::system_error&) {
                                  }
                                  if (ctx.cancelled()) ++waits_cancelled;
                                  co_return std::string("waited");
                              }),
        // Logs a warning first: the answer is an SSE stream when the session's
        // level lets the warning through, plain JSON when it does not.
        polymcp::tool<"warn">("Logs a warning, then answers", [](polymcp::request_context& ctx) {
            ctx.log(polymcp::logging_level::warning, "careful");
            return std::string("done");
        }));
    return polymcp::features(reg);
}

// One instance: a server on the shared storage, on 127.0.0.1 and an ephemeral port.
template <class Storage, class Cipher = polymcp::crypto::no_cipher>
struct instance {
    polymcp::test::log_capture log;
    polymcp::server<polymcp::streamable_http_transport, polymcp::auth::api_key_auth, Storage, Cipher> srv;
    std::thread runner;
    unsigned short port = 0;

    explicit instance(std::shared_ptr<Storage> storage, Cipher cipher = Cipher{})
        : srv(with_log(polymcp::server_options{}), test_features(),
              polymcp::streamable_http_transport(transport_options(log)), test_keys(), std::move(storage),
              std::move(cipher)) {
        runner = std::thread([this] { srv.run(); });
        for (int i = 0; i < 500 && port == 0; ++i) {
            port = srv.transport().local_endpoint().port();
            if (!port) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        REQUIRE(port != 0);
    }
    ~instance() {
        srv.transport().stop();
        runner.join();
    }

    // One request on a new connection: its status, session header and body.
    polymcp::test::http_reply post(const std::string& body, const std::string& session, const std::string& key) {
        http_client c(port);
        std::string headers = "Accept: application/json, text/event-stream\r\nContent-Type: application/json\r\n" + key;
        if (!session.empty()) headers += "Mcp-Session-Id: " + session + "\r\n";
        c.send(polymcp::test::make_request("POST", "/mcp", body, headers));
        auto r = c.read();
        REQUIRE(r);
        return *r;
    }
    polymcp::test::http_reply get(const std::string& session, const std::string& key, const std::string& last_event_id) {
        http_client c(port);
        c.send(polymcp::test::make_request("GET", "/mcp", {},
                                           "Accept: text/event-stream\r\nMcp-Session-Id: " + session + "\r\nLast-Event-ID: " +
                                               last_event_id + "\r\n" + key));
        auto r = c.read();
        REQUIRE(r);
        return *r;
    }
    polymcp::test::http_reply del(const std::string& session, const std::string& key) {
        http_client c(port);
        c.send(polymcp::test::make_request("DELETE", "/mcp", {}, "Mcp-Session-Id: " + session + "\r\n" + key));
        auto r = c.read();
        REQUIRE(r);
        return *r;
    }

private:
    polymcp::server_options with_log(polymcp::server_options o) {
        o.diagnostics = log.sink();
        return o;
    }
    static polymcp::streamable_http_options transport_options(polymcp::test::log_capture& log) {
        polymcp::streamable_http_options o;
        o.http.diagnostics = log.sink();
        o.session_idle_timeout = std::chrono::seconds(30);
        return o;
    }
};

std::string request(int id, const std::string& method, json params = json::object()) {
    return json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}}.dump();
}

std::string initialize_body() {
    return request(1, "initialize",
                   {{"protocolVersion", "2025-11-25"},
                    {"capabilities", {{"roots", json::object()}, {"elicitation", json::object()}}},
                    {"clientInfo", {{"name", "store-test"}, {"version", "1"}}}});
}

std::string call(int id, const std::string& tool, json args = json::object()) {
    return request(id, "tools/call", {{"name", tool}, {"arguments", std::move(args)}});
}

// Retries `attempt` (which returns whether it saw what it waits for) for up to 5 s.
template <class F>
bool eventually(F attempt) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < until) {
        if (attempt()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

// The (id, data) of each event of an SSE body.
std::vector<std::pair<std::string, std::string>> sse_events(const std::string& body) {
    std::vector<std::pair<std::string, std::string>> out;
    std::size_t pos = 0;
    for (auto end = body.find("\n\n"); end != std::string::npos; pos = end + 2, end = body.find("\n\n", pos)) {
        std::string id, data;
        std::size_t lp = pos;
        while (lp < end) {
            auto nl = std::min(body.find('\n', lp), end);
            auto line = body.substr(lp, nl - lp);
            if (line.rfind("id: ", 0) == 0) id = line.substr(4);
            if (line.rfind("data: ", 0) == 0) data = line.substr(6);
            lp = nl + 1;
        }
        out.emplace_back(id, data);
    }
    return out;
}

using shared_backends = std::tuple<st::redis_storage, st::postgres_storage, polymcp::test::redis_postgres>;

// Two instances on one shared storage, and a session ann opened on the first.
template <class Storage>
struct two_instances {
    polymcp::test::backend<Storage> b;
    std::shared_ptr<Storage> storage_a{b.make()}, storage_b{b.peer()};
    instance<Storage> a{storage_a}, c{storage_b};
    std::string sid = open();

    std::string open() {
        auto opened = a.post(initialize_body(), {}, ann);
        REQUIRE(opened.status == 200);
        auto id = opened.field("mcp-session-id");
        REQUIRE(id.size() == 32);
        return id;
    }
};

}  // namespace

TEMPLATE_LIST_TEST_CASE("session store: a session opened on one instance is served by another, for its owner only",
                        "[session_store][storage]", shared_backends) {
    two_instances<TestType> f;
    REQUIRE(f.a.post(R"({"jsonrpc":"2.0","method":"notifications/initialized"})", f.sid, ann).status == 202);

    // Its record is in the storage, bound to its principal.
    std::error_code ec;
    auto kept = f.storage_a->get("polymcp:mcp_session:" + f.sid, ec);
    REQUIRE_FALSE(ec);
    REQUIRE(kept);
    auto record = polymcp::session_record::from_json(json::parse(*kept));
    REQUIRE(record);
    CHECK(record->owner.subject == "ann");
    CHECK(record->client_capabilities.contains("roots"));

    // The other instance serves the session's next request at once.
    auto echoed = f.c.post(call(2, "echo", {{"text", "from b"}}), f.sid, ann);
    REQUIRE(echoed.status == 200);
    CHECK(json::parse(echoed.body)["result"]["content"][0]["text"] == "from b");

    // Another caller with the id learns nothing, on either instance.
    CHECK(f.c.post(call(3, "echo", {{"text", "x"}}), f.sid, bob).status == 404);
    auto other = instance<TestType>(std::shared_ptr<TestType>(f.b.peer()));
    CHECK(other.post(call(3, "echo", {{"text", "x"}}), f.sid, bob).status == 404);
    CHECK(other.log.logged("belongs to another principal"));

    // A well-formed id nobody made, and one that is not an id at all.
    CHECK(f.c.post(call(4, "echo", {{"text", "x"}}), std::string(32, 'a'), ann).status == 404);
    CHECK(f.c.post(call(4, "echo", {{"text", "x"}}), "../" + f.sid, ann).status == 404);
}

TEMPLATE_LIST_TEST_CASE("session store: a change on one instance reaches the others, and DELETE ends it everywhere",
                        "[session_store][storage]", shared_backends) {
    two_instances<TestType> f;
    // Both instances hold it now: the default level (info) lets the warning through.
    auto streamed = f.a.post(call(2, "warn"), f.sid, ann);
    CHECK(streamed.field("content-type") == "text/event-stream");
    CHECK(f.c.post(call(3, "warn"), f.sid, ann).field("content-type") == "text/event-stream");

    // Messages on the storage's channel that are not an instance's are ignored, whatever their members hold.
    if constexpr (st::publish_subscribe<TestType>) {
        for (const char* m : {R"({"o":5,"id":7})", R"({"id":["x"]})", R"({"id":"x","ended":"yes"})",
                              R"({"o":null,"id":"y","m":5})", "[1]", "not json"}) {
            std::error_code ec;
            f.storage_a->publish("polymcp.sessions", m, ec);
            CHECK_FALSE(ec);
        }
    }

    // logging/setLevel on B: A's copy follows within the time of a round trip of the storage's channel.
    REQUIRE(f.c.post(request(4, "logging/setLevel", {{"level", "error"}}), f.sid, ann).status == 200);
    CHECK(f.c.post(call(5, "warn"), f.sid, ann).field("content-type") == "application/json");
    CHECK(eventually([&] { return f.a.post(call(6, "warn"), f.sid, ann).field("content-type") == "application/json"; }));

    // DELETE on A: gone from the storage at once, and from B's copy soon after.
    CHECK(f.a.del(f.sid, ann).status == 200);
    std::error_code ec;
    CHECK_FALSE(f.storage_b->get("polymcp:mcp_session:" + f.sid, ec));
    CHECK(eventually([&] { return f.c.post(call(7, "echo", {{"text", "x"}}), f.sid, ann).status == 404; }));
    CHECK(f.a.post(call(8, "echo", {{"text", "x"}}), f.sid, ann).status == 404);
}

TEMPLATE_LIST_TEST_CASE("session store: a client reconnecting to another instance gets the events it missed",
                        "[session_store][storage]", shared_backends) {
    two_instances<TestType> f;

    // On A: a log message, then the answer, as SSE events.
    auto streamed = f.a.post(call(2, "warn"), f.sid, ann);
    REQUIRE(streamed.field("content-type") == "text/event-stream");
    auto events = sse_events(streamed.body);
    std::string log_id, answer_id;
    for (const auto& [id, data] : events) {
        if (data.find("notifications/message") != std::string::npos) log_id = id;
        if (data.find("\"result\"") != std::string::npos) answer_id = id;
    }
    REQUIRE_FALSE(log_id.empty());
    REQUIRE_FALSE(answer_id.empty());
    CHECK(log_id.find('-') == 8);  // "<instance tag>-<stream>_<seq>"

    // The client lost the connection after the log message and reconnects to B:
    // it gets the answer, with the id A gave it, and the stream ends. Events
    // are stored one storage round trip after they are sent (a client waits
    // the SSE retry interval, 1 s, before it reconnects).
    polymcp::test::http_reply resumed;
    CHECK(eventually([&] { return (resumed = f.c.get(f.sid, ann, log_id)).status == 200; }));
    auto replayed = sse_events(resumed.body);
    REQUIRE(replayed.size() == 1);
    CHECK(replayed[0].first == answer_id);
    CHECK(json::parse(replayed[0].second)["result"]["content"][0]["text"] == "done");

    // Nothing after the answer; and ids no instance wrote are refused.
    CHECK(f.c.get(f.sid, ann, answer_id).status == 400);
    CHECK(f.c.get(f.sid, ann, "zzzzzzzz-1_1").status == 400);
    CHECK(f.c.get(f.sid, ann, "0badbeef-1_1").status == 400);  // well-formed, nothing stored
    // Another caller cannot read them.
    CHECK(f.c.get(f.sid, bob, log_id).status == 404);

    // DELETE takes the stored events with the record.
    REQUIRE(f.a.del(f.sid, ann).status == 200);
    std::error_code ec;
    CHECK(f.storage_a->scan("polymcp:mcp_session:" + f.sid, "", 100, ec).keys.empty());
}

TEST_CASE("session store: a POST's stream begins once its priming event is stored, so that any instance can answer "
          "for its request",
          "[session_store][redis]") {
    // A Redis of this test's own, which it stops (SIGSTOP) while the stream would begin.
    const auto port = polymcp::test::free_port();
    polymcp::test::redis_process redis(port);
    st::redis_options o;
    o.port = port;
    o.operation_timeout = std::chrono::seconds(10);  // longer than the stop
    std::shared_ptr<st::redis_storage> storage_a, storage_b;
    REQUIRE(eventually([&] {
        std::error_code ec;
        storage_a = std::make_shared<st::redis_storage>(o, ec);
        if (!ec) storage_a->ping(ec);
        return !ec;
    }));
    storage_b = std::make_shared<st::redis_storage>(o);
    instance<st::redis_storage> a{storage_a}, b{storage_b};
    std::string version = "2025-11-25";
    SECTION("2025-11-25: the priming event is the stream's first") {}
    SECTION("2025-06-18: the priming event is stored, not sent") { version = "2025-06-18"; }
    const bool primed = version == "2025-11-25";
    const std::string headers = "Accept: application/json, text/event-stream\r\nContent-Type: application/json\r\n"
                                "MCP-Protocol-Version: " + version + "\r\n" + ann;
    auto opened = a.post(request(1, "initialize",
                                 {{"protocolVersion", version},
                                  {"capabilities", json::object()},
                                  {"clientInfo", {{"name", "store-test"}, {"version", "1"}}}}),
                         {}, ann);
    REQUIRE(opened.status == 200);
    const auto sid = opened.field("mcp-session-id");

    // "warn" logs, then answers: an SSE stream on A, which holds it while the store cannot take its priming event.
    redis.kill(SIGSTOP);
    http_client c(a.port);
    c.send(polymcp::test::make_request("POST", "/mcp", call(2, "warn"), headers + "Mcp-Session-Id: " + sid + "\r\n"));
    pollfd pfd{c.socket().native_handle(), POLLIN, 0};
    const int ready = ::poll(&pfd, 1, 500);
    redis.kill(SIGCONT);
    CHECK(ready == 0);  // not a byte of the response: no event id the store does not have

    auto r = c.read();
    REQUIRE(r);
    REQUIRE(r->field("content-type") == "text/event-stream");
    auto events = sse_events(r->body);
    REQUIRE(events.size() == (primed ? 3u : 2u));
    if (primed) {
        CHECK(events[0].second.empty());  // the priming event
        events.erase(events.begin());
    }
    CHECK(events[0].second.find("notifications/message") != std::string::npos);
    CHECK(json::parse(events[1].second)["result"]["content"][0]["text"] == "done");

    // The store has the request the stream answers, so that B could answer for it.
    std::error_code ec;
    const std::string prefix = "polymcp:mcp_session:" + sid + ":sse:";
    std::vector<std::string> values;
    for (const auto& k : storage_b->scan(prefix, "", 100, ec).keys)
        if (auto v = storage_b->get(k, ec)) values.push_back(*v);
    CHECK(std::count(values.begin(), values.end(), "p2") == 1);

    // From the log's id, B replays the answer.
    polymcp::test::http_reply resumed;
    CHECK(eventually([&] { return (resumed = b.get(sid, ann, events[0].first)).status == 200; }));
    auto replayed = sse_events(resumed.body);
    REQUIRE(replayed.size() == 1);
    CHECK(replayed[0].first == events[1].first);
    REQUIRE(a.del(sid, ann).status == 200);
}

TEMPLATE_LIST_TEST_CASE("session store: the client's answer to a request reaches the instance that sent it",
                        "[session_store][storage]", shared_backends) {
    two_instances<TestType> f;

    // tools/call on A elicits; the client answers through B.
    http_client on_a(f.a.port);
    on_a.send(polymcp::test::make_request(
        "POST", "/mcp", call(2, "ask"),
        "Accept: application/json, text/event-stream\r\nContent-Type: application/json\r\nMcp-Session-Id: " + f.sid +
            "\r\n" + ann));
    std::string seen;
    json asked;
    int answered = 0;
    auto reply = on_a.read([&](const std::string& chunk) {
        seen += chunk;
        if (answered) return;
        for (const auto& [id, data] : sse_events(seen))
            if (data.find("elicitation/create") != std::string::npos) {
                asked = json::parse(data);
                answered = f.c.post(json{{"jsonrpc", "2.0"},
                                         {"id", asked["id"]},
                                         {"result", {{"action", "accept"}, {"content", {{"name", "Ann"}}}}}}
                                        .dump(),
                                    f.sid, ann)
                               .status;
            }
    });
    REQUIRE(reply);
    CHECK(answered == 202);
    CHECK(asked["id"].is_number_integer());
    std::string result;
    for (const auto& [id, data] : sse_events(reply->body))
        if (data.find("\"result\"") != std::string::npos && data.find("\"id\":2") != std::string::npos)
            result = json::parse(data)["result"]["content"][0]["text"];
    CHECK(result == "accept Ann");

    // B's own requests to the client get ids of their own, so that an answer
    // cannot complete the wrong instance's request.
    http_client on_b(f.c.port);
    on_b.send(polymcp::test::make_request(
        "POST", "/mcp", call(3, "ask"),
        "Accept: application/json, text/event-stream\r\nContent-Type: application/json\r\nMcp-Session-Id: " + f.sid +
            "\r\n" + ann));
    json asked_b;
    std::string seen_b;
    auto reply_b = on_b.read([&](const std::string& chunk) {
        seen_b += chunk;
        for (const auto& [id, data] : sse_events(seen_b))
            if (data.find("elicitation/create") != std::string::npos && asked_b.is_null()) {
                asked_b = json::parse(data);
                // An answer to a request nobody sent is ignored by every instance.
                CHECK(f.a.post(json{{"jsonrpc", "2.0"}, {"id", 999}, {"result", {{"action", "decline"}}}}.dump(), f.sid,
                               ann)
                          .status == 202);
                CHECK(f.a.post(json{{"jsonrpc", "2.0"}, {"id", asked_b["id"]}, {"result", {{"action", "decline"}}}}.dump(),
                               f.sid, ann)
                          .status == 202);
            }
    });
    REQUIRE(reply_b);
    CHECK(asked_b["id"] != asked["id"]);
    CHECK(reply_b->body.find("\"text\":\"decline \"") != std::string::npos);

    // notifications/cancelled through A cancels the request running on B.
    const int before = waits_cancelled.load();
    http_client waiting(f.c.port);
    waiting.send(polymcp::test::make_request(
        "POST", "/mcp", call(4, "wait"),
        "Accept: application/json, text/event-stream\r\nContent-Type: application/json\r\nMcp-Session-Id: " + f.sid +
            "\r\n" + ann));
    bool cancel_sent = false;
    auto waited = waiting.read([&](const std::string& chunk) {
        if (cancel_sent || chunk.find("waiting") == std::string::npos) return;
        cancel_sent = true;
        CHECK(f.a.post(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":4,"reason":"changed my mind"}})",
                       f.sid, ann)
                  .status == 202);
    });
    REQUIRE(waited);
    CHECK(cancel_sent);
    CHECK(waits_cancelled.load() == before + 1);
    CHECK(waited->body.find("\"waited\"") == std::string::npos);  // a cancelled request is not answered
}

TEMPLATE_LIST_TEST_CASE("session store: a notification sent outside any request reaches the standalone stream on another instance",
                        "[session_store][storage]", shared_backends) {
    two_instances<TestType> f;
    // The client's standalone stream is open on B; a change on A's own
    // registry tells A's copy of the session, which has no stream here.
    http_client standalone(f.c.port);
    standalone.send(polymcp::test::make_request(
        "GET", "/mcp", {}, "Accept: text/event-stream\r\nMcp-Session-Id: " + f.sid + "\r\n" + ann));
    std::string seen;
    bool grew = false, ended = false;
    auto reply = standalone.read([&](const std::string& chunk) {
        seen += chunk;
        if (!grew) {
            grew = true;
            CHECK(f.a.post(call(2, "grow"), f.sid, ann).status == 200);
        }
        if (!ended && seen.find("notifications/tools/list_changed") != std::string::npos) {
            ended = true;
            CHECK(f.a.del(f.sid, ann).status == 200);  // ends the stream on B too
        }
    });
    REQUIRE(reply);
    CHECK(reply->status == 200);
    CHECK(ended);
    std::size_t count = 0;
    for (const auto& [id, data] : sse_events(seen)) count += data.find("tools/list_changed") != std::string::npos;
    CHECK(count == 1);
}

TEST_CASE("session store: with a cipher, records and events are sealed at rest, each bound to its key",
          "[session_store][storage][crypto]") {
    polymcp::test::backend<st::redis_storage> b;
    std::shared_ptr<st::redis_storage> storage_a(b.make()), storage_b(b.peer()), storage_c(b.peer());
    const auto key = polymcp::crypto::fernet::generate_key();
    using sealed_instance = instance<st::redis_storage, polymcp::crypto::fernet>;
    sealed_instance a(storage_a, polymcp::crypto::fernet(key)), c(storage_b, polymcp::crypto::fernet(key));
    sealed_instance stranger(storage_c, polymcp::crypto::fernet(polymcp::crypto::fernet::generate_key()));

    auto opened = a.post(initialize_body(), {}, ann);
    REQUIRE(opened.status == 200);
    const auto sid = opened.field("mcp-session-id");
    auto streamed = a.post(call(2, "warn"), sid, ann);
    REQUIRE(streamed.field("content-type") == "text/event-stream");

    // Nothing readable at rest: the record and each event are Fernet tokens.
    std::error_code ec;
    auto record = storage_a->get("polymcp:mcp_session:" + sid, ec);
    REQUIRE(record);
    CHECK(record->rfind("gAAAAA", 0) == 0);
    CHECK(record->find("store-test") == std::string::npos);
    std::vector<std::string> event_keys;
    CHECK(eventually([&] {
        event_keys = storage_a->scan("polymcp:mcp_session:" + sid + ":sse:", "", 100, ec).keys;
        return event_keys.size() >= 2;
    }));
    for (const auto& k : event_keys) {
        auto v = storage_a->get(k, ec);
        REQUIRE(v);
        CHECK(v->rfind("gAAAAA", 0) == 0);
        CHECK(v->find("careful") == std::string::npos);
    }

    // An instance with the key serves the session; one with another key does not know it.
    CHECK(c.post(call(3, "echo", {{"text", "sealed"}}), sid, ann).status == 200);
    CHECK(stranger.post(call(3, "echo", {{"text", "sealed"}}), sid, ann).status == 404);

    // A sealed record copied under another session's key does not open there.
    const std::string other = std::string(31, 'b') + "c";
    storage_a->set("polymcp:mcp_session:" + other, *record, std::chrono::seconds(30), ec);
    REQUIRE_FALSE(ec);
    CHECK(c.post(call(4, "echo", {{"text", "copied"}}), other, ann).status == 404);
}

TEST_CASE("session store: a record reads back as it was written, and anything else is refused", "[session_store]") {
    polymcp::session_record r;
    r.protocol_version = polymcp::revision::v2025_06_18;
    r.client_capabilities = {{"sampling", json::object()}};
    r.client_info = {{"name", "c"}, {"version", "2"}};
    r.log_level = polymcp::logging_level::critical;
    r.subscriptions = {"file:///a", "file:///b"};
    r.owner = {.subject = "ann", .tenant = "t1", .issuer = "api_key"};
    r.generation = 7;
    auto back = polymcp::session_record::from_json(r.to_json());
    REQUIRE(back);
    CHECK(back->protocol_version == r.protocol_version);
    CHECK(back->client_capabilities == r.client_capabilities);
    CHECK(back->client_info == r.client_info);
    CHECK(back->log_level == r.log_level);
    CHECK(back->subscriptions == r.subscriptions);
    CHECK(back->owner.same_caller(r.owner));
    CHECK(back->generation == 7);

    auto broken = [&](auto change) {
        json j = r.to_json();
        change(j);
        return polymcp::session_record::from_json(j).has_value();
    };
    CHECK_FALSE(broken([](json& j) { j["v"] = 2; }));
    CHECK_FALSE(broken([](json& j) { j["protocolVersion"] = "2026-07-28"; }));  // stateless: no session
    CHECK_FALSE(broken([](json& j) { j["logLevel"] = "loud"; }));
    CHECK_FALSE(broken([](json& j) { j["capabilities"] = "all"; }));
    CHECK_FALSE(broken([](json& j) { j.erase("owner"); }));
    CHECK_FALSE(broken([](json& j) { j["gen"] = -1; }));
    CHECK_FALSE(broken([](json& j) { j["gen"] = "7"; }));
    // A record without "gen" reads as generation 0.
    json without_gen = r.to_json();
    without_gen.erase("gen");
    auto old = polymcp::session_record::from_json(without_gen);
    REQUIRE(old);
    CHECK(old->generation == 0);
    CHECK_FALSE(polymcp::session_record::from_json(json("not an object")));
}
