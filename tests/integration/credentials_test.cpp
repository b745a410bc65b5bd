// Tenant credentials resolved once per call, in two steps, over real HTTP: the tenant comes from the caller's principal
// (API keys mapped to tenants), the credentials from a storage policy
// (memory), decrypted with a cipher policy (Fernet), and handed to the
// handler as a typed value. Failures have one shape.

#include <polymcp/auth.hpp>
#include <polymcp/tool_auth/tenant_credentials.hpp>
#include <polymcp/crypto/fernet.hpp>
#include <polymcp/polymcp.hpp>
#include <polymcp/storage/memory.hpp>
#include <polymcp/transport/streamable_http.hpp>

#include "support/http_client.hpp"
#include "support/log_capture.hpp"
#include "support/running_server.hpp"

#include <catch2/catch.hpp>

#include <asio/bind_executor.hpp>
#include <asio/io_context.hpp>
#include <asio/strand.hpp>

#include <atomic>
#include <thread>

using nlohmann::json;
using polymcp::test::http_client;
namespace auth = polymcp::auth;

namespace {

struct sms_account {
    BOOST_HANA_DEFINE_STRUCT(sms_account, (std::string, account_sid), (std::string, auth_token));
};
struct sms_args {
    BOOST_HANA_DEFINE_STRUCT(sms_args, (std::string, to));
};
struct sent {
    BOOST_HANA_DEFINE_STRUCT(sent, (std::string, account_sid), (std::string, to));
};

using store_type = polymcp::tool_auth::credential_store<polymcp::storage::memory_storage, polymcp::crypto::fernet>;

std::string key_of(int i) { return "tenant-key-" + std::to_string(1000 + i) + "-abcdefghij"; }

struct credentials_fixture {
    polymcp::test::log_capture log;
    std::shared_ptr<polymcp::storage::memory_storage> storage = std::make_shared<polymcp::storage::memory_storage>();
    std::shared_ptr<store_type> store =
        std::make_shared<store_type>(storage, polymcp::crypto::fernet(polymcp::crypto::fernet::key_type::generate()));
    std::atomic<int> storage_touched_by_handler{0};
    std::unique_ptr<polymcp::test::running_server> running;
    unsigned short port = 0;

    credentials_fixture() {
        std::error_code ec;
        store->define(ec);
        REQUIRE_FALSE(ec);
        auth::api_key_auth keys;
        for (int i = 0; i < 100; ++i) keys.add(key_of(i), {.subject = "user-" + std::to_string(i), .tenant = "tenant-" + std::to_string(i)});
        keys.add("no-tenant-key-0123456789", {.subject = "loner"});         // a principal without a tenant
        keys.add("unknown-tenant-key-012345", {.subject = "x", .tenant = "ghost"});  // a tenant with nothing stored
        // Tenants 0..99 get credentials; tenant-7's are deactivated.
        for (int i = 0; i < 100; ++i) {
            store->put("tenant-" + std::to_string(i), "sms",
                       sms_account{"AC" + std::to_string(i), "token-" + std::to_string(i)}, ec);
            REQUIRE_FALSE(ec);
        }
        store->set_active("tenant-7", "sms", false, ec);
        REQUIRE_FALSE(ec);

        auto tools = polymcp::tools(
            polymcp::tool<"send_sms">("Sends an SMS with the tenant's account",
                                      polymcp::tool_auth::with_tenant_credentials<sms_account>(
                                          store, "sms",
                                          [](sms_args a, const sms_account& acct, polymcp::request_context&) {
                                              return sent{acct.account_sid, a.to};
                                          })),
            polymcp::tool<"failing">("Throws after the credentials resolved",
                                     polymcp::tool_auth::with_tenant_credentials<sms_account>(
                                         store, "sms",
                                         [](sms_args, const sms_account&, polymcp::request_context&) -> std::string {
                                             throw std::runtime_error("the SMS gateway said no");
                                         })));
        polymcp::server_options so;
        so.diagnostics = log.sink();
        so.io_threads = 2;
        polymcp::streamable_http_options ho;
        ho.http.diagnostics = log.sink();
        running = std::make_unique<polymcp::test::running_server>(so, tools, ho, keys);
        port = running->port();
    }

    // initialize + one tools/call as the holder of `key`; the call's result.
    json call(const std::string& key, const std::string& tool, const std::string& to = "+15550100") {
        http_client c(port);
        auto headers = "Accept: application/json, text/event-stream\r\nContent-Type: application/json\r\nX-API-Key: " + key + "\r\n";
        c.send(polymcp::test::make_request(
            "POST", "/mcp",
            json{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "initialize"},
                 {"params", {{"protocolVersion", "2025-11-25"}, {"capabilities", json::object()},
                             {"clientInfo", {{"name", "t"}, {"version", "1"}}}}}}.dump(),
            headers));
        auto init = c.read();
        REQUIRE(init);
        REQUIRE(init->status == 200);
        auto sid = init->field("mcp-session-id");
        c.send(polymcp::test::make_request(
            "POST", "/mcp",
            json{{"jsonrpc", "2.0"}, {"id", 2}, {"method", "tools/call"},
                 {"params", {{"name", tool}, {"arguments", {{"to", to}}}}}}.dump(),
            headers + "Mcp-Session-Id: " + sid + "\r\n"));
        auto r = c.read();
        REQUIRE(r);
        REQUIRE(r->status == 200);
        return json::parse(r->body)["result"];
    }
};

