// The Streamable HTTP transport (MCP 2025-11-25 "Transports" > "Streamable
// HTTP") over real loopback sockets: sessions, JSON versus SSE answers,
// requests to the client, resumption, header rules, DNS-rebinding protection,
// expiry and shutdown. Resources, prompts and completion are exercised here
// too, through the transport a client would use.

#include <polymcp/polymcp.hpp>
#include <polymcp/transport/streamable_http.hpp>

#include "support/http_client.hpp"
#include "support/log_capture.hpp"

#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

using nlohmann::json;
using polymcp::test::http_client;
using polymcp::test::http_reply;

namespace {

struct text_args {
    BOOST_HANA_DEFINE_STRUCT(text_args, (std::string, text));
};
struct item_vars {
    BOOST_HANA_DEFINE_STRUCT(item_vars, (std::string, id));
};
struct greet_args {
    BOOST_HANA_DEFINE_STRUCT(greet_args, (std::string, name), (std::optional<std::string>, mood));
};
struct route_args {
    BOOST_HANA_DEFINE_STRUCT(route_args, (std::string, region), (std::optional<std::int64_t>, priority),
                             (std::optional<bool>, verbose), (std::string, query));
};
}  // namespace

template <>
struct polymcp::describe<route_args> {
    static polymcp::field_docs fields() {
        return {{"region", {.header = "Region"}}, {"priority", {.header = "Priority"}}, {"verbose", {.header = "Verbose"}}};
    }
};

namespace {

asio::awaitable<void> sleep_ms(int ms) {
    asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(ms));
    co_await t.async_wait(asio::use_awaitable);
}

asio::awaitable<std::string> sample_quickly(polymcp::request_context& ctx) {
    json params = {{"messages", json::array()}, {"maxTokens", 5}};
    std::string method = "sampling/createMessage";
    auto [ec, r] = co_await ctx.async_request(std::move(method), std::move(params), std::chrono::milliseconds(200),
                                              asio::experimental::as_tuple(asio::use_awaitable));
    if (ec) co_return "error: " + ec.message();
    co_return r.dump();
}

polymcp::server_features test_features() {
    auto tools = polymcp::tools(
        polymcp::tool<"echo">("Echo", [](text_args a) { return a.text; }),
        polymcp::tool<"chatty">("Logs, then answers",
                                [](polymcp::request_context& ctx) -> asio::awaitable<std::string> {
                                    ctx.log(polymcp::logging_level::warning, "working");
                                    co_await sleep_ms(10);
                                    co_return "done";
                                }),
        polymcp::tool<"ask">("Elicits a name",
                             [](polymcp::request_context& ctx) -> asio::awaitable<std::string> {
                                 json schema = {{"type", "object"},
                                                {"properties", {{"name", {{"type", "string"}}}}},
                                                {"required", {"name"}}};
                                 auto [ec, r] = co_await ctx.async_elicit(
                                     "Your name?", schema, asio::experimental::as_tuple(asio::use_awaitable));
                                 if (ec) co_return "error: " + ec.message();
                                 co_return r.value("action", std::string()) + " " +
                                     r.value("content", json::object()).value("name", std::string());
                             }),
        polymcp::tool<"sample_quickly">("Asks for sampling with a 200 ms timeout", sample_quickly),
        polymcp::tool<"route">("Mirrors region, priority and verbose into Mcp-Param-* headers",
                               [](route_args a) { return a.region + ":" + a.query; }),
        polymcp::tool<"poll">("Closes its stream, then answers",
                              [](polymcp::request_context& ctx) -> asio::awaitable<std::string> {
                                  ctx.log(polymcp::logging_level::info, "before the break");
                                  ctx.close_stream();
                                  co_await sleep_ms(50);
                                  ctx.log(polymcp::logging_level::info, "after the break");
                                  co_return "polled";
                              }));
    auto resources = polymcp::resources(
        polymcp::resource<"readme">("file:///readme.md", "The README", [] { return std::string("# Hello"); })
            .mime_type("text/markdown"),
        polymcp::resource_template<"item">("items://{id}/detail", "One item",
                                           [](item_vars v) { return "item " + v.id; })
            .complete("id", polymcp::complete_from({"apple", "apricot", "banana"})));
    auto prompts = polymcp::prompts(
        polymcp::prompt<"greet">("Greets someone",
                                 [](greet_args a) { return "Hello " + a.name + (a.mood ? ", " + *a.mood : ""); })
            .complete("mood", polymcp::complete_from({"happy", "hopeful", "sad"})));
    return polymcp::features(tools, resources, prompts);
}

// A polymcp server on 127.0.0.1 and an ephemeral port, run by a thread.
struct http_fixture {
    polymcp::test::log_capture log;
    polymcp::server<polymcp::streamable_http_transport> srv;
    std::thread runner;
    unsigned short port = 0;

