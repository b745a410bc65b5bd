// The parts of polymcp/gateway/ a gateway is composed from, through their
// public API: the session auth policy, the configuration, the data directory
// and the policy objects made from a configuration.
#include <catch2/catch.hpp>
#include <polymcp/gateway/config.hpp>
#include <polymcp/gateway/data_dir.hpp>
#include <polymcp/gateway/policies.hpp>
#include <polymcp/gateway/session_auth.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <sys/stat.h>
#include <unistd.h>

namespace gw = polymcp::gateway;
namespace auth = polymcp::auth;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

fs::path scratch(const std::string& name) {
    auto p = fs::temp_directory_path() / ("polymcp-gateway-test-" + std::to_string(::getpid()) + "-" + name);
    fs::remove_all(p);
    return p;
}

fs::path write_file(const fs::path& p, const std::string& text) {
    std::ofstream(p) << text;
    return p;
}

auth::auth_result authenticate(const gw::session_auth& a, polymcp::http::fields headers) {
    auth::auth_request r;
    r.headers = &headers;
    return a.authenticate(r);
}

}  // namespace

TEST_CASE("gateway::session_auth: a tenant for every caller and the connector session from X-Gateway-Session",
          "[gateway][auth]") {
    auth::api_key_auth keys;
    keys.add("key-of-ann-0123456789", {.subject = "ann", .tenant = "acme"});
    keys.add("key-without-tenant-01", {.subject = "bot"});
    polymcp::http::fields ann;
    ann.add("X-API-Key", "key-of-ann-0123456789");

    const gw::session_auth strict(keys);
    auto r = authenticate(strict, ann);
    REQUIRE(r);
    CHECK(r.who().tenant == "acme");
    CHECK(r.who().claims["gateway_session"] == "default");

    auto in_session = ann;
    in_session.add("X-Gateway-Session", "work:2026-12.a_b");
    r = authenticate(strict, in_session);
    REQUIRE(r);
    CHECK(r.who().claims["gateway_session"] == "work:2026-12.a_b");

    for (std::string bad : {std::string(""), std::string("a b"), std::string("x/y"), std::string(129, 's'), std::string("ü")}) {
        CAPTURE(bad);
        auto h = ann;
        h.add("X-Gateway-Session", bad);
        auto rej = authenticate(strict, h);
        REQUIRE_FALSE(rej);
        CHECK(rej.rejection().status == 400);
    }

    polymcp::http::fields bot;
    bot.add("X-API-Key", "key-without-tenant-01");
    auto refused = authenticate(strict, bot);
    REQUIRE_FALSE(refused);
    CHECK(refused.rejection().status == 403);
    const gw::session_auth lenient(keys, "shared");
    auto admitted = authenticate(lenient, bot);
    REQUIRE(admitted);
    CHECK(admitted.who().tenant == "shared");

    polymcp::http::fields nobody;
    auto anonymous = authenticate(strict, nobody);
    REQUIRE_FALSE(anonymous);
    CHECK(anonymous.rejection().status == 401);
}

TEST_CASE("gateway::load: the file, then the environment, and bad values named", "[gateway][config]") {
    auto dir = scratch("config");
    fs::create_directories(dir);
    ::unsetenv("POLYMCP_GATEWAY_PORT");

    auto defaults = gw::load("");
    CHECK(defaults.address == "127.0.0.1");
    CHECK(defaults.port == 8080);
    CHECK_FALSE(defaults.scaled_out());

    auto file = write_file(dir / "gateway.json", R"({"listen": {"port": "9090", "io_threads": 3},
        "auth": {"api_keys": [{"key": "k-0123456789abcdef", "subject": "ann", "tenant": "acme", "scopes": ["polymcp:admin"]}]},
        "connectors": {"max_per_user": 7, "allow_loopback": true}})");
    auto c = gw::load(file.string());
    CHECK(c.port == 9090);
    CHECK(c.io_threads == 3);
    REQUIRE(c.api_keys.size() == 1);
    CHECK(c.api_keys[0].who.scopes == std::vector<std::string>{"polymcp:admin"});
    CHECK(c.manager.connectors.max_per_user == 7);
    CHECK(c.manager.validation.upstream.ssrf.allow_loopback);

    ::setenv("POLYMCP_GATEWAY_PORT", "7070", 1);
    CHECK(gw::load(file.string()).port == 7070);
    ::setenv("POLYMCP_GATEWAY_PORT", "70000", 1);
    CHECK_THROWS_WITH(gw::load(file.string()), Catch::Contains("POLYMCP_GATEWAY_PORT must be a port number"));
    ::unsetenv("POLYMCP_GATEWAY_PORT");

    CHECK_THROWS_WITH(gw::load(write_file(dir / "stdio.json", R"({"connectors": {"users_may_add_stdio": true}})").string()),
                      Catch::Contains("users never choose a command"));
    CHECK_THROWS_WITH(gw::load(write_file(dir / "tenantless.json", R"({"auth": {"api_keys": [{"key": "k", "subject": "x"}]}})").string()),
                      Catch::Contains("needs a 'tenant'"));
    CHECK_THROWS_WITH(gw::load(write_file(dir / "half.json", R"({"storage": {"redis": "127.0.0.1:6390"}})").string()),
                      Catch::Contains("needs both Redis"));
    CHECK_THROWS_WITH(gw::load(write_file(dir / "zero.json", R"({"connectors": {"max_per_user": 0}})").string()),
                      Catch::Contains("max_per_user must be a whole number"));
    CHECK_THROWS_WITH(gw::load((dir / "missing.json").string()), Catch::Contains("cannot read"));
    fs::remove_all(dir);
}

