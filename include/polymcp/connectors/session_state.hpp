#ifndef POLYMCP_CONNECTORS_SESSION_STATE_HPP
#define POLYMCP_CONNECTORS_SESSION_STATE_HPP

/// @file polymcp/connectors/session_state.hpp
/// `polymcp::connectors::session_state<Storage>`: which connectors each
/// session has connected, with their status and cached tools, in the
/// ephemeral state of a *Storage*, isolated per
/// (tenant, user, session):
///
/// | key (after the backend's own prefix) | holds |
/// |---|---|
/// | `polymcp:session:<tenant>:<user>:<session>:connections` | the set of connected connector ids |
/// | `polymcp:session:<tenant>:<user>:<session>:conn:<id>` | JSON `{status, name, tools, server_info, protocol_version, message, updated_at}` |
///
/// Parts are escaped (`storage::make_key`), so no user or session name can
/// reach another's keys. Every key lives `ttl` (24 h by default) and every
/// read or write of a session refreshes its keys' TTL; `clear` deletes all
/// of a session's keys (logout). Thread-safe as the storage is; shared by
/// every gateway instance on the same storage.

#include <polymcp/connectors/detail/storage_ops.hpp>
#include <polymcp/connectors/types.hpp>
#include <polymcp/storage/concepts.hpp>

#include <asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace polymcp::connectors {

/// The connection status of a connector in a session.
enum class connection_status { connected, disconnected, failed };

/// "CONNECTED", "DISCONNECTED", "FAILED".
inline const char* to_string(connection_status s) noexcept {
    switch (s) {
        case connection_status::connected: return "CONNECTED";
        case connection_status::failed: return "FAILED";
        default: return "DISCONNECTED";
    }
}

/// Whose session: a user of a tenant, and the session's name (chosen by the
/// client, e.g. a chat's id; "default" when it gives none).
struct session_key {
    std::string tenant{};             ///< the user's tenant
    std::string user{};               ///< the user
    std::string session = "default";  ///< the session's name

    /// The prefix of all this session's keys, ending in ':'.
    std::string prefix() const { return storage::make_key({"polymcp", "session", tenant, user, session}) + ":"; }
    bool operator==(const session_key&) const = default;  ///< the same tenant, user and session
};

/// One connector's state in a session.
struct connection_state {
    std::string connector_id{};    ///< the connector's id
    std::string name;              ///< the connector's name (the tools' namespace)
    connection_status status = connection_status::disconnected;  ///< CONNECTED, DISCONNECTED or FAILED
    json tools = json::array();    ///< `Tool` objects, while connected
    json server_info{};            ///< the upstream's `serverInfo`
    std::string protocol_version{};  ///< negotiated with the upstream
    std::string error{};           ///< FAILED: the error code name, e.g. "TIMEOUT"
    std::string message{};         ///< FAILED: what happened
    std::int64_t updated_at = 0;   ///< Unix time, s

    /// `{"connector_id", "name", "status", "tools", "server_info", ...}`.
    json to_json() const {
        json j = {{"connector_id", connector_id}, {"name", name},   {"status", to_string(status)},
                  {"tools", tools},               {"server_info", server_info}, {"protocol_version", protocol_version},
                  {"updated_at", updated_at}};
        if (!error.empty()) j["error"] = error;
        if (!message.empty()) j["message"] = message;
        return j;
    }
    /// Reads what `to_json` wrote; members it lacks keep their defaults.
    static connection_state from_json(const json& j) {
        connection_state s;
        s.connector_id = j.value("connector_id", "");
        s.name = j.value("name", "");
        auto st = j.value("status", "");
        s.status = st == "CONNECTED" ? connection_status::connected
                   : st == "FAILED"  ? connection_status::failed
                                     : connection_status::disconnected;
        if (auto t = j.find("tools"); t != j.end() && t->is_array()) s.tools = *t;
        if (auto i = j.find("server_info"); i != j.end()) s.server_info = *i;
        s.protocol_version = j.value("protocol_version", "");
        s.error = j.value("error", "");
        s.message = j.value("message", "");
        s.updated_at = j.value("updated_at", std::int64_t(0));
        return s;
    }
};

/// Settings of `session_state`.
struct session_state_options {
    /// How long a session's keys live after their last use, in ms.
    std::chrono::milliseconds ttl{24 * 3600 * 1000};
};

