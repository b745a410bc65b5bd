#ifndef POLYMCP_GATEWAY_CONFIG_HPP
#define POLYMCP_GATEWAY_CONFIG_HPP

/// @file polymcp/gateway/config.hpp
/// A gateway's configuration: a JSON file, then environment variables (a
/// program applies its command-line options last); every setting has an
/// embedded default (docs/gateway.md, "Configuration", lists them all).

#include <polymcp/auth/principal.hpp>
#include <polymcp/connectors/manager.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace polymcp::gateway {

using nlohmann::json;

/// One API key and whom it authenticates.
struct api_key_entry {
    std::string key{};       ///< the key itself, or
    std::string key_sha256;  ///< its SHA-256 (hex), as `polymcp-keys` prints it
    polymcp::auth::principal who{};  ///< whom the key authenticates: subject, tenant, scopes
};

/// JWT bearer tokens from an authorization server.
struct jwt_settings {
    std::string jwks{};    ///< a JWKS URL or a JWK Set file
    std::string issuer{};  ///< the `iss` every token must carry
    std::string audience{};  ///< empty: not checked
    std::string tenant_claim = "tenant";  ///< the claim naming the caller's tenant
    /// The tenant of tokens without the tenant claim; empty: such tokens
    /// are refused (403), since every caller belongs to a tenant.
    std::string default_tenant{};
    /// The gateway's MCP URL as an OAuth protected resource (e.g.
    /// "https://gw.example/mcp"): tokens must name it in `aud` (RFC 8707),
    /// the gateway serves its metadata (RFC 9728) and challenges name it,
    /// and the web page signs people in with the authorization server.
    /// Empty: plain JWT bearer tokens (`audience` checked when set).
    std::string resource{};
    /// Scopes every caller's token must carry (with `resource`).
    std::vector<std::string> scopes{};
};

/// Everything a gateway is configured with.
struct config {
    std::string address = "127.0.0.1";  ///< the address to listen on (`listen.address`)
    std::uint16_t port = 8080;          ///< the TCP port; 0: any free one (`listen.port`)
    std::vector<std::string> allowed_origins;  ///< browser origins allowed on /mcp (empty: loopback only)
    std::vector<std::string> allowed_hosts{};  ///< Host names accepted on a loopback address
    std::size_t io_threads = 2;                ///< threads running the I/O, 1 to 256

    /// The embedded storage (SQLite), the generated keys and the
    /// administrator key; the state is embedded unless Redis and PostgreSQL
    /// are given.
    std::string data_dir = "gateway-data";
    std::string redis;     ///< "host:port" (sessions, locks), or empty
    std::string redis_password{};  ///< Redis `AUTH`; empty: none
    std::string postgres;  ///< libpq connection string (records), or empty
    std::string redis_prefix = "polymcp:";     ///< Redis key prefix (several gateways on one Redis)
    std::string postgres_schema = "polymcp";   ///< PostgreSQL schema of the records

    /// The keys sealing credentials (Fernet, comma-separated, newest
    /// first); empty: the key file.
    std::string encryption_keys{};
    std::string encryption_key_file{};  ///< created on first start; default: `data_dir`/encryption.key

    std::vector<api_key_entry> api_keys;  ///< API keys that may call (`X-API-Key`)
    std::optional<jwt_settings> jwt{};    ///< JWT bearer tokens that may call; none: API keys only
    std::string admin_scope = "polymcp:admin";  ///< the scope that makes a caller an administrator

    polymcp::connectors::manager_options manager{};  ///< the connector manager's limits and timeouts

    /// The web page: a directory of built files (index.html, assets/),
    /// served on every path outside /api/ and /mcp; empty: web/ beside the
    /// gateway's executable.
    std::string web_root{};
    bool web_enabled = true;  ///< false: no web page is served

    /// The URL people and upstream authorization servers reach the gateway
    /// at (scheme, host, port, no trailing slash), e.g. behind a TLS proxy;
    /// empty: http://`address`:`port`. The OAuth callback is
    /// `public_url`/oauth/callback; with https, the gateway's Client ID
    /// Metadata Document is `public_url`/oauth/client-metadata.json.
    std::string public_url{};

    json servers = json::array();     ///< servers of the global catalog, put at every start
    json categories = json::array();  ///< categories of the global catalog, put at every start

    /// Whether Redis and PostgreSQL hold the state (several instances).
    bool scaled_out() const { return !redis.empty() || !postgres.empty(); }
};

