// Auth policies over real HTTP on loopback: API keys, JWT bearer tokens and
// the OAuth 2.1 resource server of the MCP authorization spec (RFC 9728
// metadata, RFC 6750 challenges, RFC 8707 audience), per-tool and
// per-resource scopes, the principal in the request context, and binding a
// session to the principal that opened it.

#include <polymcp/auth.hpp>
#include <polymcp/polymcp.hpp>
#include <polymcp/transport/streamable_http.hpp>

#include "support/http_client.hpp"
#include "support/jwt_signer.hpp"
#include "support/listening_process.hpp"
#include "support/log_capture.hpp"
#include "support/running_server.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <thread>

#include <unistd.h>

using nlohmann::json;
using polymcp::test::http_client;
using polymcp::test::unix_now;
namespace auth = polymcp::auth;

namespace {

struct whoami {
    BOOST_HANA_DEFINE_STRUCT(whoami, (std::string, subject), (std::string, tenant), (std::vector<std::string>, scopes),
                             (std::string, issuer));
};

polymcp::server_features auth_features() {
    auto tools = polymcp::tools(
        polymcp::tool<"whoami">("The caller's principal",
                                [](polymcp::request_context& ctx) {
                                    const auto& p = ctx.principal();
                                    return whoami{p.subject, p.tenant, p.scopes, p.issuer};
                                }),
        polymcp::tool<"delete_files">("Needs files:write", [] { return std::string("deleted"); })
            .scopes({"files:write"}));
    auto resources = polymcp::resources(
        polymcp::resource<"secret">("file:///secret", "Needs files:read", [] { return std::string("s3cr3t"); })
            .scopes({"files:read"}));
    return polymcp::features(tools, resources);
}

using polymcp::test::free_port;

struct auth_fixture {
    polymcp::test::log_capture log;
    polymcp::test::running_server running;
    unsigned short port;

    auth_fixture(polymcp::auth::any_auth policy, unsigned short fixed_port = 0, std::string address = "127.0.0.1")
        : running(options(log), auth_features(), http_options(log, fixed_port, address), std::move(policy)),
          port(running.port()) {}

private:
    static polymcp::server_options options(polymcp::test::log_capture& log) {
        polymcp::server_options o;
        o.diagnostics = log.sink();
        return o;
    }
    static polymcp::streamable_http_options http_options(polymcp::test::log_capture& log, unsigned short p,
                                                         const std::string& address) {
        polymcp::streamable_http_options o;
        o.http.port = p;
        o.http.address = address;
        o.http.max_field_bytes = 12 * 1024;  // above the 8 KiB token limit, so that the auth layer answers oversized tokens
        o.http.diagnostics = log.sink();
        return o;
    }
};

std::string initialize_body() {
    return json{{"jsonrpc", "2.0"},
                {"id", 1},
                {"method", "initialize"},
                {"params",
                 {{"protocolVersion", "2025-11-25"},
                  {"capabilities", json::object()},
                  {"clientInfo", {{"name", "test"}, {"version", "1"}}}}}}
        .dump();
}

std::string call_body(int id, const std::string& tool) {
    return json{{"jsonrpc", "2.0"}, {"id", id}, {"method", "tools/call"}, {"params", {{"name", tool}, {"arguments", json::object()}}}}
        .dump();
}

// A POST to `target` with extra header lines.
polymcp::test::http_reply post(unsigned short port, const std::string& body, const std::string& headers,
                               const std::string& target = "/mcp") {
    http_client c(port);
    c.send(polymcp::test::make_request("POST", target, body,
                                       "Accept: application/json, text/event-stream\r\nContent-Type: application/json\r\n" +
                                           headers));
    auto r = c.read();
    REQUIRE(r);
    return *r;
}

polymcp::test::http_reply get(unsigned short port, const std::string& target) {
    http_client c(port);
    c.send(polymcp::test::make_request("GET", target, "", ""));
    auto r = c.read();
    REQUIRE(r);
    return *r;
}

// initialize + initialized with `headers`; returns the session id.
std::string open_session(unsigned short port, const std::string& headers) {
    auto r = post(port, initialize_body(), headers);
    REQUIRE(r.status == 200);
    auto sid = r.field("mcp-session-id");
    REQUIRE(!sid.empty());
    auto a = post(port, R"({"jsonrpc":"2.0","method":"notifications/initialized"})", headers + "Mcp-Session-Id: " + sid + "\r\n");
    REQUIRE(a.status == 202);
    return sid;
}

// The result object of a JSON or SSE answer.
json result_of(const polymcp::test::http_reply& r) {
    if (r.field("content-type").rfind("text/event-stream", 0) == 0) {
        auto pos = r.body.rfind("data: ");
        REQUIRE(pos != std::string::npos);
        return json::parse(r.body.substr(pos + 6, r.body.find('\n', pos) - pos - 6));
    }
    return json::parse(r.body);
}

}  // namespace