/// Which connectors each (tenant, user, session) has connected, in the
/// ephemeral state of `Storage` (so every gateway instance sees the same),
/// each key living `options.ttl` after its last use. Thread-safe.
template <storage::storage Storage>
class session_state {
public:
    /// The session state in `storage` (kept).
    explicit session_state(std::shared_ptr<Storage> storage, session_state_options options = {})
        : storage_(std::move(storage)), opts_(options) {}

    const session_state_options& options() const noexcept { return opts_; }  ///< the settings it was made with

    /// Records `state` for its connector in session `k`: CONNECTED adds it to
    /// the session's set, DISCONNECTED and FAILED remove it (keeping the
    /// state, without tools, for `get`).
    asio::awaitable<void> put(session_key k, connection_state state) {
        if (state.status != connection_status::connected) state.tools = json::array();
        state.updated_at = unix_now();
        std::error_code ec;
        std::string key = state_key(k, state.connector_id), set = set_key(k), value = state.to_json().dump();
        co_await storage_->async_set(key, value, opts_.ttl, detail::redirect(ec));
        if (ec) detail::storage_failure(ec, "saving a connection's state");
        if (state.status == connection_status::connected) {
            co_await storage_->async_set_add(set, state.connector_id, detail::redirect(ec));
            if (ec) detail::storage_failure(ec, "saving the session's connections");
            co_await storage_->async_expire(set, opts_.ttl, detail::redirect(ec));
        } else {
            co_await storage_->async_set_remove(set, state.connector_id, detail::redirect(ec));
        }
        if (ec) detail::storage_failure(ec, "saving the session's connections");
    }

    /// The state of connector `id` in session `k` (refreshing its TTL), or
    /// nothing when it was never connected there or expired.
    asio::awaitable<std::optional<connection_state>> get(session_key k, std::string id) {
        std::error_code ec;
        std::string key = state_key(k, id);
        auto v = co_await storage_->async_get(key, detail::redirect(ec));
        if (ec) detail::storage_failure(ec, "reading a connection's state");
        if (!v) co_return std::nullopt;
        auto j = json::parse(*v, nullptr, false);
        if (!j.is_object()) co_return std::nullopt;
        co_await storage_->async_expire(key, opts_.ttl, detail::redirect(ec));
        co_return connection_state::from_json(j);
    }

    /// The CONNECTED connectors of session `k`, by name then id (refreshing
    /// the TTLs); ids whose state expired are dropped from the set.
    asio::awaitable<std::vector<connection_state>> connected(session_key k) {
        std::error_code ec;
        std::string set = set_key(k);
        auto ids = co_await storage_->async_set_members(set, detail::redirect(ec));
        if (ec) detail::storage_failure(ec, "reading the session's connections");
        std::vector<connection_state> out;
        for (const auto& id : ids) {
            auto s = co_await get(k, id);
            if (s && s->status == connection_status::connected) out.push_back(std::move(*s));
            else {
                std::string member = id;
                co_await storage_->async_set_remove(set, member, detail::redirect(ec));
            }
        }
        if (!ids.empty()) co_await storage_->async_expire(set, opts_.ttl, detail::redirect(ec));
        std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
            return a.name < b.name || (a.name == b.name && a.connector_id < b.connector_id);
        });
        co_return out;
    }

    /// Forgets connector `id` in session `k` entirely.
    asio::awaitable<void> erase(session_key k, std::string id) {
        std::error_code ec;
        std::string key = state_key(k, id), set = set_key(k);
        co_await storage_->async_erase(key, detail::redirect(ec));
        if (ec) detail::storage_failure(ec, "forgetting a connection");
        co_await storage_->async_set_remove(set, id, detail::redirect(ec));
        if (ec) detail::storage_failure(ec, "forgetting a connection");
    }

    /// Deletes every key of session `k` (logout); how many.
    asio::awaitable<std::size_t> clear(session_key k) {
        std::error_code ec;
        std::string prefix = k.prefix();
        auto n = co_await storage_->async_erase_prefix(prefix, detail::redirect(ec));
        if (ec) detail::storage_failure(ec, "clearing the session");
        co_return n;
    }

    /// The key of connector `id`'s state in session `k`.
    static std::string state_key(const session_key& k, const std::string& id) { return k.prefix() + "conn:" + storage::make_key({id}); }
    /// The key of session `k`'s set of connected connectors.
    static std::string set_key(const session_key& k) { return k.prefix() + "connections"; }

private:
    std::shared_ptr<Storage> storage_;
    session_state_options opts_;
};

}  // namespace polymcp::connectors

#endif