void check_error(const json& result, const std::string& type) {
    CHECK(result["isError"] == true);
    const auto& sc = result["structuredContent"];
    CHECK(sc["error"] == true);
    CHECK(sc["error_type"] == type);
    CHECK(sc["message"].is_string());
    CHECK(result["content"][0]["text"] == sc["message"]);
}

}  // namespace

TEST_CASE("Tenant credentials: the handler gets the calling tenant's credentials as a typed value", "[auth][credentials]") {
    credentials_fixture f;
    auto r = f.call(key_of(3), "send_sms", "+15550103");
    CHECK_FALSE(r.value("isError", false));
    CHECK(r["structuredContent"]["account_sid"] == "AC3");
    CHECK(r["structuredContent"]["to"] == "+15550103");
    CHECK_FALSE(f.log.logged("token-3"));  // credentials never logged
}

TEST_CASE("Tenant credentials: missing tenant, missing credentials, unknown tenant and handler failures share one error shape",
          "[auth][credentials]") {
    credentials_fixture f;
    SECTION("no tenant in the principal: missing_context") {
        auto r = f.call("no-tenant-key-0123456789", "send_sms");
        check_error(r, "missing_context");
    }
    SECTION("a tenant whose credentials are deactivated: missing_credentials") {
        auto r = f.call(key_of(7), "send_sms");
        check_error(r, "missing_credentials");
        CHECK(r["structuredContent"]["message"].get<std::string>().find("tenant-7") != std::string::npos);
    }
    SECTION("an unknown tenant: missing_credentials") {
        check_error(f.call("unknown-tenant-key-012345", "send_sms"), "missing_credentials");
    }
    SECTION("the handler throws: execution_error") {
        auto r = f.call(key_of(1), "failing");
        check_error(r, "execution_error");
        CHECK(r["structuredContent"]["message"].get<std::string>().find("the SMS gateway said no") != std::string::npos);
    }
    SECTION("a ciphertext moved to another tenant's record does not decrypt there: execution_error") {
        std::error_code ec;
        auto a = f.storage->read(f.store->options().collection, "tenant-1/sms", ec);
        auto b = f.storage->read(f.store->options().collection, "tenant-2/sms", ec);
        REQUIRE(a);
        REQUIRE(b);
        auto data = b->data;
        data["secret"] = a->data["secret"];  // tenant-1's secret in tenant-2's record
        f.storage->update(f.store->options().collection, "tenant-2/sms", data, std::nullopt, ec);
        REQUIRE_FALSE(ec);
        check_error(f.call(key_of(2), "send_sms"), "execution_error");
        CHECK(f.call(key_of(1), "send_sms")["structuredContent"]["account_sid"] == "AC1");
    }
}

TEST_CASE("Tenant credentials: 100 concurrent calls from different tenants each get their own", "[auth][credentials]") {
    credentials_fixture f;
    std::atomic<int> right{0}, wrong{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 100; ++i)
        threads.emplace_back([&, i] {
            if (i == 7) return;  // deactivated
            try {
                auto r = f.call(key_of(i), "send_sms", "+1555" + std::to_string(i));
                if (r["structuredContent"]["account_sid"] == "AC" + std::to_string(i) &&
                    r["structuredContent"]["to"] == "+1555" + std::to_string(i))
                    ++right;
                else
                    ++wrong;
            } catch (...) {
                ++wrong;
            }
        });
    for (auto& t : threads) t.join();
    CHECK(right == 99);
    CHECK(wrong == 0);
}

TEST_CASE("credential_store::async_active completes on the caller's executor, never on a system thread", "[auth][credentials]") {
    auto storage = std::make_shared<polymcp::storage::memory_storage>();
    store_type store(storage, polymcp::crypto::fernet(polymcp::crypto::fernet::key_type::generate()));
    std::error_code ec;
    store.define(ec);
    store.put("t1", "sms", sms_account{"AC1", "x"}, ec);
    REQUIRE_FALSE(ec);
    asio::io_context io;
    auto strand = asio::make_strand(io);
    bool on_strand = false, found = false;
    store.async_active("t1", "sms", asio::bind_executor(strand, [&](std::error_code e, std::optional<json> v) {
                           on_strand = strand.running_in_this_thread();
                           found = !e && v && (*v)["account_sid"] == "AC1";
                       }));
    io.run();
    CHECK(on_strand);
    CHECK(found);
}
