#ifndef POLYMCP_CONNECTORS_MANAGER_HPP
#define POLYMCP_CONNECTORS_MANAGER_HPP

/// @file polymcp/connectors/manager.hpp
/// `polymcp::connectors::connector_manager<Storage, Cipher>`: the connector
/// manager, generic over the storage
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
///   a lock shared by all instances (polymcp/connectors/token_provider.hpp);
/// - a revocation (a connector deleted, disabled or changed, a catalog
///   server disabled, deleted or changed) closes the upstream sessions it
///   concerns and tells the sessions concerned, here at once and on every
///   other instance as soon as the storage's channel
///   (`revocation_channel`, *PublishSubscribe* in
///   polymcp/storage/concepts.hpp) carries it there — a Redis or
///   PostgreSQL round trip.
///
/// Create it with `std::make_shared` (callbacks from upstreams hold weak
/// references). Every coroutine throws `connector_error`. Thread-safe: any
/// member from any thread; upstream sessions run on strands of the
/// executor given at construction.

#include <polymcp/client/oauth.hpp>
#include <polymcp/client/session.hpp>
#include <polymcp/connectors/aggregator.hpp>
#include <polymcp/connectors/auth_config.hpp>
#include <polymcp/connectors/catalog.hpp>
#include <polymcp/connectors/detail/fields.hpp>
#include <polymcp/connectors/connector_store.hpp>
#include <polymcp/connectors/session_state.hpp>
#include <polymcp/connectors/token_provider.hpp>
#include <polymcp/connectors/upstream.hpp>
#include <polymcp/connectors/validator.hpp>
#include <polymcp/core/async.hpp>
#include <polymcp/core/random.hpp>
#include <polymcp/storage/concepts.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/bind_cancellation_slot.hpp>
#include <asio/bind_executor.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
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

