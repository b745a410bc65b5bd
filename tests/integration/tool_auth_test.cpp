// Tool-level authentication (polymcp/tool_auth/sign_in.hpp) over real HTTP:
// gating of tools and resources per session, tools/list filtering,
// notifications/tools/list_changed on the session's GET stream, callbacks
// (a failing one does not fail the sign-in), logout, the end of a session,
// and the URL-mode elicitation path (URLElicitationRequiredError, then
// completion out of band).

#include <polymcp/tool_auth/sign_in.hpp>
#include <polymcp/polymcp.hpp>
#include <polymcp/transport/streamable_http.hpp>

#include "support/http_client.hpp"
#include "support/log_capture.hpp"
#include "support/running_server.hpp"

#include <catch2/catch.hpp>

#include <condition_variable>
#include <mutex>
#include <thread>

using nlohmann::json;
using polymcp::test::http_client;

namespace {

struct login {
    BOOST_HANA_DEFINE_STRUCT(login, (std::string, token));
};
using gate_type = polymcp::tool_auth::sign_in<login>;

struct tool_auth_fixture {
    polymcp::test::log_capture log;
    std::shared_ptr<gate_type> gate;
    std::atomic<int> signed_in{0}, signed_out{0};
    std::unique_ptr<polymcp::test::running_server> running;
    unsigned short port = 0;

    explicit tool_auth_fixture(bool url_mode = false) {
        gate = gate_type::create(
            {.verify = [](const login& l) {
                 if (l.token == "throw") throw std::runtime_error("verifier exploded with the token inside");
                 return l.token == "good-token-123" ? polymcp::tool_auth::verification::success({{"username", "alice"}})
                                                    : polymcp::tool_auth::verification::failure("unknown token");
             },
             .public_tools = {"help"},
             .public_resources = {"file:///public"},
             .elicitation_url = url_mode ? std::function<std::string(std::uint64_t, const std::string&)>(
                                               [](std::uint64_t s, const std::string& id) {
                                                   return "https://signin.example/start?session=" + std::to_string(s) + "&id=" + id;
                                               })
                                         : nullptr,
             .diagnostics = log.sink()});
        gate->on_change([this](const polymcp::tool_auth::auth_change& c) { ++(c.authenticated ? signed_in : signed_out); });
        gate->on_change([](const polymcp::tool_auth::auth_change& c) {
            if (c.authenticated) throw std::runtime_error("stream reconnect failed");
        });
        auto reg = polymcp::make_dynamic_tool_registry();
        gate->register_tools(*reg);
        reg->add(polymcp::tool<"help">("Public", [] { return std::string("help text"); }));
        reg->add(polymcp::tool<"secret">("Gated", [this](polymcp::request_context& ctx) {
            auto c = gate->credentials(ctx.session_id());
            return std::string("session ") + std::to_string(ctx.session_id()) + (c ? " signed in" : " ?");
        }));
        auto resources = polymcp::resources(
            polymcp::resource<"public">("file:///public", "Public", [] { return std::string("open"); }),
            polymcp::resource<"gated">("file:///gated", "Gated", [] { return std::string("closed"); }));
        polymcp::server_options so;
        so.gate = gate;
        so.diagnostics = log.sink();
        polymcp::streamable_http_options ho;
        ho.http.diagnostics = log.sink();
        running = std::make_unique<polymcp::test::running_server>(
            so, polymcp::server_features{reg, resources.make_registry(), nullptr}, ho);
        port = running->port();
    }
};

const std::string json_headers = "Accept: application/json, text/event-stream\r\nContent-Type: application/json\r\n";

struct mcp_session {
    unsigned short port;
    std::string sid;
    int next = 1;

