// The MCP client's OAuth 2.1 client against a polymcp server behind the
// OAuth resource-server policy and a small authorization server written for
// the test (polymcp::http::server on loopback) that checks PKCE, the
// resource parameter and client authentication, and signs ES256 tokens the
// resource server verifies. The conformance suite's auth scenarios cover
// the spec's variants; these tests cover what they do not: refresh,
// persistence in an encrypted store, users kept apart, and refusals.

#include <polymcp/auth.hpp>
#include <polymcp/client.hpp>
#include <polymcp/client/oauth.hpp>
#include <polymcp/client/oauth_loopback.hpp>
#include <polymcp/client/streamable_http.hpp>
#include <polymcp/client/token_store.hpp>
#include <polymcp/crypto/fernet.hpp>
#include <polymcp/polymcp.hpp>
#include <polymcp/storage/memory.hpp>

#include "support/fake_http_server.hpp"
#include "support/jwt_signer.hpp"
#include "support/listening_process.hpp"
#include "support/run_coro.hpp"
#include "support/running_server.hpp"

#include <catch2/catch.hpp>

#include <asio/co_spawn.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <curl/curl.h>
#include <openssl/evp.h>

#include <mutex>
#include <thread>

namespace mc = polymcp::client;
namespace auth = polymcp::auth;
using polymcp::json;
using polymcp::http::request;
using polymcp::http::response;

namespace {

using polymcp::test::free_port;

std::map<std::string, std::string> form_of(const std::string& body) {
    std::map<std::string, std::string> out;
    std::size_t i = 0;
    while (i <= body.size()) {
        auto amp = body.find('&', i);
        auto part = body.substr(i, amp == std::string::npos ? std::string::npos : amp - i);
        auto eq = part.find('=');
        if (eq != std::string::npos) {
            int n = 0;
            char* v = curl_easy_unescape(nullptr, part.c_str() + eq + 1, static_cast<int>(part.size() - eq - 1), &n);
            out[part.substr(0, eq)] = std::string(v, static_cast<std::size_t>(n));
            curl_free(v);
        }
        if (amp == std::string::npos) break;
        i = amp + 1;
    }
    return out;
}

std::string sha256_b64url(const std::string& s) {
    unsigned char md[32];
    unsigned int n = 0;
    EVP_Digest(s.data(), s.size(), md, &n, EVP_sha256(), nullptr);
    return polymcp::test::b64url(md, n);
}

/// An authorization server for the test: metadata, registration, an
/// authorization endpoint that approves at once, and a token endpoint.
struct test_authorization_server {
    std::mutex m;
    polymcp::test::es256_signer signer{"as-key"};
    std::string resource;           ///< the audience of the tokens it signs
    bool advertise_s256 = true;
    std::string iss_mode = "correct";  ///< or "wrong"
    bool tamper_state = false;
    int expires_in = 3600;
    int lifetime = 0;  ///< when set: the token's real exp, in s from now (expires_in may say otherwise)
    // Members merged over its metadata, registration and token responses.
    json meta_extra = json::object(), registration_extra = json::object(), token_extra = json::object();
    // What it saw.
    int registrations = 0, authorizations = 0, code_grants = 0, refresh_grants = 0, issued = 0;
    std::vector<std::map<std::string, std::string>> authorize_params;
    std::string last_challenge;
    std::vector<std::string> errors;  ///< checks that failed on the server side
    std::map<std::string, std::string> code_scope;
    polymcp::test::fake_http_server http{[this](request req, std::shared_ptr<polymcp::http::responder> res) {
        res->respond(handle(req));
    }};

    std::string issuer() const { return http.url(); }

    json token_for(const std::string& scope) {
        auto now = polymcp::test::unix_now();
        json claims = {{"iss", issuer()}, {"sub", "alice"}, {"aud", resource}, {"iat", now},
                       {"exp", now + (lifetime ? lifetime : std::max(expires_in, 1) + 5)}, {"scope", scope}, {"client_id", "dyn-1"},
                       {"jti", "t-" + std::to_string(++issued)}};
        return {{"access_token", signer.sign(claims, {{"typ", "at+jwt"}})},
                {"token_type", "Bearer"},
                {"expires_in", expires_in},
                {"refresh_token", "rt-" + std::to_string(code_grants + refresh_grants)},
                {"scope", scope}};
    }