TEST_CASE("API keys: stored hashed, mapped to a principal the tool sees; missing, wrong and duplicated keys get 401/400", "[auth][http]") {
    const std::string key = "pk_live_0123456789abcdef0123";
    auth::api_key_auth keys;
    keys.add(key, {.subject = "ci-bot", .tenant = "acme", .scopes = {"files:read"}});
    keys.add_hashed(auth::api_key_auth::hash("pk_live_second_key_abcdefgh"), {.subject = "other", .tenant = "globex"});
    CHECK_THROWS_AS(keys.add("short", {}), std::invalid_argument);
    CHECK_THROWS_AS(keys.add(key, {}), std::invalid_argument);
    auth_fixture f(keys);

    SECTION("no key: 401 with a Bearer challenge and no error code (RFC 6750 section 3.1)") {
        auto r = post(f.port, initialize_body(), "");
        CHECK(r.status == 401);
        CHECK(r.field("www-authenticate") == "Bearer");
        CHECK(json::parse(r.body)["error"]["message"].get<std::string>().find("X-API-Key") != std::string::npos);
    }
    SECTION("a wrong key: 401 invalid_token") {
        auto r = post(f.port, initialize_body(), "X-API-Key: pk_live_wrong_wrong_wrong_wrong\r\n");
        CHECK(r.status == 401);
        CHECK(r.field("www-authenticate").find("error=\"invalid_token\"") != std::string::npos);
    }
    SECTION("the key in X-API-Key or as a bearer token: the tool sees the mapped principal") {
        for (std::string h : {"X-API-Key: " + key + "\r\n", "Authorization: Bearer " + key + "\r\n"}) {
            auto sid = open_session(f.port, h);
            auto r = post(f.port, call_body(2, "whoami"), h + "Mcp-Session-Id: " + sid + "\r\n");
            REQUIRE(r.status == 200);
            auto sc = result_of(r)["result"]["structuredContent"];
            CHECK(sc["subject"] == "ci-bot");
            CHECK(sc["tenant"] == "acme");
            CHECK(sc["issuer"] == "api_key");
            CHECK(sc["scopes"] == json::array({"files:read"}));
        }
        auto sid = open_session(f.port, "X-API-Key: pk_live_second_key_abcdefgh\r\n");
        auto r = post(f.port, call_body(2, "whoami"), "X-API-Key: pk_live_second_key_abcdefgh\r\nMcp-Session-Id: " + sid + "\r\n");
        CHECK(result_of(r)["result"]["structuredContent"]["tenant"] == "globex");
    }
    SECTION("the key sent twice: 400 invalid_request") {
        auto r = post(f.port, initialize_body(), "X-API-Key: " + key + "\r\nX-API-Key: " + key + "\r\n");
        CHECK(r.status == 400);
        CHECK(r.field("www-authenticate").find("invalid_request") != std::string::npos);
    }
    // The key never reaches the log, whatever was rejected.
    post(f.port, initialize_body(), "X-API-Key: " + key + "x\r\n");
    CHECK_FALSE(f.log.logged(key));
}

namespace {
struct resource_server_fixture {
    polymcp::test::es256_signer signer{"key-1"};
    unsigned short port = free_port();
    std::string resource = "http://127.0.0.1:" + std::to_string(port) + "/mcp";
    std::string issuer = "https://as.example.com";

