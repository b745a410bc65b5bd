// The reference multi-tenant MCP gateway (docs/gateway.md), composed from
// polymcp's parts.
//
// Users register their own MCP servers as connectors (tested first, their
// credentials sealed), connect them per session, and an agent reaches the
// aggregated tools of its session through one MCP endpoint, each call
// forwarded upstream with the user's own credentials. Beside the MCP
// endpoint (/mcp) a JSON API manages connectors, the server catalog and its
// categories (/api/...), with /healthz and /readyz, and a web page (/) for
// people to do the same in a browser.
//
// usage: gateway [--config FILE] [--address ADDR] [--port N] [--data-dir DIR] [--web-root DIR]
//                [--demo --demo-everything PATH [--demo-node NODE --demo-server-everything JS]]
//
// With no configuration it runs on one machine: records in SQLite under the
// data directory, sessions in memory, a Fernet key generated there on first
// start, and an administrator API key generated there too. With Redis and
// PostgreSQL configured (POLYMCP_REDIS, POLYMCP_POSTGRES) any number of
// instances share all state behind a load balancer.

#include <polymcp/connectors/manager.hpp>
#include <polymcp/connectors/session_tools.hpp>
#include <polymcp/core/random.hpp>
#include <polymcp/core/version.hpp>
#include <polymcp/gateway/api.hpp>
#include <polymcp/gateway/config.hpp>
#include <polymcp/gateway/data_dir.hpp>
#include <polymcp/gateway/policies.hpp>
#include <polymcp/gateway/session_auth.hpp>
#include <polymcp/gateway/page_sign_in.hpp>
#include <polymcp/gateway/system_tools.hpp>
#include <polymcp/gateway/web_files.hpp>
#include <polymcp/server.hpp>
#include <polymcp/transport/streamable_http.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>

#include <cstdio>
#include <filesystem>

namespace gw = polymcp::gateway;
namespace pc = polymcp::connectors;
using nlohmann::json;

