// The reference multi-tenant MCP gateway (docs/gateway.md).
//
// Users register their own MCP servers as connectors (tested first, their
// credentials sealed), connect them per session, and an agent reaches the
// aggregated tools of its session through one MCP endpoint, each call
// forwarded upstream with the user's own credentials. Beside the MCP
// endpoint (/mcp) a JSON API manages connectors, the server catalog and its
// categories (/api/...), with /healthz and /readyz.
//
// usage: gateway [--config FILE] [--address ADDR] [--port N] [--data-dir DIR]
//                [--demo --demo-everything PATH [--demo-node NODE --demo-server-everything JS]]
//
// With no configuration it runs on one machine: records in SQLite under the
// data directory, sessions in memory, a Fernet key generated there on first
// start, and an administrator API key generated there too. With Redis and
// PostgreSQL configured (POLYMCP_REDIS, POLYMCP_POSTGRES) any number of
// instances share all state behind a load balancer.

#include "api.hpp"
#include "config.hpp"

#include <polymcp/auth/api_key.hpp>
#include <polymcp/auth/jwks_client.hpp>
#include <polymcp/auth/jwt.hpp>
#include <polymcp/connectors/manager.hpp>
#include <polymcp/connectors/session_tools.hpp>
#include <polymcp/connectors/system_tools.hpp>
#include <polymcp/core/random.hpp>
#include <polymcp/core/version.hpp>
#include <polymcp/crypto/fernet.hpp>
#include <polymcp/crypto/key_ring.hpp>
#include <polymcp/polymcp.hpp>
#include <polymcp/storage/memory.hpp>
#include <polymcp/storage/postgres.hpp>
#include <polymcp/storage/redis.hpp>
#include <polymcp/storage/split.hpp>
#include <polymcp/storage/sqlite.hpp>
#include <polymcp/transport/streamable_http.hpp>

#include <asio/co_spawn.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pc = polymcp::connectors;
namespace st = polymcp::storage;
using nlohmann::json;
using cipher_type = polymcp::crypto::key_ring<polymcp::crypto::fernet>;

namespace {

struct command_line {
    std::string config_file, address, data_dir;
    int port = -1;
    bool demo = false;
    std::string demo_everything, demo_node, demo_server_everything;
};

int usage() {
    std::fprintf(stderr,
                 "usage: gateway [--config FILE] [--address ADDR] [--port N] [--data-dir DIR]\n"
                 "               [--demo --demo-everything PATH [--demo-node NODE --demo-server-everything JS]]\n");
    return 2;
}

void say(const std::string& s) { std::fprintf(stderr, "gateway: %s\n", s.c_str()); }

// Reads a secret file, or creates it with `make()` readable by its owner only.
// @return the content and whether it was created now
std::pair<std::string, bool> secret_file(const std::filesystem::path& path, const std::function<std::string()>& make) {
    if (std::ifstream f(path); f) {
        std::string s;
        std::getline(f, s);
        if (s.empty()) throw std::runtime_error(path.string() + " is empty");
        return {s, false};
    }
    std::filesystem::create_directories(path.parent_path());
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) throw std::runtime_error("cannot create " + path.string() + ": " + std::strerror(errno));
    std::string s = make();
    std::string line = s + "\n";
    bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    ::fsync(fd);
    ::close(fd);
    if (!ok) throw std::runtime_error("cannot write " + path.string());
    return {s, true};
}

// The data directory holds the encryption key, the administrator key and the
// SQLite records. The gateway creates it (mode 0700, with a marker file) or
// uses one it created before; it never changes the mode of a directory it
// did not create, since --data-dir may name any directory.
constexpr const char* data_dir_marker = ".polymcp-gateway";