    auth::oauth_resource_server policy() const {
        auth::jwt_options o;
        o.algorithms = {auth::jws_algorithm::ES256};
        o.issuer = issuer;
        o.audiences = {resource};
        o.require_access_token_type = true;
        auth::protected_resource_options ro;
        ro.resource = resource;
        ro.authorization_servers = {issuer};
        ro.scopes_supported = {"mcp", "files:read", "files:write"};
        ro.required_scopes = {"mcp"};
        ro.resource_name = "polymcp test server";
        return auth::oauth_resource_server(
            ro, auth::jwt_verifier(o, std::make_shared<auth::static_keys>(json{{"keys", {signer.jwk()}}})));
    }

    json claims(const std::string& sub = "alice", const std::string& scope = "mcp") const {
        auto now = unix_now();
        return {{"iss", issuer}, {"sub", sub}, {"aud", resource}, {"iat", now}, {"exp", now + 300},
                {"scope", scope}, {"tenant", "acme"}, {"client_id", "c1"}};
    }
    std::string bearer(const std::string& token) const { return "Authorization: Bearer " + token + "\r\n"; }
};
}  // namespace

TEST_CASE("OAuth resource server: RFC 9728 metadata at both well-known locations", "[auth][http][oauth]") {
    resource_server_fixture rs;
    auth_fixture f(rs.policy(), rs.port);
    for (std::string path : {"/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"}) {
        INFO(path);
        auto r = get(f.port, path);
        REQUIRE(r.status == 200);
        CHECK(r.field("content-type") == "application/json");
        auto m = json::parse(r.body);
        CHECK(m["resource"] == rs.resource);
        CHECK(m["authorization_servers"] == json::array({rs.issuer}));
        CHECK(m["scopes_supported"] == json::array({"mcp", "files:read", "files:write"}));
        CHECK(m["bearer_methods_supported"] == json::array({"header"}));
    }
    auto r = post(f.port, "{}", "", "/.well-known/oauth-protected-resource");
    CHECK(r.status == 405);
}