    explicit http_fixture(polymcp::streamable_http_options o = {}, polymcp::server_options so = {})
        : srv(with_log(std::move(so)), test_features(), polymcp::streamable_http_transport(with_log(std::move(o)))) {
        runner = std::thread([this] { srv.run(); });
        for (int i = 0; i < 500 && port == 0; ++i) {
            port = srv.transport().local_endpoint().port();
            if (!port) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        REQUIRE(port != 0);
    }
    ~http_fixture() {
        srv.transport().stop();
        runner.join();
    }
    bool logged(const std::string& needle) const { return log.logged(needle); }

private:
    template <class O>
    O with_log(O o) {
        auto sink = log.sink();
        if constexpr (std::is_same_v<O, polymcp::streamable_http_options>) o.http.diagnostics = sink;
        else o.diagnostics = sink;
        return o;
    }
};

std::string post_request(const std::string& body, const std::string& session = {},
                         const std::string& extra = "Accept: application/json, text/event-stream\r\n",
                         const std::string& content_type = "application/json") {
    std::string headers = extra;
    if (!content_type.empty()) headers += "Content-Type: " + content_type + "\r\n";
    if (!session.empty()) headers += "Mcp-Session-Id: " + session + "\r\n";
    return polymcp::test::make_request("POST", "/mcp", body, headers);
}

std::string initialize_body(json capabilities = json::object()) {
    return json{{"jsonrpc", "2.0"},
                {"id", 1},
                {"method", "initialize"},
                {"params",
                 {{"protocolVersion", "2025-11-25"},
                  {"capabilities", std::move(capabilities)},
                  {"clientInfo", {{"name", "test"}, {"version", "1"}}}}}}
        .dump();
}

std::string call_body(int id, const std::string& tool, json args = json::object()) {
    return json{{"jsonrpc", "2.0"}, {"id", id}, {"method", "tools/call"}, {"params", {{"name", tool}, {"arguments", args}}}}
        .dump();
}

std::string request_body(int id, const std::string& method, json params = json::object()) {
    return json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}}.dump();
}

// Opens a session: initialize + notifications/initialized. Returns its id.
std::string open_session(http_client& c, json capabilities = json::object()) {
    c.send(post_request(initialize_body(std::move(capabilities))));
    auto r = c.read();
    REQUIRE(r);
    REQUIRE(r->status == 200);
    auto sid = r->field("mcp-session-id");
    REQUIRE(!sid.empty());
    c.send(post_request(R"({"jsonrpc":"2.0","method":"notifications/initialized"})", sid));
    auto a = c.read();
    REQUIRE(a);
    REQUIRE(a->status == 202);
    return sid;
}

struct sse_event {
    std::string id;
    std::string data;
    std::string retry;
};

// SSE events of a body (RFC text/event-stream framing, as polymcp writes it).
std::vector<sse_event> parse_sse(const std::string& body) {
    std::vector<sse_event> out;
    std::size_t pos = 0;
    while (true) {
        auto end = body.find("\n\n", pos);
        if (end == std::string::npos) break;
        sse_event e;
        std::string block = body.substr(pos, end - pos);
        std::size_t lp = 0;
        while (lp <= block.size()) {
            auto nl = block.find('\n', lp);
            auto line = block.substr(lp, nl == std::string::npos ? std::string::npos : nl - lp);
            if (line.rfind("id: ", 0) == 0) e.id = line.substr(4);
            else if (line.rfind("data: ", 0) == 0) e.data = line.substr(6);
            else if (line.rfind("data:", 0) == 0) e.data = line.substr(5);
            else if (line.rfind("retry: ", 0) == 0) e.retry = line.substr(7);
            if (nl == std::string::npos) break;
            lp = nl + 1;
        }
        out.push_back(e);
        pos = end + 2;
    }
    return out;
}

// Reads a streamed response on its own thread and collects its SSE events.
class sse_listener {
public:
    explicit sse_listener(http_client& c) : thread_([this, &c] {
        auto r = c.read([this](const std::string& piece) {
            std::lock_guard lock(m_);
            body_ += piece;
            cv_.notify_all();
        });
        std::lock_guard lock(m_);
        done_ = true;
        if (r) status_ = r->status;
        cv_.notify_all();
    }) {}
    ~sse_listener() { thread_.join(); }

    // Waits until an event whose data contains `needle` arrived.
    std::optional<sse_event> wait_for(const std::string& needle, std::chrono::milliseconds t = std::chrono::seconds(5)) {
        std::unique_lock lock(m_);
        std::optional<sse_event> found;
        cv_.wait_for(lock, t, [&] {
            for (auto& e : parse_sse(body_))
                if (e.data.find(needle) != std::string::npos) {
                    found = e;
                    return true;
                }
            return done_;
        });
        return found;
    }
    bool wait_done(std::chrono::milliseconds t = std::chrono::seconds(5)) {
        std::unique_lock lock(m_);
        return cv_.wait_for(lock, t, [&] { return done_; });
    }
    std::vector<sse_event> events() {
        std::lock_guard lock(m_);
        return parse_sse(body_);
    }

private:
    std::mutex m_;
    std::condition_variable cv_;
    std::string body_;
    bool done_ = false;
    unsigned status_ = 0;
    std::thread thread_;
};

json body_json(const http_reply& r) { return json::parse(r.body); }

}  // namespace

TEST_CASE("streamable http: initialize mints a 128-bit session id that later requests must carry",
          "[streamable_http]") {
    http_fixture f;
    http_client c(f.port);
    c.send(post_request(initialize_body()));
    auto r = c.read();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->field("content-type") == "application/json");
    auto sid = r->field("mcp-session-id");
    REQUIRE(sid.size() == 32);
    for (char ch : sid) CHECK((ch >= 0x21 && ch <= 0x7e));
    auto init = body_json(*r);
    CHECK(init["result"]["protocolVersion"] == "2025-11-25");
    CHECK(init["result"]["capabilities"]["resources"]["subscribe"] == true);
    CHECK(init["result"]["capabilities"].contains("prompts"));
    CHECK(init["result"]["capabilities"].contains("completions"));

    // A second initialize gets another session.
    c.send(post_request(initialize_body()));
    auto r2 = c.read();
    REQUIRE(r2);
    CHECK(r2->field("mcp-session-id") != sid);
    CHECK(f.srv.transport().session_count() == 2);

    c.send(post_request(request_body(2, "tools/list")));
    auto missing = c.read();
    REQUIRE(missing);
    CHECK(missing->status == 400);
    CHECK(body_json(*missing)["error"]["message"].get<std::string>().find("Mcp-Session-Id") != std::string::npos);

    c.send(post_request(request_body(3, "tools/list"), std::string(32, 'a')));
    auto unknown = c.read();
    REQUIRE(unknown);
    CHECK(unknown->status == 404);
    CHECK(f.logged("404 Not Found"));
    CHECK_FALSE(f.logged(sid));  // session ids are secrets: never logged
}