/// How the gateway signs users in to upstreams that require OAuth
/// (`connector_manager::begin_sign_in`, `oauth_sign_in` connectors).
struct sign_in_options {
    /// Where upstream authorization servers send the user's browser back:
    /// the gateway's callback page, e.g. "https://gw.example/oauth/callback".
    /// Empty: sign-in is off (`begin_sign_in` throws `invalid_request`).
    std::string redirect_uri{};
    /// The page where a user signs in to a connector's upstream, with `{id}`
    /// for the connector id, e.g. "https://gw.example/connectors/{id}/sign-in":
    /// the URL agents are sent to (URL-mode elicitation).
    std::string sign_in_page{};
    /// An https URL at which the gateway serves its Client ID Metadata
    /// Document, used as the client_id with authorization servers that
    /// support them; empty: not used (pre-registered clients and Dynamic
    /// Client Registration, RFC 7591, remain).
    std::string client_id_metadata_url{};
    /// `client_name` in Dynamic Client Registration.
    std::string client_name = "polymcp gateway";
    /// How long a started sign-in stays valid, in ms (its `state` expires then).
    std::chrono::milliseconds ttl{10 * 60'000};
};

/// Settings of `connector_manager`; every member has a working default.
struct manager_options {
    catalog_options catalog{};             ///< the catalog's limits
    connector_store_options connectors{};  ///< the per-user limit (10)
    session_state_options sessions{};      ///< the session TTL (24 h)
    /// Testing and connecting: the time limit (10 s), the SSRF policy, TLS.
    validator_options validation{};
    aggregation_options aggregation{};     ///< tool naming, collisions and schema normalization
    token_provider_options tokens{};       ///< refreshing tokens: timing and locks
    /// Upstream sessions open in this process at most, for all users and
    /// per user (each session of each connector counts; a stdio one is a
    /// child process). Reaching one is `limit_reached`.
    std::size_t max_upstreams = 256;
    std::size_t max_upstreams_per_user = 32;  ///< see `max_upstreams`
    /// Stdio upstreams (child processes) of this process at most, for all
    /// users and per user, counting connection tests in progress.
    std::size_t max_stdio_children = 64;
    std::size_t max_stdio_children_per_user = 8;  ///< see `max_stdio_children`
    /// Connector sessions (`X-Gateway-Session` names) in which one user has
    /// connectors connected at once, across instances; a name counts until
    /// its logout or until its state expires (`sessions.ttl`).
    std::size_t max_sessions_per_user = 16;
    /// Connection tests (a test, a creation, a change that tests again)
    /// per user per minute, across instances (`rate_limited` beyond).
    std::size_t max_tests_per_minute = 30;
    /// Time limit of one forwarded `tools/call`, in ms; upstream progress
    /// restarts it, up to `max_call_timeout`.
    std::chrono::milliseconds call_timeout{120'000};
    std::chrono::milliseconds max_call_timeout{600'000};  ///< see `call_timeout`, in ms
    /// Upstream sessions unused this long are closed (and opened again on
    /// the next call), in ms: stdio ones (child processes) checked every
    /// `upstream_idle_timeout / 4` (at most every 30 s), HTTP ones whenever
    /// another upstream session opens. The same periodic check closes the
    /// upstream sessions of connectors revoked on another instance (deleted,
    /// disabled, or their catalog server disabled or deleted) and sends their
    /// sessions `list_changed`, should the revocation's message on
    /// `revocation_channel` not have arrived.
    std::chrono::milliseconds upstream_idle_timeout{10 * 60'000};
    /// What `tools` and `call_tool` read for a session (its connections,
    /// their connectors' records, whether each is revoked, the aggregated
    /// tools) is kept in this instance for at most this long, in ms. Every
    /// change made here drops it at once; a change made on another instance
    /// drops it as soon as that instance's message on `revocation_channel`
    /// arrives (a storage round trip), and this bound holds should the
    /// message be lost. 0 reads the storage on every call.
    std::chrono::milliseconds view_ttl{5'000};
    /// Sessions whose view is kept at most (the oldest entries go first).
    std::size_t max_cached_views = 10'000;
    /// Signing users in to upstreams with OAuth.
    sign_in_options sign_in{};
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

/// The connector manager on the storage policy `Storage` and the cipher
/// policy `Cipher` (see this file's description: catalog, connectors,
/// connection tests, per-session connections, aggregated tools, forwarded
/// calls, token refresh, revocation). Made with `std::make_shared`; every
/// member function may be called from any thread.
template <storage::storage Storage, crypto::cipher Cipher>
class connector_manager : public std::enable_shared_from_this<connector_manager<Storage, Cipher>> {
public:
    using store_type = connector_store<Storage, Cipher>;  ///< the users' connectors, credentials sealed

    /// @param ex where upstream sessions run (each on a strand of it)
    /// @param storage records and ephemeral state (kept)
    /// @param cipher seals credentials (copied)
    /// @param options limits, timeouts, SSRF policy, sign-in settings
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

    catalog<Storage>& servers() noexcept { return catalog_; }                 ///< the catalog of servers and categories
    store_type& connectors() noexcept { return *store_; }                     ///< the users' connectors
    session_state<Storage>& sessions() noexcept { return sessions_; }         ///< who is connected to what, per session
    const manager_options& options() const noexcept { return opts_; }        ///< the settings it was made with

    /// The sign-in settings in force (`manager_options::sign_in`, or the last
    /// `configure_sign_in`). Thread-safe.
    sign_in_options sign_in_settings() const {
        std::lock_guard lock(mu_);
        return opts_.sign_in;
    }

    /// Replaces the sign-in settings (a gateway learns its public URL once it
    /// listens). Thread-safe.
    void configure_sign_in(sign_in_options o) {
        std::lock_guard lock(mu_);
        opts_.sign_in = std::move(o);
    }

    /// The sign-in page of connector `id` (`sign_in_page` with `{id}`
    /// replaced), or "" when sign-in is off.
    std::string sign_in_page(const std::string& id) const {
        auto page = sign_in_settings().sign_in_page;
        if (auto at = page.find("{id}"); at != std::string::npos) page.replace(at, 4, id);
        return page;
    }

    /// The storage channel on which managers sharing a storage tell each
    /// other of revocations: JSON messages `{"origin", "server"}` or
    /// `{"origin", "tenant", "user", "connector"}`.
    static constexpr std::string_view revocation_channel = "polymcp.connectors.revoked";

    /// Declares the collections (idempotent) and subscribes to
    /// `revocation_channel`; once at start.
    asio::awaitable<void> define() {
        co_await catalog_.define();
        co_await store_->define();
        listen();
    }

    // ---- connectors ------------------------------------------------------------

    /// Tests the server a request body describes, without storing anything:
    /// `server_id` (a catalog server `who` can see) or the endpoint members
    /// (`transport`, `url`, `headers`, `query`; `command`, `args`, `env`,
    /// `credential_env` for stdio, administrators only), and `auth_config`
    /// (polymcp/connectors/auth_config.hpp). Failures of the upstream are a
    /// result, not an exception; a bad body throws `invalid_request`,
    /// `not_found`, `disabled`, `transport_not_allowed`; too many tests
    /// `rate_limited` or `limit_reached`.
    asio::awaitable<validation_result> test_connection(caller who, json body) {
        auto req = co_await read_request(who, body, false);
        co_return co_await run_test(who, req.to, req.auth_config);
    }

    /// Tests, then stores a connector of `who` from a request body: `name`
    /// (1 to 64 characters, unique per user), optional `description`, and
    /// what `test_connection` reads. Throws `connector_limit_reached`
    /// before testing when the user has the most connectors allowed, and
    /// the test's error code (INVALID_URL ... PROTOCOL_VERSION_UNSUPPORTED,
    /// with its message) when the test fails; nothing is stored then. A
    /// connector made from a catalog server keeps only its `server_id`: the
    /// endpoint and the server's own credentials are read from the catalog
    /// each time it connects.
    asio::awaitable<connector> create_connector(caller who, json body) {
        auto req = co_await read_request(who, body, true);
        co_await store_->check_limit(who);
        auto result = co_await run_test(who, req.to, req.auth_config);
        const bool sign_in_later = awaits_sign_in(req.auth_config, result);
        if (!result.success && !sign_in_later) throw validation_error(result);
        connector c;
        c.needs_sign_in = sign_in_later;
        c.name = req.name;
        c.description = req.description;
        c.server_id = req.server_id;
        if (req.server_id.empty()) c.server = req.to.server;
        else c.server.transport = req.to.server.transport;
        c.auth_type = req.auth_type;
        c.tools = result.tools;
        c.server_info = result.server_info;
        c.protocol_version = result.protocol_version;
        co_return co_await store_->insert(who, std::move(c), std::move(req.auth_config));
    }

    /// Changes a connector of `who`: `name`, `description`, `enabled`, and —
    /// tested again first, replacing the discovered tools — `auth_config`
    /// and, for a connector not made from a catalog server, the endpoint
    /// members. Disabling it revokes it at once: its upstream sessions here
    /// close, its tools leave every session, and calls get `disabled`.
    asio::awaitable<connector> update_connector(caller who, std::string id, json patch) {
        connector_patch b;
        endpoint_fields endpoint_members;
        decode_body(patch, b, endpoint_members);
        check_name("/name", b.name, false);
        if (b.description) check_text("/description", *b.description);
        auto c = co_await store_->get(who, id);
        const bool was_enabled = c.enabled;
        if (b.name) c.name = *b.name;
        if (b.description) c.description = *b.description;
        if (b.enabled) c.enabled = *b.enabled;
        if (!c.server_id.empty() && !first_endpoint_member(patch).empty())
            throw connector_error(errc::invalid_request, "the connector uses the catalog server '" + c.server_id +
                                                             "'; its endpoint changes there");
        json ep = c.server.to_json();
        bool retest = merge_endpoint_members(ep, patch);
        std::optional<json> new_config;
        if (patch.contains("auth_config")) {
            new_config = patch["auth_config"];
            retest = true;
        }
        if (retest) {
            target t;
            if (c.server_id.empty()) {
                c.server = endpoint::from_json(ep);
                check_transport(who, c.server);
                t.server = c.server;
            } else {
                t = co_await catalog_target(who, c.server_id, c.name);
            }
            json config;
            if (new_config) {
                *new_config = with_default_env(std::move(*new_config), t.server);
                c.auth_type = validate_auth_config(*new_config, t.server);
                config = *new_config;
            } else {
                auto stored = co_await store_->auth_config(who, id);
                config = std::move(stored.first);
                if (config.is_object() && config.value("type", "") == "oauth_sign_in") {
                    config = sign_in_request(config);  // tokens are for the old endpoint: sign in again
                    new_config = config;
                }
                validate_auth_config(config, t.server);  // the stored credentials must suit the new endpoint
            }
            auto result = co_await run_test(who, t, config);
            c.needs_sign_in = awaits_sign_in(config, result);
            if (!result.success && !c.needs_sign_in) throw validation_error(result);
            c.tools = result.tools;
            c.server_info = result.server_info;
            c.protocol_version = result.protocol_version;
        }
        auto out = co_await store_->replace(who, std::move(c), std::move(new_config));
        if (retest || (was_enabled && !out.enabled)) revoke_connector(who, id);  // sessions reconnect with the new settings
        else changed_user(who);
        co_return out;
    }

    /// Deletes a connector of `who`, closes its upstream sessions here and
    /// tells this process's sessions of `who` that their tools changed;
    /// sessions elsewhere drop it from their tools on their next listing,
    /// and its calls fail there at once.
    asio::awaitable<void> delete_connector(caller who, std::string id) {
        co_await store_->remove(who, id);
        revoke_connector(who, id);
    }

    /// The connector `id` of `who` (`connector_store::get`): never its
    /// credentials. Throws `not_found` for an id `who` does not own.
    asio::awaitable<connector> get_connector(caller who, std::string id) {
        co_return co_await store_->get(std::move(who), std::move(id));
    }

    /// The connectors of `who`, in id order (`connector_store::list`).
    asio::awaitable<std::vector<connector>> list_connectors(caller who) {
        co_return co_await store_->list(std::move(who));
    }

    // ---- signing in to upstreams (OAuth) ----------------------------------------

    /// Starts the OAuth sign-in of `who` to the upstream of their
    /// `oauth_sign_in` connector `id` (MCP 2025-11-25 "Authorization", the
    /// gateway as the OAuth client): asks the upstream without credentials
    /// for its `WWW-Authenticate` challenge, discovers its authorization
    /// server (RFC 9728, RFC 8414 / OpenID Connect), identifies the gateway
    /// (the connector's pre-registered `client_id`, a Client ID Metadata
    /// Document at `sign_in.client_id_metadata_url`, or Dynamic Client
    /// Registration, RFC 7591) and keeps the pending authorization (PKCE
    /// verifier included) sealed for `who` and `id` in the ephemeral state
    /// under its `state`, for `sign_in.ttl`. Every request goes through the
    /// SSRF guard. @return the authorization URL to send the user's browser to
    /// @throws connector_error `invalid_request` (not an `oauth_sign_in`
    ///         connector, sign-in off), `not_found`, `auth_required` saying
    ///         what failed (discovery, registration, no PKCE S256), `storage_unavailable`
    asio::awaitable<std::string> begin_sign_in(caller who, std::string id) {
        auto c = co_await store_->get(who, id);
        if (c.auth_type != "oauth_sign_in")
            throw connector_error(errc::invalid_request, "the connector '" + c.name + "' does not sign in with OAuth (its "
                                                         "auth_config type is '" + c.auth_type + "')");
        if (sign_in_settings().redirect_uri.empty())
            throw connector_error(errc::invalid_request, "signing in to upstreams is off: the gateway has no public URL "
                                                         "for its OAuth callback (sign_in.redirect_uri)");
        auto t = co_await target_of(who, c);
        auto [config, version] = co_await store_->auth_config(who, id);
        (void)version;
        std::optional<client::bearer_challenge> challenge;
        json no_credentials = {{"type", "none"}};  // named locals for co_await: docs/portability.md
        auto probe = co_await run_test(who, t, no_credentials);
        if (!probe.success && probe.error == errc::auth_required && !probe.resource_metadata.empty()) {
            client::bearer_challenge ch;
            ch.resource_metadata = probe.resource_metadata;
            ch.scope = probe.scope;
            challenge = std::move(ch);
        } else if (!probe.success && probe.error != errc::auth_required) {
            throw validation_error(probe);
        }
        auto o = oauth_options_for(config, t.oauth_client);
        if (config.contains("scope") && config["scope"].is_string()) {  // the user's choice over the server's
            if (!challenge) challenge.emplace();
            challenge->scope = config.value("scope", "");
        }
        client::oauth_authorization_request request;
        std::optional<connector_error> failure;
        try {
            // The OAuth client's requests run on a strand of their own (curl_multi is not thread-safe).
            auto strand = asio::make_strand(ex_);
            std::string server_url = t.server.url;
            request = co_await asio::co_spawn(
                strand, client::begin_authorization(strand, server_url, std::move(o), std::move(challenge)),
                asio::use_awaitable);
        } catch (const client::client_error& e) {
            failure = connector_error(errc::auth_required, std::string("signing in to '") + c.name + "' failed: " + e.what());
        }
        if (failure) throw *failure;
        json held = {{"tenant", who.tenant},
                     {"user", who.user},
                     {"connector", id},
                     {"sealed", store_->seal_sign_in(who, id, request.pending)}};
        std::error_code ec;
        std::string key = sign_in_key(request.state), value = held.dump();
        const auto ttl = sign_in_settings().ttl;
        co_await storage_->async_set(key, value, ttl, detail::redirect(ec));
        if (ec) detail::storage_failure(ec, "keeping a started sign-in");
        co_return request.authorization_url;
    }

    /// Completes a sign-in `begin_sign_in` started, from the query of the
    /// redirect to `sign_in.redirect_uri` (`code`, `state`, `iss`, or
    /// `error`): takes the pending authorization of `state` (once: a second
    /// use fails), checks it was started by `who`, checks the response
    /// (state, RFC 9207 issuer) and exchanges the code with the PKCE
    /// verifier and `resource`; then tests the connector with the tokens,
    /// stores them sealed in its `auth_config` with the tools it lists, and
    /// closes its upstream sessions (they reconnect with the new tokens).
    /// @return the connector, signed in
    /// @throws connector_error `invalid_request` (no state, unknown or used
    ///         state), `forbidden` (started by another user), `auth_required`
    ///         (refused, mismatched or failed exchange), the test's error
    asio::awaitable<connector> complete_sign_in(caller who, std::string callback_query) {
        const std::string url = "https://callback.invalid/?" + callback_query;
        const std::string state = client::authorization_response_parameters(url)["state"];
        if (state.empty() || state.size() > 128 ||
            state.find_first_not_of("0123456789abcdef") != std::string::npos)
            throw connector_error(errc::invalid_request, "the callback has no valid 'state'; start the sign-in again");
        std::error_code ec;
        const std::string key = sign_in_key(state);
        auto held = co_await storage_->async_get(key, detail::redirect(ec));
        if (ec) detail::storage_failure(ec, "reading a started sign-in");
        bool taken = false;
        if (held) taken = co_await storage_->async_erase(key, detail::redirect(ec));  // only one caller erases it
        if (ec) detail::storage_failure(ec, "ending a started sign-in");
        if (!taken)
            throw connector_error(errc::invalid_request,
                                  "this sign-in has expired or was already completed; start it again from the connector");
        auto h = json::parse(*held, nullptr, false);
        if (!h.is_object() || h.value("tenant", "") != who.tenant || h.value("user", "") != who.user)
            throw connector_error(errc::forbidden, "this sign-in was started by another user; start your own from "
                                                   "your connector");
        const std::string id = h.value("connector", "");
        auto pending = store_->open_sign_in(who, id, h.value("sealed", ""));
        auto c = co_await store_->get(who, id);
        auto [config, version] = co_await store_->auth_config(who, id);
        (void)version;
        client::oauth_grant grant;
        std::optional<connector_error> failure;
        try {
            auto o = oauth_options_for(config, json());
            auto strand = asio::make_strand(ex_);
            grant = co_await asio::co_spawn(strand, client::complete_authorization(strand, std::move(pending), url, std::move(o)),
                                            asio::use_awaitable);
        } catch (const client::client_error& e) {
            failure = connector_error(errc::auth_required, std::string("signing in to '") + c.name + "' failed: " + e.what());
        }
        if (failure) throw *failure;
        json signed_in = sign_in_request(config);
        signed_in["access_token"] = grant.tokens.access_token;
        if (!grant.tokens.refresh_token.empty()) signed_in["refresh_token"] = grant.tokens.refresh_token;
        if (grant.tokens.expires_at) signed_in["expires_at"] = grant.tokens.expires_at;
        signed_in["token_endpoint"] = grant.token_endpoint;
        if (signed_in.value("client_id", "") != grant.registration.client_id) {
            // Registered by the gateway (a metadata document or RFC 7591): used to refresh, forgotten on a new sign-in.
            signed_in["client_id"] = grant.registration.client_id;
            signed_in.erase("client_secret");
            if (!grant.registration.client_secret.empty()) signed_in["client_secret"] = grant.registration.client_secret;
            signed_in["registered_client"] = true;
        }
        if (!grant.tokens.scope.empty()) signed_in["granted_scope"] = grant.tokens.scope;
        signed_in["resource"] = grant.resource;
        signed_in["issuer"] = grant.issuer;
        auto t = co_await target_of(who, c);
        auto result = co_await run_test(who, t, signed_in);
        if (!result.success) throw validation_error(result);
        c.tools = result.tools;
        c.server_info = result.server_info;
        c.protocol_version = result.protocol_version;
        c.needs_sign_in = false;
        auto out = co_await store_->replace(who, std::move(c), std::move(signed_in));
        revoke_connector(who, id);
        co_return out;
    }

    // ---- the catalog's servers -------------------------------------------------

    /// Adds a catalog server owned by `who` (`catalog::create_server`), with
    /// its own credentials from an optional `auth_config` member
    /// (`validate_server_auth_config`), sealed for the new server's id and
    /// never returned. Throws as `catalog::create_server`.
    asio::awaitable<server_record> create_server(caller who, json body) {
        json config = take_auth_config(body);
        auto ep = endpoint::from_json(body);
        config = with_default_env(std::move(config), ep);
        const auto type = validate_server_auth_config(config, ep);
        auto id = make_id("mcp_");
        auto sealed = config.is_null() ? std::string() : store_->seal_server(id, config);
        co_return co_await catalog_.create_server(who, std::move(body), std::move(id), type, std::move(sealed));
    }

    /// Changes a catalog server (`catalog::update_server`); an `auth_config`
    /// member replaces its own credentials (null removes them). Disabling it,
    /// or changing its endpoint or credentials, revokes what uses it here at
    /// once: upstream sessions close, sessions are told their tools changed;
    /// on every instance its connectors' calls fail with `disabled` while it
    /// is disabled.
    asio::awaitable<server_record> update_server(caller who, std::string id, json patch) {
        std::optional<json> new_config;
        if (patch.is_object() && patch.contains("auth_config")) new_config = take_auth_config(patch);
        auto current = co_await catalog_.get_server(who, id);
        json ep_json = current.server.to_json();
        const bool endpoint_changed = merge_endpoint_members(ep_json, patch);
        std::optional<std::pair<std::string, std::string>> auth;
        if (new_config || endpoint_changed) {
            auto ep = endpoint::from_json(ep_json);
            json config = new_config ? with_default_env(std::move(*new_config), ep) : store_->open_server(id, current.auth_sealed);
            std::string type;
            try {
                type = validate_server_auth_config(config, ep);
            } catch (const connector_error& e) {
                if (new_config) throw;
                throw connector_error(errc::invalid_request, std::string("the server's stored credentials do not suit the "
                                                                         "changed endpoint (") + e.what() +
                                                                 "); give a new 'auth_config' with it");
            }
            auth.emplace(type, config.is_null() ? std::string() : store_->seal_server(id, config));
        }
        auto out = co_await catalog_.update_server(who, id, std::move(patch), std::move(auth));
        if (!out.enabled || endpoint_changed || new_config) revoke_server(id);
        else changed_everyone();
        co_return out;
    }

    /// Deletes a catalog server (`catalog::delete_server`) and revokes what
    /// uses it, as a disabling `update_server` does.
    asio::awaitable<void> delete_server(caller who, std::string id) {
        co_await catalog_.delete_server(who, id);
        revoke_server(id);
    }

    /// A catalog server `who` can see (`catalog::get_server`); `not_found`
    /// for one they cannot.
    asio::awaitable<server_record> get_server(caller who, std::string id) {
        co_return co_await catalog_.get_server(std::move(who), std::move(id));
    }

    /// The catalog servers `who` can see, of one category when
    /// `category_id` is not empty (`catalog::list_servers`).
    asio::awaitable<std::vector<server_record>> list_servers(caller who, std::string category_id = {}) {
        co_return co_await catalog_.list_servers(std::move(who), std::move(category_id));
    }

    // ---- the catalog's categories ----------------------------------------------

    /// Adds a category (administrators; `catalog::create_category`).
    asio::awaitable<category> create_category(caller who, json body) {
        co_return co_await catalog_.create_category(std::move(who), std::move(body));
    }

    /// One category (`catalog::get_category`); `not_found` when there is none.
    asio::awaitable<category> get_category(std::string id) { co_return co_await catalog_.get_category(std::move(id)); }

    /// Every category, in id order (`catalog::list_categories`).
    asio::awaitable<std::vector<category>> list_categories() { co_return co_await catalog_.list_categories(); }

    /// Changes a category (administrators; `catalog::update_category`).
    asio::awaitable<category> update_category(caller who, std::string id, json patch) {
        co_return co_await catalog_.update_category(std::move(who), std::move(id), std::move(patch));
    }

    /// Deletes a category and leaves its servers without one (administrators;
    /// `catalog::delete_category`).
    asio::awaitable<void> delete_category(caller who, std::string id) {
        co_await catalog_.delete_category(std::move(who), std::move(id));
    }

    /// Adds or replaces a global catalog server from the gateway's
    /// configuration: `name`, `description`, `requires_oauth`, the endpoint
    /// members, and an optional `auth_config` sealed as in `create_server`.
    /// Trusted: no ownership rules apply.
    /// @throws connector_error `invalid_request` whose message starts with the JSON Pointer of the member
    asio::awaitable<server_record> put_global_server(json body) {
        json config = take_auth_config(body);
        global_server_body b;
        endpoint_fields endpoint_members;
        decode_body(body, b, endpoint_members);
        check_name("/name", b.name, true);
        if (b.description) check_text("/description", *b.description);
        server_record r;
        r.name = *b.name;
        r.description = b.description.value_or("");
        r.requires_oauth = b.requires_oauth.value_or(false);
        r.server = endpoint::from_json(body);
        config = with_default_env(std::move(config), r.server);
        r.auth_type = validate_server_auth_config(config, r.server);
        r.id = co_await catalog_.global_server_id(r.name);
        if (r.id.empty()) r.id = make_id("mcp_");
        if (!config.is_null()) r.auth_sealed = store_->seal_server(r.id, config);
        auto out = co_await catalog_.put_global_server(std::move(r));
        revoke_server(out.id);
        co_return out;
    }

    // ---- sessions ----------------------------------------------------------------

    /// Connects connector `id` in session `k`: opens the upstream with the
    /// user's credentials, lists its tools, records CONNECTED with them and
    /// tells the session's subscribers. On failure records FAILED (with the
    /// error) and throws it. Throws `disabled` for a disabled connector or
    /// catalog server, `limit_reached` when the user has connectors
    /// connected in `max_sessions_per_user` other sessions, or when this
    /// process has the most upstream sessions or children allowed.
    asio::awaitable<connection_state> connect(session_key k, std::string id) {
        const caller who{k.tenant, k.user};
        auto c = co_await store_->get(who, id);
        if (!c.enabled) throw connector_error(errc::disabled, "the connector '" + c.name + "' is disabled");
        if (c.needs_sign_in)
            throw connector_error(errc::auth_required, "sign in to the server of '" + c.name +
                                                           "' first (its authorization server asks you to)");
        co_await admit_session(k);
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
        notify_everywhere(k);
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
        notify_everywhere(k);
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
        std::error_code ec;
        std::string names = session_names_key(who_of(k)), name = k.session;
        co_await storage_->async_set_remove(names, name, detail::redirect(ec));  // on failure it expires
        notify_everywhere(k);
    }

    // ---- aggregation and proxying -----------------------------------------------

    /// The aggregated tools of session `k`: those of its connected
    /// connectors that are enabled and whose catalog server (if any) is
    /// enabled and still visible to the user. Connectors deleted meanwhile
    /// are dropped from the session.
    asio::awaitable<aggregation> tools(session_key k) {
        auto v = co_await cached_view_of(std::move(k));
        co_return v->usable;
    }

    /// The tools `call_tool` resolves names against: those of `tools(k)` and
    /// those of revoked connectors (disabled, or their catalog server
    /// disabled or gone), whose calls fail with `disabled`, so that a caller
    /// holding an old list learns why instead of `unknown_tool`.
    asio::awaitable<aggregation> callable_tools(session_key k) {
        auto v = co_await cached_view_of(std::move(k));
        co_return v->callable;
    }

    /// The tool named `name` among `callable_tools(k)`, or null: the same
    /// lookup without copying the session's list or the tool. The pointer
    /// shares ownership of this instance's kept view of the session, so the
    /// same object is returned until the view is dropped (a change, or
    /// `manager_options::view_ttl`); a caller may key its own per-tool state
    /// on it, held through a weak_ptr.
    asio::awaitable<std::shared_ptr<const aggregated_tool>> find_callable_tool(session_key k, std::string name) {
        auto v = co_await cached_view_of(std::move(k));
        const auto* t = v->callable.find(name);
        co_return t ? std::shared_ptr<const aggregated_tool>(v, t) : nullptr;
    }

    /// Calls the aggregated tool `name` of session `k` upstream with
    /// `arguments`, as the connector's user. Throws `unknown_tool`,
    /// `not_connected`, `disabled` (the connector or its catalog server was
    /// disabled or deleted: its upstream session here is closed), the
    /// upstream's failures as connector errors (`timeout`, `upstream_error`
    /// for one that closed or crashed, `auth_required` when a refreshed
    /// token is refused too, ...) and `cancelled`. A JSON-RPC error from the
    /// upstream is `upstream_error` with its message; a tool error
    /// (`isError`) is a result.
    asio::awaitable<client::call_tool_result> call_tool(session_key k, std::string name, json arguments,
                                                        call_options o = {}) {
        auto cached = co_await cached_view_of(k);
        const auto& view = cached->view;
        const auto* t = cached->callable.find(name);
        if (!t)
            throw connector_error(errc::unknown_tool, "no tool named '" + detail::excerpt(name) +
                                                          "' among the tools of this session's connected connectors");
        if (auto r = view.revoked.find(t->connector_id); r != view.revoked.end()) {
            close_live(live_key(k, t->connector_id));
            throw r->second;
        }
        const auto& c = view.connectors.at(t->connector_id);
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
        listen();
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
        stop_sweeper();
        std::map<std::string, std::shared_ptr<live_upstream>> all;
        {
            std::lock_guard lock(mu_);
            all.swap(live_);
        }
        for (auto& [key, l] : all) close_session(l);
    }

    // ---- The Asio-style forms (polymcp/core/async.hpp) ---------------------
    // Each `async_X(args..., diag, token)` runs `X(args...)` on the manager's
    // executor and completes `token` with `(std::error_code, R)`
    // (`(std::error_code)` for operations without a result): the
    // `connectors::errc` of a failure (`connectors::response_status` maps it),
    // its message in `diag`. The manager must outlive the operation.


    /// `define` in the Asio style: completes with `(std::error_code)`.
    template <class CompletionToken>
    auto async_define(diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<void>(
            ex_, diag, [this]() mutable { return define(); },
            std::forward<CompletionToken>(token));
    }

    /// `test_connection` in the Asio style: completes with `(std::error_code, validation_result)`.
    template <class CompletionToken>
    auto async_test_connection(caller who, json body, diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<validation_result>(
            ex_, diag, [this, who = std::move(who), body = std::move(body)]() mutable { return test_connection(std::move(who), std::move(body)); },
            std::forward<CompletionToken>(token));
    }

    /// `create_connector` in the Asio style: completes with `(std::error_code, connector)`.
    template <class CompletionToken>
    auto async_create_connector(caller who, json body, diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<connector>(
            ex_, diag, [this, who = std::move(who), body = std::move(body)]() mutable { return create_connector(std::move(who), std::move(body)); },
            std::forward<CompletionToken>(token));
    }

    /// `update_connector` in the Asio style: completes with `(std::error_code, connector)`.
    template <class CompletionToken>
    auto async_update_connector(caller who, std::string id, json patch, diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<connector>(
            ex_, diag, [this, who = std::move(who), id = std::move(id), patch = std::move(patch)]() mutable { return update_connector(std::move(who), std::move(id), std::move(patch)); },
            std::forward<CompletionToken>(token));
    }

    /// `delete_connector` in the Asio style: completes with `(std::error_code)`.
    template <class CompletionToken>
    auto async_delete_connector(caller who, std::string id, diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<void>(
            ex_, diag, [this, who = std::move(who), id = std::move(id)]() mutable { return delete_connector(std::move(who), std::move(id)); },
            std::forward<CompletionToken>(token));
    }

    /// `get_connector` in the Asio style: completes with `(std::error_code, connector)`.
    template <class CompletionToken>
    auto async_get_connector(caller who, std::string id, diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<connector>(
            ex_, diag, [this, who = std::move(who), id = std::move(id)]() mutable { return get_connector(std::move(who), std::move(id)); },
            std::forward<CompletionToken>(token));
    }

    /// `list_connectors` in the Asio style: completes with `(std::error_code, std::vector<connector>)`.
    template <class CompletionToken>
    auto async_list_connectors(caller who, diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<std::vector<connector>>(
            ex_, diag, [this, who = std::move(who)]() mutable { return list_connectors(std::move(who)); },
            std::forward<CompletionToken>(token));
    }

    /// `get_server` in the Asio style: completes with `(std::error_code, server_record)`.
    template <class CompletionToken>
    auto async_get_server(caller who, std::string id, diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<server_record>(
            ex_, diag, [this, who = std::move(who), id = std::move(id)]() mutable { return get_server(std::move(who), std::move(id)); },
            std::forward<CompletionToken>(token));
    }

    /// `list_servers` in the Asio style: completes with `(std::error_code, std::vector<server_record>)`.
    template <class CompletionToken>
    auto async_list_servers(caller who, std::string category_id, diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<std::vector<server_record>>(
            ex_, diag, [this, who = std::move(who), category_id = std::move(category_id)]() mutable { return list_servers(std::move(who), std::move(category_id)); },
            std::forward<CompletionToken>(token));
    }

    /// `create_category` in the Asio style: completes with `(std::error_code, category)`.
    template <class CompletionToken>
    auto async_create_category(caller who, json body, diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<category>(
            ex_, diag, [this, who = std::move(who), body = std::move(body)]() mutable { return create_category(std::move(who), std::move(body)); },
            std::forward<CompletionToken>(token));
    }

    /// `get_category` in the Asio style: completes with `(std::error_code, category)`.
    template <class CompletionToken>
    auto async_get_category(std::string id, diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<category>(
            ex_, diag, [this, id = std::move(id)]() mutable { return get_category(std::move(id)); },
            std::forward<CompletionToken>(token));
    }

    /// `list_categories` in the Asio style: completes with `(std::error_code, std::vector<category>)`.
    template <class CompletionToken>
    auto async_list_categories(diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<std::vector<category>>(
            ex_, diag, [this]() mutable { return list_categories(); },
            std::forward<CompletionToken>(token));
    }

    /// `update_category` in the Asio style: completes with `(std::error_code, category)`.
    template <class CompletionToken>
    auto async_update_category(caller who, std::string id, json patch, diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<category>(
            ex_, diag, [this, who = std::move(who), id = std::move(id), patch = std::move(patch)]() mutable { return update_category(std::move(who), std::move(id), std::move(patch)); },
            std::forward<CompletionToken>(token));
    }

    /// `delete_category` in the Asio style: completes with `(std::error_code)`.
    template <class CompletionToken>
    auto async_delete_category(caller who, std::string id, diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<void>(
            ex_, diag, [this, who = std::move(who), id = std::move(id)]() mutable { return delete_category(std::move(who), std::move(id)); },
            std::forward<CompletionToken>(token));
    }

    /// `create_server` in the Asio style: completes with `(std::error_code, server_record)`.
    template <class CompletionToken>
    auto async_create_server(caller who, json body, diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<server_record>(
            ex_, diag, [this, who = std::move(who), body = std::move(body)]() mutable { return create_server(std::move(who), std::move(body)); },
            std::forward<CompletionToken>(token));
    }

    /// `update_server` in the Asio style: completes with `(std::error_code, server_record)`.
    template <class CompletionToken>
    auto async_update_server(caller who, std::string id, json patch, diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<server_record>(
            ex_, diag, [this, who = std::move(who), id = std::move(id), patch = std::move(patch)]() mutable { return update_server(std::move(who), std::move(id), std::move(patch)); },
            std::forward<CompletionToken>(token));
    }

    /// `delete_server` in the Asio style: completes with `(std::error_code)`.
    template <class CompletionToken>
    auto async_delete_server(caller who, std::string id, diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<void>(
            ex_, diag, [this, who = std::move(who), id = std::move(id)]() mutable { return delete_server(std::move(who), std::move(id)); },
            std::forward<CompletionToken>(token));
    }

    /// `put_global_server` in the Asio style: completes with `(std::error_code, server_record)`.
    template <class CompletionToken>
    auto async_put_global_server(json body, diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<server_record>(
            ex_, diag, [this, body = std::move(body)]() mutable { return put_global_server(std::move(body)); },
            std::forward<CompletionToken>(token));
    }

    /// `connect` in the Asio style: completes with `(std::error_code, connection_state)`.
    template <class CompletionToken>
    auto async_connect(session_key k, std::string id, diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<connection_state>(
            ex_, diag, [this, k = std::move(k), id = std::move(id)]() mutable { return connect(std::move(k), std::move(id)); },
            std::forward<CompletionToken>(token));
    }

    /// `disconnect` in the Asio style: completes with `(std::error_code, connection_state)`.
    template <class CompletionToken>
    auto async_disconnect(session_key k, std::string id, diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<connection_state>(
            ex_, diag, [this, k = std::move(k), id = std::move(id)]() mutable { return disconnect(std::move(k), std::move(id)); },
            std::forward<CompletionToken>(token));
    }

    /// `status` in the Asio style: completes with `(std::error_code, connection_state)`.
    template <class CompletionToken>
    auto async_status(session_key k, std::string id, diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<connection_state>(
            ex_, diag, [this, k = std::move(k), id = std::move(id)]() mutable { return status(std::move(k), std::move(id)); },
            std::forward<CompletionToken>(token));
    }

    /// `connections` in the Asio style: completes with `(std::error_code, std::vector<connection_state>)`.
    template <class CompletionToken>
    auto async_connections(session_key k, diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<std::vector<connection_state>>(
            ex_, diag, [this, k = std::move(k)]() mutable { return connections(std::move(k)); },
            std::forward<CompletionToken>(token));
    }

    /// `logout` in the Asio style: completes with `(std::error_code)`.
    template <class CompletionToken>
    auto async_logout(session_key k, diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<void>(
            ex_, diag, [this, k = std::move(k)]() mutable { return logout(std::move(k)); },
            std::forward<CompletionToken>(token));
    }

    /// `tools` in the Asio style: completes with `(std::error_code, aggregation)`.
    template <class CompletionToken>
    auto async_tools(session_key k, diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<aggregation>(
            ex_, diag, [this, k = std::move(k)]() mutable { return tools(std::move(k)); },
            std::forward<CompletionToken>(token));
    }

    /// `callable_tools` in the Asio style: completes with `(std::error_code, aggregation)`.
    template <class CompletionToken>
    auto async_callable_tools(session_key k, diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<aggregation>(
            ex_, diag, [this, k = std::move(k)]() mutable { return callable_tools(std::move(k)); },
            std::forward<CompletionToken>(token));
    }

    /// `call_tool` in the Asio style: completes with `(std::error_code, client::call_tool_result)`.
    template <class CompletionToken>
    auto async_call_tool(session_key k, std::string name, json arguments, call_options o, diagnostics& diag, CompletionToken&& token) {
        return async_from_awaitable<client::call_tool_result>(
            ex_, diag, [this, k = std::move(k), name = std::move(name), arguments = std::move(arguments), o = std::move(o)]() mutable { return call_tool(std::move(k), std::move(name), std::move(arguments), std::move(o)); },
            std::forward<CompletionToken>(token));
    }

private:
    // What connecting to a server takes: its endpoint (with the catalog
    // server's own environment credentials in `env`) and the catalog
    // server's own HTTP credentials.
    struct target {
        endpoint server;
        upstream_credentials server_credentials;
        std::string server_id{};  // the catalog server, or empty
        json oauth_client{};    // the catalog server's pre-registered OAuth client (`oauth_client`), or null
    };

    struct request_fields {
        std::string name{}, description{}, server_id{}, auth_type{};
        target to;
        json auth_config{};
    };

    // A session's connections, their connectors, and which of them are
    // revoked (disabled, or their catalog server disabled or gone), with
    // the error a call gets.
    struct session_view_t {
        std::vector<connection_state> states{};
        std::map<std::string, connector> connectors{};
        std::map<std::string, connector_error> revoked{};
    };

    struct live_upstream {
        explicit live_upstream(asio::any_io_executor s) : strand(std::move(s)) {}
        asio::any_io_executor strand{};
        std::shared_ptr<client::session> session{};
        json server_info{};
        std::string protocol_version{};
        std::string user_key;   // caller::key() of its user
        session_key key{};      // its connector session
        std::string connector_id{};
        std::string server_id{};  // its catalog server, or empty
        bool stdio = false;     // a child process
        std::chrono::steady_clock::time_point last_used = std::chrono::steady_clock::now();
    };

    // An `oauth_sign_in` connector not yet signed in may be stored when the
    // upstream answered that it requires authorization.
    static bool awaits_sign_in(const json& config, const validation_result& r) {
        return !r.success && r.error == errc::auth_required && config.is_object() &&
               config.value("type", "") == "oauth_sign_in" && !config.contains("access_token");
    }

    static std::string sign_in_key(const std::string& state) {
        return storage::make_key({"polymcp", "sign-in", state});
    }

    // The OAuth client's settings for a sign-in: the gateway's redirect URI
    // and identity, the pre-registered client (the user's, else the catalog
    // server's `server_client`), and every request to the authorization
    // server through the SSRF guard.
    client::oauth_options oauth_options_for(const json& config, const json& server_client) const {
        client::oauth_options o;
        const auto settings = sign_in_settings();
        o.redirect_uri = settings.redirect_uri;
        o.client_name = settings.client_name;
        o.client_id_metadata_url = settings.client_id_metadata_url;
        // The user's own client, never one the gateway registered (sign_in_request leaves those out).
        auto request = sign_in_request(config);
        if (!(request.is_object() && request.contains("client_id")) && server_client.is_object()) request = server_client;
        if (request.is_object() && request.contains("client_id") && request["client_id"].is_string()) {
            client::oauth_client_registration reg;
            reg.client_id = request.value("client_id", "");
            reg.client_secret = request.value("client_secret", "");
            o.preregistered[""] = std::move(reg);
        }
        const auto& up = opts_.validation.upstream;
        o.http.address_filter = up.ssrf.address_filter();
        o.http.verify_tls = up.verify_tls;
        o.http.ca_file = up.ca_file;
        o.http.proxy = up.proxy;
        o.http.connect_timeout = opts_.validation.timeout;
        o.http.transfer_timeout = opts_.validation.timeout;  // each request to the authorization server
        return o;
    }

    static connector_error validation_error(const validation_result& r) {
        connector_error e(r.error, "the connection test failed: " + r.message);
        e.http_status = r.http_status;
        e.resource_metadata = r.resource_metadata;
        e.scope = r.scope;
        return e;
    }

    // A user never chooses a command, an argument or an environment
    // variable of a process the gateway starts: only administrators
    // describe stdio servers, users connect to them through the catalog.
    static void check_transport(const caller& who, const endpoint& ep) {
        if (ep.transport == transport_kind::stdio && !who.admin)
            throw connector_error(errc::transport_not_allowed,
                                  "only administrators may describe stdio servers (the command would run on the gateway); "
                                  "use an http(s) URL, or a catalog server ('server_id')");
    }

    static json take_auth_config(json& body) {
        json config;
        if (!body.is_object()) return config;
        if (auto a = body.find("auth_config"); a != body.end()) {
            config = std::move(*a);
            body.erase("auth_config");
        }
        return config;
    }

    static caller who_of(const session_key& k) { return caller{k.tenant, k.user}; }

    // The endpoint and the server's own credentials of catalog server `id`
    // for a connector of `who` named `name`; `disabled` when the server is
    // disabled, deleted or no longer visible to `who`.
    asio::awaitable<target> catalog_target(caller who, std::string id, std::string name) {
        auto s = co_await catalog_.read_server(id);
        if (auto why = server_unusable(who, s, name)) throw *why;
        target t;
        t.server = s->server;
        t.server_id = s->id;
        auto config = store_->open_server(s->id, s->auth_sealed);
        if (config.is_object() && config.value("type", "") == "oauth_client") t.oauth_client = config;
        else if (!config.is_null()) {
            auto own = static_credentials(config);
            for (auto& [k, v] : own.env) t.server.env[k] = std::move(v);
            own.env.clear();
            t.server_credentials = std::move(own);
        }
        co_return t;
    }

    // Why catalog server `s` (as read; nothing when it is gone) cannot serve
    // the connector named `name` of `who`: deleted, no longer visible to
    // `who`, or disabled; nothing when it can.
    static std::optional<connector_error> server_unusable(const caller& who, const std::optional<server_record>& s,
                                                          const std::string& name) {
        if (!s || !catalog<Storage>::visible(who, *s))
            return connector_error(errc::disabled,
                                   "the catalog server of the connector '" + name + "' was deleted or is no longer shared with you");
        if (!s->enabled) return connector_error(errc::disabled, "the catalog server '" + s->name + "' is disabled");
        return std::nullopt;
    }

    // Why connector `c` of `who` is revoked: disabled, or its catalog server
    // unusable (`server_unusable`); nothing when it is usable. `servers`
    // keeps the catalog servers read during one pass, by user and id.
    asio::awaitable<std::optional<connector_error>> revocation(caller who, connector c,
                                                               std::map<std::string, std::optional<server_record>>& servers) {
        if (!c.enabled) co_return connector_error(errc::disabled, "the connector '" + c.name + "' is disabled");
        if (c.server_id.empty()) co_return std::nullopt;
        const auto key = who.key() + ":" + c.server_id;
        auto it = servers.find(key);
        if (it == servers.end()) {
            auto rec = co_await catalog_.read_server(c.server_id);
            it = servers.emplace(key, std::move(rec)).first;
        }
        co_return server_unusable(who, it->second, c.name);
    }

    asio::awaitable<target> target_of(caller who, connector c) {
        if (c.server_id.empty()) co_return target{c.server, {}, {}};
        co_return co_await catalog_target(std::move(who), c.server_id, c.name);
    }

    // The server's own credentials, then the user's: the user's headers and
    // Authorization win; environment variables are the user's only (the
    // server's are in the endpoint's `env`).
    static upstream_credentials merged(const upstream_credentials& server, upstream_credentials user) {
        upstream_credentials out = server;
        for (auto& [k, v] : user.headers) out.headers[k] = std::move(v);
        out.query.insert(out.query.end(), user.query.begin(), user.query.end());
        if (user.auth) out.auth = std::move(user.auth);
        out.env = std::move(user.env);
        return out;
    }

    asio::awaitable<request_fields> read_request(const caller& who, const json& body, bool named) {
        connector_body b;
        endpoint_fields endpoint_members;
        decode_body(body, b, endpoint_members);
        check_name("/name", b.name, named);
        if (b.description) check_text("/description", *b.description);
        request_fields r;
        r.name = b.name.value_or("");
        r.description = b.description.value_or("");
        r.server_id = b.server_id.value_or("");
        if (!r.server_id.empty()) {
            if (auto k = first_endpoint_member(body); !k.empty())
                throw connector_error(errc::invalid_request, "/" + std::string(k) +
                                                                 ": unexpected with /server_id; give either the catalog "
                                                                 "server or the endpoint, not both");
            auto s = co_await catalog_.get_server(who, r.server_id);  // not_found unless visible
            r.to = co_await catalog_target(who, r.server_id, s.name);
        } else {
            r.to.server = endpoint::from_json(body);
            check_transport(who, r.to.server);
        }
        if (auto a = body.find("auth_config"); a != body.end()) r.auth_config = with_default_env(*a, r.to.server);
        r.auth_type = validate_auth_config(r.auth_config, r.to.server);
        co_return r;
    }

    // Tests `t` with the user's `config` (not stored), within the rate and
    // child limits.
    asio::awaitable<validation_result> run_test(caller who, target t, json config) {
        co_await admit_test(who);
        const bool stdio = t.server.transport == transport_kind::stdio;
        reserve_test(who, stdio);
        std::optional<validation_result> out;
        std::exception_ptr failure;
        try {
            std::string not_stored;  // a named local: docs/portability.md
            auto user = co_await tokens_->credentials(who, not_stored, config);
            auto creds = merged(t.server_credentials, std::move(user));
            out = co_await connectors::test_connection(ex_, t.server, std::move(creds), opts_.validation);
        } catch (...) {
            failure = std::current_exception();
        }
        release_test(who, stdio);
        if (failure) std::rethrow_exception(failure);
        co_return std::move(*out);
    }

    // Counts a connection test of `who` in this minute, across instances
    // (`max_tests_per_minute`).
    asio::awaitable<void> admit_test(caller who) {
        if (opts_.max_tests_per_minute == 0) co_return;
        const auto minute = unix_now() / 60;
        std::string key = storage::make_key({"polymcp", "rate", "test", who.tenant, who.user, std::to_string(minute)});
        std::error_code ec;
        auto n = co_await storage_->async_increment(key, 1, detail::redirect(ec));
        if (ec) detail::storage_failure(ec, "counting connection tests");
        if (n == 1) co_await storage_->async_expire(key, std::chrono::milliseconds(120'000), detail::redirect(ec));
        if (n > static_cast<std::int64_t>(opts_.max_tests_per_minute))
            throw connector_error(errc::rate_limited, "you tested " + std::to_string(opts_.max_tests_per_minute) +
                                                          " connections this minute, the most allowed; try again in " +
                                                          std::to_string(60 - unix_now() % 60) + " s");
    }

    // Counts a test in progress against the stdio child limits of this
    // process (`limit_reached`).
    void reserve_test(const caller& who, bool stdio) {
        if (!stdio) return;
        std::lock_guard lock(mu_);
        check_child_limits_locked(who.key());
        ++tests_in_progress_[who.key()];
    }
    void release_test(const caller& who, bool stdio) {
        if (!stdio) return;
        std::lock_guard lock(mu_);
        if (auto it = tests_in_progress_.find(who.key()); it != tests_in_progress_.end() && --it->second == 0)
            tests_in_progress_.erase(it);
    }

    // Throws `limit_reached` when one more child would pass a limit; the
    // upstream session under `replacing` (being replaced) does not count.
    void check_child_limits_locked(const std::string& user_key, const std::string& replacing = {}) const {
        std::size_t all = 0, mine = 0;
        for (const auto& [key, l] : live_)
            if (l->stdio && key != replacing) {
                ++all;
                mine += l->user_key == user_key;
            }
        for (const auto& [user, n] : tests_in_progress_) {
            all += n;
            if (user == user_key) mine += n;
        }
        check_bound(mine, opts_.max_stdio_children_per_user, all, opts_.max_stdio_children, "local (stdio) servers running",
                    "max_stdio_children");
    }

    // Throws `limit_reached` when `mine` reached `per_user` or `all` reached
    // `total`, naming the `what` and the `option` that bounds it.
    static void check_bound(std::size_t mine, std::size_t per_user, std::size_t all, std::size_t total, const char* what,
                            const char* option) {
        if (mine >= per_user)
            throw connector_error(errc::limit_reached, "you have " + std::to_string(mine) + " " + what +
                                                           ", the most allowed (" + option +
                                                           "_per_user); disconnect a connector or log out of a session");
        if (all >= total)
            throw connector_error(errc::limit_reached, "the gateway has " + std::to_string(all) + " " + what +
                                                           ", the most allowed (" + option + "); try again later");
    }

    void check_upstream_limits_locked(const std::string& user_key, bool stdio, const std::string& replacing) const {
        std::size_t mine = 0, all = 0;
        for (const auto& [key, l] : live_)
            if (key != replacing) {
                ++all;
                mine += l->user_key == user_key;
            }
        check_bound(mine, opts_.max_upstreams_per_user, all, opts_.max_upstreams, "upstream sessions open", "max_upstreams");
        if (stdio) check_child_limits_locked(user_key, replacing);
    }

    // The key of the set of session names in which a user has connected connectors.
    static std::string session_names_key(const caller& who) {
        return storage::make_key({"polymcp", "session-names", who.tenant, who.user});
    }

    // Records session `k`'s name among its user's, within `max_sessions_per_user`.
    asio::awaitable<void> admit_session(session_key k) {
        const auto who = who_of(k);
        std::string names = session_names_key(who), name = k.session;
        std::error_code ec;
        auto members = co_await storage_->async_set_members(names, detail::redirect(ec));
        if (ec) detail::storage_failure(ec, "reading the user's sessions");
        if (std::find(members.begin(), members.end(), name) == members.end() &&
            members.size() >= opts_.max_sessions_per_user) {
            // Forget the names whose connections have all ended or expired.
            std::size_t live = 0;
            for (const auto& m : members) {
                session_key other{k.tenant, k.user, m};
                auto conns = co_await sessions_.connected(other);
                if (conns.empty()) {
                    std::string member = m;
                    co_await storage_->async_set_remove(names, member, detail::redirect(ec));
                } else {
                    ++live;
                }
            }
            if (live >= opts_.max_sessions_per_user)
                throw connector_error(errc::limit_reached,
                                      "you have connectors connected in " + std::to_string(live) +
                                          " sessions, the most allowed (max_sessions_per_user); log out of one first");
        }
        co_await storage_->async_set_add(names, name, detail::redirect(ec));
        if (ec) detail::storage_failure(ec, "saving the user's sessions");
        co_await storage_->async_expire(names, opts_.sessions.ttl, detail::redirect(ec));
    }

    // The connections of session `k` with their connectors; connectors
    // deleted meanwhile are forgotten, revoked ones marked.
    asio::awaitable<session_view_t> session_view(session_key k) {
        session_view_t v;
        auto connected = co_await sessions_.connected(k);
        const caller who = who_of(k);
        std::map<std::string, std::optional<server_record>> servers;
        for (auto& s : connected) {
            std::optional<connector> c;
            try {
                c = co_await store_->get(who, s.connector_id);
            } catch (const connector_error& e) {
                if (e.value() != errc::not_found) throw;
            }
            if (!c) {
                co_await sessions_.erase(k, s.connector_id);
                continue;
            }
            if (auto why = co_await revocation(who, *c, servers)) v.revoked.emplace(c->id, std::move(*why));
            v.connectors.emplace(c->id, std::move(*c));
            v.states.push_back(std::move(s));
        }
        co_return v;
    }

    // A session's view with its two aggregations, as kept in views_.
    struct cached_view {
        session_view_t view{};
        aggregation callable;  // every connected connector's tools (call_tool resolves against it)
        aggregation usable;    // those of connectors not revoked (tools)
        std::chrono::steady_clock::time_point at{};
    };

    // The view of session `k`: kept for up to opts_.view_ttl, dropped by
    // drop_views on any change. A view read while a change happened is
    // returned but not kept.
    asio::awaitable<std::shared_ptr<const cached_view>> cached_view_of(session_key k) {
        auto key = k.prefix();
        std::uint64_t generation = 0;
        const auto now = std::chrono::steady_clock::now();
        {
            std::lock_guard lock(mu_);
            if (auto it = views_.find(key); it != views_.end() && now - it->second->at < opts_.view_ttl)
                co_return it->second;
            generation = views_generation_;
        }
        auto v = std::make_shared<cached_view>();
        v->view = co_await session_view(std::move(k));
        v->callable = aggregate(v->view.states, opts_.aggregation);
        std::vector<connection_state> usable;
        for (const auto& st : v->view.states)
            if (!v->view.revoked.count(st.connector_id)) usable.push_back(st);
        v->usable = aggregate(usable, opts_.aggregation);
        v->at = now;
        std::shared_ptr<const cached_view> out = std::move(v);
        if (opts_.view_ttl.count() > 0) {
            std::lock_guard lock(mu_);
            if (generation == views_generation_) {
                if (views_.size() >= opts_.max_cached_views && !views_.count(key)) {
                    auto oldest = std::min_element(views_.begin(), views_.end(), [](const auto& a, const auto& b) {
                        return a.second->at < b.second->at;
                    });
                    views_.erase(oldest);
                }
                views_[std::move(key)] = out;
            }
        }
        co_return out;
    }

    // Drops the kept views of the sessions whose key starts with `prefix`
    // (all of them for an empty one); views being read meanwhile are not kept.
    void drop_views(const std::string& prefix) {
        std::lock_guard lock(mu_);
        ++views_generation_;
        if (prefix.empty()) return views_.clear();
        for (auto it = views_.lower_bound(prefix); it != views_.end() && it->first.rfind(prefix, 0) == 0;)
            it = views_.erase(it);
    }

    static std::string live_key(const session_key& k, const std::string& id) { return k.prefix() + storage::make_key({id}); }

    void touch(const std::shared_ptr<live_upstream>& l) {
        std::lock_guard lock(mu_);
        l->last_used = std::chrono::steady_clock::now();
    }

    void notify(const session_key& k) {
        drop_views(k.prefix());
        std::vector<std::function<void()>> calls;
        {
            std::lock_guard lock(mu_);
            auto it = subscribers_.find(k.prefix());
            if (it == subscribers_.end()) return;
            for (const auto& [id, f] : it->second) calls.push_back(f);
        }
        for (auto& f : calls) f();
    }

    // Tells the MCP sessions of connector session `k` that its tools
    // changed, here and, through revocation_channel, on every other
    // instance (where the client's stream may be).
    void notify_everywhere(const session_key& k) {
        notify(k);
        announce({{"tenant", k.tenant}, {"user", k.user}, {"session", k.session}});
    }

    // Tells every session of `who` in this process (or, with `who` null,
    // every session) that its tools may have changed.
    void notify_user(const caller* who) {
        const auto prefix = who ? storage::make_key({"polymcp", "session", who->tenant, who->user}) + ":" : std::string();
        drop_views(prefix);
        std::vector<std::function<void()>> calls;
        {
            std::lock_guard lock(mu_);
            for (const auto& [key, subs] : subscribers_)
                if (key.rfind(prefix, 0) == 0)
                    for (const auto& [id, f] : subs) calls.push_back(f);
        }
        for (auto& f : calls) f();
    }
    void notify_user(const caller& who) { notify_user(&who); }

    // A connector of `who` changed without being revoked (enabled again,
    // renamed): `who`'s sessions hear of it here and on every other instance.
    void changed_user(const caller& who) {
        notify_user(who);
        announce({{"tenant", who.tenant}, {"user", who.user}, {"changed", true}});
    }

    // A catalog server changed without being revoked (enabled again, made
    // visible): every session hears of it here and on every other instance.
    void changed_everyone() {
        notify_user(nullptr);
        announce({{"all", true}});
    }

    // Connector `id` of `who` changed, was disabled or deleted: its upstream
    // sessions close and `who`'s sessions hear of it, here and, through
    // revocation_channel, on every other instance.
    void revoke_connector(const caller& who, const std::string& id) {
        drop_connector(who, id);
        announce({{"tenant", who.tenant}, {"user", who.user}, {"connector", id}});
    }

    // Catalog server `id` changed, was disabled or deleted: the upstream
    // sessions of every connector using it close, and every session hears
    // of it, here and on every other instance.
    void revoke_server(const std::string& id) {
        drop_server(id);
        announce({{"server", id}});
    }

    // What a revocation does in this process (revoke_* here, on_revocation
    // for those of other instances).
    void drop_connector(const caller& who, const std::string& id) {
        close_connector(who, id);
        notify_user(who);
    }
    void drop_server(const std::string& id) {
        close_server(id);
        notify_user(nullptr);
    }

    void close_server(const std::string& id) {
        std::vector<std::shared_ptr<live_upstream>> closing;
        {
            std::lock_guard lock(mu_);
            for (auto it = live_.begin(); it != live_.end();) {
                if (it->second->server_id == id) {
                    closing.push_back(it->second);
                    it = live_.erase(it);
                } else {
                    ++it;
                }
            }
        }
        for (auto& l : closing) close_session(l);
    }

    // Subscribes to revocation_channel, once; a storage that cannot be
    // reached now is subscribed all the same and delivers when it can.
    void listen() {
        if constexpr (storage::publish_subscribe<Storage>) {
            {
                std::lock_guard lock(mu_);
                if (listening_) return;
                listening_ = true;
            }
            std::weak_ptr<connector_manager> weak = this->weak_from_this();
            std::error_code ec;
            auto sub = storage_->subscribe(
                revocation_channel,
                [weak, ex = ex_](std::error_code lost, std::string_view message) {
                    asio::post(ex, [weak, lost, m = std::string(message)] {
                        if (auto self = weak.lock()) self->on_revocation(lost, m);
                    });
                },
                ec);
            std::lock_guard lock(mu_);
            revocations_ = std::move(sub);
        }
    }

    // Tells the other instances (best effort: when the storage cannot take
    // the message, their periodic check and per-call checks remain).
    void announce(json message) {
        if constexpr (storage::publish_subscribe<Storage>) {
            message["origin"] = instance_;
            storage_->async_publish(std::string(revocation_channel),
                                    message.dump(-1, ' ', false, json::error_handler_t::replace),
                                    asio::bind_executor(ex_, [](std::error_code) {}));
        }
    }

    // A revocation from another instance, or news that some were lost.
    void on_revocation(std::error_code lost, const std::string& message) {
        if (lost) {
            asio::co_spawn(ex_, [self = this->shared_from_this()]() -> asio::awaitable<void> {
                co_await self->close_revoked();
                self->notify_user(nullptr);
            }, asio::detached);
            return;
        }
        auto m = json::parse(message, nullptr, false);
        if (!m.is_object() || !m.contains("origin") || m["origin"] == instance_) return;
        auto text = [&](const char* name) {
            auto it = m.find(name);
            return it != m.end() && it->is_string() ? it->template get<std::string>() : std::string();
        };
        auto flag = [&](const char* name) {
            auto it = m.find(name);
            return it != m.end() && it->is_boolean() && it->template get<bool>();
        };
        if (auto server = text("server"); !server.empty()) drop_server(server);
        else if (auto id = text("connector"); !id.empty()) drop_connector(caller{text("tenant"), text("user")}, id);
        else if (auto session = text("session"); !session.empty()) notify(session_key{text("tenant"), text("user"), session});
        else if (flag("changed")) notify_user(caller{text("tenant"), text("user")});
        else if (flag("all")) notify_user(nullptr);
    }

    // Opens an upstream session for connector `c` in session `k` and keeps
    // it. With `replace`, it replaces any open one (connect); without, a
    // session another call opened meanwhile wins and the new one is closed,
    // so that no call loses the session it is using.
    asio::awaitable<std::shared_ptr<live_upstream>> open_live(session_key k, connector c, bool replace) {
        const caller who{k.tenant, k.user};
        auto t = co_await target_of(who, c);
        auto live = std::make_shared<live_upstream>(asio::make_strand(ex_));
        live->user_key = who.key();
        live->key = k;
        live->connector_id = c.id;
        live->server_id = t.server_id;
        live->stdio = t.server.transport == transport_kind::stdio;
        const auto key = live_key(k, c.id);
        {
            std::lock_guard lock(mu_);
            check_upstream_limits_locked(who.key(), live->stdio, key);
            if (live->stdio) ++tests_in_progress_[who.key()];  // a child starting counts from now on
        }
        struct starting_guard {
            connector_manager* self;
            caller who{};
            bool stdio{};
            ~starting_guard() { self->release_test(who, stdio); }
        } starting{this, who, live->stdio};
        json from_store;  // null: read the connector's sealed auth_config
        auto user = co_await tokens_->credentials(who, c.id, from_store);
        auto creds = merged(t.server_credentials, std::move(user));
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
                live->strand, open_upstream(live->strand, t.server, creds, opts_.validation.upstream, std::move(so), deadline),
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
            auto& slot = live_[key];
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
        start_sweeper();
        co_return live;
    }

    // The open upstream session of connector `c` in session `k`, opened when
    // there is none here (another instance connected it, or it was idle).
    // `k` and `c` must outlive the returned awaitable (the caller awaits it
    // at once); they are copied only when a session has to be opened.
    asio::awaitable<std::shared_ptr<live_upstream>> live_for(const session_key& k, const connector& c) {
        {
            std::lock_guard lock(mu_);
            auto it = live_.find(live_key(k, c.id));
            if (it != live_.end() && it->second->session && it->second->session->is_open()) co_return it->second;
        }
        auto state = co_await sessions_.get(k, c.id);
        if (!state || state->status != connection_status::connected)
            throw connector_error(errc::not_connected, "the connector '" + c.name + "' is not connected in this session");
        co_return co_await open_live(session_key(k), connector(c), false);
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
        notify_everywhere(k);
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

    // Reaps idle upstream sessions every `upstream_idle_timeout / 4` (10 ms
    // to 30 s) while a stdio upstream is open (a child process, whose pipe
    // keeps the executor busy anyway); the timer stops when none is left, so
    // the manager adds no work of its own to the executor. Idle HTTP
    // upstream sessions are closed when the next one opens.
    bool has_child_locked() const {
        for (const auto& [key, l] : live_)
            if (l->stdio) return true;
        return false;
    }

    void start_sweeper() {
        std::shared_ptr<asio::steady_timer> timer;
        {
            std::lock_guard lock(mu_);
            if (sweeper_ || !has_child_locked()) return;
            sweeper_ = timer = std::make_shared<asio::steady_timer>(sweep_strand_);
        }
        asio::post(sweep_strand_, [weak = this->weak_from_this(), timer] {
            if (auto self = weak.lock()) self->arm_sweeper(timer);
        });
    }

    void arm_sweeper(const std::shared_ptr<asio::steady_timer>& timer) {
        using namespace std::chrono_literals;
        auto period = std::clamp<std::chrono::milliseconds>(opts_.upstream_idle_timeout / 4, 10ms, 30'000ms);
        timer->expires_after(period);
        timer->async_wait([weak = this->weak_from_this(), timer](std::error_code ec) {
            if (ec) return;
            auto self = weak.lock();
            if (!self) return;
            self->sweep_idle();
            asio::co_spawn(self->ex_, [self]() -> asio::awaitable<void> { co_await self->close_revoked(); },
                           [weak, timer](std::exception_ptr) {
                               auto self = weak.lock();
                               if (!self) return;
                               asio::post(self->sweep_strand_, [weak, timer] {
                                   auto self = weak.lock();
                                   if (!self) return;
                                   {
                                       std::lock_guard lock(self->mu_);
                                       if (self->sweeper_ != timer) return;
                                       if (!self->has_child_locked()) {
                                           self->sweeper_.reset();
                                           return;
                                       }
                                   }
                                   self->arm_sweeper(timer);
                               });
                           });
        });
    }

    // Closes the upstream sessions here whose connector was deleted or
    // disabled, or whose catalog server was disabled, deleted or hidden, on
    // any instance, and tells their sessions; a storage failure keeps them.
    asio::awaitable<void> close_revoked() {
        std::vector<std::pair<std::string, std::shared_ptr<live_upstream>>> open;
        {
            std::lock_guard lock(mu_);
            open.assign(live_.begin(), live_.end());
        }
        std::map<std::string, std::optional<server_record>> servers;
        for (auto& [key, l] : open) {
            const caller who = who_of(l->key);
            bool usable = true;
            try {
                auto c = co_await store_->get(who, l->connector_id);
                auto why = co_await revocation(who, std::move(c), servers);
                usable = !why;
            } catch (const connector_error& e) {
                usable = e.value() != errc::not_found;
            }
            if (!usable) {
                close_live(key, l);
                notify(l->key);
            }
        }
    }

    void stop_sweeper() {
        std::shared_ptr<asio::steady_timer> timer;
        {
            std::lock_guard lock(mu_);
            timer.swap(sweeper_);
        }
        if (timer) asio::post(sweep_strand_, [timer] { timer->cancel(); });
    }

    asio::any_io_executor ex_;
    asio::strand<asio::any_io_executor> sweep_strand_{asio::make_strand(ex_)};
    std::shared_ptr<Storage> storage_;
    manager_options opts_;
    catalog<Storage> catalog_;
    std::shared_ptr<store_type> store_;
    session_state<Storage> sessions_;
    std::shared_ptr<token_provider<Storage, Cipher>> tokens_;

    mutable std::mutex mu_;
    std::map<std::string, std::shared_ptr<live_upstream>> live_;                          // guarded by mu_
    std::map<std::string, std::map<std::uint64_t, std::function<void()>>> subscribers_;  // guarded by mu_
    std::map<std::string, std::shared_ptr<const cached_view>> views_;  // by session key prefix; guarded by mu_
    std::uint64_t views_generation_ = 0;                                // grows with each drop_views; guarded by mu_
    std::uint64_t next_subscription_ = 0;                                                // guarded by mu_
    std::map<std::string, std::size_t> tests_in_progress_;  // stdio children starting, by user key; guarded by mu_
    std::shared_ptr<asio::steady_timer> sweeper_;          // guarded by mu_
    bool listening_ = false;                               // guarded by mu_
    const std::string instance_ = random_hex_id(16);       // the origin of this manager's announcements
    storage::subscription revocations_;                    // guarded by mu_; reset first on destruction
};

}  // namespace polymcp::connectors

#endif
