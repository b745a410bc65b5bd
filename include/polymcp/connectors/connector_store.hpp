#ifndef POLYMCP_CONNECTORS_CONNECTOR_STORE_HPP
#define POLYMCP_CONNECTORS_CONNECTOR_STORE_HPP

/// @file polymcp/connectors/connector_store.hpp
/// `polymcp::connectors::connector_store<Storage, Cipher>`: users'
/// connectors (`con_` ids) in the durable records of a *Storage*, each with
/// its `auth_config` sealed by a *Cipher* (polymcp/crypto/concepts.hpp).
///
/// - A connector is its user's alone: any other caller, in any tenant, gets
///   `not_found` for its id, as for an id that does not exist.
/// - Names are unique per user (`already_exists`).
/// - At most `max_per_user` connectors per user (`connector_limit_reached`);
///   creations of one user are serialized across processes by a lock in the
///   storage's ephemeral state (set-if-absent with a TTL), so that two
///   concurrent creations cannot both pass the limit.
/// - Records live in a `storage::sealed_records` (member `auth_sealed`):
///   `auth_config` is sealed for purpose "polymcp.connector" and bound to
///   tenant, user and connector id (polymcp/crypto/sealed.hpp), so a sealed
///   value copied onto another user's or another connector's record does
///   not open there (`crypto_error`). No member
///   returns it except `auth_config()`, which the manager uses to connect.
///
/// Coroutines throwing `connector_error`; nothing is written when one throws.
/// Thread-safe as the storage is.

#include <polymcp/connectors/detail/fields.hpp>
#include <polymcp/connectors/detail/storage_ops.hpp>
#include <polymcp/connectors/types.hpp>
#include <polymcp/crypto/concepts.hpp>
#include <polymcp/crypto/sealed.hpp>
#include <polymcp/storage/concepts.hpp>
#include <polymcp/storage/sealed_records.hpp>

#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace polymcp::connectors {

