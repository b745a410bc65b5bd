#ifndef POLYMCP_CONNECTORS_MANAGER_HPP
#define POLYMCP_CONNECTORS_MANAGER_HPP

/// @file polymcp/connectors/manager.hpp
/// `polymcp::connectors::connector_manager<Storage, Cipher>`: the connector
/// manager of seeds 002 and 003 as one object, generic over the storage
/// policy (records and ephemeral state) and the cipher policy (credentials):
///
/// - the catalog (`servers()`), users' connectors (`connectors()`) and the
///   session state (`sessions()`), each usable on its own;
/// - `test_connection` and `create_connector`: a connector is stored only
///   after a successful test, with the tools it discovered;
/// - `connect` / `disconnect` / `connections` / `logout` per
///   (tenant, user, session): the state lives in the storage (shared by
///   every gateway instance), the upstream MCP sessions in this process
///   (opened again on demand by whichever instance serves a call);
/// - `tools`: the aggregated, namespaced tools of a session
///   (polymcp/connectors/aggregator.hpp); `call_tool` forwards a call on an
///   aggregated name to its upstream with that user's credentials, passing
///   progress and cancellation through;
/// - an upstream's `notifications/tools/list_changed` refreshes the cached
///   tools and is passed on to `subscribe`rs of the session;
/// - credentials come from a connector's sealed `auth_config` through a
///   token provider that refreshes an expired or refused token once, under
///   a lock shared by all instances (polymcp/connectors/token_provider.hpp).
///
/// Create it with `std::make_shared` (callbacks from upstreams hold weak
/// references). Every coroutine throws `connector_error`. Thread-safe: any
/// member from any thread; upstream sessions run on strands of the
/// executor given at construction.

#include <polymcp/client/session.hpp>
#include <polymcp/connectors/aggregator.hpp>
#include <polymcp/connectors/auth_config.hpp>
#include <polymcp/connectors/catalog.hpp>
#include <polymcp/connectors/connector_store.hpp>
#include <polymcp/connectors/session_state.hpp>
#include <polymcp/connectors/token_provider.hpp>
#include <polymcp/connectors/upstream.hpp>
#include <polymcp/connectors/validator.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/strand.hpp>
#include <asio/use_awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace polymcp::connectors {

