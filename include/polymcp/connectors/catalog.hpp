#ifndef POLYMCP_CONNECTORS_CATALOG_HPP
#define POLYMCP_CONNECTORS_CATALOG_HPP

/// @file polymcp/connectors/catalog.hpp
/// `polymcp::connectors::catalog<Storage>`: the catalog of MCP servers
/// (`mcp_` ids) and their categories (`ctg_` ids) in the durable records of
/// any *Storage* (polymcp/storage/concepts.hpp), with these ownership rules:
///
/// - a user sees the public servers of their tenant, the global servers
///   (from configuration, `tenant` empty) and their own;
/// - any user may add private servers reached over HTTP; only an
///   administrator (`caller::admin`) may publish a server or add one that
///   runs a local command (stdio), since that command runs on the gateway;
/// - the owner may change and delete their servers, an administrator the
///   public ones of their tenant; global servers change only through
///   configuration (`put_global_server`);
/// - a server another user owns, or one of another tenant, is answered
///   `not_found` exactly like an id that does not exist (no probing);
/// - categories are shared by all tenants, read by anyone, and changed only
///   by administrators; names are unique; deleting one leaves its servers
///   without category (in the same transaction).
///
/// Every member is a coroutine that throws `connector_error`
/// (`invalid_request`, `not_found`, `forbidden`, `already_exists`,
/// `conflict`, `transport_not_allowed`, `storage_unavailable`) and writes
/// nothing when it throws. Thread-safe as the storage is.

#include <polymcp/connectors/bodies.hpp>
#include <polymcp/connectors/detail/fields.hpp>
#include <polymcp/connectors/detail/storage_ops.hpp>
#include <polymcp/connectors/types.hpp>
#include <polymcp/storage/concepts.hpp>

#include <asio/awaitable.hpp>

#include <algorithm>
#include <optional>
#include <utility>
#include <memory>
#include <string>
#include <vector>

namespace polymcp::connectors {

/// Where the catalog keeps its records.
struct catalog_options {
    std::string servers_collection = "polymcp_mcp_servers";    ///< the servers' collection
    std::string categories_collection = "polymcp_categories";  ///< the categories' collection
};

/// The catalog of MCP servers users may connect to, and its categories, in
/// the records of `Storage`: servers of a tenant's users (private or
/// public to the tenant), global servers from configuration, categories
/// administrators manage. Every coroutine throws `connector_error`.
/// Thread-safe.
template <storage::storage Storage>
class catalog {
public:
    /// @param storage the records backend (kept)
    /// @param options the collections' names
    explicit catalog(std::shared_ptr<Storage> storage, catalog_options options = {})
        : storage_(std::move(storage)), opts_(std::move(options)) {}

    /// Declares the collections and their unique constraints (idempotent);
    /// once at start, by every process sharing the storage.
    asio::awaitable<void> define() {
        storage::collection_schema servers{opts_.servers_collection, {{"name", {"tenant", "owner", "name"}}}};
        storage::collection_schema categories{opts_.categories_collection, {{"name", {"name"}}}};
        std::error_code ec;
        co_await storage_->async_define(servers, detail::redirect(ec));
        if (ec) detail::storage_failure(ec, "declaring the servers collection");
        co_await storage_->async_define(categories, detail::redirect(ec));
        if (ec) detail::storage_failure(ec, "declaring the categories collection");
    }

    // ---- servers -----------------------------------------------------------

    /// Adds a server owned by `who` from a request body: `name` (1 to 64
    /// characters), the endpoint members (polymcp/connectors/types.hpp
    /// `endpoint::from_json`), and optionally `description`,
    /// `requires_oauth`, `public`, `enabled`, `category_id`.
    ///
    /// @param who its owner
    /// @param body the request body
    /// @param id the new server's id ("mcp_" + 16 hex digits), or empty for a new one
    /// @param auth_type the kind of the server's own credentials
    /// @param auth_sealed the server's own credentials, sealed by the
    ///        connector manager for `id` (`connector_manager::create_server`)
    asio::awaitable<server_record> create_server(caller who, json body, std::string id = {},
                                                 std::string auth_type = "none", std::string auth_sealed = {}) {
        require_tenant(who);
        server_body b;
        endpoint_fields endpoint_members;
        decode_body(body, b, endpoint_members);
        check_name("/name", b.name, true);
        server_record s;
        s.auth_type = std::move(auth_type);
        s.auth_sealed = std::move(auth_sealed);
        apply(b, s);
        s.server = endpoint::from_json(body);
        check_may_publish(who, s);
        if (!s.category_id.empty()) co_await require_category(s.category_id);
        s.id = id.empty() ? make_id("mcp_") : std::move(id);
        s.tenant = who.tenant;
        s.owner = who.user;
        s.created_at = s.updated_at = unix_now();
        std::error_code ec;
        auto rec = co_await storage_->async_create(opts_.servers_collection, s.id, stored(s), detail::redirect(ec));
        if (ec) detail::storage_failure(ec, "adding the server '" + s.name + "'");
        s.version = rec.version;
        co_return s;
    }

