// JWKS over real HTTP on loopback: keys fetched with libcurl from a polymcp
// HTTP server, cached, refetched on key rotation, rate-limited against
// tokens with made-up kids, and failures reported as typed errors in time.

#include <polymcp/auth/jwks_client.hpp>
#include <polymcp/http/server.hpp>

#include "support/jwt_signer.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <thread>

using nlohmann::json;
namespace auth = polymcp::auth;

namespace {

// Serves /jwks.json from `document` (changeable), counting requests.
struct jwks_server {
    asio::io_context io;
    std::mutex mu;
    std::string document = R"({"keys":[]})";
    unsigned status = 200;
    std::atomic<int> requests{0};
    polymcp::http::server http{io, {}, [this](polymcp::http::request req, std::shared_ptr<polymcp::http::responder> res) {
                                   ++requests;
                                   std::lock_guard lock(mu);
                                   if (req.path() != "/jwks.json") return res->respond(polymcp::http::response::error(404));
                                   res->respond(polymcp::http::response::with_body(status, "application/json", document));
                               }};
    std::thread runner;

    jwks_server() {
        http.listen();
        runner = std::thread([this] { io.run(); });
    }
    ~jwks_server() {
        asio::post(io, [this] { http.stop(); });
        runner.join();
    }
    void serve(json keys, unsigned s = 200) {
        std::lock_guard lock(mu);
        document = json{{"keys", std::move(keys)}}.dump();
        status = s;
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(http.local_endpoint().port()) + "/jwks.json"; }
};

json claims() {
    auto now = polymcp::test::unix_now();
    return {{"iss", "https://as"}, {"sub", "u"}, {"aud", "https://rs/mcp"}, {"exp", now + 60}, {"iat", now}};
}

auth::jwt_verifier verifier(std::shared_ptr<auth::key_source> keys) {
    auth::jwt_options o;
    o.issuer = "https://as";
    o.audiences = {"https://rs/mcp"};
    return auth::jwt_verifier(o, std::move(keys));
}

}  // namespace

TEST_CASE("JWKS: fetched once, cached, and refetched when the authorization server rotates its key", "[auth][jwks]") {
    jwks_server srv;
    polymcp::test::es256_signer k1("key-1"), k2("key-2");
    srv.serve(json::array({k1.jwk()}));  // json::array: a one-element braced list is a copy for clang (CWG 2137)
    auto keys = std::make_shared<auth::jwks_client>(
        auth::jwks_options{.url = srv.url(), .min_refresh_interval = std::chrono::seconds(0), .allow_http = true});
    auto v = verifier(keys);
    CHECK(keys->fetches() == 0);  // construction does not fetch
    for (int i = 0; i < 50; ++i) {
        auth::principal p;
        std::string why;
        auto ec = v.verify(k1.sign(claims()), p, &why);
        INFO(why);
        REQUIRE_FALSE(ec);
    }
    CHECK(keys->fetches() == 1);
    CHECK(srv.requests == 1);

    srv.serve(json::array({k1.jwk(), k2.jwk()}));  // rotation: a new key appears
    auth::principal p;
    std::string why;
    CHECK_FALSE(v.verify(k2.sign(claims()), p, &why));
    INFO(why);
    CHECK(keys->fetches() == 2);
    CHECK(p.subject == "u");
}

TEST_CASE("JWKS: tokens with made-up kids cause at most one refetch per min_refresh_interval", "[auth][jwks]") {
    jwks_server srv;
    polymcp::test::es256_signer k1("key-1");
    srv.serve(json::array({k1.jwk()}));
    auto keys = std::make_shared<auth::jwks_client>(
        auth::jwks_options{.url = srv.url(), .min_refresh_interval = std::chrono::seconds(60), .allow_http = true});
    auto v = verifier(keys);
    std::vector<std::thread> threads;
    std::atomic<int> rejected{0};
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 25; ++i) {
                polymcp::test::es256_signer forger("forged-" + std::to_string(t) + "-" + std::to_string(i));
                auth::principal p;
                if (v.verify(forger.sign(claims()), p) == auth::errc::unknown_key) ++rejected;
            }
        });
    for (auto& t : threads) t.join();
    CHECK(rejected == 100);
    CHECK(keys->fetches() == 1);  // the first use; every refresh after it is rate-limited
    auth::principal p;
    CHECK_FALSE(v.verify(k1.sign(claims()), p));  // the real key still works
}

TEST_CASE("JWKS: an unreachable, failing or oversized JWKS is a typed error within the timeout", "[auth][jwks]") {
    SECTION("nothing listens") {
        std::uint16_t port;
        {
            asio::io_context io;
            asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
            port = a.local_endpoint().port();
        }
        auth::jwks_client c({.url = "http://127.0.0.1:" + std::to_string(port) + "/jwks.json",
                             .timeout = std::chrono::milliseconds(2000), .allow_http = true});
        std::string why;
        auto t0 = std::chrono::steady_clock::now();
        CHECK(c.refresh(&why) == auth::errc::key_fetch_failed);
        CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(3));
        CHECK(why.find("fetching the JWKS failed") != std::string::npos);
        // A verifier over it refuses tokens (no keys) instead of hanging or crashing.
        auto v = verifier(std::make_shared<auth::jwks_client>(
            auth::jwks_options{.url = "http://127.0.0.1:" + std::to_string(port) + "/jwks.json", .allow_http = true}));
        polymcp::test::es256_signer k("key-1");
        auth::principal p;
        CHECK(v.verify(k.sign(claims()), p) == auth::errc::unknown_key);
    }
    SECTION("HTTP 500") {
        jwks_server srv;
        srv.serve(json::array(), 500);
        auth::jwks_client c({.url = srv.url(), .allow_http = true});
        std::string why;
        CHECK(c.refresh(&why) == auth::errc::key_fetch_failed);
        CHECK(why.find("HTTP 500") != std::string::npos);
    }
    SECTION("a document over the limit") {
        jwks_server srv;
        polymcp::test::es256_signer k("key-1");
        srv.serve(json::array({k.jwk(), k.jwk(), k.jwk()}));
        auth::jwks_client c({.url = srv.url(), .max_document_bytes = 200, .allow_http = true});
        std::string why;
        CHECK(c.refresh(&why) == auth::errc::key_fetch_failed);
        CHECK(why.find("exceeds 200 bytes") != std::string::npos);
    }
    SECTION("plain http is refused unless allowed") {
        CHECK_THROWS_AS(auth::jwks_client({.url = "http://as.example.com/jwks.json"}), std::invalid_argument);
    }
}