TEST_CASE("streamable http: an unsupported protocol version in initialize gets the server's counter-offer",
          "[streamable_http]") {
    http_fixture f;
    http_client c(f.port);
    auto body = json::parse(initialize_body());
    body["params"]["protocolVersion"] = "1999-01-01";
    c.send(post_request(body.dump()));
    auto r = c.read();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(body_json(*r)["result"]["protocolVersion"] == "2025-11-25");
}

TEST_CASE("streamable http: a plain answer is JSON, notifications and responses get 202", "[streamable_http]") {
    http_fixture f;
    http_client c(f.port);
    auto sid = open_session(c);
    c.send(post_request(call_body(2, "echo", {{"text", "hi"}}), sid, "Accept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2025-11-25\r\n"));
    auto r = c.read();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->field("content-type") == "application/json");
    CHECK(body_json(*r)["result"]["content"][0]["text"] == "hi");

    c.send(post_request(R"({"jsonrpc":"2.0","id":99,"result":{}})", sid));  // a response nobody awaits
    auto a = c.read();
    REQUIRE(a);
    CHECK(a->status == 202);
    CHECK(a->body.empty());
}

TEST_CASE("streamable http: a handler that speaks before answering turns the POST into an SSE stream",
          "[streamable_http]") {
    http_fixture f;
    http_client c(f.port);
    auto sid = open_session(c);
    c.send(post_request(call_body(2, "chatty"), sid));
    auto r = c.read();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->field("content-type") == "text/event-stream");
    auto events = parse_sse(r->body);
    REQUIRE(events.size() == 3);
    CHECK(!events[0].id.empty());  // priming: an id and empty data
    CHECK(events[0].data.empty());
    CHECK(events[0].retry == "1000");
    CHECK(json::parse(events[1].data)["method"] == "notifications/message");
    CHECK(json::parse(events[2].data)["result"]["content"][0]["text"] == "done");
    CHECK(events[1].id != events[2].id);
}

TEST_CASE("streamable http: an elicitation travels on the request's stream and the POSTed answer resumes the handler",
          "[streamable_http]") {
    http_fixture f;
    http_client c(f.port);
    auto sid = open_session(c, {{"elicitation", json::object()}});
    c.send(post_request(call_body(2, "ask"), sid));
    sse_listener stream(c);
    auto ask = stream.wait_for("elicitation/create");
    REQUIRE(ask);
    auto req = json::parse(ask->data);
    CHECK(req["params"]["mode"] == "form");
    CHECK(req["params"]["requestedSchema"]["required"][0] == "name");

    http_client answer(f.port);
    answer.send(post_request(
        json{{"jsonrpc", "2.0"}, {"id", req["id"]}, {"result", {{"action", "accept"}, {"content", {{"name", "Ada"}}}}}}
            .dump(),
        sid));
    auto ack = answer.read();
    REQUIRE(ack);
    CHECK(ack->status == 202);
    auto done = stream.wait_for("accept Ada");
    REQUIRE(done);
    CHECK(json::parse(done->data)["id"] == 2);
}

TEST_CASE("streamable http: a request to the client is refused when the client did not declare the capability",
          "[streamable_http]") {
    http_fixture f;
    http_client c(f.port);
    auto sid = open_session(c);  // no elicitation capability
    c.send(post_request(call_body(2, "ask"), sid));
    auto r = c.read();
    REQUIRE(r);
    CHECK(r->field("content-type") == "application/json");  // nothing was sent to the client first
    auto text = body_json(*r)["result"]["content"][0]["text"].get<std::string>();
    CHECK(text.find("did not declare") != std::string::npos);
    CHECK(f.logged("'elicitation' capability"));
}

TEST_CASE("streamable http: an unanswered request to the client times out and is cancelled", "[streamable_http]") {
    http_fixture f;
    http_client c(f.port);
    auto sid = open_session(c, {{"sampling", json::object()}});
    c.send(post_request(call_body(2, "sample_quickly"), sid));
    auto r = c.read();
    REQUIRE(r);
    auto events = parse_sse(r->body);
    REQUIRE(events.size() == 4);  // priming, the request, its cancellation, the result
    auto sampling = json::parse(events[1].data);
    CHECK(sampling["method"] == "sampling/createMessage");
    auto cancelled = json::parse(events[2].data);
    CHECK(cancelled["method"] == "notifications/cancelled");
    CHECK(cancelled["params"]["requestId"] == sampling["id"]);
    CHECK(json::parse(events[3].data)["result"]["content"][0]["text"].get<std::string>().find("in time") !=
          std::string::npos);
}