void prepare_data_dir(const std::filesystem::path& dir) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const auto st = fs::symlink_status(dir, ec);
    if (!fs::exists(st)) {
        if (dir.has_parent_path() && !dir.parent_path().empty()) fs::create_directories(dir.parent_path());
        if (::mkdir(dir.c_str(), 0700) != 0)
            throw std::runtime_error("cannot create the data directory " + dir.string() + ": " + std::strerror(errno));
    } else {
        if (fs::is_symlink(st) || !fs::is_directory(st))
            throw std::runtime_error("the data directory " + dir.string() + " is not a directory (a link or a file)");
        struct stat info{};
        if (::stat(dir.c_str(), &info) != 0 || info.st_uid != ::geteuid())
            throw std::runtime_error("the data directory " + dir.string() + " belongs to another user; give a directory "
                                     "the gateway creates (a path that does not exist yet)");
        if (!fs::exists(dir / data_dir_marker)) {
            const bool empty = fs::is_empty(dir, ec) && !ec;
            const bool ours = (info.st_mode & 077) == 0 && fs::exists(dir / "encryption.key");
            if (!empty && !ours)
                throw std::runtime_error("the data directory " + dir.string() + " exists and was not created by the gateway "
                                         "(no " + data_dir_marker + " in it); give a path that does not exist yet, or an "
                                         "empty directory");
        }
        if ((info.st_mode & 077) != 0 && ::chmod(dir.c_str(), 0700) != 0)
            throw std::runtime_error("cannot make " + dir.string() + " private (mode 0700): " + std::strerror(errno));
    }
    if (!fs::exists(dir / data_dir_marker)) {
        std::ofstream marker(dir / data_dir_marker);
        marker << "This directory holds a polymcp gateway's keys and records; keep it private (mode 0700).\n";
        if (!marker) throw std::runtime_error("cannot write " + (dir / data_dir_marker).string());
    }
}

// The system tools: what every caller can do over MCP besides its connectors' tools.
template <class Manager>
std::shared_ptr<pc::system_tool_registry> system_tools(std::shared_ptr<Manager> m) {
    struct connector_ref {
        BOOST_HANA_DEFINE_STRUCT(connector_ref, (std::string, connector_id));
    };
    auto key_of = [](const polymcp::request_context& ctx) {
        const auto& p = ctx.principal();
        return pc::session_key{p.tenant, p.subject, p.claims.value("gateway_session", "default")};
    };
    auto list = polymcp::tool<"connectors_list">(
        "Lists your MCP connectors and whether each is connected in this session",
        [m, key_of](polymcp::request_context& ctx) -> asio::awaitable<std::string> {
            auto k = key_of(ctx);
            pc::caller who{k.tenant, k.user};
            auto all = co_await m->connectors().list(who);
            json out = json::array();
            for (const auto& c : all) {
                auto s = co_await m->status(k, c.id);
                out.push_back({{"id", c.id}, {"name", c.name}, {"description", c.description},
                               {"status", pc::to_string(s.status)}, {"tools", c.tools.size()}});
            }
            co_return out.dump();
        });
    auto connect = polymcp::tool<"connectors_connect">(
        "Connects one of your connectors in this session; its tools then appear in the tool list",
        [m, key_of](connector_ref a, polymcp::request_context& ctx) -> asio::awaitable<std::string> {
            auto k = key_of(ctx);
            auto s = co_await m->connect(k, a.connector_id);
            co_return "connected '" + s.name + "': " + std::to_string(s.tools.size()) + " tools";
        });
    auto disconnect = polymcp::tool<"connectors_disconnect">(
        "Disconnects one of your connectors in this session; its tools leave the tool list",
        [m, key_of](connector_ref a, polymcp::request_context& ctx) -> asio::awaitable<std::string> {
            auto k = key_of(ctx);
            auto s = co_await m->disconnect(k, a.connector_id);
            co_return "disconnected '" + s.name + "'";
        });
    auto reg = std::make_shared<pc::system_tool_registry>();
    reg->add({"connectors_list", "My connectors", "Your MCP connectors and their status in this session", "plug",
              "connectors", "none", true, false, std::make_shared<const polymcp::tool_entry>(list.entry())});
    reg->add({"connectors_connect", "Connect a connector", "Connect one of your connectors in this session", "link",
              "connectors", "none", true, false, std::make_shared<const polymcp::tool_entry>(connect.entry())});
    reg->add({"connectors_disconnect", "Disconnect a connector", "Disconnect one of your connectors in this session",
              "unlink", "connectors", "none", true, false,
              std::make_shared<const polymcp::tool_entry>(disconnect.entry())});
    return reg;
}

