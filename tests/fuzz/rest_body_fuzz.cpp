// libFuzzer target for the gateway's REST bodies: bytes as the JSON body of
// a connector, a catalog server, a category, or a PATCH of each, through the
// connector manager's readers and validators on in-memory storage (endpoint
// members, credential variables and their refusal list, auth_config forms,
// names, ids, catalog rules). The first byte chooses the kind; the rest is
// the body. Nothing is connected: a body that would start a connection test
// is checked by the same validators the test runs first.
//
// Invariants checked: nothing crashes, hangs or throws anything but a
// connector_error with a 4xx status; every record an operation returns
// serializes as strict UTF-8 and never contains a string of the body's
// `auth_config` (sealed, write-only); a stdio server's declared credential
// variables all pass the refusal list.
//
// Build: clang++ with -fsanitize=fuzzer,address,undefined (CMake option
// POLYMCP_BUILD_FUZZERS with clang); run with -max_total_time=30.

#include <polymcp/connectors/environment.hpp>
#include <polymcp/connectors/bodies.hpp>
#include <polymcp/connectors/manager.hpp>
#include <polymcp/crypto/fernet.hpp>
#include <polymcp/storage/memory.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>

#include <cstdint>
#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

namespace pc = polymcp::connectors;
namespace st = polymcp::storage;
using nlohmann::json;
using manager = pc::connector_manager<st::memory_storage, polymcp::crypto::fernet>;

const pc::caller admin{"t1", "carol", true};
const pc::caller alice{"t1", "alice"};

// The strings of `j`, recursively (an auth_config's secrets among them).
void strings_of(const json& j, std::vector<std::string>& out) {
    if (j.is_string()) out.push_back(j.get<std::string>());
    if (j.is_structured())
        for (const auto& x : j) strings_of(x, out);
}

// A record's JSON: strict UTF-8, no sealed member, and none of `secrets` in it.
void check_record(const json& record, const std::vector<std::string>& secrets) {
    if (record.is_object() && (record.contains("auth_config") || record.contains("auth_sealed"))) std::abort();
    std::string text;
    try {
        text = record.dump(-1, ' ', false, json::error_handler_t::strict);
    } catch (const json::exception&) {
        std::abort();
    }
    for (const auto& s : secrets)
        if (text.find(s) != std::string::npos) std::abort();
}

void check_error(const pc::connector_error& e) {
    const auto status = pc::response_status(e.value());
    if (status < 400 || status >= 500) std::abort();
    check_record(json(e.what()), {});
}

asio::awaitable<void> one_input(std::shared_ptr<manager> m, unsigned kind, json body) {
    // The auth_config's strings of 16 bytes or more that appear nowhere else
    // in the body: a record that contains one leaked a sealed secret.
    std::vector<std::string> secrets;
    if (body.is_object() && body.contains("auth_config")) {
        strings_of(body["auth_config"], secrets);
        json rest = body;
        rest.erase("auth_config");
        const std::string baseline = rest.dump(-1, ' ', false, json::error_handler_t::replace);
        std::erase_if(secrets, [&](const std::string& x) { return x.size() < 16 || baseline.find(x) != std::string::npos; });
    }
    try {
        switch (kind % 4) {
            case 0: {  // a catalog server, then the same bytes as its PATCH
                auto s = co_await m->create_server(admin, body);
                check_record(s.to_json(), secrets);
                check_record(s.to_json(false), secrets);
                for (const auto& name : s.server.credential_env)
                    if (!pc::credential_env_refusal(name).empty()) std::abort();
                std::string id = s.id;
                auto u = co_await m->update_server(admin, id, body);
                check_record(u.to_json(), secrets);
                auto seen = co_await m->servers().list_servers(alice);
                for (const auto& x : seen) check_record(x.to_json(false), secrets);
                co_await m->delete_server(admin, id);
                break;
            }
            case 1: {  // a category, then the same bytes as its PATCH
                auto c = co_await m->servers().create_category(admin, body);
                check_record(c.to_json(), {});
                std::string id = c.id;
                auto u = co_await m->servers().update_category(admin, id, body);
                check_record(u.to_json(), {});
                co_await m->servers().delete_category(admin, id);
                break;
            }
            case 2: {  // a connector body: what is checked before its connection test
                pc::connector_body fields;
                pc::endpoint_fields endpoint_members;
                pc::decode_body(body, fields, endpoint_members);
                pc::check_name("/name", fields.name, true);
                if (fields.description) pc::check_text("/description", *fields.description);
                auto ep = pc::endpoint::from_json(body);
                json config = body.contains("auth_config") ? body["auth_config"] : json();
                config = pc::with_default_env(std::move(config), ep);
                pc::validate_auth_config(config, ep);
                check_record(ep.to_json(), secrets);
                check_record(ep.to_public_json(), secrets);
                break;
            }
            default: {  // a PATCH of a stored connector (members that need no new test)
                if (body.is_object() && (body.contains("auth_config") || body.contains("url") || body.contains("command") ||
                                         body.contains("transport") || body.contains("headers") || body.contains("query") ||
                                         body.contains("args") || body.contains("env") || body.contains("credential_env")))
                    break;
                pc::connector c;
                c.name = "stored";
                c.server = pc::endpoint::from_json({{"url", "https://mcp.example.com/mcp"}});
                auto stored = co_await m->connectors().insert(alice, c, json{{"type", "bearer"}, {"token", "sealed-token"}});
                std::string id = stored.id;
                auto u = co_await m->update_connector(alice, id, body);
                // The stored token must not show, unless the body itself spells it (a name, say).
                const bool spelled = body.dump(-1, ' ', false, json::error_handler_t::replace).find("sealed-token") !=
                                     std::string::npos;
                check_record(u.to_json(), spelled ? std::vector<std::string>{} : std::vector<std::string>{"sealed-token"});
                co_await m->delete_connector(alice, id);
                break;
            }
        }
    } catch (const pc::connector_error& e) {
        check_error(e);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const unsigned kind = data[0];
    auto body = json::parse(reinterpret_cast<const char*>(data) + 1, reinterpret_cast<const char*>(data) + size, nullptr, false);
    if (body.is_discarded()) return 0;  // the API answers 400 before any of this
    static const auto key = polymcp::crypto::fernet::generate_key();
    asio::io_context io;
    auto m = std::make_shared<manager>(io.get_executor(), std::make_shared<st::memory_storage>(),
                                       polymcp::crypto::fernet(key));
    bool done = false;
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        co_await m->define();
        co_await one_input(m, kind, std::move(body));
    }, [&](std::exception_ptr e) {
        if (e) std::abort();  // anything but a connector_error escaped
        done = true;
    });
    io.run();
    if (!done) std::abort();
    m->close_all();
    return 0;
}