TEST_CASE("streamable http: a stream the handler closes resumes from Last-Event-ID (SEP-1699)", "[streamable_http]") {
    http_fixture f;
    http_client c(f.port);
    auto sid = open_session(c);
    c.send(post_request(call_body(2, "poll"), sid));
    auto first = c.read();  // ends early, cleanly (a complete chunked body)
    REQUIRE(first);
    auto events = parse_sse(first->body);
    REQUIRE(events.size() == 2);  // priming and "before the break"
    CHECK(events[1].data.find("before the break") != std::string::npos);

    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the rest arrives meanwhile and is stored
    http_client again(f.port);
    again.send(polymcp::test::make_request(
        "GET", "/mcp", {},
        "Accept: text/event-stream\r\nMcp-Session-Id: " + sid + "\r\nLast-Event-ID: " + events[0].id + "\r\n"));
    auto resumed = again.read();
    REQUIRE(resumed);
    INFO(resumed->body);
    CHECK(resumed->status == 200);
    auto rest = parse_sse(resumed->body);
    // Replayed after the priming id: both log messages and the result, not the priming event.
    REQUIRE(rest.size() == 3);
    CHECK(rest[0].data.find("before the break") != std::string::npos);
    CHECK(rest[1].data.find("after the break") != std::string::npos);
    CHECK(json::parse(rest[2].data)["result"]["content"][0]["text"] == "polled");

    // The stream ended with its response; resuming again is a clear error.
    http_client late(f.port);
    late.send(polymcp::test::make_request("GET", "/mcp", {},
                                          "Mcp-Session-Id: " + sid + "\r\nLast-Event-ID: " + rest[2].id + "\r\n"));
    auto gone = late.read();
    REQUIRE(gone);
    CHECK(gone->status == 400);
}

TEST_CASE("streamable http: the GET stream carries resource updates; a second one gets 409", "[streamable_http]") {
    http_fixture f;
    http_client c(f.port);
    auto sid = open_session(c);
    c.send(post_request(request_body(2, "resources/subscribe", {{"uri", "file:///readme.md"}}), sid));
    REQUIRE(c.read()->status == 200);

    http_client g(f.port);
    g.send(polymcp::test::make_request("GET", "/mcp", {}, "Accept: text/event-stream\r\nMcp-Session-Id: " + sid + "\r\n"));
    sse_listener stream(g);
    REQUIRE(stream.wait_for("").has_value());  // the priming event: the stream is attached
    f.srv.core().resources()->notify_updated("file:///other");  // not subscribed: not sent
    f.srv.core().resources()->notify_updated("file:///readme.md");
    auto ev = stream.wait_for("notifications/resources/updated");
    REQUIRE(ev);
    CHECK(json::parse(ev->data)["params"]["uri"] == "file:///readme.md");
    CHECK(stream.events().size() == 2);

    http_client second(f.port);
    second.send(polymcp::test::make_request("GET", "/mcp", {}, "Mcp-Session-Id: " + sid + "\r\n"));
    auto conflict = second.read();
    REQUIRE(conflict);
    CHECK(conflict->status == 409);

    // DELETE ends the session and its streams; later requests get 404.
    http_client d(f.port);
    d.send(polymcp::test::make_request("DELETE", "/mcp", {}, "Mcp-Session-Id: " + sid + "\r\n"));
    auto del = d.read();
    REQUIRE(del);
    CHECK(del->status == 200);
    CHECK(stream.wait_done());
    c.send(post_request(request_body(3, "ping"), sid));
    auto after = c.read();
    REQUIRE(after);
    CHECK(after->status == 404);
}

TEST_CASE("streamable http: header rules answer 415, 406, 400 and 405 with a JSON-RPC error body",
          "[streamable_http]") {
    http_fixture f;
    http_client c(f.port);
    auto sid = open_session(c);
    auto expect = [&](const std::string& raw, unsigned status, const std::string& words) {
        c.send(raw);
        auto r = c.read();
        REQUIRE(r);
        CHECK(r->status == status);
        INFO(r->body);
        CHECK(r->body.find(words) != std::string::npos);
    };
    expect(post_request(request_body(2, "ping"), sid, "Accept: application/json, text/event-stream\r\n", "text/plain"),
           415, "application/json");
    expect(post_request(request_body(2, "ping"), sid, "Accept: text/html\r\n"), 406, "text/event-stream");
    expect(post_request(request_body(2, "ping"), sid, "Accept: */*\r\nMCP-Protocol-Version: 2099-01-01\r\n"), 400,
           "MCP-Protocol-Version");
    expect(post_request("{\"jsonrpc\": \"2.0\", \"id\": ", sid), 400, "-32700");
    expect(post_request(R"({"jsonrpc":"2.0","id":5})", sid), 400, "-32600");
    expect(polymcp::test::make_request("PUT", "/mcp", "{}", "Mcp-Session-Id: " + sid + "\r\n"), 405,
           "POST, GET and DELETE");
    expect(polymcp::test::make_request("GET", "/mcp", {}, "Accept: application/json\r\nMcp-Session-Id: " + sid + "\r\n"),
           406, "text/event-stream");
    c.send(polymcp::test::make_request("GET", "/other", {}, ""));
    auto other = c.read();
    REQUIRE(other);
    CHECK(other->status == 404);
    // The session survived all of it.
    c.send(post_request(request_body(9, "ping"), sid));
    auto ok = c.read();
    REQUIRE(ok);
    CHECK(ok->status == 200);
}

// The status of an initialize sent with exactly these Host/Origin header lines.
static unsigned initialize_status(unsigned short port, const std::string& headers) {
    http_client c(port);
    c.send("POST /mcp HTTP/1.1\r\n" + headers + "Content-Type: application/json\r\nContent-Length: " +
           std::to_string(initialize_body().size()) + "\r\n\r\n" + initialize_body());
    return c.read()->status;
}