/// Settings of `connector_store`.
struct connector_store_options {
    /// The records collection.
    std::string collection = "polymcp_connectors";
    /// Connectors per user at most.
    std::size_t max_per_user = 10;
    /// How long a creation may hold its user's lock, in ms (a crashed
    /// process's lock expires after this).
    std::chrono::milliseconds create_lock_ttl{30'000};
    /// How long a creation waits for another of the same user, in ms.
    std::chrono::milliseconds create_lock_wait{5'000};
};

/// Users' connectors in the records of `Storage`, each with its
/// credentials (`auth_config`) sealed by `Cipher` for its tenant, user and
/// id, never returned once stored. Every coroutine throws
/// `connector_error`. Thread-safe.
template <storage::storage Storage, crypto::cipher Cipher>
class connector_store {
public:
    /// @param storage the backend (records, and the ephemeral state for locks); kept
    /// @param cipher seals `auth_config` (copied)
    /// @param options the collection and the per-user limit
    connector_store(std::shared_ptr<Storage> storage, Cipher cipher, connector_store_options options = {})
        : storage_(storage), records_(std::move(storage), cipher,
                                      {.collection = options.collection,
                                       .purpose = std::string(connector_purpose),
                                       .member = "auth_sealed",
                                       .unique = {{"name", {"owner_key", "name"}}}}),
          sealer_(std::move(cipher)), opts_(std::move(options)) {}

    const connector_store_options& options() const noexcept { return opts_; }  ///< the settings it was made with

    /// Declares the collection and its unique constraint (idempotent).
    asio::awaitable<void> define() {
        std::error_code ec;
        co_await records_.async_define(detail::redirect(ec));
        if (ec) detail::storage_failure(ec, "declaring the connectors collection");
    }

    /// How many connectors `who` has.
    asio::awaitable<std::size_t> count(caller who) {
        auto all = co_await list_records(who);
        co_return all.size();
    }

    /// Throws `connector_limit_reached` when `who` has `max_per_user` connectors.
    asio::awaitable<void> check_limit(caller who) {
        auto n = co_await count(who);
        if (n >= opts_.max_per_user) throw limit_error();
    }

    /// Stores `c` (a new connector of `who`: id, tenant, user and times are
    /// set here) with `auth_config` sealed; checks the limit again under
    /// `who`'s creation lock.
    asio::awaitable<connector> insert(caller who, connector c, json auth_config) {
        c.id = make_id("con_");
        c.tenant = who.tenant;
        c.user = who.user;
        c.created_at = c.updated_at = unix_now();
        co_await lock(who);
        std::optional<connector_error> failure;
        try {
            auto n = co_await count(who);
            if (n >= opts_.max_per_user) throw limit_error();
            std::error_code ec;
            c.version = co_await records_.async_create(c.id, ids_of(c), stored(c), std::move(auth_config),
                                                       detail::redirect(ec));
            if (ec) fail(ec, "adding the connector '" + c.name + "'");
        } catch (const connector_error& e) {
            failure = e;
        }
        co_await unlock(who);
        if (failure) throw *failure;
        co_return c;
    }

    /// The connector `id` of `who`.
    asio::awaitable<connector> get(caller who, std::string id) {
        auto rec = co_await read_own(who, id);
        co_return connector::from_record(rec);
    }

    /// The connectors of `who`, by name.
    asio::awaitable<std::vector<connector>> list(caller who) {
        auto records = co_await list_records(who);
        std::vector<connector> out;
        for (const auto& r : records) out.push_back(connector::from_record(r));
        std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
        co_return out;
    }

    /// Replaces `c` (same id, owned by `who`), expecting `c.version`; with
    /// `auth_config` set, reseals the credentials too.
    asio::awaitable<connector> replace(caller who, connector c, std::optional<json> auth_config = std::nullopt) {
        co_await read_own(who, c.id);
        c.tenant = who.tenant;
        c.user = who.user;
        c.updated_at = unix_now();
        std::error_code ec;
        std::optional<std::int64_t> expected = c.version;
        c.version = co_await records_.async_update(c.id, ids_of(c), stored(c), std::move(auth_config), expected,
                                                   detail::redirect(ec));
        if (ec) fail(ec, "changing the connector '" + c.name + "'");
        co_return c;
    }

    /// Deletes the connector `id` of `who`.
    asio::awaitable<void> remove(caller who, std::string id) {
        auto rec = co_await read_own(who, id);
        std::error_code ec;
        std::optional<std::int64_t> expected = rec.version;
        co_await records_.async_remove(id, expected, detail::redirect(ec));
        if (ec) detail::storage_failure(ec, "deleting a connector");
    }

    /// The decrypted `auth_config` of the connector `id` of `who`, and the
    /// record's version (for `replace_auth_config`).
    asio::awaitable<std::pair<json, std::int64_t>> auth_config(caller who, std::string id) {
        auto rec = co_await read_own(who, id);
        std::error_code ec;
        auto opened = records_.unseal(std::move(rec), {who.tenant, who.user, id}, ec);
        if (ec) open_failure(ec, id);
        co_return std::pair<json, std::int64_t>(std::move(opened.secret), opened.version);
    }

    /// Reseals the credentials of connector `id` (a refreshed token), if the
    /// record is still at `expected_version`; `conflict` otherwise.
    asio::awaitable<std::int64_t> replace_auth_config(caller who, std::string id, json config,
                                                      std::int64_t expected_version) {
        auto rec = co_await read_own(who, id);
        auto c = connector::from_record(rec);
        json fields = std::move(rec.data);
        std::error_code ec;
        std::optional<std::int64_t> expected = expected_version;
        std::optional<json> secret = std::move(config);
        auto version = co_await records_.async_update(id, ids_of(c), std::move(fields), std::move(secret), expected,
                                                      detail::redirect(ec));
        if (ec) fail(ec, "saving refreshed credentials");
        co_return version;
    }

    /// Seals the own credentials of catalog server `server_id` (its
    /// `auth_config`, polymcp/connectors/auth_config.hpp) for purpose
    /// "polymcp.server", bound to the id, for `server_record::auth_sealed`.
    /// @throws connector_error `crypto_error`
    std::string seal_server(const std::string& server_id, const json& config) const {
        std::error_code ec;
        auto token = sealer_.seal(server_purpose, {server_id}, config, ec);
        if (ec) throw connector_error(errc::crypto_error, "sealing a server's credentials failed: " + ec.message());
        return token;
    }

    /// Opens what `seal_server` sealed for `server_id`; null for an empty token.
    /// @throws connector_error `crypto_error` (wrong key, tampered, or
    ///         sealed for another server)
    json open_server(const std::string& server_id, const std::string& token) const {
        if (token.empty()) return json();
        std::error_code ec;
        auto config = sealer_.open(server_purpose, {server_id}, token, ec);
        if (ec)
            throw connector_error(errc::crypto_error, "the credentials of server '" + server_id + "' do not open (" +
                                                          ec.message() + "): the encryption key changed, the record "
                                                          "was altered, or they were sealed for another server");
        return config;
    }

    /// Seals a started sign-in of connector `id` of `who` (it holds the PKCE
    /// verifier), for purpose "polymcp.sign-in", bound to tenant, user and id.
    /// @throws connector_error `crypto_error`
    std::string seal_sign_in(const caller& who, const std::string& id, const json& pending) const {
        std::error_code ec;
        auto token = sealer_.seal(sign_in_purpose, {who.tenant, who.user, id}, pending, ec);
        if (ec) throw connector_error(errc::crypto_error, "sealing a sign-in failed: " + ec.message());
        return token;
    }

    /// Opens what `seal_sign_in` sealed for the same `who` and `id`.
    /// @throws connector_error `crypto_error` (another user, connector or key)
    json open_sign_in(const caller& who, const std::string& id, const std::string& token) const {
        std::error_code ec;
        auto pending = sealer_.open(sign_in_purpose, {who.tenant, who.user, id}, token, ec);
        if (ec) throw connector_error(errc::crypto_error, "the sign-in does not open (" + ec.message() + ")");
        return pending;
    }

    /// The purposes credentials are sealed for (polymcp/crypto/sealed.hpp):
    /// a connector's, bound to tenant, user and connector id; a catalog
    /// server's, bound to the server id.
    static constexpr std::string_view connector_purpose = "polymcp.connector";
    static constexpr std::string_view server_purpose = "polymcp.server";    ///< see `connector_purpose`
    static constexpr std::string_view sign_in_purpose = "polymcp.sign-in";  ///< a pending sign-in, bound to tenant, user and connector

private:

    connector_error limit_error() const {
        return connector_error(errc::connector_limit_reached,
                               "you have " + std::to_string(opts_.max_per_user) +
                                   " connectors, the most allowed; delete one to add another");
    }

    static json stored(const connector& c) {
        json d = c.to_json();
        d.erase("id");
        d["owner_key"] = caller{c.tenant, c.user}.key();
        return d;
    }

    // What a connector's credentials are bound to.
    static std::vector<std::string> ids_of(const connector& c) { return {c.tenant, c.user, c.id}; }

    // A failed write of a connector record: sealing, or the storage.
    [[noreturn]] static void fail(std::error_code ec, const std::string& what) {
        if (storage::sealing_failed(ec))
            throw connector_error(errc::crypto_error, "sealing a connector's credentials failed: " + ec.message());
        detail::storage_failure(ec, what);
    }

    [[noreturn]] static void open_failure(std::error_code ec, const std::string& id) {
        if (!storage::sealing_failed(ec)) detail::storage_failure(ec, "reading a connector's credentials");
        throw connector_error(errc::crypto_error, "the credentials of connector '" + id + "' do not open (" + ec.message() +
                                                      "): the encryption key changed, the record was altered, or they "
                                                      "were sealed for another connector or user");
    }

    asio::awaitable<storage::record> read_own(const caller& who, const std::string& id) {
        if (!detail::plausible_id("con_", id) || who.tenant.empty())
            throw connector_error(errc::not_found, "no connector with the id '" + detail::excerpt(id) + "'");
        std::error_code ec;
        auto rec = co_await storage_->async_read(opts_.collection, id, detail::redirect(ec));
        if (ec) detail::storage_failure(ec, "reading a connector");
        if (!rec || rec->data.value("owner_key", "") != who.key())
            throw connector_error(errc::not_found, "no connector with the id '" + id + "'");
        co_return std::move(*rec);
    }

    asio::awaitable<std::vector<storage::record>> list_records(const caller& who) {
        storage::filter f;
        f.where("owner_key", who.key());
        co_return co_await detail::list_all(*storage_, opts_.collection, std::move(f), "listing connectors");
    }

    std::string lock_key(const caller& who) const { return storage::make_key({"polymcp", "lock", "connector-create", who.tenant, who.user}); }

    asio::awaitable<void> lock(const caller& who) {
        auto key = lock_key(who);
        auto give_up = std::chrono::steady_clock::now() + opts_.create_lock_wait;
        asio::steady_timer timer(co_await asio::this_coro::executor);
        for (;;) {
            std::error_code ec;
            std::string holder = "1";
            bool got = co_await storage_->async_set_if_absent(key, holder, opts_.create_lock_ttl, detail::redirect(ec));
            if (ec) detail::storage_failure(ec, "locking the user's connectors");
            if (got) co_return;
            if (std::chrono::steady_clock::now() >= give_up)
                throw connector_error(errc::conflict, "another connector of yours is being created; try again");
            timer.expires_after(std::chrono::milliseconds(20));
            co_await timer.async_wait(asio::use_awaitable);
        }
    }

    asio::awaitable<void> unlock(const caller& who) {
        std::error_code ec;
        co_await storage_->async_erase(lock_key(who), detail::redirect(ec));  // on failure the TTL frees it
    }

    std::shared_ptr<Storage> storage_;
    storage::sealed_records<Storage, Cipher> records_;  // connectors, their credentials sealed
    crypto::sealer<Cipher> sealer_;                     // catalog servers' own credentials
    connector_store_options opts_;
};

}  // namespace polymcp::connectors

#endif