    /// The server `id` if `who` may see it.
    asio::awaitable<server_record> get_server(caller who, std::string id) {
        auto s = co_await read_server(id);
        if (!s || !visible(who, *s))
            throw connector_error(errc::not_found, "no server with the id '" + detail::excerpt(id) + "'");
        co_return *s;
    }

    /// The servers `who` may see, by name; only those of `category_id` when not empty.
    asio::awaitable<std::vector<server_record>> list_servers(caller who, std::string category_id = {}) {
        // (own) or (public and (tenant or global)), as two clauses of equalities.
        storage::filter f;
        f.where_any({{"owner_key", who.key()}, {"public", true}});
        f.where_any({{"owner_key", who.key()}, {"tenant", who.tenant}, {"tenant", ""}});
        f.where_any({{"owner_key", who.key()}, {"tenant", who.tenant}, {"owner", ""}});
        if (!category_id.empty()) f.where("category_id", category_id);
        auto records = co_await detail::list_all(*storage_, opts_.servers_collection, std::move(f), "listing servers");
        std::vector<server_record> out;
        for (const auto& r : records) {
            auto s = server_record::from_record(r);
            if (visible(who, s)) out.push_back(std::move(s));
        }
        std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name || (a.name == b.name && a.id < b.id); });
        co_return out;
    }

    /// Changes the members `patch` gives (as in `create_server`); the
    /// endpoint members replace the old ones. Only the owner, or an
    /// administrator for a public server of their tenant.
    ///
    /// @param who who asks
    /// @param id the server's id
    /// @param patch the request body
    /// @param auth when set, the server's new credentials: their type and
    ///        sealed form (`connector_manager::update_server`)
    asio::awaitable<server_record> update_server(caller who, std::string id, json patch,
                                                 std::optional<std::pair<std::string, std::string>> auth = std::nullopt) {
        require_tenant(who);
        server_body b;
        endpoint_fields endpoint_members;
        decode_body(patch, b, endpoint_members);
        check_name("/name", b.name, false);
        auto current = co_await get_server(who, id);
        check_may_change(who, current);
        server_record s = current;
        if (auth) {
            s.auth_type = auth->first;
            s.auth_sealed = auth->second;
        }
        apply(b, s);
        if (patch.contains("category_id")) s.category_id = b.category_id.value_or("");  // null: no category
        json ep = s.server.to_json();
        if (merge_endpoint_members(ep, patch)) s.server = endpoint::from_json(ep);
        check_may_publish(who, s);
        if (!s.category_id.empty() && s.category_id != current.category_id) co_await require_category(s.category_id);
        s.updated_at = unix_now();
        std::error_code ec;
        std::optional<std::int64_t> expected = current.version;
        auto rec = co_await storage_->async_update(opts_.servers_collection, id, stored(s), expected, detail::redirect(ec));
        if (ec) detail::storage_failure(ec, "changing the server '" + current.name + "'");
        s.version = rec.version;
        co_return s;
    }

    /// Deletes the server `id`: only the owner, or an administrator for a
    /// public server of their tenant.
    asio::awaitable<void> delete_server(caller who, std::string id) {
        require_tenant(who);
        auto current = co_await get_server(who, id);
        check_may_change(who, current);
        std::error_code ec;
        std::optional<std::int64_t> expected = current.version;
        co_await storage_->async_remove(opts_.servers_collection, id, expected, detail::redirect(ec));
        if (ec) detail::storage_failure(ec, "deleting the server '" + current.name + "'");
    }

    /// The id of the global server named `name`, or an empty string.
    asio::awaitable<std::string> global_server_id(std::string name) {
        storage::filter f;
        f.where("tenant", "").where("owner", "").where("name", name);
        auto existing = co_await detail::list_all(*storage_, opts_.servers_collection, std::move(f), "reading the global servers", 1);
        co_return existing.empty() ? std::string() : existing.front().id;
    }

    /// Adds or replaces the global server named `s.name` (tenant and owner
    /// empty, public): servers the gateway's configuration declares. Trusted:
    /// no ownership or transport rules apply.
    asio::awaitable<server_record> put_global_server(server_record s) {
        s.tenant.clear();
        s.owner.clear();
        s.is_public = true;
        storage::filter f;
        f.where("tenant", "").where("owner", "").where("name", s.name);
        auto existing = co_await detail::list_all(*storage_, opts_.servers_collection, std::move(f), "reading the global servers", 1);
        std::error_code ec;
        s.updated_at = unix_now();
        if (!existing.empty()) {
            auto old = server_record::from_record(existing.front());
            s.id = old.id;
            s.created_at = old.created_at;
            std::optional<std::int64_t> any_version;
            auto rec = co_await storage_->async_update(opts_.servers_collection, s.id, stored(s), any_version,
                                                       detail::redirect(ec));
            if (ec) detail::storage_failure(ec, "updating the global server '" + s.name + "'");
            s.version = rec.version;
        } else {
            if (s.id.empty()) s.id = make_id("mcp_");
            s.created_at = s.updated_at;
            auto rec = co_await storage_->async_create(opts_.servers_collection, s.id, stored(s), detail::redirect(ec));
            if (ec) detail::storage_failure(ec, "adding the global server '" + s.name + "'");
            s.version = rec.version;
        }
        co_return s;
    }

    // ---- categories ----------------------------------------------------------

    /// Adds a category (administrators): `name` (1 to 64 characters,
    /// unique), optional `icon`, `color`, `description`.
    asio::awaitable<category> create_category(caller who, json body) {
        require_admin(who, "add categories");
        category_body b;
        decode_body(body, b);
        check_name("/name", b.name, true);
        category c;
        apply(b, c);
        c.id = make_id("ctg_");
        c.created_at = c.updated_at = unix_now();
        std::error_code ec;
        auto rec = co_await storage_->async_create(opts_.categories_collection, c.id, stored(c), detail::redirect(ec));
        if (ec) detail::storage_failure(ec, "adding the category '" + c.name + "'");
        c.version = rec.version;
        co_return c;
    }

    /// The category `id`. @throws connector_error `not_found`
    asio::awaitable<category> get_category(std::string id) {
        if (!detail::plausible_id("ctg_", id))
            throw connector_error(errc::not_found, "no category with the id '" + detail::excerpt(id) + "'");
        std::error_code ec;
        auto rec = co_await storage_->async_read(opts_.categories_collection, id, detail::redirect(ec));
        if (ec) detail::storage_failure(ec, "reading a category");
        if (!rec) throw connector_error(errc::not_found, "no category with the id '" + id + "'");
        co_return category::from_record(*rec);
    }

    /// Every category, by name.
    asio::awaitable<std::vector<category>> list_categories() {
        auto records = co_await detail::list_all(*storage_, opts_.categories_collection, storage::filter(), "listing categories");
        std::vector<category> out;
        for (const auto& r : records) out.push_back(category::from_record(r));
        std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
        co_return out;
    }

    /// Changes the members `patch` gives (administrators).
    asio::awaitable<category> update_category(caller who, std::string id, json patch) {
        require_admin(who, "change categories");
        category_body b;
        decode_body(patch, b);
        check_name("/name", b.name, false);
        auto c = co_await get_category(id);
        const auto version = c.version;
        apply(b, c);
        c.updated_at = unix_now();
        std::error_code ec;
        std::optional<std::int64_t> expected = version;
        auto rec = co_await storage_->async_update(opts_.categories_collection, id, stored(c), expected, detail::redirect(ec));
        if (ec) detail::storage_failure(ec, "changing the category '" + c.name + "'");
        c.version = rec.version;
        co_return c;
    }

    /// Deletes a category (administrators); its servers keep existing without
    /// category, in the same transaction.
    asio::awaitable<void> delete_category(caller who, std::string id) {
        require_admin(who, "delete categories");
        auto c = co_await get_category(id);
        storage::filter f;
        f.where("category_id", id);
        auto servers = co_await detail::list_all(*storage_, opts_.servers_collection, std::move(f), "listing a category's servers");
        storage::write_batch batch;
        for (const auto& r : servers) {
            json data = r.data;
            data["category_id"] = nullptr;
            batch.update(opts_.servers_collection, r.id, std::move(data), r.version);
        }
        batch.remove(opts_.categories_collection, id, c.version);
        std::error_code ec;
        co_await storage_->async_commit(std::move(batch), detail::redirect(ec));
        if (ec) detail::storage_failure(ec, "deleting the category '" + c.name + "'");
    }

    /// The server `id` whatever its owner, or nothing (for the manager,
    /// which checks visibility itself).
    asio::awaitable<std::optional<server_record>> read_server(std::string id) {
        if (!detail::plausible_id("mcp_", id)) co_return std::nullopt;
        std::error_code ec;
        auto rec = co_await storage_->async_read(opts_.servers_collection, id, detail::redirect(ec));
        if (ec) detail::storage_failure(ec, "reading a server");
        if (!rec) co_return std::nullopt;
        co_return server_record::from_record(*rec);
    }

    /// Whether `who` may see `s` (see the file comment).
    static bool visible(const caller& who, const server_record& s) {
        if (who.tenant.empty()) return false;
        if (s.tenant == who.tenant && s.owner == who.user && !s.owner.empty()) return true;
        return s.is_public && ((s.tenant.empty() && s.owner.empty()) || s.tenant == who.tenant);
    }

    /// Whether `who` may change `s` and see all of it (its endpoint's
    /// headers, query, arguments and environment): its owner, or an
    /// administrator of its tenant; for a global server, any administrator
    /// (who still changes it through the configuration only).
    static bool may_manage(const caller& who, const server_record& s) {
        if (who.tenant.empty()) return false;
        if (s.tenant.empty() && s.owner.empty()) return who.admin;
        return (s.tenant == who.tenant && s.owner == who.user) || (who.admin && s.tenant == who.tenant);
    }