/// A TCP port from a JSON number or a decimal string: 0 to 65535.
/// @throws std::invalid_argument naming `where` otherwise
inline std::uint16_t port_from(const json& v, const std::string& where) {
    long long n = -1;
    if (v.is_number_integer()) n = v.get<long long>();
    else if (v.is_string()) {
        const auto& s = v.get_ref<const std::string&>();
        if (!s.empty() && s.size() <= 5 && s.find_first_not_of("0123456789") == std::string::npos) n = std::stoll(s);
    }
    if (n < 0 || n > 65535)
        throw std::invalid_argument(where + " must be a port number from 0 to 65535 (0: any free port), not " + v.dump());
    return static_cast<std::uint16_t>(n);
}

namespace detail {
inline std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}
inline polymcp::auth::principal principal_from(const json& j) {
    polymcp::auth::principal p;
    p.subject = j.value("subject", "");
    p.tenant = j.value("tenant", "");
    p.issuer = "api_key";
    if (auto s = j.find("scopes"); s != j.end() && s->is_array())
        for (const auto& x : *s) p.scopes.push_back(x.get<std::string>());
    if (p.subject.empty()) throw std::invalid_argument("an API key needs a 'subject'");
    if (p.tenant.empty())
        throw std::invalid_argument("the API key of '" + p.subject +
                                    "' needs a 'tenant': every caller belongs to one (servers for every tenant come from "
                                    "the configuration's 'servers')");
    return p;
}

// A count from a JSON number: 1 to `max`.
inline std::size_t count_from(const json& obj, const char* name, std::size_t dflt, std::size_t max = 1'000'000) {
    auto it = obj.find(name);
    if (it == obj.end()) return dflt;
    if (!it->is_number_integer() || it->get<long long>() < 1 || it->get<long long>() > static_cast<long long>(max))
        throw std::invalid_argument(std::string(name) + " must be a whole number from 1 to " + std::to_string(max));
    return static_cast<std::size_t>(it->get<long long>());
}
}  // namespace detail