TEST_CASE("OAuth resource server: every bad token gets the right 400/401/403 and a challenge that says what to do",
          "[auth][http][oauth]") {
    resource_server_fixture rs;
    auth_fixture f(rs.policy(), rs.port);
    const std::string metadata = "resource_metadata=\"http://127.0.0.1:" + std::to_string(rs.port) +
                                 "/.well-known/oauth-protected-resource/mcp\"";
    auto now = unix_now();
    struct bad {
        const char* what;
        std::string headers;
        unsigned status;
        const char* error;  // "" = no error code
        std::string target = "/mcp";
    };
    auto c = rs.claims();
    auto with = [&](const char* k, json v) {
        auto x = c;
        x[k] = std::move(v);
        return x;
    };
    auto without = [&](const char* k) {
        auto x = c;
        x.erase(k);
        return x;
    };
    polymcp::test::es256_signer stranger("key-1");  // same kid, another key
    std::string good = rs.signer.sign(c);
    std::vector<bad> cases = {
        {"missing", "", 401, ""},
        {"another scheme", "Authorization: Basic dXNlcjpwYXNz\r\n", 401, ""},
        {"malformed header", "Authorization: Bearer two tokens\r\n", 400, "invalid_request"},
        {"not a JWT", rs.bearer("abc"), 401, "invalid_token"},
        {"expired", rs.bearer(rs.signer.sign(with("exp", now - 120))), 401, "invalid_token"},
        {"not yet valid", rs.bearer(rs.signer.sign(with("nbf", now + 600))), 401, "invalid_token"},
        {"wrong audience", rs.bearer(rs.signer.sign(with("aud", "https://other.example/mcp"))), 401, "invalid_token"},
        {"no audience", rs.bearer(rs.signer.sign(without("aud"))), 401, "invalid_token"},
        {"wrong issuer", rs.bearer(rs.signer.sign(with("iss", "https://evil.example"))), 401, "invalid_token"},
        {"wrongly signed", rs.bearer(stranger.sign(c)), 401, "invalid_token"},
        {"alg none", rs.bearer(polymcp::test::b64url(json{{"alg", "none"}, {"typ", "at+jwt"}}.dump()) + "." +
                               polymcp::test::b64url(c.dump()) + "."),
         401, "invalid_token"},
        {"HS256 with the public key", rs.bearer(polymcp::test::hs256_token(rs.signer.jwk()["x"], {{"alg", "HS256"}, {"kid", "key-1"}}, c)),
         401, "invalid_token"},
        {"oversized", "Authorization: Bearer " + std::string(9000, 'a') + "\r\n", 400, "invalid_request"},
        {"duplicated", rs.bearer(good) + rs.bearer(good), 400, "invalid_request"},
        {"in the query string", "", 400, "invalid_request", "/mcp?access_token=" + good},
        {"lacks the required scope", rs.bearer(rs.signer.sign(with("scope", "files:read"))), 403, "insufficient_scope"},
    };
    for (const auto& b : cases) {
        INFO(b.what);
        auto r = post(f.port, initialize_body(), b.headers, b.target);
        CHECK(r.status == b.status);
        auto challenge = r.field("www-authenticate");
        CHECK(challenge.rfind("Bearer ", 0) == 0);
        CHECK(challenge.find(metadata) != std::string::npos);
        CHECK(challenge.find("scope=\"mcp\"") != std::string::npos);
        if (*b.error) CHECK(challenge.find(std::string("error=\"") + b.error + "\"") != std::string::npos);
        else CHECK(challenge.find("error=") == std::string::npos);
        auto body = json::parse(r.body);
        CHECK(body["error"]["code"] == -32000);
        CHECK_FALSE(f.log.logged(good));
    }
    // A good token opens a session and is never logged or echoed.
    auto sid = open_session(f.port, rs.bearer(good));
    auto r = post(f.port, call_body(2, "whoami"), rs.bearer(good) + "Mcp-Session-Id: " + sid + "\r\n");
    REQUIRE(r.status == 200);
    auto sc = result_of(r)["result"]["structuredContent"];
    CHECK(sc["subject"] == "alice");
    CHECK(sc["tenant"] == "acme");
    CHECK(sc["issuer"] == rs.issuer);
    CHECK(r.body.find(good) == std::string::npos);
    CHECK_FALSE(f.log.logged(good));
}

TEST_CASE("Per-tool and per-resource scopes are checked before the handler runs", "[auth][http][oauth]") {
    resource_server_fixture rs;
    auth_fixture f(rs.policy(), rs.port);
    auto reader = rs.bearer(rs.signer.sign(rs.claims("alice", "mcp files:read")));
    auto writer = rs.bearer(rs.signer.sign(rs.claims("alice", "mcp files:read files:write")));
    auto sid = open_session(f.port, reader);

    auto denied = post(f.port, call_body(2, "delete_files"), reader + "Mcp-Session-Id: " + sid + "\r\n");
    CHECK(denied.status == 403);
    auto ch = denied.field("www-authenticate");
    CHECK(ch.find("error=\"insufficient_scope\"") != std::string::npos);
    CHECK(ch.find("scope=\"mcp files:write\"") != std::string::npos);  // what every request needs, then the tool's
    CHECK(ch.find("resource_metadata=") != std::string::npos);

    auto read = post(f.port, json{{"jsonrpc", "2.0"}, {"id", 3}, {"method", "resources/read"}, {"params", {{"uri", "file:///secret"}}}}.dump(),
                     reader + "Mcp-Session-Id: " + sid + "\r\n");
    REQUIRE(read.status == 200);
    CHECK(result_of(read)["result"]["contents"][0]["text"] == "s3cr3t");

    // Step-up: a token with more scopes, same subject, same session.
    auto ok = post(f.port, call_body(4, "delete_files"), writer + "Mcp-Session-Id: " + sid + "\r\n");
    REQUIRE(ok.status == 200);
    CHECK(result_of(ok)["result"]["content"][0]["text"] == "deleted");
}

