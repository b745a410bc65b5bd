// The parts of polymcp/gateway/ a gateway is composed from, through their
// public API: the session auth policy, the configuration, the data directory
// and the policy objects made from a configuration, and the web page's files.
#include <catch2/catch.hpp>
#include <polymcp/gateway/config.hpp>
#include <polymcp/gateway/data_dir.hpp>
#include <polymcp/gateway/page_sign_in.hpp>
#include <polymcp/gateway/policies.hpp>
#include <polymcp/gateway/session_auth.hpp>
#include <polymcp/gateway/web_files.hpp>

#include <polymcp/crypto/fernet.hpp>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

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
    CHECK(defaults.web_root.empty());
    CHECK(defaults.web_enabled);

    auto file = write_file(dir / "gateway.json", R"({"listen": {"port": "9090", "io_threads": 3},
        "auth": {"api_keys": [{"key": "k-0123456789abcdef", "subject": "ann", "tenant": "acme", "scopes": ["polymcp:admin"]}]},
        "connectors": {"max_per_user": 7, "allow_loopback": true}, "web": {"root": "/srv/page", "enabled": false}})");
    auto c = gw::load(file.string());
    CHECK(c.port == 9090);
    CHECK(c.io_threads == 3);
    REQUIRE(c.api_keys.size() == 1);
    CHECK(c.api_keys[0].who.scopes == std::vector<std::string>{"polymcp:admin"});
    CHECK(c.manager.connectors.max_per_user == 7);
    CHECK(c.manager.validation.upstream.ssrf.allow_loopback);
    CHECK(c.web_root == "/srv/page");
    CHECK_FALSE(c.web_enabled);
    ::setenv("POLYMCP_GATEWAY_WEB_ROOT", "/opt/page", 1);
    CHECK(gw::load(file.string()).web_root == "/opt/page");
    ::unsetenv("POLYMCP_GATEWAY_WEB_ROOT");

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
    CHECK_THROWS_WITH(gw::load(write_file(dir / "public.json", R"({"public_url": "gw.example"})").string()),
                      Catch::Contains("public_url must be an http(s) URL"));
    CHECK(gw::load(write_file(dir / "public2.json", R"({"public_url": "https://gw.example/"})").string()).public_url ==
          "https://gw.example");

    // The gateway as an OAuth protected resource: its metadata names the authorization server.
    auto rs = gw::load(write_file(dir / "resource.json", R"({"auth": {"jwt": {"jwks": "https://as.example/jwks",
        "issuer": "https://as.example", "resource": "https://gw.example/mcp", "scopes": ["mcp"], "default_tenant": "acme"}}})")
                           .string());
    REQUIRE(rs.jwt);
    CHECK(rs.jwt->resource == "https://gw.example/mcp");
    CHECK(rs.jwt->scopes == std::vector<std::string>{"mcp"});
    auto policy = gw::make_auth_policy(rs, dir, [](const std::string&) {});
    auto docs = policy.documents();
    REQUIRE(docs.size() >= 1);
    CHECK(docs[0].path == "/.well-known/oauth-protected-resource/mcp");
    auto prm = json::parse(docs[0].body);
    CHECK(prm["resource"] == "https://gw.example/mcp");
    CHECK(prm["authorization_servers"] == json::array({"https://as.example"}));
    fs::remove_all(dir);
}