    mcp_session(unsigned short p, json capabilities = json::object()) : port(p) {
        http_client c(port);
        c.send(polymcp::test::make_request(
            "POST", "/mcp",
            json{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "initialize"},
                 {"params", {{"protocolVersion", "2025-11-25"}, {"capabilities", capabilities},
                             {"clientInfo", {{"name", "t"}, {"version", "1"}}}}}}.dump(),
            json_headers));
        auto r = c.read();
        REQUIRE(r);
        sid = r->field("mcp-session-id");
        c.send(polymcp::test::make_request("POST", "/mcp", R"({"jsonrpc":"2.0","method":"notifications/initialized"})",
                                           json_headers + "Mcp-Session-Id: " + sid + "\r\n"));
        REQUIRE(c.read()->status == 202);
    }
    json request(const std::string& method, json params = json::object()) {
        http_client c(port);
        c.send(polymcp::test::make_request("POST", "/mcp",
                                           json{{"jsonrpc", "2.0"}, {"id", ++next}, {"method", method}, {"params", params}}.dump(),
                                           json_headers + "Mcp-Session-Id: " + sid + "\r\n"));
        auto r = c.read();
        REQUIRE(r);
        REQUIRE(r->status == 200);
        return json::parse(r->body);
    }
    json call(const std::string& tool, json args = json::object()) {
        return request("tools/call", {{"name", tool}, {"arguments", args}})["result"];
    }
    std::vector<std::string> tools() {
        std::vector<std::string> names;
        auto r = request("tools/list");
        INFO(r.dump());
        REQUIRE(r.contains("result"));
        for (const auto& t : r["result"]["tools"]) names.push_back(t["name"]);
        std::sort(names.begin(), names.end());
        return names;
    }
};

// The session's standalone GET stream, read on a thread.
class get_stream {
public:
    get_stream(unsigned short port, const std::string& sid) : c_(port) {
        c_.send(polymcp::test::make_request("GET", "/mcp", {}, "Accept: text/event-stream\r\nMcp-Session-Id: " + sid + "\r\n"));
        thread_ = std::thread([this] {
            c_.read([this](const std::string& piece) {
                std::lock_guard lock(m_);
                body_ += piece;
                cv_.notify_all();
            });
            std::lock_guard lock(m_);
            done_ = true;
            cv_.notify_all();
        });
        REQUIRE(wait_for("data: "));  // the priming event: attached
    }
    ~get_stream() {
        c_.close();
        thread_.join();
    }
    bool wait_for(const std::string& needle, std::chrono::milliseconds t = std::chrono::seconds(5)) {
        std::unique_lock lock(m_);
        return cv_.wait_for(lock, t, [&] { return body_.find(needle) != std::string::npos || done_; }) &&
               body_.find(needle) != std::string::npos;
    }
    std::size_t count(const std::string& needle) {
        std::lock_guard lock(m_);
        return count_locked(needle);
    }
    // Waits until `needle` appeared `n` times (the stream is read on its own thread).
    bool wait_count(const std::string& needle, std::size_t n, std::chrono::milliseconds t = std::chrono::seconds(5)) {
        std::unique_lock lock(m_);
        return cv_.wait_for(lock, t, [&] { return count_locked(needle) >= n || done_; }) && count_locked(needle) == n;
    }

private:
    std::size_t count_locked(const std::string& needle) const {
        std::size_t n = 0;
        for (auto p = body_.find(needle); p != std::string::npos; p = body_.find(needle, p + 1)) ++n;
        return n;
    }

    http_client c_;
    std::mutex m_;
    std::condition_variable cv_;
    std::string body_;
    bool done_ = false;
    std::thread thread_;
};

}  // namespace