TEST_CASE("A session is bound to the principal that opened it", "[auth][http][oauth]") {
    resource_server_fixture rs;
    auth_fixture f(rs.policy(), rs.port);
    auto alice = rs.bearer(rs.signer.sign(rs.claims("alice")));
    auto mallory = rs.bearer(rs.signer.sign(rs.claims("mallory")));
    auto sid = open_session(f.port, alice);
    auto r = post(f.port, call_body(2, "whoami"), mallory + "Mcp-Session-Id: " + sid + "\r\n");
    CHECK(r.status == 404);  // as if the session did not exist
    CHECK(f.log.logged("belongs to another principal"));
    auto ok = post(f.port, call_body(3, "whoami"), alice + "Mcp-Session-Id: " + sid + "\r\n");
    CHECK(ok.status == 200);
}

TEST_CASE("The resource server refuses a configuration that would accept tokens for another audience", "[auth][oauth]") {
    polymcp::test::es256_signer s("k");
    auth::jwt_options o;
    o.audiences = {"https://other.example/mcp"};
    auth::jwt_verifier v(o, std::make_shared<auth::static_keys>(json{{"keys", {s.jwk()}}}));
    auth::protected_resource_options ro{.resource = "https://mcp.example.com/mcp", .authorization_servers = {"https://as"}};
    CHECK_THROWS_AS(auth::oauth_resource_server(ro, v), std::invalid_argument);
    ro.resource = "http://mcp.example.com/mcp";  // plain http off loopback
    CHECK_THROWS_AS(auth::oauth_resource_server(ro, v), std::invalid_argument);
    auth::jwt_options no_aud;
    CHECK_THROWS_AS(auth::jwt_verifier(no_aud, std::make_shared<auth::static_keys>(json{{"keys", {s.jwk()}}})),
                    std::invalid_argument);
}

TEST_CASE("The none policy on a non-loopback address warns loudly at start", "[auth][http]") {
    auth_fixture f(auth::no_auth{}, 0, "0.0.0.0");
    CHECK(f.log.logged("WARNING"));
    CHECK(f.log.logged("auth policy 'none'"));
    auth_fixture g(auth::no_auth{}, 0, "127.0.0.1");
    CHECK_FALSE(g.log.logged("WARNING"));
}

TEST_CASE("stdio: credentials come from the environment once; without them the server refuses to start", "[auth][stdio]") {
    auth::api_key_auth keys;
    keys.add("stdio-key-0123456789abcdef", {.subject = "local", .tenant = "t1"});
    polymcp::test::log_capture log;
    polymcp::server_options o;
    o.diagnostics = log.sink();
    ::unsetenv("POLYMCP_API_KEY");
    polymcp::server srv(o, auth_features(), polymcp::stdio_transport{}, keys);
    auto ec = srv.run();
    CHECK(ec == auth::errc::no_credentials);
    CHECK(log.logged("refusing to serve"));
    CHECK(log.logged("POLYMCP_API_KEY"));
}

TEST_CASE("JWT bearer policy (no OAuth discovery): HS256 tokens from a shared secret, plain Bearer challenges", "[auth][http][jwt]") {
    const std::string secret = "0123456789abcdef0123456789abcdef";  // 32 bytes: HS256's minimum
    auth::jwt_options o;
    o.algorithms = {auth::jws_algorithm::HS256};
    o.issuer = "https://idp.internal";
    o.audiences = {"mcp-gateway"};
    o.tenant_claim = "org";
    json key = {{"kty", "oct"}, {"kid", "k1"}, {"k", polymcp::test::b64url(secret)}};
    auth_fixture f(auth::jwt_auth(auth::jwt_verifier(o, std::make_shared<auth::static_keys>(json{{"keys", {key}}}))));
    auto now = unix_now();
    json claims = {{"iss", "https://idp.internal"}, {"sub", "svc-7"}, {"aud", "mcp-gateway"}, {"exp", now + 60}, {"org", "initech"},
                   {"scp", {"a", "b"}}};
    auto good = polymcp::test::hs256_token(secret, {{"alg", "HS256"}, {"kid", "k1"}}, claims);
    auto sid = open_session(f.port, "Authorization: Bearer " + good + "\r\n");
    auto r = post(f.port, call_body(2, "whoami"), "Authorization: Bearer " + good + "\r\nMcp-Session-Id: " + sid + "\r\n");
    REQUIRE(r.status == 200);
    auto sc = result_of(r)["result"]["structuredContent"];
    CHECK(sc["subject"] == "svc-7");
    CHECK(sc["tenant"] == "initech");
    CHECK(sc["scopes"] == json::array({"a", "b"}));

    auto forged = polymcp::test::hs256_token("another-secret-another-secret-xx", {{"alg", "HS256"}, {"kid", "k1"}}, claims);
    auto bad = post(f.port, initialize_body(), "Authorization: Bearer " + forged + "\r\n");
    CHECK(bad.status == 401);
    CHECK(bad.field("www-authenticate").rfind("Bearer error=\"invalid_token\"", 0) == 0);
    CHECK(bad.field("www-authenticate").find("resource_metadata") == std::string::npos);
    CHECK(get(f.port, "/.well-known/oauth-protected-resource").status == 404);  // no metadata without the resource-server policy
}