TEST_CASE("streamable http: DNS-rebinding protection rejects foreign Origin and Host values", "[streamable_http]") {
    SECTION("defaults: loopback only") {
        http_fixture f;
        auto try_init = [&](const std::string& headers) { return initialize_status(f.port, headers); };
        CHECK(try_init("Host: evil.example.com\r\n") == 403);
        CHECK(try_init("Host: localhost\r\nOrigin: http://evil.example.com\r\n") == 403);
        CHECK(try_init("Host: localhost\r\nOrigin: null\r\n") == 403);
        CHECK(try_init("Host: localhost:8080\r\nOrigin: http://localhost:8080\r\n") == 200);
        CHECK(try_init("Host: [::1]:8080\r\nOrigin: https://127.0.0.1\r\n") == 200);
        CHECK(try_init("Host: 127.0.0.1\r\n") == 200);
        CHECK(try_init("Host: [::ffff:127.0.0.1]:8080\r\n") == 200);
        CHECK(f.logged("403 Forbidden"));
        // Loopback is decided from IP literals and exact names: names that look like them are names.
        for (const char* host : {"127.evil.example", "127.0.0.1.evil.example", "127.1", "localhost.evil.example",
                                 "127.0.0.1:8080@evil.example", "[::1].evil.example", "0x7f.0.0.1", "2130706433"}) {
            INFO(host);
            CHECK(try_init("Host: " + std::string(host) + "\r\n") == 403);
            CHECK(try_init("Host: localhost\r\nOrigin: http://" + std::string(host) + "\r\n") == 403);
        }
    }
    SECTION("the application's own routes get the same checks") {
        polymcp::streamable_http_options o;
        o.fallback = [](polymcp::http::request, std::shared_ptr<polymcp::http::responder> res) {
            res->respond(polymcp::http::response::with_body(200, "text/plain", "api"));
        };
        http_fixture f(o);
        auto status = [&](const std::string& headers) {
            http_client c(f.port);
            c.send("GET /api/things HTTP/1.1\r\n" + headers + "\r\n");
            return c.read()->status;
        };
        CHECK(status("Host: localhost\r\n") == 200);
        CHECK(status("Host: 127.evil.example\r\n") == 403);
        CHECK(status("Host: localhost\r\nOrigin: http://evil.example.com\r\n") == 403);
        CHECK(status("Host: localhost\r\nOrigin: http://localhost:3000\r\n") == 200);
    }
    SECTION("an explicit allow-list") {
        polymcp::streamable_http_options o;
        o.allowed_origins = {"https://app.example.com"};
        o.allowed_hosts = {"mcp.example.com"};
        http_fixture f(o);
        auto try_init = [&](const std::string& headers) { return initialize_status(f.port, headers); };
        CHECK(try_init("Host: mcp.example.com\r\nOrigin: https://app.example.com\r\n") == 200);
        CHECK(try_init("Host: mcp.example.com\r\nOrigin: http://localhost\r\n") == 403);
        CHECK(try_init("Host: localhost\r\n") == 403);
    }
}

TEST_CASE("streamable http: an invalid or refused initialize creates no session and gets 400",
          "[streamable_http]") {
    http_fixture f;
    for (std::string body :
         {R"({"jsonrpc":"2.0","id":null,"method":"initialize","params":{}})",
          R"({"jsonrpc":"2.0","method":"initialize","params":{}})",
          R"({"jsonrpc":"1.0","id":1,"method":"initialize","params":{}})",
          R"({"jsonrpc":"2.0","id":{"a":1},"method":"initialize","params":{}})",
          R"({"jsonrpc":"2.0","id":1,"method":"initialize"})",
          R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25"}})"}) {
        INFO(body);
        http_client c(f.port);
        c.send(post_request(body));
        auto r = c.read();
        REQUIRE(r);
        CHECK(r->status == 400);
        CHECK(r->field("mcp-session-id").empty());
        auto j = body_json(*r);
        CHECK(j.contains("error"));
    }
    // None of them left a session behind: a well-formed initialize still works and gets its own.
    http_client c(f.port);
    auto sid = open_session(c);
    CHECK_FALSE(sid.empty());
}

TEST_CASE("streamable http: text a client sent never makes an answer fail, and is not logged", "[streamable_http]") {
    http_fixture f;
    // Invalid UTF-8 in the Mcp-Method header of a stateless request is quoted back, replaced, in a 400.
    const json meta = {{"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
                       {"io.modelcontextprotocol/clientCapabilities", json::object()}};
    const std::string body = json{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "tools/list"}, {"params", {{"_meta", meta}}}}.dump();
    http_client c(f.port);
    c.send(post_request(body, {},
                        "Accept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2026-07-28\r\n"
                        "Mcp-Method: tools/\xff\xfe-secret-value\r\n"));
    auto r = c.read();
    REQUIRE(r);
    CHECK(r->status == 400);
    auto j = body_json(*r);
    CHECK(j["error"]["code"] == -32020);
    CHECK(f.logged("400"));
    CHECK_FALSE(f.logged("secret-value"));  // rejection lines carry no header values
}

