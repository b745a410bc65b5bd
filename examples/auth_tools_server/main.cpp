// auth_tools_server: tool-level authentication (docs/auth.md, "Tool-level
// auth"), the pattern of a chat-service MCP server: the MCP client signs the
// *session* in by calling `authenticate` with the chat service's URL and an
// API token; the server checks them against the service over HTTP, keeps
// them in memory for that session only, and only then shows and runs the
// chat tools. A callback "reconnects the event stream" after each sign-in.
//
// The chat service is real HTTP too: this program starts a tiny one on
// loopback (GET /api/v4/users/me, POST /api/v4/posts, Bearer tokens), so
// that the example runs alone. Point --chat-url elsewhere to skip it.
//
// Run:  auth_tools_server --port 3002     # MCP at http://127.0.0.1:3002/mcp
//       auth_tools_server --stdio
// It prints the chat service's URL and a demo token on stderr.

#include <polymcp/tool_auth/sign_in.hpp>
#include <polymcp/http/server.hpp>
#include <polymcp/polymcp.hpp>
#include <polymcp/transport/streamable_http.hpp>

#include <curl/curl.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace {

// ---- the chat service (stands in for the third party) ----------------------

class chat_service {
public:
    explicit chat_service(std::string demo_token) : token_(std::move(demo_token)) {
        polymcp::http::server_options o;
        o.diagnostics = [](std::string_view) {};
        http_ = std::make_unique<polymcp::http::server>(io_, o, [this](auto req, auto res) { handle(req, res); });
        http_->listen();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~chat_service() {
        asio::post(io_, [this] { http_->stop(); });
        thread_.join();
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(http_->local_endpoint().port()); }

private:
    void handle(const polymcp::http::request& req, const std::shared_ptr<polymcp::http::responder>& res) {
        auto auth = req.fields.get("Authorization");
        if (!auth || *auth != "Bearer " + token_)
            return res->respond(polymcp::http::response::with_body(401, "application/json",
                                                                   R"({"message":"invalid or expired token"})"));
        if (req.method == "GET" && req.path() == "/api/v4/users/me")
            return res->respond(polymcp::http::response::with_body(
                200, "application/json", R"({"id":"u1","username":"alice","team":"polymcp"})"));
        if (req.method == "POST" && req.path() == "/api/v4/posts") {
            auto body = nlohmann::json::parse(req.body, nullptr, false);
            std::lock_guard lock(mu_);
            auto id = "post-" + std::to_string(++posts_);
            return res->respond(polymcp::http::response::with_body(
                201, "application/json",
                nlohmann::json{{"id", id}, {"message", body.is_object() ? body.value("message", "") : ""}}.dump()));
        }
        res->respond(polymcp::http::response::error(404));
    }

    std::string token_;
    asio::io_context io_;
    std::unique_ptr<polymcp::http::server> http_;
    std::thread thread_;
    std::mutex mu_;
    int posts_ = 0;
};

// ---- a small blocking HTTP client on libcurl -----------------------------------

struct http_result {
    long status = 0;
    std::string body;
    std::string error;
};

http_result http_call(const std::string& method, const std::string& url, const std::string& token,
                      const std::string& body = {}) {
    http_result r;
    CURL* c = curl_easy_init();
    if (!c) return {0, {}, "libcurl failed"};
    struct curl_slist* h = nullptr;
    std::string auth = "Authorization: Bearer " + token;
    h = curl_slist_append(h, auth.c_str());
    h = curl_slist_append(h, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    if (method == "POST") curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, +[](char* p, size_t s, size_t n, void* u) {
        static_cast<std::string*>(u)->append(p, s * n);
        return s * n;
    });
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) r.error = curl_easy_strerror(rc);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return r;
}

// ---- the MCP server ------------------------------------------------------------

struct chat_login {
    BOOST_HANA_DEFINE_STRUCT(chat_login, (std::string, url), (std::string, token));
};
}  // namespace

template <>
struct polymcp::describe<chat_login> {
    static constexpr const char* description = "Credentials of the chat service";
    static polymcp::field_docs fields() {
        return {{"url", {.description = "Base URL of the chat service, e.g. http://127.0.0.1:8065", .format = "uri"}},
                {"token", {.description = "A personal API token of the chat service", .min_length = 1}}};
    }
};