namespace {
// Serves `input` (JSON lines) over a pipe pair with `policy`, the environment
// holding `api_key`; returns the responses by id and the run's result.
std::map<int, json> run_stdio(polymcp::auth::any_auth policy, const std::string& api_key, const std::string& input,
                              polymcp::test::log_capture& log, std::error_code& ec) {
    polymcp::server_options o;
    o.diagnostics = log.sink();
    int in[2], out[2];
    REQUIRE(::pipe(in) == 0);
    REQUIRE(::pipe(out) == 0);
    ::setenv("POLYMCP_API_KEY", api_key.c_str(), 1);
    polymcp::server srv(o, auth_features(), polymcp::stdio_transport({in[0], out[1], false}), std::move(policy));
    std::thread runner([&] {
        ec = srv.run();
        ::close(out[1]);
    });
    REQUIRE(::write(in[1], input.data(), input.size()) == static_cast<ssize_t>(input.size()));
    ::close(in[1]);
    std::string output;
    char buf[4096];
    for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;) output.append(buf, static_cast<std::size_t>(n));
    runner.join();
    ::close(in[0]);
    ::close(out[0]);
    ::unsetenv("POLYMCP_API_KEY");
    std::map<int, json> by_id;
    std::size_t pos = 0;
    while (pos < output.size()) {
        auto nl = output.find('\n', pos);
        auto m = json::parse(output.substr(pos, nl - pos));
        if (m.contains("id") && m["id"].is_number()) by_id[m["id"].get<int>()] = m;
        pos = nl == std::string::npos ? output.size() : nl + 1;
    }
    return by_id;
}
}  // namespace

TEST_CASE("stdio: the principal established from the environment reaches the handlers, and scopes are checked", "[auth][stdio]") {
    auth::api_key_auth keys;
    keys.add("stdio-key-0123456789abcdef", {.subject = "local", .tenant = "t1", .scopes = {"files:write"}});
    keys.add("stdio-reader-0123456789ab", {.subject = "reader", .tenant = "t1"});
    const std::string input = initialize_body() + "\n" + R"({"jsonrpc":"2.0","method":"notifications/initialized"})" +
                              "\n" + call_body(2, "whoami") + "\n" + call_body(3, "delete_files") + "\n";
    polymcp::test::log_capture log;
    std::error_code ec;
    auto writer = run_stdio(keys, "stdio-key-0123456789abcdef", input, log, ec);
    CHECK_FALSE(ec);
    CHECK(writer[2]["result"]["structuredContent"]["subject"] == "local");
    CHECK(writer[2]["result"]["structuredContent"]["tenant"] == "t1");
    CHECK(writer[3]["result"]["content"][0]["text"] == "deleted");  // this principal holds files:write

    auto reader = run_stdio(keys, "stdio-reader-0123456789ab", input, log, ec);
    CHECK(reader[2]["result"]["structuredContent"]["subject"] == "reader");
    CHECK(reader[3]["error"]["code"] == -32003);  // no HTTP here: a JSON-RPC error, before the handler
    CHECK(reader[3]["error"]["data"]["requiredScopes"] == json::array({"files:write"}));
    CHECK_FALSE(log.logged("0123456789ab"));
}