TEST_CASE("streamable http: resources, templates, prompts and completion", "[streamable_http]") {
    http_fixture f;
    http_client c(f.port);
    auto sid = open_session(c);
    auto call = [&](const std::string& method, json params) {
        static int id = 100;
        c.send(post_request(request_body(++id, method, std::move(params)), sid));
        auto r = c.read();
        REQUIRE(r);
        REQUIRE(r->status == 200);
        return body_json(*r);
    };
    auto list = call("resources/list", json::object());
    REQUIRE(list["result"]["resources"].size() == 1);
    CHECK(list["result"]["resources"][0]["uri"] == "file:///readme.md");
    CHECK(list["result"]["resources"][0]["mimeType"] == "text/markdown");
    auto templates = call("resources/templates/list", json::object());
    CHECK(templates["result"]["resourceTemplates"][0]["uriTemplate"] == "items://{id}/detail");

    auto read = call("resources/read", {{"uri", "items://42/detail"}});
    CHECK(read["result"]["contents"][0]["text"] == "item 42");
    CHECK(read["result"]["contents"][0]["uri"] == "items://42/detail");
    auto missing = call("resources/read", {{"uri", "items://42/other"}});
    CHECK(missing["error"]["code"] == -32002);
    CHECK(missing["error"]["data"]["uri"] == "items://42/other");

    auto prompts = call("prompts/list", json::object());
    auto args = prompts["result"]["prompts"][0]["arguments"];
    REQUIRE(args.size() == 2);
    CHECK(args[0] == json{{"name", "mood"}, {"required", false}});
    CHECK(args[1] == json{{"name", "name"}, {"required", true}});
    auto got = call("prompts/get", {{"name", "greet"}, {"arguments", {{"name", "Ada"}, {"mood", "glad"}}}});
    CHECK(got["result"]["messages"][0]["content"]["text"] == "Hello Ada, glad");
    auto no_name = call("prompts/get", {{"name", "greet"}, {"arguments", json::object()}});
    CHECK(no_name["error"]["code"] == -32602);
    CHECK(no_name["error"]["message"].get<std::string>().find("name") != std::string::npos);

    auto comp = call("completion/complete",
                     {{"ref", {{"type", "ref/resource"}, {"uri", "items://{id}/detail"}}},
                      {"argument", {{"name", "id"}, {"value", "ap"}}}});
    CHECK(comp["result"]["completion"]["values"] == json{"apple", "apricot"});
    CHECK(comp["result"]["completion"]["total"] == 2);
    CHECK(comp["result"]["completion"]["hasMore"] == false);
    auto comp2 = call("completion/complete", {{"ref", {{"type", "ref/prompt"}, {"name", "greet"}}},
                                             {"argument", {{"name", "mood"}, {"value", "h"}}}});
    CHECK(comp2["result"]["completion"]["values"] == json{"happy", "hopeful"});
}

TEST_CASE("streamable http: an idle session expires", "[streamable_http]") {
    polymcp::streamable_http_options o;
    o.session_idle_timeout = std::chrono::milliseconds(100);
    http_fixture f(o);
    http_client c(f.port);
    auto sid = open_session(c);
    CHECK(f.srv.transport().session_count() == 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    CHECK(f.srv.transport().session_count() == 0);
    c.send(post_request(request_body(2, "ping"), sid));
    CHECK(c.read()->status == 404);
}

TEST_CASE("streamable http: max_sessions bounds initialize with 503", "[streamable_http]") {
    polymcp::streamable_http_options o;
    o.max_sessions = 1;
    http_fixture f(o);
    http_client c(f.port);
    open_session(c);
    c.send(post_request(initialize_body()));
    auto r = c.read();
    REQUIRE(r);
    CHECK(r->status == 503);
    CHECK(r->body.find("max_sessions") != std::string::npos);
}

TEST_CASE("streamable http: on_shutdown stops the application's own work, after the sessions, so that run returns",
          "[streamable_http][shutdown]") {
    // The application's own work on the server's io_context: a timer that would keep it busy for an hour.
    std::shared_ptr<asio::steady_timer> own;
    std::atomic<int> sessions_at_shutdown{-1};
    std::atomic<bool> returned{false};
    polymcp::server<polymcp::streamable_http_transport>* srv_ptr = nullptr;
    polymcp::streamable_http_options o;
    o.handle_signals = false;
    o.on_shutdown = [&] {
        sessions_at_shutdown = static_cast<int>(srv_ptr->transport().session_count());
        own->cancel();
    };
    polymcp::server<polymcp::streamable_http_transport> srv({}, test_features(),
                                                            polymcp::streamable_http_transport(std::move(o)));
    srv_ptr = &srv;
    own = std::make_shared<asio::steady_timer>(srv.core().io(), std::chrono::hours(1));
    own->async_wait([own](std::error_code) {});
    std::thread runner([&] {
        srv.run();
        returned = true;
    });
    unsigned short port = 0;
    for (int i = 0; i < 500 && port == 0; ++i) {
        port = srv.transport().local_endpoint().port();
        if (!port) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    REQUIRE(port != 0);
    http_client c(port);
    open_session(c);
    srv.transport().stop();
    for (int i = 0; i < 1000 && !returned; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(returned);
    CHECK(sessions_at_shutdown == 0);
    if (!returned) asio::post(srv.core().io(), [own] { own->cancel(); });  // let the test end anyway
    runner.join();
    own.reset();  // the timer must not outlive the server's io_context
}

// ---- MCP 2026-07-28: stateless requests beside sessions ----------------------

namespace {
json modern_meta(json capabilities = json::object()) {
    return {{"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
            {"io.modelcontextprotocol/clientCapabilities", std::move(capabilities)},
            {"io.modelcontextprotocol/clientInfo", {{"name", "test"}, {"version", "1"}}}};
}
std::string modern_body(int id, const std::string& method, json params = json::object(), json meta = modern_meta()) {
    params["_meta"] = std::move(meta);
    return request_body(id, method, std::move(params));
}
std::string modern_headers(const std::string& method, const std::string& name = {},
                           const std::string& version = "2026-07-28") {
    std::string h = "Accept: application/json, text/event-stream\r\n";
    if (!version.empty()) h += "MCP-Protocol-Version: " + version + "\r\n";
    if (!method.empty()) h += "Mcp-Method: " + method + "\r\n";
    if (!name.empty()) h += "Mcp-Name: " + name + "\r\n";
    return h;
}
}  // namespace

TEST_CASE("streamable http: a 2026-07-28 request is served without a session, beside a 2025-11-25 session",
          "[streamable_http][stateless]") {
    http_fixture f;
    http_client legacy(f.port), modern(f.port);
    auto sid = open_session(legacy);
    modern.send(post_request(modern_body(7, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "hi"}}}}), {},
                             modern_headers("tools/call", "echo")));
    auto r = modern.read();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->field("mcp-session-id").empty());
    auto j = json::parse(r->body);
    CHECK(j["id"] == 7);
    CHECK(j["result"]["content"][0]["text"] == "hi");
    CHECK(j["result"]["resultType"] == "complete");
    CHECK(f.srv.transport().session_count() == 1);  // only the 2025-11-25 one
    // The session goes on working, by its own rules.
    legacy.send(post_request(call_body(8, "echo", {{"text", "old"}}), sid));
    auto l = legacy.read();
    REQUIRE(l);
    CHECK(json::parse(l->body)["result"]["content"][0]["text"] == "old");
    // A name outside plain ASCII travels base64-encoded.
    modern.send(post_request(modern_body(9, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "b64"}}}}), {},
                             modern_headers("tools/call", "=?base64?ZWNobw==?=")));
    auto b = modern.read();
    REQUIRE(b);
    CHECK(b->status == 200);
    CHECK(json::parse(b->body)["result"]["content"][0]["text"] == "b64");
}

