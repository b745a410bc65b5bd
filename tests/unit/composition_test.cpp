// polymcp::server<Transport, Auth, Storage, Cipher>: the policies a user names
// at compile time, and the role each plays in the composed server.
#include <catch2/catch.hpp>
#include <polymcp/auth/api_key.hpp>
#include <polymcp/crypto/fernet.hpp>
#include <polymcp/polymcp.hpp>
#include <polymcp/transport/streamable_http.hpp>

#include "support/session_harness.hpp"
#include "support/storage_backends.hpp"

#include <type_traits>

using nlohmann::json;
using test::harness;
namespace st = polymcp::storage;

namespace {

const json name_schema = {{"type", "object"}, {"properties", {{"name", {{"type", "string"}}}}}, {"required", {"name"}}};

// One tool that needs input from the client (a multi round-trip request).
polymcp::server_features greeter() {
    auto greet = polymcp::tool<"greet">("Asks for a name", [](polymcp::request_context& ctx) -> asio::awaitable<std::string> {
        std::string key = "user_name", method = "elicitation/create";
        json params = {{"message", "What is your name?"}, {"requestedSchema", name_schema}};
        auto r = co_await ctx.async_input(key, method, params, asio::use_awaitable);
        co_return "Hello, " + r["content"]["name"].get<std::string>() + "!";
    });
    return polymcp::features(polymcp::tools(greet));
}

json call(json id, json params) {
    params["_meta"] = {{"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
                       {"io.modelcontextprotocol/clientCapabilities", {{"elicitation", json::object()}}},
                       {"io.modelcontextprotocol/clientInfo", {{"name", "composition-test"}, {"version", "1"}}}};
    return harness::request(std::move(id), "tools/call", std::move(params));
}

// Asks `h` to greet; the requestState of the InputRequiredResult.
std::string ask(harness& h) {
    h.feed(call(1, {{"name", "greet"}}));
    REQUIRE(h.wait_new(1));
    auto r = h.take_response();
    REQUIRE(r["result"]["resultType"] == "input_required");
    return r["result"]["requestState"].get<std::string>();
}

// Answers through `h` with `state`; the response.
json answer(harness& h, const std::string& state, const std::string& name = "Alice") {
    h.feed(call(2, {{"name", "greet"},
                    {"inputResponses", {{"user_name", {{"action", "accept"}, {"content", {{"name", name}}}}}}},
                    {"requestState", state}}));
    REQUIRE(h.wait_new(1));
    return h.take_response();
}

bool is_handle(const std::string& s) {
    return s.size() == 32 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

using shared_backends = std::tuple<st::redis_storage, st::postgres_storage, polymcp::test::redis_postgres>;

}  // namespace

TEST_CASE("composition: the defaults are the smallest server: stdio, no auth, memory, no cipher", "[composition]") {
    polymcp::server srv({.info = {.name = "smallest", .version = "1"}}, greeter());
    STATIC_REQUIRE(std::is_same_v<decltype(srv), polymcp::server<polymcp::stdio_transport, polymcp::auth::no_auth,
                                                                 st::memory_storage, polymcp::crypto::no_cipher>>);
    CHECK(srv.core().options().auth.anonymous());
    CHECK(srv.storage() == nullptr);  // none given: nothing to hold

    SECTION("without a cipher the request state stays in the server's memory; the client holds a handle") {
        harness h(srv.core());
        const auto state = ask(h);
        CHECK(is_handle(state));
        harness other(srv.core());  // another session of the same server
        CHECK(answer(other, state)["result"]["content"][0]["text"] == "Hello, Alice!");
    }
    SECTION("a requestState that is not a handle is refused with -32602, whatever it names") {
        harness h(srv.core());
        (void)ask(h);
        const std::vector<std::string> refused = {"",
                                                  "../../etc/passwd",
                                                  "polymcp:request_state:*",
                                                  std::string(32, 'G'),
                                                  std::string(31, 'a'),
                                                  std::string(33, 'a'),
                                                  std::string(32, 'a')};  // well-formed, unknown
        for (const auto& bad : refused) {
            CAPTURE(bad);
            auto r = answer(h, bad);
            CHECK(r["error"]["code"] == -32602);
        }
    }
}

TEST_CASE("composition: without a cipher a storage keeps the request state under the client's handle",
          "[composition][storage]") {
    std::shared_ptr<st::sqlite_storage> storage(polymcp::test::backend<st::sqlite_storage>().make());
    polymcp::server srv({}, greeter(), polymcp::stdio_transport{}, polymcp::auth::no_auth{}, storage);
    STATIC_REQUIRE(std::is_same_v<decltype(srv)::storage_type, st::sqlite_storage>);
    harness h(srv.core());
    const auto state = ask(h);
    REQUIRE(is_handle(state));
    std::error_code ec;
    auto kept = storage->get("polymcp:request_state:" + state, ec);
    REQUIRE_FALSE(ec);
    REQUIRE(kept.has_value());
    CHECK(json::parse(*kept)["b"]["params"]["name"] == "greet");
    CHECK(answer(h, state)["result"]["content"][0]["text"] == "Hello, Alice!");
    // Gone from the storage, gone for the client.
    storage->erase("polymcp:request_state:" + state, ec);
    CHECK(answer(h, state)["error"]["code"] == -32602);
}

TEMPLATE_LIST_TEST_CASE("composition: two servers on one shared storage resume each other's requests",
                        "[composition][storage]", shared_backends) {
    polymcp::test::backend<TestType> b;
    std::shared_ptr<TestType> one(b.make()), two(b.peer());
    polymcp::server a({}, greeter(), polymcp::stdio_transport{}, polymcp::auth::no_auth{}, one);
    polymcp::server c({}, greeter(), polymcp::stdio_transport{}, polymcp::auth::no_auth{}, two);
    harness on_a(a.core()), on_c(c.core());
    const auto state = ask(on_a);
    CHECK(is_handle(state));
    CHECK(answer(on_c, state, "Bea")["result"]["content"][0]["text"] == "Hello, Bea!");

    // A server on another deployment's storage does not know the handle.
    std::shared_ptr<TestType> elsewhere(polymcp::test::backend<TestType>().make());
    polymcp::server d({}, greeter(), polymcp::stdio_transport{}, polymcp::auth::no_auth{}, elsewhere);
    harness on_d(d.core());
    CHECK(answer(on_d, state)["error"]["code"] == -32602);
}

TEST_CASE("composition: a cipher seals the request state and nothing is kept in the storage", "[composition][crypto]") {
    const auto key = polymcp::crypto::fernet::generate_key();
    auto storage = std::make_shared<st::memory_storage>();
    polymcp::server srv({}, greeter(), polymcp::stdio_transport{}, polymcp::auth::no_auth{}, storage,
                        polymcp::crypto::fernet(key));
    STATIC_REQUIRE(std::is_same_v<decltype(srv)::cipher_type, polymcp::crypto::fernet>);
    harness h(srv.core());
    const auto state = ask(h);
    CHECK(state.rfind("gAAAAA", 0) == 0);
    std::error_code ec;
    CHECK(storage->scan("polymcp:", "", 100, ec).keys.empty());
    // Sealed for this purpose only: the plaintext's first line names it.
    const auto plain = polymcp::crypto::fernet(key).decrypt(state, {});
    CHECK(plain.rfind("polymcp request state v1\n", 0) == 0);
    CHECK(json::parse(plain.substr(plain.find('\n') + 1))["b"]["params"]["name"] == "greet");

    SECTION("another server with the key resumes it") {
        polymcp::server other({}, greeter(), polymcp::stdio_transport{}, polymcp::auth::no_auth{},
                              std::make_shared<st::memory_storage>(), polymcp::crypto::fernet(key));
        harness o(other.core());
        CHECK(answer(o, state)["result"]["content"][0]["text"] == "Hello, Alice!");
    }
    SECTION("a token the same key sealed for another purpose is refused, even with a well-formed payload") {
        json payload = json::parse(plain.substr(plain.find('\n') + 1));
        const auto forged = polymcp::crypto::fernet(key).encrypt(payload.dump(), {});
        CHECK(answer(h, forged)["error"]["code"] == -32602);
    }
}

TEST_CASE("composition: the Auth policy is the server's auth, and a second one is refused", "[composition][auth]") {
    polymcp::auth::api_key_auth keys;
    keys.add("composition-key-0123456789", {.subject = "ann", .tenant = "t1"});
    polymcp::server srv({}, greeter(), polymcp::stdio_transport{}, keys);
    STATIC_REQUIRE(std::is_same_v<decltype(srv)::auth_type, polymcp::auth::api_key_auth>);
    const auto& policy = srv.core().options().auth;
    CHECK_FALSE(policy.anonymous());
    polymcp::http::fields with_key, without;
    with_key.add("X-API-Key", "composition-key-0123456789");
    polymcp::auth::auth_request r;
    r.headers = &with_key;
    auto ok = policy.authenticate(r);
    REQUIRE(ok);
    CHECK(ok.who().subject == "ann");
    r.headers = &without;
    CHECK_FALSE(policy.authenticate(r));

    polymcp::server_options set;
    set.auth = keys;
    CHECK_THROWS_WITH((polymcp::server({.auth = keys}, greeter())),
                      Catch::Contains("server_options::auth is set but the server's Auth policy is auth::no_auth"));
    CHECK_THROWS_WITH((polymcp::server(set, greeter(), polymcp::stdio_transport{}, keys)),
                      Catch::Contains("both server_options::auth and the server's Auth policy are set"));
}

TEST_CASE("composition: a server on the application's io_context serves on it", "[composition]") {
    asio::io_context io;
    polymcp::server<polymcp::streamable_http_transport> srv(io, {}, greeter());
    CHECK(&srv.core().io() == &io);
    harness h(srv.core());
    const auto state = ask(h);  // the session ran on `io`
    CHECK(is_handle(state));
    CHECK(io.stopped());  // run to completion by the harness: nothing of the server keeps it busy
}