namespace {

struct command_line {
    std::string config_file, address, data_dir, web_root;
    int port = -1;
    bool demo = false;
    std::string demo_everything, demo_node, demo_server_everything;
};

// A demo user: its API key and who it is.
using demo_user = std::pair<std::string, polymcp::auth::principal>;

// The name it was started by (polymcp-gateway when installed from the package).
std::string program = "gateway";

std::string usage_text() {
    const std::string pad(program.size(), ' ');
    return "Usage: " + program + " [--config FILE] [--address ADDR] [--port N] [--data-dir DIR] [--web-root DIR]\n" +
           "       " + pad + " [--demo --demo-everything PATH [--demo-node NODE --demo-server-everything JS]]\n" +
           "       " + program + " --help | --version\n";
}

int usage() {
    std::fputs(usage_text().c_str(), stderr);
    std::fprintf(stderr, "Try '%s --help' for every option.\n", program.c_str());
    return 2;
}

// --help: every option, environment variable and configuration key
// (docs/gateway.md explains each one at length).
int help() {
    std::fputs(usage_text().c_str(), stdout);
    std::fputs(
        "\n"
        "The reference multi-tenant MCP gateway of polymcp: people register their own MCP servers\n"
        "(connectors) on its web page or its REST API; agents connect to its MCP endpoint (/mcp,\n"
        "Streamable HTTP, MCP 2025-11-25 and 2026-07-28) and call every connector's tools through it.\n"
        "Without a configuration it runs on embedded defaults: records in SQLite under the data\n"
        "directory, sessions in memory, an encryption key and an administrator API key generated\n"
        "there on first start.\n"
        "\n"
        "Options (they override the configuration file and the environment):\n"
        "  --config FILE         read the JSON configuration FILE (keys below)\n"
        "  --address ADDR        listen on ADDR (default 127.0.0.1)\n"
        "  --port N              listen on TCP port N, 0 to 65535; 0 picks a free one (default 8080)\n"
        "  --data-dir DIR        embedded storage, generated keys and the administrator key in DIR\n"
        "                        (default ./gateway-data)\n"
        "  --web-root DIR        serve the web page from DIR (default: web/ beside the executable)\n"
        "  --demo                add a demo user and catalog servers (needs --demo-everything)\n"
        "  --demo-everything PATH          polymcp's everything_server, run over stdio for the demo\n"
        "  --demo-node NODE                node, to run the official server-everything in the demo\n"
        "  --demo-server-everything JS     the official server-everything's dist/index.js\n"
        "  --help                print this help and exit\n"
        "  --version             print the version and exit\n"
        "\n"
        "Environment (overrides the configuration file):\n"
        "  POLYMCP_GATEWAY_ADDRESS, POLYMCP_GATEWAY_PORT, POLYMCP_GATEWAY_DATA_DIR,\n"
        "  POLYMCP_GATEWAY_WEB_ROOT, POLYMCP_GATEWAY_PUBLIC_URL   as listen.address, listen.port,\n"
        "                        data_dir, web.root and public_url\n"
        "  POLYMCP_REDIS         Redis host:port (sessions); with POLYMCP_POSTGRES, several instances\n"
        "  POLYMCP_REDIS_PASSWORD\n"
        "  POLYMCP_POSTGRES      libpq connection string (records)\n"
        "  POLYMCP_ENCRYPTION_KEY  Fernet keys, comma-separated, newest first\n"
        "\n"
        "Configuration file keys (JSON):\n"
        "  listen.address, listen.port, listen.allowed_origins[], listen.allowed_hosts[],\n"
        "  listen.io_threads (1-256, default 2)\n"
        "  data_dir\n"
        "  storage.redis, storage.redis_password, storage.postgres, storage.redis_prefix\n"
        "  (default \"polymcp:\"), storage.postgres_schema (default \"polymcp\")\n"
        "  encryption.keys, encryption.key_file (default <data_dir>/encryption.key)\n"
        "  auth.api_keys[] {key | key_sha256, subject, tenant, scopes[]}, auth.admin_scope\n"
        "  (default \"polymcp:admin\")\n"
        "  auth.jwt {jwks, issuer, audience, tenant_claim (default \"tenant\"), default_tenant,\n"
        "  resource, scopes[]}\n"
        "  connectors.max_per_user, connectors.max_upstreams, connectors.max_upstreams_per_user,\n"
        "  connectors.max_stdio_children, connectors.max_stdio_children_per_user,\n"
        "  connectors.max_sessions_per_user, connectors.max_tests_per_minute,\n"
        "  connectors.upstream_idle_timeout_ms, connectors.view_ttl_ms, connectors.test_timeout_ms,\n"
        "  connectors.session_ttl_ms, connectors.call_timeout_ms, connectors.normalize_schemas,\n"
        "  connectors.allow_loopback, connectors.allow_private, connectors.allow_link_local,\n"
        "  connectors.allowed_networks[], connectors.ca_file\n"
        "  web.root, web.enabled (default true)\n"
        "  public_url\n"
        "  servers[], categories[]   the global catalog, put at every start\n"
        "\n"
        "Endpoints: /mcp (MCP), /api/ (REST), /healthz, /readyz, and the web page on /.\n"
        "Exit status: 0 after a clean stop, 1 when it cannot start, 2 for bad options or configuration.\n"
        "Documentation: docs/gateway.md in the polymcp sources.\n",
        stdout);
    return 0;
}

void say(const std::string& s) { std::fprintf(stderr, "gateway: %s\n", s.c_str()); }

// Puts the configured categories and catalog servers, and the demo user's connectors.
template <class Manager>
asio::awaitable<void> prepare(Manager& m, const gw::config& cfg, const std::vector<demo_user>& demo) {
    co_await m.define();
    const pc::caller admin{"", "gateway", true};
    for (const auto& c : cfg.categories) {
        auto existing = co_await m.servers().list_categories();
        bool have = false;
        for (const auto& e : existing) have = have || e.name == c.value("name", "");
        json body = c;
        if (!have) co_await m.servers().create_category(admin, body);
    }
    for (const auto& s : cfg.servers) {
        json body = s;
        try {
            co_await m.put_global_server(body);
        } catch (const pc::connector_error& e) {
            throw std::runtime_error("the configuration's server '" + s.value("name", std::string("?")) + "': " + e.what());
        }
    }
    for (const auto& [key, who] : demo) {
        const pc::caller user{who.tenant, who.subject};
        auto existing = co_await m.connectors().list(user);
        auto servers = co_await m.servers().list_servers(user);
        for (const auto& s : servers) {
            bool have = false;
            for (const auto& c : existing) have = have || c.server_id == s.id;
            if (have) continue;
            json body = {{"name", s.name}, {"server_id", s.id}, {"description", s.description}};
            auto c = co_await m.create_connector(user, body);
            say("demo: created the connector '" + c.name + "' (" + c.id + ") with " + std::to_string(c.tools.size()) + " tools");
        }
    }
}

// Connects the demo user's connectors in its session 'default', then says how to use them.
template <class Manager>
asio::awaitable<void> connect_demo(std::shared_ptr<Manager> m, demo_user demo, std::string base) {
    const auto& [key, who] = demo;
    const pc::session_key k{who.tenant, who.subject, "default"};
    const pc::caller user{who.tenant, who.subject};
    auto connectors = co_await m->connectors().list(user);
    for (const auto& c : connectors) {
        try {
            co_await m->connect(k, c.id);
        } catch (const pc::connector_error& e) {
            say("demo: cannot connect '" + c.name + "': " + e.what());
        }
    }
    std::fprintf(stderr,
                 "\n  demo user '%s' (tenant '%s'), API key: %s\n"
                 "  Open %s/ in a browser and sign in with that key, or\n"
                 "  connect an MCP client to %s/mcp with the header \"X-API-Key: %s\", e.g.\n"
                 "    npx @modelcontextprotocol/inspector --transport http --server-url %s/mcp "
                 "--header \"X-API-Key: %s\"\n"
                 "  Its connectors, connected in session 'default':\n"
                 "    curl -s %s/api/connectors -H \"X-API-Key: %s\"\n"
                 "  The aggregated tools:\n"
                 "    curl -s %s/api/tools -H \"X-API-Key: %s\"\n\n",
                 who.subject.c_str(), who.tenant.c_str(), key.c_str(), base.c_str(), base.c_str(), key.c_str(), base.c_str(),
                 key.c_str(), base.c_str(), key.c_str(), base.c_str(), key.c_str());
}

// The web page: from web_root, else from web/ beside the executable (where the
// build puts it); null, said why, when there is none.
std::shared_ptr<const gw::web_files> load_web_page(const gw::config& cfg) {
    if (!cfg.web_enabled) return nullptr;
    std::filesystem::path root = cfg.web_root;
    if (root.empty()) {
        std::error_code ec;
        auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
        if (ec) return nullptr;
        root = exe.parent_path() / "web";
    }
    try {
        return std::make_shared<const gw::web_files>(gw::web_files::load(root));
    } catch (const std::exception& e) {
        if (!cfg.web_root.empty()) throw;  // asked for by name: a reason not to start
        say(std::string("no web page: ") + e.what() + " (build it: cmake --build --preset release --target gateway_web)");
        return nullptr;
    }
}

// The gateway on `Storage`: a connector manager and a server composed on one io_context.
template <class Storage>
int serve(const gw::config& cfg, std::shared_ptr<Storage> storage, gw::cipher_type cipher,
          polymcp::auth::any_auth policy, std::vector<demo_user> demo) {
    using manager_type = pc::connector_manager<Storage, gw::cipher_type>;
    asio::io_context io(static_cast<int>(cfg.io_threads));
    auto manager = std::make_shared<manager_type>(io.get_executor(), storage, cipher, cfg.manager);

    // Records first: categories, catalog servers, the demo's connectors.
    std::exception_ptr failure;
    asio::co_spawn(io, prepare(*manager, cfg, demo), [&](std::exception_ptr e) { failure = e; });
    io.run();
    io.restart();
    if (failure) {
        try {
            std::rethrow_exception(failure);
        } catch (const std::exception& e) {
            say(std::string("cannot start: ") + e.what());
            return 1;
        }
    }

    // The MCP server: system tools, then each session's connector tools.
    auto system = gw::system_tools(manager);
    auto registry = polymcp::make_dynamic_tool_registry();
    for (const auto& e : system->enabled_implementations()) registry->add(*e);
    polymcp::server_options options;
    options.info = {.name = "polymcp-gateway", .version = polymcp::version_string, .title = "polymcp gateway"};
    options.instructions = "Tools named <connector>__<tool> come from the user's connected MCP servers; "
                           "connectors_list, connectors_connect and connectors_disconnect manage them.";
    options.io_threads = cfg.io_threads;
    options.per_caller_tools = std::make_shared<pc::session_tools<manager_type>>(manager);
    const gw::session_auth auth(std::move(policy), cfg.jwt ? cfg.jwt->default_tenant : "");

    // Beside /mcp: the management API and health checks.
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
    auto web = load_web_page(cfg);
    // A protected resource: the page signs people in with the authorization server.
    std::shared_ptr<gw::page_sign_in> page_auth;
    if (cfg.jwt && !cfg.jwt->resource.empty()) page_auth = gw::page_sign_in::with_cipher(io.get_executor(), cipher);
    http.fallback = gw::api<manager_type>(io.get_executor(), manager, system, std::make_shared<gw::session_auth>(auth),
                                          cfg.admin_scope, ready, web, page_auth);
    // Upstream sessions (stdio children, SSE streams) are work on the io_context: close them once
    // the MCP sessions have ended, so that run returns.
    http.on_shutdown = [manager] { manager->close_all(); };
    http.on_listening = [&](const asio::ip::tcp::endpoint& ep) {
        const std::string local = "http://" + (ep.address().is_v6() ? "[" + ep.address().to_string() + "]" : ep.address().to_string()) +
                                 ":" + std::to_string(ep.port());
        const std::string base = cfg.public_url.empty() ? local : cfg.public_url;
        // Signing users in to upstreams: the callback and the consent page on the web page.
        auto sign_in = manager->sign_in_settings();
        sign_in.redirect_uri = base + "/oauth/callback";
        sign_in.sign_in_page = base + "/connectors/{id}/sign-in";
        if (base.rfind("https://", 0) == 0) sign_in.client_id_metadata_url = base + "/oauth/client-metadata.json";
        manager->configure_sign_in(std::move(sign_in));
        if (page_auth) {
            gw::page_sign_in::settings ps;
            ps.resource = cfg.jwt->resource;
            // RFC 9728 section 3.1: the well-known path, then the resource's path.
            const auto scheme_end = ps.resource.find("://");
            const auto path_at = ps.resource.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
            ps.resource_metadata = ps.resource.substr(0, path_at) + "/.well-known/oauth-protected-resource" +
                                   (path_at == std::string::npos ? std::string() : ps.resource.substr(path_at));
            ps.redirect_uri = base + "/auth/callback";
            if (base.rfind("https://", 0) == 0) ps.client_id_metadata_url = base + "/oauth/client-metadata.json";
            for (const auto& sc : cfg.jwt->scopes) ps.scope += (ps.scope.empty() ? "" : " ") + sc;
            page_auth->configure(std::move(ps));
        }
        say(std::string("storage: ") + (cfg.scaled_out() ? "Redis (sessions) + PostgreSQL (records)"
                                                          : "SQLite in " + cfg.data_dir + " (records) + memory (sessions)"));
        if (web) say("web page at " + base + "/");
        // Last: what scripts and tests wait for.
        say("listening on " + local + " (MCP at " + base + "/mcp, API at " + base + "/api/)");
        for (const auto& d : demo) asio::co_spawn(io, connect_demo(manager, d, base), asio::detached);
    };

    polymcp::server srv(io, options, registry, polymcp::streamable_http_transport(http), auth, storage, cipher);
    auto ec = srv.run();
    manager->close_all();
    if (ec) {
        say("cannot listen on " + cfg.address + ":" + std::to_string(cfg.port) + ": " + ec.message());
        return 1;
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 0 && argv[0] && *argv[0]) program = std::filesystem::path(argv[0]).filename().string();
    command_line cl;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&](std::string& out) {
            if (i + 1 >= argc) return false;
            out = argv[++i];
            return true;
        };
        std::string port;
        if (a == "--help" || a == "-h") return help();
        if (a == "--version") {
            std::printf("polymcp-gateway %s\n", polymcp::version_string);
            return 0;
        }
        if (a == "--config" && value(cl.config_file)) continue;
        if (a == "--address" && value(cl.address)) continue;
        if (a == "--data-dir" && value(cl.data_dir)) continue;
        if (a == "--web-root" && value(cl.web_root)) continue;
        if (a == "--port" && value(port)) {
            try {
                cl.port = gw::port_from(json(port), "--port");
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
    if (cl.demo && cl.demo_everything.empty()) return usage();
    gw::config cfg;
    try {
        cfg = gw::load(cl.config_file);
    } catch (const std::exception& e) {
        say(std::string("bad configuration: ") + e.what());
        return 2;
    }
    if (!cl.address.empty()) cfg.address = cl.address;
    if (cl.port >= 0) cfg.port = static_cast<std::uint16_t>(cl.port);
    if (!cl.data_dir.empty()) cfg.data_dir = cl.data_dir;
    if (!cl.web_root.empty()) cfg.web_root = cl.web_root;
    const std::filesystem::path data = cfg.data_dir;

    try {
        if (!cfg.scaled_out() || cfg.encryption_keys.empty() || cfg.api_keys.empty()) gw::prepare_data_dir(data);
        auto cipher = gw::make_cipher(cfg, data, say);

        std::vector<demo_user> demo;
        if (cl.demo && !cfg.jwt) {
            demo.emplace_back("demo_" + polymcp::random_hex_id(16),
                              polymcp::auth::principal{.subject = "demo", .tenant = "demo", .issuer = "api_key"});
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
        auto policy = gw::make_auth_policy(cfg, data, say, demo);

        if (cfg.scaled_out()) return serve(cfg, gw::make_scaled_out_storage(cfg), std::move(cipher), std::move(policy), demo);
        return serve(cfg, gw::make_embedded_storage(data), std::move(cipher), std::move(policy), demo);
    } catch (const std::exception& e) {
        say(std::string("cannot start: ") + e.what());
        return 1;
    }
}