/// Reads `path` (when not empty), then the environment:
/// POLYMCP_GATEWAY_ADDRESS, POLYMCP_GATEWAY_PORT, POLYMCP_GATEWAY_DATA_DIR,
/// POLYMCP_REDIS (host:port), POLYMCP_REDIS_PASSWORD, POLYMCP_POSTGRES
/// (libpq connection string), POLYMCP_ENCRYPTION_KEY (Fernet keys,
/// comma-separated, newest first).
/// @throws std::invalid_argument naming what is wrong
inline config load(const std::string& path) {
    config c;
    json j = json::object();
    if (!path.empty()) {
        std::ifstream f(path);
        if (!f) throw std::invalid_argument("cannot read the configuration file " + path);
        j = json::parse(f, nullptr, false);
        if (!j.is_object()) throw std::invalid_argument(path + " is not a JSON object");
    }
    try {
        if (auto l = j.find("listen"); l != j.end()) {
            c.address = l->value("address", c.address);
            if (l->contains("port")) c.port = port_from((*l)["port"], "listen.port");
            if (l->contains("allowed_origins")) c.allowed_origins = (*l)["allowed_origins"].get<std::vector<std::string>>();
            if (l->contains("allowed_hosts")) c.allowed_hosts = (*l)["allowed_hosts"].get<std::vector<std::string>>();
            c.io_threads = detail::count_from(*l, "io_threads", c.io_threads, 256);
        }
        c.data_dir = j.value("data_dir", c.data_dir);
        if (auto s = j.find("storage"); s != j.end()) {
            c.redis = s->value("redis", "");
            c.redis_password = s->value("redis_password", "");
            c.postgres = s->value("postgres", "");
            c.redis_prefix = s->value("redis_prefix", c.redis_prefix);
            c.postgres_schema = s->value("postgres_schema", c.postgres_schema);
        }
        if (auto e = j.find("encryption"); e != j.end()) {
            c.encryption_keys = e->value("keys", "");
            c.encryption_key_file = e->value("key_file", "");
        }
        if (auto a = j.find("auth"); a != j.end()) {
            if (auto keys = a->find("api_keys"); keys != a->end())
                for (const auto& k : *keys)
                    c.api_keys.push_back({k.value("key", ""), k.value("key_sha256", ""), detail::principal_from(k)});
            if (auto jw = a->find("jwt"); jw != a->end()) {
                jwt_settings js;
                js.jwks = jw->value("jwks", "");
                js.issuer = jw->value("issuer", "");
                js.audience = jw->value("audience", "");
                js.tenant_claim = jw->value("tenant_claim", "tenant");
                js.default_tenant = jw->value("default_tenant", "");
                c.jwt = std::move(js);
                c.jwt->resource = jw->value("resource", "");
                if (jw->contains("scopes")) c.jwt->scopes = (*jw)["scopes"].get<std::vector<std::string>>();
            }
            c.admin_scope = a->value("admin_scope", c.admin_scope);
        }
        auto& m = c.manager;
        if (auto k = j.find("connectors"); k != j.end()) {
            using detail::count_from;
            if (k->contains("users_may_add_stdio"))
                throw std::invalid_argument(
                    "connectors.users_may_add_stdio is not a setting: users never choose a command the gateway runs; "
                    "an administrator publishes stdio servers in the catalog (with their credential_env)");
            m.connectors.max_per_user = count_from(*k, "max_per_user", m.connectors.max_per_user);
            m.max_upstreams = count_from(*k, "max_upstreams", m.max_upstreams);
            m.max_upstreams_per_user = count_from(*k, "max_upstreams_per_user", m.max_upstreams_per_user);
            m.max_stdio_children = count_from(*k, "max_stdio_children", m.max_stdio_children);
            m.max_stdio_children_per_user = count_from(*k, "max_stdio_children_per_user", m.max_stdio_children_per_user);
            m.max_sessions_per_user = count_from(*k, "max_sessions_per_user", m.max_sessions_per_user);
            m.max_tests_per_minute = count_from(*k, "max_tests_per_minute", m.max_tests_per_minute);
            m.upstream_idle_timeout = std::chrono::milliseconds(
                count_from(*k, "upstream_idle_timeout_ms", m.upstream_idle_timeout.count(), 24 * 3600 * 1000));
            m.view_ttl = std::chrono::milliseconds(count_from(*k, "view_ttl_ms", m.view_ttl.count(), 3600 * 1000));
            m.validation.timeout = std::chrono::milliseconds(k->value("test_timeout_ms", m.validation.timeout.count()));
            m.sessions.ttl = std::chrono::milliseconds(k->value("session_ttl_ms", m.sessions.ttl.count()));
            m.call_timeout = std::chrono::milliseconds(k->value("call_timeout_ms", m.call_timeout.count()));
            m.aggregation.normalize_schemas = k->value("normalize_schemas", false);
            auto& ssrf = m.validation.upstream.ssrf;
            ssrf.allow_loopback = k->value("allow_loopback", false);
            ssrf.allow_private = k->value("allow_private", false);
            ssrf.allow_link_local = k->value("allow_link_local", false);
            if (k->contains("allowed_networks"))
                for (const auto& n : (*k)["allowed_networks"]) ssrf.allow_network(n.get<std::string>());
            m.validation.upstream.ca_file = k->value("ca_file", "");
        }
        if (auto w = j.find("web"); w != j.end()) {
            c.web_root = w->value("root", c.web_root);
            c.web_enabled = w->value("enabled", c.web_enabled);
        }
        c.public_url = j.value("public_url", c.public_url);
        if (j.contains("servers")) c.servers = j["servers"];
        if (j.contains("categories")) c.categories = j["categories"];
    } catch (const json::exception& e) {
        throw std::invalid_argument((path.empty() ? std::string("the configuration") : path) + ": " + e.what());
    }
    using detail::env;
    if (auto v = env("POLYMCP_GATEWAY_ADDRESS"); !v.empty()) c.address = v;
    if (auto v = env("POLYMCP_GATEWAY_PORT"); !v.empty()) c.port = port_from(json(v), "POLYMCP_GATEWAY_PORT");
    if (auto v = env("POLYMCP_GATEWAY_DATA_DIR"); !v.empty()) c.data_dir = v;
    if (auto v = env("POLYMCP_REDIS"); !v.empty()) c.redis = v;
    if (auto v = env("POLYMCP_REDIS_PASSWORD"); !v.empty()) c.redis_password = v;
    if (auto v = env("POLYMCP_POSTGRES"); !v.empty()) c.postgres = v;
    if (auto v = env("POLYMCP_ENCRYPTION_KEY"); !v.empty()) c.encryption_keys = v;
    if (auto v = env("POLYMCP_GATEWAY_WEB_ROOT"); !v.empty()) c.web_root = v;
    if (auto v = env("POLYMCP_GATEWAY_PUBLIC_URL"); !v.empty()) c.public_url = v;
    while (!c.public_url.empty() && c.public_url.back() == '/') c.public_url.pop_back();
    if (!c.public_url.empty() && c.public_url.rfind("https://", 0) != 0 && c.public_url.rfind("http://", 0) != 0)
        throw std::invalid_argument("public_url must be an http(s) URL such as https://gateway.example.com, not " +
                                    c.public_url);
    if (c.scaled_out() && (c.redis.empty() || c.postgres.empty()))
        throw std::invalid_argument("running several instances needs both Redis (sessions) and PostgreSQL (records)");
    return c;
}

}  // namespace polymcp::gateway

#endif