TEST_CASE("tool_auth: a session is gated until authenticate succeeds, then the tools appear", "[auth][tool_auth]") {
    tool_auth_fixture f;
    mcp_session s(f.port);
    get_stream events(f.port, s.sid);

    CHECK(s.tools() == std::vector<std::string>{"authenticate", "get_auth_status", "help", "logout"});
    CHECK(s.call("help")["content"][0]["text"] == "help text");
    auto denied = s.call("secret");
    CHECK(denied["isError"] == true);
    CHECK(denied["content"][0]["text"].get<std::string>().find("call the tool 'authenticate' first") != std::string::npos);
    auto read = s.request("resources/read", {{"uri", "file:///gated"}});
    CHECK(read["error"]["code"] == -32004);
    CHECK(s.request("resources/read", {{"uri", "file:///public"}})["result"]["contents"][0]["text"] == "open");

    auto bad = s.call("authenticate", {{"token", "nope"}});
    CHECK(bad["isError"] == true);
    CHECK(bad["content"][0]["text"] == "Authentication failed: unknown token");
    auto threw = s.call("authenticate", {{"token", "throw"}});
    CHECK(threw["isError"] == true);
    CHECK(threw["content"][0]["text"].get<std::string>().find("throw") == std::string::npos);
    CHECK(f.signed_in == 0);
    CHECK(events.count("list_changed") == 0);

    auto ok = s.call("authenticate", {{"token", "good-token-123"}});
    CHECK_FALSE(ok.value("isError", false));
    CHECK(ok["structuredContent"]["identity"]["username"] == "alice");
    // One callback threw: reported, and the sign-in stands.
    CHECK(ok["structuredContent"]["warnings"].size() == 1);
    CHECK(f.log.logged("stream reconnect failed"));
    CHECK(f.signed_in == 1);
    CHECK(events.wait_for("notifications/tools/list_changed"));
    CHECK(s.tools() == std::vector<std::string>{"authenticate", "get_auth_status", "help", "logout", "secret"});
    CHECK(s.call("secret")["content"][0]["text"].get<std::string>().find("signed in") != std::string::npos);
    CHECK(s.request("resources/read", {{"uri", "file:///gated"}})["result"]["contents"][0]["text"] == "closed");
    auto status = s.call("get_auth_status")["structuredContent"];
    CHECK(status["authenticated"] == true);
    CHECK(status["identity"]["username"] == "alice");

    // Another session is not signed in.
    mcp_session other(f.port);
    CHECK(other.call("secret")["isError"] == true);

    // logout gates the session again and tells the client.
    CHECK(s.call("logout")["structuredContent"]["authenticated"] == false);
    CHECK(f.signed_out == 1);
    CHECK(s.call("secret")["isError"] == true);
    CHECK(s.tools() == std::vector<std::string>{"authenticate", "get_auth_status", "help", "logout"});
    CHECK(events.wait_count("list_changed", 2));
    CHECK_FALSE(f.log.logged("good-token-123"));
}

TEST_CASE("tool_auth: the end of a session forgets its sign-in", "[auth][tool_auth]") {
    tool_auth_fixture f;
    mcp_session s(f.port);
    s.call("authenticate", {{"token", "good-token-123"}});
    auto text = s.call("secret")["content"][0]["text"].get<std::string>();
    auto id = std::stoull(text.substr(std::string("session ").size()));
    CHECK(f.gate->authenticated(id));
    http_client d(f.port);
    d.send(polymcp::test::make_request("DELETE", "/mcp", {}, "Mcp-Session-Id: " + s.sid + "\r\n"));
    REQUIRE(d.read()->status == 200);
    for (int i = 0; i < 200 && f.gate->authenticated(id); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK_FALSE(f.gate->authenticated(id));
}

TEST_CASE("tool_auth: clients with URL-mode elicitation sign in out of band, never passing credentials through",
          "[auth][tool_auth]") {
    tool_auth_fixture f(/*url_mode=*/true);
    mcp_session s(f.port, {{"elicitation", {{"url", json::object()}}}});
    get_stream events(f.port, s.sid);
    auto r = s.request("tools/call", {{"name", "secret"}, {"arguments", json::object()}});
    REQUIRE(r.contains("error"));
    CHECK(r["error"]["code"] == -32042);
    const auto& e = r["error"]["data"]["elicitations"][0];
    CHECK(e["mode"] == "url");
    CHECK(e["url"].get<std::string>().rfind("https://signin.example/start?session=", 0) == 0);
    const std::string id = e["elicitationId"];
    CHECK(id.size() >= 32);

    // The user signs in on the page; the page completes the elicitation.
    CHECK_FALSE(f.gate->complete(id, {"wrong"}).ok);   // a failed check consumes the id
    r = s.request("tools/call", {{"name", "secret"}, {"arguments", json::object()}});
    const std::string id2 = r["error"]["data"]["elicitations"][0]["elicitationId"];
    CHECK(id2 != id);
    CHECK(f.gate->complete(id2, {"good-token-123"}).ok);
    CHECK(events.wait_for("notifications/elicitation/complete"));
    CHECK(events.wait_for(id2));
    CHECK(events.wait_for("notifications/tools/list_changed"));
    CHECK(s.call("secret")["content"][0]["text"].get<std::string>().find("signed in") != std::string::npos);
    CHECK_FALSE(f.gate->complete(id2, {"good-token-123"}).ok);  // used
    // A client without the capability still gets the plain message.
    mcp_session plain(f.port);
    CHECK(plain.call("secret")["content"][0]["text"].get<std::string>().find("authenticate") != std::string::npos);
}