namespace {
struct post_args {
    BOOST_HANA_DEFINE_STRUCT(post_args, (std::string, message));
};

using gate_type = polymcp::tool_auth::sign_in<chat_login>;

polymcp::tool_auth::verification verify(const chat_login& c) {
    if (c.url.rfind("http://", 0) != 0 && c.url.rfind("https://", 0) != 0)
        return polymcp::tool_auth::verification::failure("the url must start with http:// or https://");
    auto r = http_call("GET", c.url + "/api/v4/users/me", c.token);
    if (!r.error.empty()) return polymcp::tool_auth::verification::failure("the chat service is unreachable: " + r.error);
    if (r.status == 401) return polymcp::tool_auth::verification::failure("the chat service refused the token (HTTP 401)");
    if (r.status != 200)
        return polymcp::tool_auth::verification::failure("the chat service answered HTTP " + std::to_string(r.status));
    auto me = nlohmann::json::parse(r.body, nullptr, false);
    if (!me.is_object()) return polymcp::tool_auth::verification::failure("the chat service answered something that is not JSON");
    return polymcp::tool_auth::verification::success({{"username", me.value("username", "")}, {"team", me.value("team", "")}});
}

void add_chat_tools(polymcp::tool_registry& reg, std::shared_ptr<gate_type> gate) {
    reg.add(polymcp::tool<"get_me">("The signed-in chat user", [gate](polymcp::request_context& ctx) -> polymcp::call_tool_result {
                auto c = gate->credentials(ctx.session_id());
                if (!c) return polymcp::call_tool_result::error("Not authenticated: call 'authenticate'.");
                auto r = http_call("GET", c->url + "/api/v4/users/me", c->token);
                if (r.status != 200) return polymcp::call_tool_result::error("The chat service answered HTTP " + std::to_string(r.status));
                return polymcp::call_tool_result::text(r.body);
            }).blocking());
    reg.add(polymcp::tool<"post_message">("Posts a message to the chat", [gate](post_args a, polymcp::request_context& ctx) -> polymcp::call_tool_result {
                auto c = gate->credentials(ctx.session_id());
                if (!c) return polymcp::call_tool_result::error("Not authenticated: call 'authenticate'.");
                auto r = http_call("POST", c->url + "/api/v4/posts", c->token, nlohmann::json{{"message", a.message}}.dump());
                if (r.status != 201) return polymcp::call_tool_result::error("The chat service answered HTTP " + std::to_string(r.status));
                return polymcp::call_tool_result::text("Posted: " + r.body);
            }).blocking());
}

int usage() {
    std::fprintf(stderr, "usage: auth_tools_server (--port N [--host ADDRESS] | --stdio) [--chat-url URL]\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::optional<int> port;
    std::string host = "127.0.0.1", chat_url;
    bool stdio = false;
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
        } else if (a == "--chat-url") {
            auto v = value();
            if (!v) return usage();
            chat_url = v;
        } else if (a == "--stdio") {
            stdio = true;
        } else {
            return usage();
        }
    }
    if (stdio == port.has_value()) return usage();
    curl_global_init(CURL_GLOBAL_DEFAULT);

    std::unique_ptr<chat_service> chat;
    if (chat_url.empty()) {
        chat = std::make_unique<chat_service>("demo-token-7f3a9c");
        chat_url = chat->url();
        std::fprintf(stderr, "auth_tools_server: chat service at %s, demo token demo-token-7f3a9c\n", chat_url.c_str());
    }

    polymcp::server_options options{.info = {.name = "auth-tools-example", .version = "1.0.0"}};
    std::atomic<int> reconnects{0};
    auto gate = gate_type::create({.verify = verify, .diagnostics = options.diagnostics});
    gate->on_change([&reconnects](const polymcp::tool_auth::auth_change& c) {
        // A real server would (re)connect its event stream to the chat service here.
        if (c.authenticated)
            std::fprintf(stderr, "auth_tools_server: session %llu signed in as %s; event stream reconnected (%d)\n",
                         static_cast<unsigned long long>(c.session), c.identity.value("username", "?").c_str(),
                         ++reconnects);
        else
            std::fprintf(stderr, "auth_tools_server: session %llu signed out\n", static_cast<unsigned long long>(c.session));
    });
    auto registry = polymcp::make_dynamic_tool_registry();
    gate->register_tools(*registry);
    add_chat_tools(*registry, gate);
    options.gate = gate;

    if (stdio) {
        polymcp::server srv(options, registry);
        return srv.run() ? 1 : 0;
    }
    polymcp::streamable_http_options http;
    http.http.address = host;
    http.http.port = static_cast<std::uint16_t>(*port);
    http.on_listening = [](const asio::ip::tcp::endpoint& ep) {
        std::fprintf(stderr, "auth_tools_server: MCP at http://%s:%u/mcp\n", ep.address().to_string().c_str(),
                     static_cast<unsigned>(ep.port()));
    };
    polymcp::server<polymcp::streamable_http_transport> srv(options, registry, polymcp::streamable_http_transport(http));
    auto ec = srv.run();
    if (ec) std::fprintf(stderr, "auth_tools_server: %s\n", ec.message().c_str());
    return ec ? 1 : 0;
}
