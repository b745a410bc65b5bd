#ifndef POLYMCP_GATEWAY_POLICIES_HPP
#define POLYMCP_GATEWAY_POLICIES_HPP

/// @file polymcp/gateway/policies.hpp
/// The policy objects a gateway is composed from, made from its `config`:
/// the auth policy (API keys or JWT), the cipher (a Fernet key ring), and the
/// storage (SQLite + memory on one machine, PostgreSQL + Redis for several
/// instances).

#include <polymcp/auth/any_auth.hpp>
#include <polymcp/auth/api_key.hpp>
#include <polymcp/auth/jwks_client.hpp>
#include <polymcp/auth/jwt.hpp>
#include <polymcp/auth/resource_server.hpp>
#include <polymcp/core/random.hpp>
#include <polymcp/crypto/fernet.hpp>
#include <polymcp/crypto/key_ring.hpp>
#include <polymcp/gateway/config.hpp>
#include <polymcp/gateway/data_dir.hpp>
#include <polymcp/storage/memory.hpp>
#include <polymcp/storage/postgres.hpp>
#include <polymcp/storage/redis.hpp>
#include <polymcp/storage/split.hpp>
#include <polymcp/storage/sqlite.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace polymcp::gateway {

/// The cipher of a gateway: credentials and request states are sealed with
/// a ring of Fernet keys (newest first), byte-compatible with Python
/// `cryptography`.
using cipher_type = crypto::key_ring<crypto::fernet>;
/// The storage of a gateway on one machine: sessions in memory, records in SQLite.
using embedded_storage = storage::split_storage<storage::memory_storage, storage::sqlite_storage>;
/// The storage of several instances: sessions and channels in Redis, records in PostgreSQL.
using scaled_out_storage = storage::split_storage<storage::redis_storage, storage::postgres_storage>;
/// Where a gateway tells the operator what it did (a generated key, say).
using reporter = std::function<void(const std::string&)>;

/// The key ring of `cfg.encryption_keys`; without keys, the one key of the
/// key file (`cfg.encryption_key_file`, else `<data_dir>/encryption.key`),
/// generated on first start (mode 0600) and reported through `say`.
/// @throws std::runtime_error when the keys are not Fernet keys or the file cannot be made
inline cipher_type make_cipher(const config& cfg, const std::filesystem::path& data_dir, const reporter& say) {
    std::string keys = cfg.encryption_keys;
    if (keys.empty()) {
        auto file = cfg.encryption_key_file.empty() ? data_dir / "encryption.key"
                                                    : std::filesystem::path(cfg.encryption_key_file);
        auto [key, created] = secret_file(file, [] { return crypto::fernet::generate_key().to_base64url(); });
        if (created)
            say("generated the encryption key " + file.string() +
                " (mode 0600). BACK IT UP: without it the stored credentials cannot be read.");
        keys = key;
    }
    std::error_code ec;
    auto ring = cipher_type::from_key_list(keys, ec);
    if (!ring) throw std::runtime_error("the encryption keys are not Fernet keys: " + ec.message());
    return std::move(*ring);
}