template <class Storage>
int serve(const gateway::config& cfg, const command_line& cl, std::shared_ptr<Storage> storage, cipher_type cipher,
          polymcp::auth::any_auth policy, std::vector<std::pair<std::string, polymcp::auth::principal>> demo_users) {
    using manager_type = pc::connector_manager<Storage, cipher_type>;
    auto session_auth = std::make_shared<gateway::session_auth>(std::move(policy), cfg.jwt ? cfg.jwt->default_tenant : "");

    // The manager needs the core's executor and the core needs the tools: the
    // registry is filled once the manager exists.
    auto registry = polymcp::make_dynamic_tool_registry();
    polymcp::server_options options;
    options.info = {.name = "polymcp-gateway", .version = polymcp::version_string, .title = "polymcp gateway"};
    options.instructions = "Tools named <connector>__<tool> come from the user's connected MCP servers; "
                           "connectors_list, connectors_connect and connectors_disconnect manage them.";
    options.io_threads = cfg.io_threads;
    options.auth = *session_auth;
    // The per-caller tools need the manager, which needs the core's executor:
    // the core gets a provider that forwards to one set just below.
    auto tools_holder = std::make_shared<std::shared_ptr<polymcp::tool_provider>>();
    struct forwarding final : polymcp::tool_provider {
        std::shared_ptr<std::shared_ptr<polymcp::tool_provider>> to;
        asio::awaitable<std::vector<std::shared_ptr<const polymcp::tool_entry>>> list_tools(polymcp::tool_scope s) override {
            co_return co_await (*to)->list_tools(std::move(s));
        }
        asio::awaitable<std::shared_ptr<const polymcp::tool_entry>> find_tool(polymcp::tool_scope s, std::string n) override {
            co_return co_await (*to)->find_tool(std::move(s), std::move(n));
        }
        void session_closed(std::uint64_t id) override { (*to)->session_closed(id); }
    };
    auto fwd = std::make_shared<forwarding>();
    fwd->to = tools_holder;
    options.per_caller_tools = fwd;
    polymcp::server_core core(options, registry);

    auto manager = std::make_shared<manager_type>(core.io().get_executor(), storage, std::move(cipher), cfg.manager);
    *tools_holder = std::make_shared<pc::session_tools<manager_type>>(manager);
    auto system = system_tools(manager);
    for (const auto& e : system->enabled_implementations()) registry->add(*e);

    // Declare the collections and put the configured catalog (and the demo).
    std::exception_ptr setup_failure;
    bool setup_done = false;
    asio::co_spawn(core.io(), [&]() -> asio::awaitable<void> {
        co_await manager->define();
        for (const auto& c : cfg.categories) {
            auto existing = co_await manager->servers().list_categories();
            bool have = false;
            for (const auto& e : existing) have = have || e.name == c.value("name", "");
            if (have) continue;
            pc::caller admin{"", "gateway", true};
            json body = c;
            co_await manager->servers().create_category(admin, body);
        }
        for (const auto& s : cfg.servers) {
            json body = s;
            try {
                co_await manager->put_global_server(body);
            } catch (const pc::connector_error& e) {
                throw std::runtime_error("the configuration's server '" + s.value("name", std::string("?")) + "': " + e.what());
            }
        }
        if (cl.demo) {
            const auto& [key, who] = demo_users.front();
            pc::caller demo{who.tenant, who.subject};
            pc::session_key k{who.tenant, who.subject, "default"};
            auto servers = co_await manager->servers().list_servers(demo);
            auto existing = co_await manager->connectors().list(demo);
            for (const auto& s : servers) {
                bool have = false;
                for (const auto& c : existing) have = have || c.server_id == s.id;
                if (have) continue;
                json body = {{"name", s.name}, {"server_id", s.id}, {"description", s.description}};
                auto c = co_await manager->create_connector(demo, body);
                say("demo: created the connector '" + c.name + "' (" + c.id + ") with " + std::to_string(c.tools.size()) + " tools");
            }
            existing = co_await manager->connectors().list(demo);
            for (const auto& c : existing) co_await manager->connect(k, c.id);
        }
    }, [&](std::exception_ptr e) {
        setup_failure = e;
        setup_done = true;
    });
    while (!setup_done && core.io().run_one() > 0) {
    }
    core.io().restart();
    if (setup_failure) {
        try {
            std::rethrow_exception(setup_failure);
        } catch (const std::exception& e) {
            say(std::string("cannot start: ") + e.what());
            return 1;
        }
    }

    polymcp::streamable_http_options http;
    http.http.address = cfg.address;
    http.http.port = cfg.port;
    http.path = "/mcp";
    http.allowed_origins = cfg.allowed_origins;
    http.allowed_hosts = cfg.allowed_hosts;
    auto ready = [storage]() -> asio::awaitable<bool> {
        std::error_code ec;
        co_await storage->async_ping(asio::redirect_error(asio::use_awaitable, ec));
        co_return !ec;
    };
    http.fallback = gateway::api<manager_type>(core.io().get_executor(), manager, system, session_auth, cfg.admin_scope, ready);
    // Upstream sessions (stdio children, SSE streams) are work on the io_context: close them once
    // the MCP sessions have ended, so that run returns.
    http.on_shutdown = [manager] { manager->close_all(); };
    http.on_listening = [&](const asio::ip::tcp::endpoint& ep) {
        const std::string base = "http://" + (ep.address().is_v6() ? "[" + ep.address().to_string() + "]" : ep.address().to_string()) +
                                 ":" + std::to_string(ep.port());
        say(std::string("storage: ") + (cfg.scaled_out() ? "Redis (sessions) + PostgreSQL (records)"
                                                          : "SQLite in " + cfg.data_dir + " (records) + memory (sessions)"));
        // Last: what scripts and tests wait for.
        say("listening on " + base + " (MCP at " + base + "/mcp, API at " + base + "/api/)");
        for (const auto& [key, who] : demo_users) {
            std::fprintf(stderr,
                         "\n  demo user '%s' (tenant '%s'), API key: %s\n"
                         "  Connect an MCP client to %s/mcp with the header \"X-API-Key: %s\", e.g.\n"
                         "    npx @modelcontextprotocol/inspector --transport http --server-url %s/mcp "
                         "--header \"X-API-Key: %s\"\n"
                         "  Its connectors, already connected in session 'default':\n"
                         "    curl -s %s/api/connectors -H \"X-API-Key: %s\"\n"
                         "  The aggregated tools:\n"
                         "    curl -s %s/api/tools -H \"X-API-Key: %s\"\n\n",
                         who.subject.c_str(), who.tenant.c_str(), key.c_str(), base.c_str(), key.c_str(), base.c_str(),
                         key.c_str(), base.c_str(), key.c_str(), base.c_str(), key.c_str());
        }
    };
    polymcp::streamable_http_transport transport(http);
    auto ec = transport.run(core);
    manager->close_all();
    if (ec) {
        say("cannot listen on " + cfg.address + ":" + std::to_string(cfg.port) + ": " + ec.message());
        return 1;
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    command_line cl;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&](std::string& out) {
            if (i + 1 >= argc) return false;
            out = argv[++i];
            return true;
        };
        std::string port;
        if (a == "--config" && value(cl.config_file)) continue;
        if (a == "--address" && value(cl.address)) continue;
        if (a == "--data-dir" && value(cl.data_dir)) continue;
        if (a == "--port" && value(port)) {
            try {
                cl.port = gateway::config_detail::port_from(json(port), "--port");
            } catch (const std::exception& e) {
                say(e.what());
                return usage();
            }
            continue;
        }
        if (a == "--demo") {
            cl.demo = true;
            continue;
        }
        if (a == "--demo-everything" && value(cl.demo_everything)) continue;
        if (a == "--demo-node" && value(cl.demo_node)) continue;
        if (a == "--demo-server-everything" && value(cl.demo_server_everything)) continue;
        return usage();
    }
    gateway::config cfg;
    try {
        cfg = gateway::load(cl.config_file);
    } catch (const std::exception& e) {
        say(std::string("bad configuration: ") + e.what());
        return 2;
    }
    if (!cl.address.empty()) cfg.address = cl.address;
    if (cl.port >= 0) cfg.port = static_cast<std::uint16_t>(cl.port);
    if (!cl.data_dir.empty()) cfg.data_dir = cl.data_dir;
    const std::filesystem::path data = cfg.data_dir;

    try {
        if (!cfg.scaled_out() || cfg.encryption_keys.empty() || cfg.api_keys.empty()) prepare_data_dir(data);
        // Credentials are sealed with these keys (newest first); without any
        // configured, one is generated on first start and kept in the data directory.
        if (cfg.encryption_keys.empty()) {
            auto file = cfg.encryption_key_file.empty() ? data / "encryption.key" : std::filesystem::path(cfg.encryption_key_file);
            auto [key, created] = secret_file(file, [] { return polymcp::crypto::fernet::generate_key().to_base64url(); });
            if (created)
                say("generated the encryption key " + file.string() +
                    " (mode 0600). BACK IT UP: without it the stored credentials cannot be read.");
            cfg.encryption_keys = key;
        }
        std::error_code kec;
        auto ring = cipher_type::from_key_list(cfg.encryption_keys, kec);
        if (!ring) throw std::runtime_error("the encryption keys are not Fernet keys: " + kec.message());

        // Who may call.
        std::vector<std::pair<std::string, polymcp::auth::principal>> demo_users;
        polymcp::auth::any_auth policy;
        if (cfg.jwt) {
            namespace auth = polymcp::auth;
            std::shared_ptr<auth::key_source> keys;
            if (cfg.jwt->jwks.rfind("http://", 0) == 0 || cfg.jwt->jwks.rfind("https://", 0) == 0) {
                keys = std::make_shared<auth::jwks_client>(
                    auth::jwks_options{.url = cfg.jwt->jwks, .allow_http = cfg.jwt->jwks.rfind("http://", 0) == 0});
            } else {
                std::ifstream f(cfg.jwt->jwks);
                if (!f) throw std::runtime_error("cannot read the JWK Set " + cfg.jwt->jwks);
                keys = std::make_shared<auth::static_keys>(json::parse(f));
            }
            auth::jwt_options jo;
            jo.issuer = cfg.jwt->issuer;
            if (!cfg.jwt->audience.empty()) jo.audiences = {cfg.jwt->audience};
            else jo.verify_audience = false;
            jo.tenant_claim = cfg.jwt->tenant_claim;
            policy = auth::jwt_auth(auth::jwt_verifier(jo, keys));
        } else {
            polymcp::auth::api_key_auth keys;
            for (const auto& k : cfg.api_keys) {
                if (!k.key.empty()) keys.add(k.key, k.who);
                else keys.add_hashed(k.key_sha256, k.who);
            }
            if (cfg.api_keys.empty()) {
                // No configuration: an administrator key, generated on first start.
                auto file = data / "admin.key";
                auto [key, created] = secret_file(file, [] { return "pmk_" + polymcp::random_hex_id(24); });
                polymcp::auth::principal admin{.subject = "admin", .tenant = "default", .issuer = "api_key",
                                               .scopes = {cfg.admin_scope}};
                keys.add(key, admin);
                say(created ? "generated an administrator API key in " + file.string() + " (mode 0600); read it there"
                            : "administrator API key: in " + file.string());
            }
            if (cl.demo) {
                std::string key = "demo_" + polymcp::random_hex_id(16);
                polymcp::auth::principal demo{.subject = "demo", .tenant = "demo", .issuer = "api_key"};
                keys.add(key, demo);
                demo_users.emplace_back(key, demo);
            }
            policy = keys;
        }

        if (cl.demo) {
            if (cl.demo_everything.empty()) return usage();
            cfg.servers.push_back({{"name", "everything"},
                                   {"description", "polymcp's everything_server: every MCP feature the conformance suite checks"},
                                   {"transport", "stdio"},
                                   {"command", cl.demo_everything},
                                   {"args", {"--stdio"}}});
            if (!cl.demo_node.empty() && !cl.demo_server_everything.empty())
                cfg.servers.push_back({{"name", "reference"},
                                       {"description", "the official @modelcontextprotocol/server-everything"},
                                       {"transport", "stdio"},
                                       {"command", cl.demo_node},
                                       {"args", {cl.demo_server_everything, "stdio"}}});
        }

        if (cfg.scaled_out()) {
            st::redis_options ro;
            ro.host = cfg.redis.substr(0, cfg.redis.rfind(':'));
            ro.port = static_cast<std::uint16_t>(std::stoi(cfg.redis.substr(cfg.redis.rfind(':') + 1)));
            ro.password = cfg.redis_password;
            ro.key_prefix = cfg.redis_prefix;
            ro.record_prefix = cfg.redis_prefix;  // "polymcp:" -> "polymcp#" (must not start with the key prefix)
            if (!ro.record_prefix.empty() && ro.record_prefix.back() == ':') ro.record_prefix.pop_back();
            ro.record_prefix += "#";
            st::postgres_options po;
            po.conninfo = cfg.postgres;
            po.schema = cfg.postgres_schema;
            struct parts {
                st::redis_storage redis;
                st::postgres_storage postgres;
                st::split_storage<st::redis_storage, st::postgres_storage> split{redis, postgres};
                parts(st::redis_options r, st::postgres_options p) : redis(std::move(r)), postgres(std::move(p)) {}
            };
            auto owner = std::make_shared<parts>(ro, po);
            std::shared_ptr<st::split_storage<st::redis_storage, st::postgres_storage>> s(owner, &owner->split);
            return serve(cfg, cl, s, std::move(*ring), std::move(policy), std::move(demo_users));
        }
        st::sqlite_options so;
        so.path = (data / "gateway.db").string();
        struct parts {
            st::memory_storage memory;
            st::sqlite_storage sqlite;
            st::split_storage<st::memory_storage, st::sqlite_storage> split{memory, sqlite};
            explicit parts(st::sqlite_options o) : sqlite(std::move(o)) {}
        };
        auto owner = std::make_shared<parts>(so);
        std::shared_ptr<st::split_storage<st::memory_storage, st::sqlite_storage>> s(owner, &owner->split);
        return serve(cfg, cl, s, std::move(*ring), std::move(policy), std::move(demo_users));
    } catch (const std::exception& e) {
        say(std::string("cannot start: ") + e.what());
        return 1;
    }
}