TEST_CASE("streamable http: stateless requests with bad headers or _meta get 400, unknown methods 404",
          "[streamable_http][stateless]") {
    http_fixture f;
    http_client c(f.port);
    auto expect = [&](const std::string& body, const std::string& headers, unsigned status, int code) {
        c.send(post_request(body, {}, headers));
        auto r = c.read();
        REQUIRE(r);
        CHECK(r->status == status);
        auto j = json::parse(r->body);
        CHECK(j["error"]["code"] == code);
        CHECK(j["id"] == 3);  // errors keep the request's id
        return j;
    };
    const auto list = modern_body(3, "tools/list");
    SECTION("no MCP-Protocol-Version header") { expect(list, modern_headers("tools/list", {}, ""), 400, -32020); }
    SECTION("a header that differs from _meta") {
        auto m = modern_meta();
        m["io.modelcontextprotocol/protocolVersion"] = "v999.0.0";
        expect(modern_body(3, "tools/list", json::object(), m), modern_headers("tools/list"), 400, -32020);
    }
    SECTION("_meta without clientCapabilities") {
        auto m = modern_meta();
        m.erase("io.modelcontextprotocol/clientCapabilities");
        expect(modern_body(3, "tools/list", json::object(), m), modern_headers("tools/list"), 400, -32602);
    }
    SECTION("a version this server does not speak") {
        auto m = modern_meta();
        m["io.modelcontextprotocol/protocolVersion"] = "2099-01-01";
        auto j = expect(modern_body(3, "tools/list", json::object(), m), modern_headers("tools/list", {}, "2099-01-01"),
                        400, -32022);
        CHECK(j["error"]["data"]["requested"] == "2099-01-01");
    }
    SECTION("Mcp-Method missing or different") {
        expect(list, modern_headers(""), 400, -32020);
        expect(list, modern_headers("prompts/list"), 400, -32020);
    }
    SECTION("Mcp-Name missing or different") {
        auto call = modern_body(3, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "x"}}}});
        expect(call, modern_headers("tools/call"), 400, -32020);
        expect(call, modern_headers("tools/call", "chatty"), 400, -32020);
    }
    SECTION("initialize and ping are not part of 2026-07-28") {
        expect(modern_body(3, "initialize"), modern_headers("initialize"), 404, -32601);
        expect(modern_body(3, "ping"), modern_headers("ping"), 404, -32601);
    }
}