TEST_CASE("gateway::prepare_data_dir: creates a private directory, refuses one it did not create", "[gateway][data]") {
    auto dir = scratch("data");
    gw::prepare_data_dir(dir);
    struct stat info{};
    REQUIRE(::stat(dir.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0700);
    CHECK(fs::exists(dir / gw::data_dir_marker));
    gw::prepare_data_dir(dir);  // again: it is ours

    auto foreign = scratch("foreign");
    fs::create_directories(foreign);
    write_file(foreign / "notes.txt", "someone else's");
    CHECK_THROWS_WITH(gw::prepare_data_dir(foreign), Catch::Contains("was not created by the gateway"));
    auto link = scratch("link");
    fs::create_directory_symlink(dir, link);
    CHECK_THROWS_WITH(gw::prepare_data_dir(link), Catch::Contains("is not a directory"));

    SECTION("secret files are made once, private, and read back") {
        int made = 0;
        auto [s1, created1] = gw::secret_file(dir / "k", [&] { ++made; return std::string("s3cret"); });
        auto [s2, created2] = gw::secret_file(dir / "k", [&] { ++made; return std::string("other"); });
        CHECK(created1);
        CHECK_FALSE(created2);
        CHECK(s1 == "s3cret");
        CHECK(s2 == "s3cret");
        CHECK(made == 1);
        REQUIRE(::stat((dir / "k").c_str(), &info) == 0);
        CHECK((info.st_mode & 0777) == 0600);
    }
    SECTION("the cipher and the administrator key come from the data directory when not configured") {
        gw::config cfg;
        std::vector<std::string> said;
        auto say = [&](const std::string& s) { said.push_back(s); };
        auto ring = gw::make_cipher(cfg, dir, say);
        auto again = gw::make_cipher(cfg, dir, say);
        CHECK(again.decrypt(ring.encrypt("x")) == "x");  // the same key, read back
        auto policy = gw::make_auth_policy(cfg, dir, say);
        std::ifstream f(dir / "admin.key");
        std::string admin_key;
        std::getline(f, admin_key);
        polymcp::http::fields h;
        h.add("X-API-Key", admin_key);
        auth::auth_request r;
        r.headers = &h;
        auto who = policy.authenticate(r);
        REQUIRE(who);
        CHECK(who.who().scopes == std::vector<std::string>{cfg.admin_scope});
        for (const auto& line : said) CHECK(line.find(admin_key) == std::string::npos);  // never printed
        cfg.encryption_keys = "not-a-key";
        CHECK_THROWS_WITH(gw::make_cipher(cfg, dir, say), Catch::Contains("not Fernet keys"));

        // JWT: the keys from a JWK Set file (or a JWKS URL, auth::key_source_from).
        cfg.jwt = gw::jwt_settings{.jwks = (dir / "missing.jwks").string(), .issuer = "https://as.example"};
        CHECK_THROWS_WITH(gw::make_auth_policy(cfg, dir, say), Catch::Contains("cannot read the JWK Set"));
        cfg.jwt->jwks = write_file(dir / "bad.jwks", "{not json").string();
        CHECK_THROWS_WITH(gw::make_auth_policy(cfg, dir, say), Catch::Contains("is not JSON"));
        cfg.jwt->jwks = write_file(dir / "empty.jwks", R"({"keys": []})").string();
        polymcp::http::fields bearer;
        bearer.add("Authorization", "Bearer not.a.jwt");
        auth::auth_request br;
        br.headers = &bearer;
        auto jwt_policy = gw::make_auth_policy(cfg, dir, say);
        CHECK(jwt_policy.name() == "jwt");
        auto no = jwt_policy.authenticate(br);
        REQUIRE_FALSE(no);
        CHECK(no.rejection().status == 401);
    }
    fs::remove(link);
    fs::remove_all(foreign);
    fs::remove_all(dir);
}