private:
    // The members a body gives, onto a server or a category (names and text checked).
    static void apply(const server_body& b, server_record& s) {
        if (b.name) s.name = *b.name;
        if (b.description) check_text("/description", *b.description), s.description = *b.description;
        if (b.requires_oauth) s.requires_oauth = *b.requires_oauth;
        if (b.is_public) s.is_public = *b.is_public;
        if (b.enabled) s.enabled = *b.enabled;
        if (b.category_id) s.category_id = *b.category_id;
    }
    static void apply(const category_body& b, category& c) {
        if (b.name) c.name = *b.name;
        if (b.icon) check_text("/icon", *b.icon), c.icon = *b.icon;
        if (b.color) check_text("/color", *b.color), c.color = *b.color;
        if (b.description) check_text("/description", *b.description), c.description = *b.description;
    }

    static json stored(const server_record& s) {
        json d = s.to_json();
        d.erase("id");
        if (!s.auth_sealed.empty()) d["auth_sealed"] = s.auth_sealed;
        d["owner_key"] = caller{s.tenant, s.owner}.key();
        return d;
    }
    static json stored(const category& c) {
        json d = c.to_json();
        d.erase("id");
        return d;
    }

    // Every record belongs to a tenant: a caller without one (an API key or
    // token that names none) publishes nothing, not even to "every tenant".
    static void require_tenant(const caller& who) {
        if (who.tenant.empty())
            throw connector_error(errc::forbidden,
                                  "the caller has no tenant; the gateway's configuration maps every API key and token "
                                  "to one (servers for every tenant come from the configuration only)");
    }

    static void require_admin(const caller& who, const char* what) {
        if (!who.admin) throw connector_error(errc::forbidden, std::string("only administrators may ") + what);
    }
    static void check_may_publish(const caller& who, const server_record& s) {
        if (s.server.transport == transport_kind::stdio && !who.admin)
            throw connector_error(errc::transport_not_allowed,
                                  "only administrators may add stdio servers (the command would run on the gateway); "
                                  "use an http(s) URL");
        if (s.is_public && !who.admin)
            throw connector_error(errc::forbidden, "only administrators may make a server public");
    }
    static void check_may_change(const caller& who, const server_record& s) {
        if (s.tenant.empty() && s.owner.empty())
            throw connector_error(errc::forbidden, "the server '" + s.name + "' comes from the gateway's configuration; change it there");
        const bool own = s.tenant == who.tenant && s.owner == who.user;
        if (!own && !(who.admin && s.tenant == who.tenant))
            throw connector_error(errc::forbidden, "only the owner or an administrator may change the server '" + s.name + "'");
    }
    asio::awaitable<void> require_category(std::string id) {
        if (!detail::plausible_id("ctg_", id))
            throw connector_error(errc::invalid_request, "/category_id: names no category");
        std::error_code ec;
        auto rec = co_await storage_->async_read(opts_.categories_collection, id, detail::redirect(ec));
        if (ec) detail::storage_failure(ec, "reading a category");
        if (!rec) throw connector_error(errc::invalid_request, "/category_id: names no category ('" + id + "')");
    }

    std::shared_ptr<Storage> storage_;
    catalog_options opts_;
};

}  // namespace polymcp::connectors

#endif