    response handle(const request& req) {
        std::lock_guard lock(m);
        auto path = std::string(req.path());
        if (path == "/.well-known/oauth-authorization-server") {
            json meta = {{"issuer", issuer()},
                         {"authorization_endpoint", issuer() + "/authorize"},
                         {"token_endpoint", issuer() + "/token"},
                         {"registration_endpoint", issuer() + "/register"},
                         {"response_types_supported", {"code"}},
                         {"authorization_response_iss_parameter_supported", true},
                         {"token_endpoint_auth_methods_supported", {"client_secret_basic"}}};
            meta["code_challenge_methods_supported"] = advertise_s256 ? json{"S256"} : json{"plain"};
            meta.update(meta_extra);
            return response::with_body(200, "application/json", meta.dump());
        }
        if (path == "/register" && req.method == "POST") {
            ++registrations;
            json registered = {{"client_id", "dyn-1"},
                               {"client_secret", "s3cret"},
                               {"token_endpoint_auth_method", "client_secret_basic"}};
            registered.update(registration_extra);
            return response::with_body(201, "application/json", registered.dump());
        }
        if (path == "/authorize") {
            ++authorizations;
            auto q = form_of(req.target.substr(req.target.find('?') + 1));
            authorize_params.push_back(q);
            last_challenge = q["code_challenge"];
            if (q["code_challenge_method"] != "S256") errors.push_back("code_challenge_method is not S256");
            if (q["resource"] != resource) errors.push_back("authorize resource " + q["resource"]);
            std::string code = "code-" + std::to_string(authorizations);
            code_scope[code] = q["scope"];
            std::string loc = q["redirect_uri"] + "?code=" + code + "&state=" + (tamper_state ? "forged" : q["state"]) +
                              "&iss=" + (iss_mode == "wrong" ? std::string("https%3A%2F%2Fevil.example") : issuer());
            response r{302, {}, {}};
            r.fields.set("Location", loc);
            return r;
        }
        if (path == "/token" && req.method == "POST") {
            if (req.fields.get("Authorization").value_or("") != "Basic ZHluLTE6czNjcmV0")  // dyn-1:s3cret
                return response::with_body(401, "application/json", R"({"error":"invalid_client"})");
            auto f = form_of(req.body);
            if (f["resource"] != resource) errors.push_back("token resource " + f["resource"]);
            if (f["grant_type"] == "authorization_code") {
                if (sha256_b64url(f["code_verifier"]) != last_challenge) {
                    errors.push_back("code_verifier does not match");
                    return response::with_body(400, "application/json", R"({"error":"invalid_grant"})");
                }
                ++code_grants;
                json tokens = token_for(code_scope[f["code"]]);
                tokens.update(token_extra);
                return response::with_body(200, "application/json", tokens.dump());
            }
            if (f["grant_type"] == "refresh_token") {
                ++refresh_grants;
                return response::with_body(200, "application/json", token_for("mcp").dump());
            }
            return response::with_body(400, "application/json", R"({"error":"unsupported_grant_type"})");
        }
        return response::error(404);
    }
};

struct whoami {
    BOOST_HANA_DEFINE_STRUCT(whoami, (std::string, subject), (std::vector<std::string>, scopes));
};

/// A polymcp MCP server behind the OAuth resource-server policy, trusting `as`.
struct protected_server {
    unsigned short port = free_port();
    std::string url = "http://127.0.0.1:" + std::to_string(port) + "/mcp";
    std::unique_ptr<polymcp::test::running_server> running;