TEST_CASE("gateway::page_sign_in: a pending sign-in opens only where it was sealed, and only for a while",
          "[gateway][auth]") {
    asio::io_context io;
    auto key = polymcp::crypto::fernet::generate_key();
    auto page = gw::page_sign_in::with_cipher(io.get_executor(), polymcp::crypto::fernet(key));
    CHECK_FALSE(page->enabled());
    gw::page_sign_in::settings s;
    s.resource = "https://gw.example/mcp";
    s.redirect_uri = "https://gw.example/auth/callback";
    page->configure(s);
    CHECK(page->enabled());
    CHECK(page->redirect_uri() == "https://gw.example/auth/callback");

    auto complete = [&](std::string pending) {
        std::string message;
        asio::co_spawn(io, page->complete("code=c&state=s", std::move(pending)), [&](std::exception_ptr e, json) {
            try {
                if (e) std::rethrow_exception(e);
            } catch (const std::invalid_argument& x) {
                message = x.what();
            } catch (const std::exception& x) {
                message = std::string("unexpected: ") + x.what();
            }
        });
        io.restart();
        io.run();
        return message;
    };
    // Not sealed by this gateway: refused before any request.
    CHECK_THAT(complete("garbage"), Catch::Contains("does not belong to this page"));
    polymcp::crypto::sealer<polymcp::crypto::fernet> other{polymcp::crypto::fernet(polymcp::crypto::fernet::generate_key())};
    CHECK_THAT(complete(other.seal(gw::page_sign_in::purpose, {"page"}, json{{"created_at", 0}})),
               Catch::Contains("does not belong to this page"));
    // Sealed here, but begun too long ago.
    polymcp::crypto::sealer<polymcp::crypto::fernet> same{polymcp::crypto::fernet(key)};
    CHECK_THAT(complete(same.seal(gw::page_sign_in::purpose, {"page"}, json{{"created_at", 1}})),
               Catch::Contains("took too long"));
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

namespace {

polymcp::http::request web_request(std::string method, std::string target, std::string if_none_match = {}) {
    polymcp::http::request r;
    r.method = std::move(method);
    r.target = std::move(target);
    if (!if_none_match.empty()) r.fields.add("If-None-Match", std::move(if_none_match));
    return r;
}

void check_security_headers(const polymcp::http::response& r) {
    const auto csp = std::string(r.fields.get("Content-Security-Policy").value_or(""));
    CHECK(csp.find("frame-ancestors 'none'") != std::string::npos);
    CHECK(csp.find("script-src 'self'") != std::string::npos);
    CHECK(csp.find("unsafe-inline") == std::string::npos);
    CHECK(csp.find("unsafe-eval") == std::string::npos);
    CHECK(r.fields.get("Referrer-Policy") == "no-referrer");
    CHECK(r.fields.get("X-Content-Type-Options") == "nosniff");
}

}  // namespace

TEST_CASE("gateway::web_files: the files read at load, index.html for the page's routes, security headers on all",
          "[gateway][web]") {
    const auto root = scratch("web");
    fs::create_directories(root / "assets");
    write_file(root / "index.html", "<!doctype html><title>gateway</title>");
    write_file(root / "assets" / "index-3f2a.js", "console.log(1)");
    write_file(root / "favicon.svg", "<svg/>");
    const auto secret = write_file(scratch("web-secret"), "not for the page");
    fs::create_symlink(secret, root / "secret.txt");
    const auto web = gw::web_files::load(root);
    CHECK(web.size() == 3);  // the link is not read

    SECTION("a file, by its exact path") {
        auto r = web.respond(web_request("GET", "/assets/index-3f2a.js?v=1"));
        CHECK(r.status == 200);
        CHECK(r.body == "console.log(1)");
        CHECK(r.fields.get("Content-Type") == "text/javascript; charset=utf-8");
        CHECK(r.fields.get("Cache-Control") == "public, max-age=31536000, immutable");
        check_security_headers(r);
        r = web.respond(web_request("GET", "/favicon.svg"));
        CHECK(r.fields.get("Content-Type") == "image/svg+xml");
        CHECK(r.fields.get("Cache-Control") == "no-cache");
    }
    SECTION("/ and the page's own routes are index.html, revalidated each time") {
        for (const char* path : {"/", "/connectors", "/connectors/con_123/edit", "/catalog?category=ctg_1"}) {
            auto r = web.respond(web_request("GET", path));
            INFO(path);
            CHECK(r.status == 200);
            CHECK(r.body == "<!doctype html><title>gateway</title>");
            CHECK(r.fields.get("Content-Type") == "text/html; charset=utf-8");
            CHECK(r.fields.get("Cache-Control") == "no-cache");
            check_security_headers(r);
        }
    }
    SECTION("nothing else: no other file, however the path is spelled") {
        for (const char* path : {"/secret.txt", "/assets/missing.js", "/../../etc/passwd", "/assets/../index.html",
                                 "/%2e%2e/%2e%2e/etc/passwd", "/index.html/", "//etc/passwd.txt", "/assets/INDEX-3F2A.JS"}) {
            auto r = web.respond(web_request("GET", path));
            INFO(path);
            if (r.status == 200) {
                CHECK(r.body == "<!doctype html><title>gateway</title>");  // a route of the page, never another file
            } else {
                CHECK(r.status == 404);
            }
            check_security_headers(r);
        }
        CHECK(web.respond(web_request("GET", "/secret.txt")).status == 404);
        CHECK(web.respond(web_request("GET", "/assets/../index.html")).status == 404);
    }
    SECTION("HEAD has no body; other methods are 405 with Allow") {
        auto r = web.respond(web_request("HEAD", "/"));
        CHECK(r.status == 200);
        CHECK(r.body.empty());
        CHECK(r.fields.get("Content-Type") == "text/html; charset=utf-8");
        for (const char* m : {"POST", "PUT", "DELETE", "OPTIONS"}) {
            r = web.respond(web_request(m, "/"));
            CHECK(r.status == 405);
            CHECK(r.fields.get("Allow") == "GET, HEAD");
            check_security_headers(r);
        }
    }
    SECTION("If-None-Match with the file's entity tag is 304") {
        const auto etag = std::string(web.respond(web_request("GET", "/favicon.svg")).fields.get("ETag").value_or(""));
        REQUIRE(etag.size() > 2);
        CHECK(etag.front() == '"');
        for (const std::string& inm : {etag, "W/" + etag, "\"other\", " + etag, std::string("*")}) {
            auto r = web.respond(web_request("GET", "/favicon.svg", inm));
            INFO(inm);
            CHECK(r.status == 304);
            CHECK(r.body.empty());
            CHECK(r.fields.get("ETag") == etag);
        }
        CHECK(web.respond(web_request("GET", "/favicon.svg", "\"other\"")).status == 200);
        CHECK(web.respond(web_request("GET", "/index.html")).fields.get("ETag") != etag);
    }
    fs::remove_all(root);
    fs::remove(secret);
}

TEST_CASE("gateway::web_files::load: a directory with index.html, within its limits", "[gateway][web]") {
    const auto root = scratch("web-limits");
    fs::create_directories(root);
    auto message = [&](gw::web_files_limits limits) {
        try {
            (void)gw::web_files::load(root, limits);
        } catch (const std::runtime_error& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    CHECK(message({}).find("has no index.html") != std::string::npos);
    CHECK(message({}).find(root.string()) != std::string::npos);
    write_file(root / "index.html", std::string(100, 'x'));
    write_file(root / "app.js", std::string(100, 'y'));
    CHECK(message({}).empty());
    CHECK(message({.max_files = 1}).find("more than 1 files") != std::string::npos);
    CHECK(message({.max_bytes = 150}).find("more than 150 bytes") != std::string::npos);
    CHECK(message({.max_files = 2, .max_bytes = 200}).empty());
    fs::remove_all(root);
}