TEST_CASE("streamable http: x-mcp-header parameters must come with matching Mcp-Param headers",
          "[streamable_http][stateless][x-mcp-header]") {
    http_fixture f;
    http_client c(f.port);
    auto call = [&](json args, const std::string& params) {
        c.send(post_request(modern_body(5, "tools/call", {{"name", "route"}, {"arguments", std::move(args)}}), {},
                            modern_headers("tools/call", "route") + params));
        auto r = c.read();
        REQUIRE(r);
        return std::make_pair(r->status, json::parse(r->body));
    };
    const json args = {{"region", "us-west1"}, {"priority", 42}, {"verbose", true}, {"query", "SELECT 1"}};
    SECTION("tools/list publishes the annotations") {
        c.send(post_request(modern_body(4, "tools/list"), {}, modern_headers("tools/list")));
        auto r = c.read();
        REQUIRE(r);
        const auto listed = json::parse(r->body);
        bool found = false;
        for (const auto& t : listed["result"]["tools"])
            if (t["name"] == "route") {
                found = true;
                CHECK(t["inputSchema"]["properties"]["region"]["x-mcp-header"] == "Region");
                CHECK(t["inputSchema"]["properties"]["priority"]["x-mcp-header"] == "Priority");
                CHECK_FALSE(t["inputSchema"]["properties"]["query"].contains("x-mcp-header"));
            }
        CHECK(found);
    }
    SECTION("matching headers: names in any case, an integer compared as a number, base64 decoded") {
        auto [status, j] = call(args, "mcp-param-region: =?base64?dXMtd2VzdDE=?=\r\nMcp-Param-Priority: 42.0\r\n"
                                      "MCP-PARAM-VERBOSE: true\r\n");
        CHECK(status == 200);
        CHECK(j["result"]["content"][0]["text"] == "us-west1:SELECT 1");
    }
    SECTION("absent parameters need no header; unknown Mcp-Param headers are ignored") {
        auto [status, j] = call({{"region", "eu"}, {"query", "q"}, {"verbose", nullptr}},
                                "Mcp-Param-Region: eu\r\nMcp-Param-Other: whatever\r\n");
        CHECK(status == 200);
        CHECK(j["result"]["content"][0]["text"] == "eu:q");
    }
    SECTION("a value in the body without its header") {
        auto [status, j] = call(args, "Mcp-Param-Region: us-west1\r\nMcp-Param-Verbose: true\r\n");
        CHECK(status == 400);
        CHECK(j["error"]["code"] == -32020);
        CHECK(j["error"]["message"].get<std::string>().find("Mcp-Param-Priority") != std::string::npos);
        CHECK(j["id"] == 5);
    }
    SECTION("a header that differs from the body") {
        auto [status, j] = call(args, "Mcp-Param-Region: us-east1\r\nMcp-Param-Priority: 42\r\nMcp-Param-Verbose: true\r\n");
        CHECK(status == 400);
        CHECK(j["error"]["code"] == -32020);
        CHECK(j["error"]["message"].get<std::string>().find("us-east1") != std::string::npos);
    }
    SECTION("malformed base64: a missing pad or characters outside the alphabet") {
        for (const char* v : {"=?base64?dXMtd2VzdDE?=", "=?base64?dXMt!!d2VzdDE=?="}) {
            auto [status, j] = call(args, std::string("Mcp-Param-Region: ") + v +
                                              "\r\nMcp-Param-Priority: 42\r\nMcp-Param-Verbose: true\r\n");
            CHECK(status == 400);
            CHECK(j["error"]["code"] == -32020);
        }
    }
    SECTION("a value without the whole sentinel is literal text") {
        auto [status, j] = call({{"region", "=?base64?ZXU="}, {"query", "q"}}, "Mcp-Param-Region: =?base64?ZXU=\r\n");
        CHECK(status == 200);
    }
    SECTION("a 2025-11-25 session does not mirror parameters") {
        http_client legacy(f.port);
        auto sid = open_session(legacy);
        legacy.send(post_request(call_body(6, "route", args), sid));
        auto r = legacy.read();
        REQUIRE(r);
        CHECK(json::parse(r->body)["result"]["content"][0]["text"] == "us-west1:SELECT 1");
    }
}

TEST_CASE("streamable http: progress of a stateless request streams on its own response", "[streamable_http][stateless]") {
    http_fixture f;
    http_client c(f.port);
    auto m = modern_meta();
    m["io.modelcontextprotocol/logLevel"] = "info";
    c.send(post_request(modern_body(4, "tools/call", {{"name", "chatty"}, {"arguments", json::object()}}, m), {},
                        modern_headers("tools/call", "chatty")));
    auto r = c.read();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->field("content-type") == "text/event-stream");
    auto events = parse_sse(r->body);
    REQUIRE(events.size() >= 2);
    CHECK(events.front().id.empty());  // no event ids: streams are not resumable in 2026-07-28
    CHECK(json::parse(events.front().data)["method"] == "notifications/message");
    auto last = json::parse(events.back().data);
    CHECK(last["id"] == 4);
    CHECK(last["result"]["resultType"] == "complete");
}

TEST_CASE("streamable http: subscriptions/listen acknowledges, tags and filters, and ends with the server",
          "[streamable_http][stateless][listen]") {
    http_fixture f;
    http_client c(f.port);
    c.send(post_request(modern_body(11, "subscriptions/listen",
                                    {{"notifications", {{"resourceSubscriptions", {"file:///readme.md"}}}}}),
                        {}, modern_headers("subscriptions/listen")));
    sse_listener stream(c);
    auto ack = stream.wait_for("notifications/subscriptions/acknowledged");
    REQUIRE(ack);
    CHECK(stream.events().size() == 1);  // the acknowledgement comes first
    auto a = json::parse(ack->data);
    CHECK(a["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"] == 11);
    CHECK(a["params"]["notifications"] == json({{"resourceSubscriptions", {"file:///readme.md"}}}));
    f.srv.core().resources()->notify_updated("file:///other");  // not asked for: not sent
    f.srv.core().resources()->notify_updated("file:///readme.md");
    auto ev = stream.wait_for("notifications/resources/updated");
    REQUIRE(ev);
    auto u = json::parse(ev->data);
    CHECK(u["params"]["uri"] == "file:///readme.md");
    CHECK(u["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"] == 11);
    CHECK(stream.events().size() == 2);
    // Shutting down ends the stream with the listen's result.
    f.srv.transport().stop();
    CHECK(stream.wait_done());
    auto last = json::parse(stream.events().back().data);
    CHECK(last["id"] == 11);
    CHECK(last["result"]["_meta"]["io.modelcontextprotocol/subscriptionId"] == 11);
}