    explicit protected_server(test_authorization_server& as) {
        as.resource = url;
        auth::jwt_options o;
        o.algorithms = {auth::jws_algorithm::ES256};
        o.issuer = as.issuer();
        o.audiences = {url};
        o.leeway = std::chrono::seconds(0);  // so that a test can let a token expire
        auth::protected_resource_options ro;
        ro.resource = url;
        ro.authorization_servers = {as.issuer()};
        ro.scopes_supported = {"mcp", "files:write"};
        ro.required_scopes = {"mcp"};
        polymcp::server_options so;
        auto policy = auth::oauth_resource_server(
            ro, auth::jwt_verifier(o, std::make_shared<auth::static_keys>(json{{"keys", {as.signer.jwk()}}})));
        so.diagnostics = [](std::string_view) {};
        auto tools = polymcp::tools(
            polymcp::tool<"whoami">("The caller",
                                    [](polymcp::request_context& ctx) {
                                        return whoami{ctx.principal().subject, ctx.principal().scopes};
                                    }),
            polymcp::tool<"write">("Needs files:write", [] { return std::string("written"); }).scopes({"files:write"}));
        polymcp::streamable_http_options ho;
        ho.http.port = port;
        ho.http.address = "127.0.0.1";
        ho.http.diagnostics = [](std::string_view) {};
        running = std::make_unique<polymcp::test::running_server>(so, polymcp::features(tools), ho, policy);
    }
};

mc::oauth_options oauth_for(asio::io_context& io, std::shared_ptr<mc::token_store> store = nullptr,
                            std::string user = "alice") {
    mc::oauth_options o;
    o.authorize = mc::headless_authorization(io.get_executor());
    o.redirect_uri = "http://127.0.0.1:33418/callback";
    o.store = std::move(store);
    o.user = std::move(user);
    return o;
}

struct oauth_session {
    std::shared_ptr<mc::oauth_client> oauth;
    mc::session session;
    oauth_session(asio::io_context& io, const std::string& url, mc::oauth_options o)
        : oauth(std::make_shared<mc::oauth_client>(io.get_executor(), url, std::move(o))),
          session(std::make_shared<mc::streamable_http_transport>(
              io.get_executor(), mc::http_options{.url = url, .open_get_stream = false, .auth = oauth})) {}
};

asio::awaitable<json> call_whoami(mc::session& s) {
    std::string name = "whoami";
    auto r = co_await s.call_tool(name, json::object());
    co_return r.structured_content;
}

}  // namespace

TEST_CASE("OAuth client: an authorization response's parameters are read from the redirect's query, decoded",
          "[client][oauth]") {
    auto p = mc::authorization_response_parameters(
        "https://gw.example/oauth/callback?code=a%2Fb+c&state=7f&iss=https%3A%2F%2Fas.example&state=80#state=ff");
    CHECK(p["code"] == "a/b c");
    CHECK(p["iss"] == "https://as.example");
    CHECK(p["state"] == "80");  // the last value; the fragment is not read
    auto refused = mc::authorization_response_parameters("https://gw.example/cb?error=access_denied&error_description=no%21");
    CHECK(refused["error"] == "access_denied");
    CHECK(refused["error_description"] == "no!");
    CHECK(refused.count("code") == 0);
    CHECK(mc::authorization_response_parameters("https://gw.example/cb").empty());
}

TEST_CASE("OAuth client: discovery, registration, PKCE, resource and scopes against a polymcp resource server",
          "[client][oauth]") {
    test_authorization_server as;
    protected_server server(as);
    asio::io_context io;
    oauth_session c(io, server.url, oauth_for(io));
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        co_await c.session.initialize();  // 401, then the whole flow, then the retry
        auto me = co_await call_whoami(c.session);
        CHECK(me["subject"] == "alice");
        CHECK(me["scopes"] == json::array({"mcp"}));

        // Step-up: the tool needs files:write; the 403 leads to a new
        // authorization for what was granted plus what was challenged.
        std::string write = "write";
        auto r = co_await c.session.call_tool(write, json::object());
        CHECK(std::get<polymcp::text_content>(r.content[0]).text == "written");
        co_await c.session.close();
    });
    std::lock_guard lock(as.m);
    CHECK(as.errors.empty());
    CHECK(as.registrations == 1);
    REQUIRE(as.authorizations == 2);
    CHECK(as.authorize_params[0]["scope"] == "mcp");  // the challenge's scope
    CHECK(as.authorize_params[1]["scope"] == "files:write mcp");
    CHECK(as.authorize_params[0]["client_id"] == "dyn-1");
    CHECK(as.authorize_params[0]["redirect_uri"] == "http://127.0.0.1:33418/callback");
    CHECK(as.authorize_params[0]["code_challenge"].size() == 43);
    CHECK(as.authorize_params[0]["state"] != as.authorize_params[1]["state"]);
    CHECK(c.oauth->issuer() == as.issuer());
}

TEST_CASE("OAuth client: a token about to expire is refreshed before the request", "[client][oauth]") {
    test_authorization_server as;
    as.expires_in = 30;  // inside the 60 s refresh margin
    protected_server server(as);
    asio::io_context io;
    oauth_session c(io, server.url, oauth_for(io));
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        co_await c.session.initialize();
        auto first = c.oauth->tokens();
        REQUIRE(first);
        CHECK_FALSE(first->refresh_token.empty());
        co_await call_whoami(c.session);
        auto second = c.oauth->tokens();
        REQUIRE(second);
        CHECK(second->access_token != first->access_token);
        co_await c.session.close();
    });
    std::lock_guard lock(as.m);
    CHECK(as.errors.empty());
    CHECK(as.authorizations == 1);
    CHECK(as.refresh_grants >= 1);
}