/// The auth policy of `cfg`: with `cfg.jwt.resource`, an OAuth 2.1 protected
/// resource (RFC 9728 metadata, tokens bound to that audience); else JWT
/// bearer tokens when `cfg.jwt` is set (keys
/// from a JWKS URL or a JWK Set file), else the configured API keys plus
/// `extra_keys`; with neither, an administrator key (scope
/// `cfg.admin_scope`) generated on first start in `<data_dir>/admin.key`
/// (mode 0600), whose place is reported through `say`.
/// @throws std::runtime_error when the JWK Set file cannot be read or the key file made
inline auth::any_auth make_auth_policy(const config& cfg, const std::filesystem::path& data_dir, const reporter& say,
                                       const std::vector<std::pair<std::string, auth::principal>>& extra_keys = {}) {
    if (cfg.jwt && !cfg.jwt->resource.empty()) {
        // An OAuth 2.1 protected resource (MCP "Authorization"): RFC 9728 metadata, audience-bound tokens.
        auto keys = auth::key_source_from(cfg.jwt->jwks);
        auth::jwt_options jo;
        jo.issuer = cfg.jwt->issuer;
        jo.audiences = {cfg.jwt->resource};
        jo.tenant_claim = cfg.jwt->tenant_claim;
        auth::protected_resource_options pr;
        pr.resource = cfg.jwt->resource;
        pr.authorization_servers = {cfg.jwt->issuer};
        pr.scopes_supported = cfg.jwt->scopes;
        pr.required_scopes = cfg.jwt->scopes;
        pr.resource_name = "polymcp gateway";
        return auth::oauth_resource_server(std::move(pr), auth::jwt_verifier(jo, keys));
    }
    if (cfg.jwt) {
        auto keys = auth::key_source_from(cfg.jwt->jwks);
        auth::jwt_options jo;
        jo.issuer = cfg.jwt->issuer;
        if (!cfg.jwt->audience.empty()) jo.audiences = {cfg.jwt->audience};
        else jo.verify_audience = false;
        jo.tenant_claim = cfg.jwt->tenant_claim;
        return auth::jwt_auth(auth::jwt_verifier(jo, keys));
    }
    auth::api_key_auth keys;
    for (const auto& k : cfg.api_keys) {
        if (!k.key.empty()) keys.add(k.key, k.who);
        else keys.add_hashed(k.key_sha256, k.who);
    }
    if (cfg.api_keys.empty()) {
        auto file = data_dir / "admin.key";
        auto [key, created] = secret_file(file, [] { return "pmk_" + random_hex_id(24); });
        keys.add(key, auth::principal{.subject = "admin", .tenant = "default", .issuer = "api_key",
                                      .scopes = {cfg.admin_scope}});
        say(created ? "generated an administrator API key in " + file.string() + " (mode 0600); read it there"
                    : "administrator API key: in " + file.string());
    }
    for (const auto& [key, who] : extra_keys) keys.add(key, who);
    return keys;
}

namespace detail {
// Split storages that own their two parts.
struct embedded_parts {
    storage::memory_storage memory;
    storage::sqlite_storage sqlite;
    embedded_storage split{memory, sqlite};
    explicit embedded_parts(storage::sqlite_options o) : sqlite(std::move(o)) {}
};
struct scaled_out_parts {
    storage::redis_storage redis;
    storage::postgres_storage postgres;
    scaled_out_storage split{redis, postgres};
    scaled_out_parts(storage::redis_options r, storage::postgres_options p) : redis(std::move(r)), postgres(std::move(p)) {}
};
}  // namespace detail

/// Memory (sessions) and SQLite in `<data_dir>/gateway.db` (records).
/// @throws std::system_error when the database cannot be opened
inline std::shared_ptr<embedded_storage> make_embedded_storage(const std::filesystem::path& data_dir) {
    storage::sqlite_options so;
    so.path = (data_dir / "gateway.db").string();
    auto owner = std::make_shared<detail::embedded_parts>(std::move(so));
    return {owner, &owner->split};
}

/// Redis `cfg.redis` (sessions, channels; keys under `cfg.redis_prefix`) and
/// PostgreSQL `cfg.postgres` (records, in schema `cfg.postgres_schema`).
/// A Redis server down at start is not an error (it reconnects with backoff;
/// `/readyz` tells); PostgreSQL must answer, since the schema is migrated here.
/// @throws std::invalid_argument for a Redis address that is not host:port;
///         std::system_error when PostgreSQL cannot be reached or migrated
inline std::shared_ptr<scaled_out_storage> make_scaled_out_storage(const config& cfg) {
    storage::redis_options ro;
    const auto colon = cfg.redis.rfind(':');
    if (colon == std::string::npos || colon == 0)
        throw std::invalid_argument("storage.redis must be host:port, not '" + cfg.redis + "'");
    ro.host = cfg.redis.substr(0, colon);
    ro.port = port_from(nlohmann::json(cfg.redis.substr(colon + 1)), "the port of storage.redis");
    ro.password = cfg.redis_password;
    ro.key_prefix = cfg.redis_prefix;
    // "polymcp:" -> "polymcp#": records live beside the keys, never under their prefix.
    ro.record_prefix = cfg.redis_prefix;
    if (!ro.record_prefix.empty() && ro.record_prefix.back() == ':') ro.record_prefix.pop_back();
    ro.record_prefix += "#";
    storage::postgres_options po;
    po.conninfo = cfg.postgres;
    po.schema = cfg.postgres_schema;
    auto owner = std::make_shared<detail::scaled_out_parts>(std::move(ro), std::move(po));
    return {owner, &owner->split};
}

}  // namespace polymcp::gateway

#endif