/// Settings of `connector_manager`; every member has a working default.
struct manager_options {
    catalog_options catalog{};
    connector_store_options connectors{};  ///< the per-user limit (10)
    session_state_options sessions{};      ///< the session TTL (24 h)
    /// Testing and connecting: the time limit (10 s), the SSRF policy, TLS.
    validator_options validation{};
    aggregation_options aggregation{};
    token_provider_options tokens{};
    /// Let users (not only administrators) add connectors that run a local
    /// command (stdio). Off: the command would run on the gateway's machine.
    bool users_may_add_stdio = false;
    /// Time limit of one forwarded `tools/call`, in ms; upstream progress
    /// restarts it, up to `max_call_timeout`.
    std::chrono::milliseconds call_timeout{120'000};
    std::chrono::milliseconds max_call_timeout{600'000};
    /// Upstream sessions unused this long are closed (and opened again on
    /// the next call), in ms.
    std::chrono::milliseconds upstream_idle_timeout{10 * 60'000};
};

/// How a forwarded call reports back.
struct call_options {
    /// Receives the upstream's progress notifications (from an upstream
    /// strand: must be thread-safe).
    std::function<void(const client::progress_info&)> on_progress{};
    /// Cancelling it cancels the upstream call (`notifications/cancelled`
    /// upstream) and the call throws `errc::cancelled`.
    asio::cancellation_slot cancellation{};
    /// Extra `_meta` members for the upstream request.
    json meta{};
};

template <storage::storage Storage, crypto::cipher Cipher>
class connector_manager : public std::enable_shared_from_this<connector_manager<Storage, Cipher>> {
public:
    using store_type = connector_store<Storage, Cipher>;

    /// @param ex where upstream sessions run (each on a strand of it)
    /// @param storage records and ephemeral state (kept)
    /// @param cipher seals credentials (copied)
    connector_manager(asio::any_io_executor ex, std::shared_ptr<Storage> storage, Cipher cipher,
                      manager_options options = {})
        : ex_(std::move(ex)),
          storage_(storage),
          opts_(std::move(options)),
          catalog_(storage, opts_.catalog),
          store_(std::make_shared<store_type>(storage, std::move(cipher), opts_.connectors)),
          sessions_(storage, opts_.sessions),
          tokens_(std::make_shared<token_provider<Storage, Cipher>>(ex_, storage, store_, opts_.tokens,
                                                                     opts_.validation.upstream)) {}

    ~connector_manager() { close_all(); }

    catalog<Storage>& servers() noexcept { return catalog_; }
    store_type& connectors() noexcept { return *store_; }
    session_state<Storage>& sessions() noexcept { return sessions_; }
    const manager_options& options() const noexcept { return opts_; }

    /// Declares the collections (idempotent); once at start.
    asio::awaitable<void> define() {
        co_await catalog_.define();
        co_await store_->define();
    }

    // ---- connectors ------------------------------------------------------------

    /// Tests the server a request body describes, without storing anything:
    /// `server_id` (a catalog server `who` can see) or the endpoint members
    /// (`transport`, `url`, `headers`, `query`; `command`, `args`, `env` for
    /// stdio), and `auth_config` (polymcp/connectors/auth_config.hpp).
    /// Failures of the upstream are a result, not an exception; a bad body
    /// throws `invalid_request`, `not_found`, `transport_not_allowed`.
    asio::awaitable<validation_result> test_connection(caller who, json body) {
        auto req = co_await read_request(who, body, false);
        std::string not_stored;  // named: GCC 12 mishandles temporaries in co_await arguments
        auto creds = co_await tokens_->credentials(who, not_stored, req.auth_config);
        co_return co_await connectors::test_connection(ex_, req.server, std::move(creds), opts_.validation);
    }

    /// Tests, then stores a connector of `who` from a request body: `name`
    /// (1 to 64 characters, unique per user), optional `description`, and
    /// what `test_connection` reads. Throws `connector_limit_reached`
    /// before testing when the user has the most connectors allowed, and
    /// the test's error code (INVALID_URL ... PROTOCOL_VERSION_UNSUPPORTED,
    /// with its message) when the test fails; nothing is stored then.
    asio::awaitable<connector> create_connector(caller who, json body) {
        auto req = co_await read_request(who, body, true);
        co_await store_->check_limit(who);
        std::string not_stored;
        auto creds = co_await tokens_->credentials(who, not_stored, req.auth_config);
        auto result = co_await connectors::test_connection(ex_, req.server, std::move(creds), opts_.validation);
        if (!result.success) throw validation_error(result);
        connector c;
        c.name = req.name;
        c.description = req.description;
        c.server_id = req.server_id;
        c.server = req.server;
        c.auth_type = req.auth_type;
        c.tools = result.tools;
        c.server_info = result.server_info;
        c.protocol_version = result.protocol_version;
        co_return co_await store_->insert(who, std::move(c), std::move(req.auth_config));
    }

    /// Changes a connector of `who`: `name`, `description`, `enabled`, and —
    /// tested again first, replacing the discovered tools — the endpoint
    /// members and `auth_config`.
    asio::awaitable<connector> update_connector(caller who, std::string id, json patch) {
        detail::only_fields(patch, {"name", "description", "enabled", "transport", "url", "headers", "query", "command",
                                    "args", "env", "auth_config"});
        auto c = co_await store_->get(who, id);
        detail::read_string(patch, "name", c.name, 1, 64);
        detail::read_string(patch, "description", c.description, 0, 4096);
        detail::read_bool(patch, "enabled", c.enabled);
        bool retest = false;
        json ep = c.server.to_json();
        static constexpr const char* endpoint_members[] = {"transport", "url", "headers", "query", "command", "args", "env"};
        for (const char* k : endpoint_members)
            if (patch.contains(k)) {
                if (!c.server_id.empty())
                    throw connector_error(errc::invalid_request, "the connector uses the catalog server '" + c.server_id +
                                                                     "'; its endpoint changes there");
                ep[k] = patch[k];
                retest = true;
            }
        std::optional<json> new_config;
        if (patch.contains("auth_config")) {
            new_config = patch["auth_config"];
            retest = true;
        }
        if (retest) {
            c.server = endpoint::from_json(ep);
            check_transport(who, c.server);
            json config;
            if (new_config) {
                c.auth_type = validate_auth_config(*new_config, c.server.transport);
                config = *new_config;
            } else {
                auto stored = co_await store_->auth_config(who, id);
                config = std::move(stored.first);
            }
            std::string not_stored;
            auto creds = co_await tokens_->credentials(who, not_stored, config);
            auto result = co_await connectors::test_connection(ex_, c.server, std::move(creds), opts_.validation);
            if (!result.success) throw validation_error(result);
            c.tools = result.tools;
            c.server_info = result.server_info;
            c.protocol_version = result.protocol_version;
        }
        auto out = co_await store_->replace(who, std::move(c), std::move(new_config));
        if (retest) close_connector(who, id);  // sessions reconnect with the new settings
        co_return out;
    }

    /// Deletes a connector of `who` and closes its upstream sessions here;
    /// sessions elsewhere drop it from their tools on their next listing.
    asio::awaitable<void> delete_connector(caller who, std::string id) {
        co_await store_->remove(who, id);
        close_connector(who, id);
    }

    // ---- sessions ----------------------------------------------------------------

    /// Connects connector `id` in session `k`: opens the upstream with the
    /// user's credentials, lists its tools, records CONNECTED with them and
    /// tells the session's subscribers. On failure records FAILED (with the
    /// error) and throws it.
    asio::awaitable<connection_state> connect(session_key k, std::string id) {
        const caller who{k.tenant, k.user};
        auto c = co_await store_->get(who, id);
        if (!c.enabled) throw connector_error(errc::invalid_request, "the connector '" + c.name + "' is disabled");
        connection_state state;
        state.connector_id = id;
        state.name = c.name;
        std::optional<connector_error> failure;
        try {
            auto live = co_await open_live(k, c, true);
            auto tools = co_await list_upstream_tools(live);
            state.status = connection_status::connected;
            state.tools = std::move(tools);
            state.server_info = live->server_info;
            state.protocol_version = live->protocol_version;
        } catch (const connector_error& e) {
            failure = e;
        }
        state.updated_at = unix_now();
        if (failure) {
            state.status = connection_status::failed;
            state.error = std::string(code_name(failure->value()));
            state.message = failure->what();
            co_await sessions_.put(k, state);
            throw *failure;
        }
        co_await sessions_.put(k, state);
        notify(k);
        co_return state;
    }

    /// Disconnects connector `id` in session `k` (idempotent): records
    /// DISCONNECTED, drops its tools, closes its upstream session here.
    asio::awaitable<connection_state> disconnect(session_key k, std::string id) {
        const caller who{k.tenant, k.user};
        auto c = co_await store_->get(who, id);
        connection_state state;
        state.connector_id = id;
        state.name = c.name;
        state.status = connection_status::disconnected;
        state.updated_at = unix_now();
        co_await sessions_.put(k, state);
        close_live(live_key(k, id));
        notify(k);
        co_return state;
    }

    /// The state of connector `id` in session `k` (DISCONNECTED when never
    /// connected there).
    asio::awaitable<connection_state> status(session_key k, std::string id) {
        const caller who{k.tenant, k.user};
        auto c = co_await store_->get(who, id);
        auto s = co_await sessions_.get(k, id);
        if (s) co_return *s;
        connection_state none;
        none.connector_id = id;
        none.name = c.name;
        co_return none;
    }

    /// The connectors connected in session `k`.
    asio::awaitable<std::vector<connection_state>> connections(session_key k) { co_return co_await sessions_.connected(k); }

    /// Ends session `k`: closes its upstream sessions here and deletes all
    /// its state.
    asio::awaitable<void> logout(session_key k) {
        std::vector<std::shared_ptr<live_upstream>> closing;
        {
            std::lock_guard lock(mu_);
            const auto prefix = k.prefix();
            for (auto it = live_.begin(); it != live_.end();) {
                if (it->first.rfind(prefix, 0) == 0) {
                    closing.push_back(it->second);
                    it = live_.erase(it);
                } else {
                    ++it;
                }
            }
        }
        for (auto& l : closing) close_session(l);
        co_await sessions_.clear(k);
        notify(k);
    }

    // ---- aggregation and proxying -----------------------------------------------

    /// The aggregated tools of session `k` (connectors deleted meanwhile are
    /// dropped from the session).
    asio::awaitable<aggregation> tools(session_key k) {
        auto connected = co_await sessions_.connected(k);
        const caller who{k.tenant, k.user};
        std::vector<connection_state> alive;
        for (auto& s : connected) {
            bool exists = true;
            try {
                co_await store_->get(who, s.connector_id);
            } catch (const connector_error& e) {
                if (e.value() != errc::not_found) throw;
                exists = false;
            }
            if (exists) alive.push_back(std::move(s));
            else co_await sessions_.erase(k, s.connector_id);
        }
        co_return aggregate(alive, opts_.aggregation);
    }

    /// Calls the aggregated tool `name` of session `k` upstream with
    /// `arguments`, as the connector's user. Throws `unknown_tool`,
    /// `not_connected`, the upstream's failures as connector errors
    /// (`timeout`, `upstream_error` for one that closed or crashed,
    /// `auth_required` when a refreshed token is refused too, ...) and
    /// `cancelled`. A JSON-RPC error from the upstream is `upstream_error`
    /// with its message; a tool error (`isError`) is a result.
    asio::awaitable<client::call_tool_result> call_tool(session_key k, std::string name, json arguments,
                                                        call_options o = {}) {
        auto agg = co_await tools(k);
        const auto* t = agg.find(name);
        if (!t)
            throw connector_error(errc::unknown_tool, "no tool named '" + name +
                                                          "' among the tools of this session's connected connectors");
        const caller who{k.tenant, k.user};
        auto c = co_await store_->get(who, t->connector_id);
        std::string upstream_name = t->tool_name;
        std::optional<connector_error> failure;
        client::call_tool_result result;
        bool drop = false;
        std::shared_ptr<live_upstream> live;
        try {
            live = co_await live_for(k, c);
            client::request_options ro;
            ro.timeout = opts_.call_timeout;
            ro.max_timeout = opts_.max_call_timeout;
            ro.on_progress = o.on_progress;
            ro.meta = o.meta;
            result = co_await asio::co_spawn(live->strand, upstream_call(live->session, upstream_name, std::move(arguments), std::move(ro)),
                                             asio::bind_cancellation_slot(o.cancellation, asio::use_awaitable));
            touch(live);
        } catch (const connector_error& e) {
            failure = e;
        } catch (const client::client_error& e) {
            failure = from_client_error(e, "the connector '" + c.name + "'");
            drop = e.value() == client::errc::connection_closed || e.value() == client::errc::session_expired ||
                   e.value() == client::errc::auth_required;
        }
        if (failure) {
            if (drop && live) close_live(live_key(k, c.id), live);
            throw *failure;
        }
        co_return result;
    }

    /// Calls `f` (from any thread) whenever the tools of session `k` may have
    /// changed in this process: a connect, disconnect, logout, or an
    /// upstream's list_changed. @return a token for `unsubscribe`
    std::uint64_t subscribe(const session_key& k, std::function<void()> f) {
        std::lock_guard lock(mu_);
        auto id = ++next_subscription_;
        subscribers_[k.prefix()][id] = std::move(f);
        return id;
    }

    /// Stops the calls of a `subscribe`.
    void unsubscribe(std::uint64_t token) {
        std::lock_guard lock(mu_);
        for (auto it = subscribers_.begin(); it != subscribers_.end(); ++it)
            if (it->second.erase(token)) {
                if (it->second.empty()) subscribers_.erase(it);
                return;
            }
    }

    /// Upstream sessions open in this process.
    std::size_t live_upstreams() const {
        std::lock_guard lock(mu_);
        return live_.size();
    }

    /// Closes every upstream session (children of stdio upstreams exit).
    void close_all() {
        std::map<std::string, std::shared_ptr<live_upstream>> all;
        {
            std::lock_guard lock(mu_);
            all.swap(live_);
        }
        for (auto& [key, l] : all) close_session(l);
    }

private:
    struct request_fields {
        std::string name, description, server_id, auth_type;
        endpoint server;
        json auth_config;
    };

    struct live_upstream {
        explicit live_upstream(asio::any_io_executor s) : strand(std::move(s)) {}
        asio::any_io_executor strand;
        std::shared_ptr<client::session> session;
        json server_info;
        std::string protocol_version;
        std::chrono::steady_clock::time_point last_used = std::chrono::steady_clock::now();
    };

    static connector_error validation_error(const validation_result& r) {
        connector_error e(r.error, "the connection test failed: " + r.message);
        e.upstream_status = r.upstream_status;
        e.resource_metadata = r.resource_metadata;
        e.scope = r.scope;
        return e;
    }

    void check_transport(const caller& who, const endpoint& ep) const {
        if (ep.transport == transport_kind::stdio && !who.admin && !opts_.users_may_add_stdio)
            throw connector_error(errc::transport_not_allowed,
                                  "only administrators may add stdio servers (the command would run on the gateway); "
                                  "use an http(s) URL, or a catalog server ('server_id')");
    }

    asio::awaitable<request_fields> read_request(const caller& who, const json& body, bool named) {
        detail::only_fields(body, {"name", "description", "server_id", "transport", "url", "headers", "query", "command",
                                   "args", "env", "auth_config"});
        request_fields r;
        if (named) detail::require_string(body, "name", r.name, 1, 64);
        else detail::read_string(body, "name", r.name, 0, 64);
        detail::read_string(body, "description", r.description, 0, 4096);
        detail::read_string(body, "server_id", r.server_id, 1, 64);
        if (!r.server_id.empty()) {
            static constexpr const char* endpoint_members[] = {"transport", "url", "headers", "query", "command", "args", "env"};
            for (const char* k : endpoint_members)
                if (body.contains(k))
                    throw connector_error(errc::invalid_request, std::string("give either 'server_id' or the field '") + k +
                                                                     "', not both");
            auto s = co_await catalog_.get_server(who, r.server_id);
            if (!s.enabled) throw connector_error(errc::invalid_request, "the server '" + s.name + "' is disabled");
            r.server = s.server;  // catalog servers are trusted, whatever their transport
        } else {
            r.server = endpoint::from_json(body);
            check_transport(who, r.server);
        }
        if (auto a = body.find("auth_config"); a != body.end()) r.auth_config = *a;
        r.auth_type = validate_auth_config(r.auth_config, r.server.transport);
        co_return r;
    }

    static std::string live_key(const session_key& k, const std::string& id) { return k.prefix() + storage::make_key({id}); }

    void touch(const std::shared_ptr<live_upstream>& l) {
        std::lock_guard lock(mu_);
        l->last_used = std::chrono::steady_clock::now();
    }

    void notify(const session_key& k) {
        std::vector<std::function<void()>> calls;
        {
            std::lock_guard lock(mu_);
            auto it = subscribers_.find(k.prefix());
            if (it == subscribers_.end()) return;
            for (const auto& [id, f] : it->second) calls.push_back(f);
        }
        for (auto& f : calls) f();
    }

    // Opens an upstream session for connector `c` in session `k` and keeps
    // it. With `replace`, it replaces any open one (connect); without, a
    // session another call opened meanwhile wins and the new one is closed,
    // so that no call loses the session it is using.
    asio::awaitable<std::shared_ptr<live_upstream>> open_live(session_key k, connector c, bool replace) {
        const caller who{k.tenant, k.user};
        auto live = std::make_shared<live_upstream>(asio::make_strand(ex_));
        json from_store;  // null: read the connector's sealed auth_config
        auto creds = co_await tokens_->credentials(who, c.id, from_store);
        client::session_options so;
        std::weak_ptr<connector_manager> weak = this->weak_from_this();
        so.on_tools_list_changed = [weak, k, id = c.id] {
            if (auto self = weak.lock())
                asio::co_spawn(self->ex_, self->refresh_tools(k, id), asio::detached);
        };
        const auto deadline = std::chrono::steady_clock::now() + opts_.validation.timeout;
        std::optional<connector_error> failure;
        try {
            live->session = co_await asio::co_spawn(
                live->strand, open_upstream(live->strand, c.server, creds, opts_.validation.upstream, std::move(so), deadline),
                asio::use_awaitable);
        } catch (const connector_error& e) {
            failure = e;
        } catch (const client::client_error& e) {
            failure = from_client_error(e, "the connector '" + c.name + "'");
        }
        if (failure) throw *failure;
        const auto& init = live->session->server();
        live->server_info = init.raw.is_object() && init.raw.contains("serverInfo") ? init.raw["serverInfo"] : json::object();
        live->protocol_version = init.protocol_version;
        std::shared_ptr<live_upstream> unused;
        {
            std::lock_guard lock(mu_);
            auto& slot = live_[live_key(k, c.id)];
            if (!replace && slot && slot->session && slot->session->is_open()) {
                unused = live;
                live = slot;
            } else {
                unused = std::move(slot);
                slot = live;
            }
        }
        if (unused) close_session(unused);
        sweep_idle();
        co_return live;
    }

    // The open upstream session of connector `c` in session `k`, opened when
    // there is none here (another instance connected it, or it was idle).
    asio::awaitable<std::shared_ptr<live_upstream>> live_for(session_key k, connector c) {
        {
            std::lock_guard lock(mu_);
            auto it = live_.find(live_key(k, c.id));
            if (it != live_.end() && it->second->session && it->second->session->is_open()) co_return it->second;
        }
        auto state = co_await sessions_.get(k, c.id);
        if (!state || state->status != connection_status::connected)
            throw connector_error(errc::not_connected, "the connector '" + c.name + "' is not connected in this session");
        co_return co_await open_live(std::move(k), std::move(c), false);
    }

    asio::awaitable<json> list_upstream_tools(std::shared_ptr<live_upstream> live) {
        std::optional<connector_error> failure;
        json tools = json::array();
        try {
            auto list = co_await asio::co_spawn(live->strand, upstream_list(live->session, opts_.validation.timeout),
                                                asio::use_awaitable);
            if (list.size() > opts_.validation.max_tools)
                throw connector_error(errc::invalid_mcp_server, "the server lists more than " +
                                                                    std::to_string(opts_.validation.max_tools) + " tools");
            for (auto& t : list) tools.push_back(std::move(t.raw));
        } catch (const connector_error& e) {
            failure = e;
        } catch (const client::client_error& e) {
            failure = from_client_error(e, "listing the tools");
        }
        if (failure) throw *failure;
        co_return tools;
    }

    static asio::awaitable<std::vector<client::tool_info>> upstream_list(std::shared_ptr<client::session> s,
                                                                         std::chrono::milliseconds timeout) {
        client::request_options ro;
        ro.timeout = timeout;
        co_return co_await s->list_tools(std::move(ro));
    }

    static asio::awaitable<client::call_tool_result> upstream_call(std::shared_ptr<client::session> s, std::string name,
                                                                   json arguments, client::request_options ro) {
        co_return co_await s->call_tool(std::move(name), std::move(arguments), std::move(ro));
    }

    // An upstream said its tools changed: cache the new list and tell the session.
    asio::awaitable<void> refresh_tools(session_key k, std::string id) {
        std::shared_ptr<live_upstream> live;
        {
            std::lock_guard lock(mu_);
            auto it = live_.find(live_key(k, id));
            if (it == live_.end()) co_return;
            live = it->second;
        }
        try {
            auto tools = co_await list_upstream_tools(live);
            auto state = co_await sessions_.get(k, id);
            if (!state || state->status != connection_status::connected) co_return;
            state->tools = std::move(tools);
            co_await sessions_.put(k, std::move(*state));
        } catch (const std::exception&) {
            // The cached list stays; the next connect or call will tell.
        }
        notify(k);
    }

    static void close_session(const std::shared_ptr<live_upstream>& l) {
        if (!l || !l->session) return;
        auto s = l->session;
        asio::co_spawn(l->strand, [s]() -> asio::awaitable<void> {
            try {
                co_await s->close();
            } catch (const std::exception&) {
            }
        }, asio::detached);
    }

    // Closes the upstream session under `key` (only if it is still `expected`, when given).
    void close_live(const std::string& key, const std::shared_ptr<live_upstream>& expected = nullptr) {
        std::shared_ptr<live_upstream> l;
        {
            std::lock_guard lock(mu_);
            auto it = live_.find(key);
            if (it == live_.end() || (expected && it->second != expected)) return;
            l = std::move(it->second);
            live_.erase(it);
        }
        close_session(l);
    }

    // Closes the upstream sessions of connector `id` of `who`, in every session here.
    void close_connector(const caller& who, const std::string& id) {
        std::vector<std::shared_ptr<live_upstream>> closing;
        std::vector<session_key> touched;
        {
            std::lock_guard lock(mu_);
            const auto user_prefix = storage::make_key({"polymcp", "session", who.tenant, who.user}) + ":";
            const auto suffix = ":" + storage::make_key({id});
            for (auto it = live_.begin(); it != live_.end();) {
                const auto& key = it->first;
                if (key.rfind(user_prefix, 0) == 0 && key.size() > suffix.size() &&
                    key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0) {
                    closing.push_back(it->second);
                    it = live_.erase(it);
                } else {
                    ++it;
                }
            }
        }
        for (auto& l : closing) close_session(l);
    }

    void sweep_idle() {
        std::vector<std::shared_ptr<live_upstream>> closing;
        {
            std::lock_guard lock(mu_);
            const auto now = std::chrono::steady_clock::now();
            for (auto it = live_.begin(); it != live_.end();) {
                if (now - it->second->last_used > opts_.upstream_idle_timeout) {
                    closing.push_back(it->second);
                    it = live_.erase(it);
                } else {
                    ++it;
                }
            }
        }
        for (auto& l : closing) close_session(l);
    }

    asio::any_io_executor ex_;
    std::shared_ptr<Storage> storage_;
    manager_options opts_;
    catalog<Storage> catalog_;
    std::shared_ptr<store_type> store_;
    session_state<Storage> sessions_;
    std::shared_ptr<token_provider<Storage, Cipher>> tokens_;

    mutable std::mutex mu_;
    std::map<std::string, std::shared_ptr<live_upstream>> live_;                          // guarded by mu_
    std::map<std::string, std::map<std::uint64_t, std::function<void()>>> subscribers_;  // guarded by mu_
    std::uint64_t next_subscription_ = 0;                                                // guarded by mu_
};

}  // namespace polymcp::connectors

#endif