TEST_CASE("OAuth client: a token the server stops accepting is refreshed once on the 401, once for all the calls it failed", "[client][oauth]") {
    test_authorization_server as;
    as.lifetime = 1;  // the token says one hour, the resource server sees it expire after 1 s
    protected_server server(as);
    asio::io_context io;
    oauth_session c(io, server.url, oauth_for(io));
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        co_await c.session.initialize();
        asio::steady_timer t(io);
        t.expires_after(std::chrono::milliseconds(2100));
        co_await t.async_wait(asio::use_awaitable);
        {
            std::lock_guard lock(as.m);
            as.lifetime = 0;  // the refreshed token is good
        }
        // Three calls rejected together share one refresh.
        int done = 0;
        for (int i = 0; i < 3; ++i)
            asio::co_spawn(
                io,
                [&]() -> asio::awaitable<void> {
                    auto me = co_await call_whoami(c.session);
                    CHECK(me["subject"] == "alice");
                },
                [&](std::exception_ptr e) {
                    CHECK_FALSE(e);
                    ++done;
                });
        for (int i = 0; i < 500 && done < 3; ++i) {
            t.expires_after(std::chrono::milliseconds(10));
            co_await t.async_wait(asio::use_awaitable);
        }
        CHECK(done == 3);
        co_await c.session.close();
    });
    std::lock_guard lock(as.m);
    CHECK(as.errors.empty());
    CHECK(as.authorizations == 1);  // no new authorization: the refresh sufficed
    CHECK(as.refresh_grants == 1);  // one refresh for the three rejected calls
}

TEST_CASE("OAuth client: tokens persist encrypted per user, server and issuer", "[client][oauth]") {
    test_authorization_server as;
    protected_server server(as);
    auto storage = std::make_shared<polymcp::storage::memory_storage>();
    using store_type = mc::encrypted_token_store<polymcp::storage::memory_storage, polymcp::crypto::fernet>;
    auto store = std::make_shared<store_type>(storage, polymcp::crypto::fernet(polymcp::crypto::fernet::generate_key()));
    std::error_code ec;
    store->define(ec);
    REQUIRE_FALSE(ec);
    asio::io_context io;
    {
        oauth_session alice(io, server.url, oauth_for(io, store, "alice"));
        test::run_coro(io, [&]() -> asio::awaitable<void> {
            co_await alice.session.initialize();
            co_await alice.session.close();
        });
    }
    CHECK(as.authorizations == 1);
    // What is stored names no user and holds no token in clear.
    auto page = storage->list("polymcp_oauth_tokens", {}, {}, ec);
    REQUIRE_FALSE(ec);
    REQUIRE(page.records.size() == 3);  // registration, tokens, the issuer index
    for (const auto& rec : page.records) {
        CHECK(rec.id.size() == 64);
        CHECK(rec.data.dump().find("alice") == std::string::npos);
        CHECK(rec.data.dump().find("rt-1") == std::string::npos);
    }
    {
        // Alice again, in a new client (a restart): no new authorization.
        oauth_session again(io, server.url, oauth_for(io, store, "alice"));
        test::run_coro(io, [&]() -> asio::awaitable<void> {
            co_await again.session.initialize();
            auto me = co_await call_whoami(again.session);
            CHECK(me["subject"] == "alice");
            co_await again.session.close();
        });
    }
    CHECK(as.authorizations == 1);
    {
        // Bob shares the store and the server but not Alice's tokens.
        oauth_session bob(io, server.url, oauth_for(io, store, "bob"));
        test::run_coro(io, [&]() -> asio::awaitable<void> {
            co_await bob.session.initialize();
            co_await bob.session.close();
        });
    }
    CHECK(as.authorizations == 2);
    CHECK(as.registrations == 2);  // registrations are per user too

    // A sealed entry moved under another key does not open.
    auto records = storage->list("polymcp_oauth_tokens", {}, {}, ec).records;
    std::string key = "polymcp.oauth\x1fprobe";
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        json v = {{"x", 1}};
        co_await store->save(key, v);
        co_return;
    });
    auto probe = storage->read("polymcp_oauth_tokens", store_type::record_id(key), ec);
    REQUIRE(probe);
    storage->update("polymcp_oauth_tokens", store_type::record_id(key), records[0].data, std::nullopt, ec);
    REQUIRE_FALSE(ec);
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        CHECK_THROWS_AS(co_await store->load(key), std::system_error);
        co_return;
    });
}

TEST_CASE("OAuth client: refusals are typed auth_required errors that say why", "[client][oauth]") {
    test_authorization_server as;
    protected_server server(as);
    asio::io_context io;
    auto failure = [&]() {
        oauth_session c(io, server.url, oauth_for(io));
        std::string what;
        test::run_coro(io, [&]() -> asio::awaitable<void> {
            try {
                co_await c.session.initialize();
                FAIL("the authorization must fail");
            } catch (const mc::client_error& e) {
                CHECK(e.value() == mc::errc::auth_required);
                what = e.what();
            }
            co_await c.session.close();
        });
        return what;
    };
    SECTION("no PKCE S256 advertised") {
        as.advertise_s256 = false;
        CHECK(failure().find("does not advertise PKCE S256") != std::string::npos);
        CHECK(as.authorizations == 0);
    }
    SECTION("a forged state") {
        as.tamper_state = true;
        CHECK(failure().find("state does not match") != std::string::npos);
        CHECK(as.code_grants == 0);
    }
    SECTION("an authorization response from another issuer") {
        as.iss_mode = "wrong";
        CHECK(failure().find("https://evil.example") != std::string::npos);
        CHECK(as.code_grants == 0);
    }
    // Members of the wrong type in what the authorization server sends name the member (RFC 6749, 7591, 8414).
    SECTION("metadata with a flag that is not a boolean") {
        as.meta_extra = {{"authorization_response_iss_parameter_supported", "yes"}};
        CHECK_THAT(failure(),
                   Catch::Contains("'authorization_response_iss_parameter_supported' that is not a boolean: \"yes\""));
        CHECK(as.code_grants == 0);
    }
    SECTION("a registration whose token_endpoint_auth_method is not a string") {
        as.registration_extra = {{"token_endpoint_auth_method", 7}};
        CHECK_THAT(failure(), Catch::Contains("the client registration response of " + as.issuer() +
                                              "/register has a 'token_endpoint_auth_method' that is not a string: 7"));
        CHECK(as.authorizations == 0);
    }
    SECTION("a token response whose scope is not a string") {
        as.token_extra = {{"scope", {{"read", true}}}};
        CHECK_THAT(failure(), Catch::Contains("the token response of " + as.issuer() +
                                              "/token has a 'scope' that is not a string: {\"read\":true}"));
        CHECK(as.code_grants == 1);
    }
    SECTION("null members read as absent") {
        as.registration_extra = {{"token_endpoint_auth_method", nullptr}};  // the server's preferred method
        as.token_extra = {{"token_type", nullptr}, {"refresh_token", nullptr}};
        oauth_session c(io, server.url, oauth_for(io));
        test::run_coro(io, [&]() -> asio::awaitable<void> {
            co_await c.session.initialize();
            co_await c.session.close();
        });
        CHECK(as.code_grants == 1);
        CHECK(as.errors.empty());
    }
}

TEST_CASE("OAuth client: the loopback redirect listener receives the browser's redirect", "[client][oauth]") {
    test_authorization_server as;
    protected_server server(as);
    asio::io_context io;
    auto port = free_port();
    std::string redirect_uri = "http://127.0.0.1:" + std::to_string(port) + "/callback";
    std::thread browser;
    std::string opened;
    auto o = oauth_for(io);
    o.redirect_uri = redirect_uri;
    // The "browser": follows the authorization server's redirect to the listener.
    o.authorize = mc::loopback_authorization(io.get_executor(), redirect_uri, [&](const std::string& url) {
        opened = url;
        browser = std::thread([url] {
            CURL* c = curl_easy_init();
            curl_easy_setopt(c, CURLOPT_URL, url.c_str());
            curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
            curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, +[](char*, std::size_t s, std::size_t n, void*) { return s * n; });
            curl_easy_perform(c);
            curl_easy_cleanup(c);
        });
    });
    oauth_session c(io, server.url, o);
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        co_await c.session.initialize();
        auto me = co_await call_whoami(c.session);
        CHECK(me["subject"] == "alice");
        co_await c.session.close();
    });
    if (browser.joinable()) browser.join();
    CHECK(opened.rfind(as.issuer() + "/authorize?", 0) == 0);
    std::lock_guard lock(as.m);
    CHECK(as.errors.empty());
    REQUIRE(as.authorize_params.size() == 1);
    CHECK(as.authorize_params[0]["redirect_uri"] == redirect_uri);
}
