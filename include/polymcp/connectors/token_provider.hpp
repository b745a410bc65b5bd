#ifndef POLYMCP_CONNECTORS_TOKEN_PROVIDER_HPP
#define POLYMCP_CONNECTORS_TOKEN_PROVIDER_HPP

/// @file polymcp/connectors/token_provider.hpp
/// `polymcp::connectors::token_provider<Storage, Cipher>`: the credentials
/// an upstream request carries, from a connector's sealed `auth_config`
/// (polymcp/connectors/auth_config.hpp):
///
/// - `bearer`, `api_key`, `none`: sent as given; nothing to refresh.
/// - `oauth`: the access token; refreshed with the refresh token at the
///   token endpoint (RFC 6749 section 6, client credentials in the body)
///   within `refresh_before_expiry` of `expires_at`, and when the upstream
///   refuses it (401). A rotated refresh token is kept.
/// - `oauth_sign_in`: as `oauth`, with the tokens the gateway's sign-in
///   added (and the `resource` they were issued for, sent when refreshing,
///   RFC 8707).
/// - `token_endpoint`: a token fetched from the user's endpoint, which must
///   itself require authentication (the config's `authorization` is sent as
///   the `Authorization` header; a config without it is refused when
///   created); fetched when there is none yet, when it expires, and when the
///   upstream refuses it.
///
/// **Once, and once for all instances.** A refused token is refreshed at
/// most once: a refresh takes a lock in the storage's ephemeral state
/// (`set_if_absent` with a TTL, key
/// `polymcp:lock:token-refresh:<tenant>:<user>:<connector>`), reads the
/// credentials again (another instance may have refreshed them: then they
/// are used as they are), fetches, and saves the new credentials sealed
/// (only if the record did not change meanwhile); the others wait for the
/// lock and read the result. The request is retried once with the new
/// token; if that is refused too, or the refresh fails, the call fails with
/// `AUTH_REQUIRED` — never a loop. Token endpoints are reached under the
/// SSRF guard.
///
/// Thread-safe. Create with `std::make_shared`.

#include <polymcp/client/http_options.hpp>
#include <polymcp/connectors/auth_config.hpp>
#include <polymcp/connectors/connector_store.hpp>
#include <polymcp/connectors/detail/fetch.hpp>
#include <polymcp/connectors/upstream.hpp>
#include <polymcp/storage/concepts.hpp>

#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <curl/curl.h>

namespace polymcp::connectors {

/// Settings of `token_provider`.
struct token_provider_options {
    /// Refresh an `oauth` token this long before `expires_at`, in s.
    std::chrono::seconds refresh_before_expiry{60};
    /// How long a refresh may hold its lock, in ms (a crashed instance's lock expires).
    std::chrono::milliseconds lock_ttl{30'000};
    /// How long a request waits for another instance's refresh, in ms.
    std::chrono::milliseconds lock_wait{10'000};
    /// Time limit of one token request, in ms.
    std::chrono::milliseconds request_timeout{10'000};
};

/// The credentials of connectors' upstream requests: a connector's sealed
/// `auth_config` made usable, with tokens refreshed before they expire and
/// once on a refusal, single-flight across instances (see this file's
/// description). Made with `std::make_shared`; thread-safe.
template <storage::storage Storage, crypto::cipher Cipher>
class token_provider : public std::enable_shared_from_this<token_provider<Storage, Cipher>> {
public:
    using store_type = connector_store<Storage, Cipher>;  ///< where the credentials are kept

    /// Refreshes on `ex`, locks in `storage`, reads and writes credentials
    /// in `store`, reaches token endpoints as `upstream` allows (SSRF guard, TLS).
    token_provider(asio::any_io_executor ex, std::shared_ptr<Storage> storage, std::shared_ptr<store_type> store,
                   token_provider_options options, upstream_options upstream)
        : ex_(std::move(ex)), storage_(std::move(storage)), store_(std::move(store)), opts_(options),
          upstream_(std::move(upstream)) {}

    /// The credentials for connector `id` of `who` (its stored, refreshed
    /// `auth_config`), or, with `id` empty, for `config` as given (testing
    /// before the connector exists: a `token_endpoint` token is fetched now).
    asio::awaitable<upstream_credentials> credentials(caller who, std::string id, json config) {
        if (id.empty()) {
            if (config.is_object() && config.value("type", "") == "token_endpoint") {
                auto fresh = co_await fetch_new(config);
                co_return static_credentials(as_bearer(fresh));
            }
            co_return static_credentials(config);
        }
        auto [stored, version] = co_await store_->auth_config(who, id);
        (void)version;
        const auto type = stored.is_object() ? stored.value("type", "") : std::string();
        if (!oauth_grant(type) && type != "token_endpoint" && type != "bearer")
            co_return static_credentials(stored);
        upstream_credentials c;
        c.auth = std::make_shared<connector_auth>(this->weak_from_this(), who, id);
        co_return c;
    }

    /// Token requests made by this process (for tests and metrics).
    std::size_t token_requests() const noexcept { return token_requests_.load(); }

    /// The `Authorization` value now valid for connector `id` (refreshing an
    /// expired or missing token first). Throws `auth_required` when there is none.
    asio::awaitable<std::string> current(caller who, std::string id) {
        auto [config, version] = co_await store_->auth_config(who, id);
        (void)version;
        if (auto a = usable_authorization(config)) co_return *a;
        auto fresh = co_await refresh(who, id, authorization_of(config));
        if (!fresh) throw connector_error(errc::auth_required, "no valid token for this connector; authorize it again");
        co_return *fresh;
    }

    /// Replaces the refused `failed` authorization of connector `id`, once
    /// across all instances (see the file comment). @return the new
    /// `Authorization` value, or nothing when the credentials cannot be
    /// refreshed (a static token, a refresh that failed)
    asio::awaitable<std::optional<std::string>> refresh(caller who, std::string id, std::string failed) {
        const std::string lock = storage::make_key({"polymcp", "lock", "token-refresh", who.tenant, who.user, id});
        const auto give_up = std::chrono::steady_clock::now() + opts_.lock_wait;
        asio::steady_timer timer(ex_);
        for (;;) {
            std::error_code ec;
            std::string holder = "1";
            bool got = co_await storage_->async_set_if_absent(lock, holder, opts_.lock_ttl, detail::redirect(ec));
            if (ec) detail::storage_failure(ec, "locking a token refresh");
            if (got) break;
            // Another request (here or on another instance) is refreshing: use its result.
            timer.expires_after(std::chrono::milliseconds(25));
            co_await timer.async_wait(asio::use_awaitable);
            auto [config, version] = co_await store_->auth_config(who, id);
            (void)version;
            auto now = authorization_of(config);
            if (!now.empty() && now != failed) co_return now;
            if (std::chrono::steady_clock::now() >= give_up) co_return std::nullopt;
        }
        std::optional<std::string> out;
        std::optional<connector_error> failure;
        try {
            auto [config, version] = co_await store_->auth_config(who, id);
            auto now = authorization_of(config);
            if (!now.empty() && now != failed && usable_authorization(config)) {
                out = now;  // refreshed meanwhile
            } else if (refreshable(config)) {
                auto fresh = co_await fetch_new(config);
                co_await store_->replace_auth_config(who, id, fresh, version);
                out = authorization_of(fresh);
            }
        } catch (const connector_error& e) {
            failure = e;
        }
        std::error_code ec;
        co_await storage_->async_erase(lock, detail::redirect(ec));  // on failure the TTL frees it
        if (failure && failure->value() == errc::storage_unavailable) throw *failure;
        co_return out;  // a failed refresh: nothing, and the call fails with AUTH_REQUIRED
    }

private:
    // The client-side face: the current token, refreshed once when refused.
    class connector_auth final : public client::auth_provider {
    public:
        connector_auth(std::weak_ptr<token_provider> p, caller who, std::string id)
            : provider_(std::move(p)), who_(std::move(who)), id_(std::move(id)) {}

        asio::awaitable<std::string> authorization(const std::string&) override {
            auto p = provider_.lock();
            if (!p) co_return std::string();
            std::optional<connector_error> failure;
            std::string out;
            try {
                out = co_await p->current(who_, id_);
            } catch (const connector_error& e) {
                failure = e;
            }
            if (failure) throw client::client_error(client::errc::auth_required, failure->what());
            co_return out;
        }

        // Called at most once per request: upstream connections allow one
        // retry after a refresh (`max_auth_retries` 1, guarded_http_options).
        asio::awaitable<bool> on_unauthorized(const std::string&, int status, const std::optional<client::bearer_challenge>&,
                                              const std::string& sent) override {
            auto p = provider_.lock();
            if (!p || status != 401) co_return false;  // 403: a refresh gives no more scope
            auto fresh = co_await p->refresh(who_, id_, sent);
            co_return fresh && *fresh != sent;
        }

    private:
        std::weak_ptr<token_provider> provider_;
        caller who_;
        std::string id_;
    };

    // An OAuth grant: tokens from an authorization server (`oauth`, given;
    // `oauth_sign_in`, signed in through the gateway).
    static bool oauth_grant(const std::string& type) { return type == "oauth" || type == "oauth_sign_in"; }
    static std::string token_of(const json& config) {
        if (!config.is_object()) return {};
        const auto type = config.value("type", "");
        if (type == "bearer") return config.value("token", "");
        if (oauth_grant(type)) return config.value("access_token", "");
        if (type == "token_endpoint") return config.value("token", "");
        return {};
    }
    static std::string authorization_of(const json& config) {
        auto t = token_of(config);
        return t.empty() ? std::string() : "Bearer " + t;
    }
    static bool refreshable(const json& config) {
        const auto type = config.value("type", "");
        if (type == "token_endpoint") return true;
        return oauth_grant(type) && config.contains("refresh_token") &&
               config.contains("token_endpoint");
    }
    // The authorization, unless missing or (nearly) expired and refreshable.
    std::optional<std::string> usable_authorization(const json& config) const {
        auto a = authorization_of(config);
        if (a.empty()) return std::nullopt;
        if (auto e = config.find("expires_at"); e != config.end() && e->is_number_integer() && refreshable(config)) {
            if (e->get<std::int64_t>() - opts_.refresh_before_expiry.count() <= unix_now()) return std::nullopt;
        }
        return a;
    }
    static json as_bearer(const json& config) { return {{"type", "bearer"}, {"token", token_of(config)}}; }

    static std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields) {
        std::string out;
        for (const auto& [k, v] : fields) {
            char* ek = curl_easy_escape(nullptr, k.c_str(), static_cast<int>(k.size()));
            char* ev = curl_easy_escape(nullptr, v.c_str(), static_cast<int>(v.size()));
            if (!out.empty()) out += '&';
            out += std::string(ek ? ek : "") + "=" + (ev ? ev : "");
            curl_free(ek);
            curl_free(ev);
        }
        return out;
    }

    // New credentials from the token endpoint the config names.
    asio::awaitable<json> fetch_new(json config) {
        ++token_requests_;
        const auto deadline = std::chrono::steady_clock::now() + opts_.request_timeout;
        const auto type = config.value("type", "");
        json out = config;
        if (oauth_grant(type)) {
            std::vector<std::pair<std::string, std::string>> form = {{"grant_type", "refresh_token"},
                                                                     {"refresh_token", config.value("refresh_token", "")},
                                                                     {"client_id", config.value("client_id", "")}};
            if (config.contains("client_secret")) form.emplace_back("client_secret", config.value("client_secret", ""));
            if (config.contains("scope")) form.emplace_back("scope", config.value("scope", ""));
            if (config.contains("resource")) form.emplace_back("resource", config.value("resource", ""));  // RFC 8707
            std::string method = "POST", url = config.value("token_endpoint", ""), body = form_encode(form),
                        type_form = "application/x-www-form-urlencoded";
            std::vector<std::string> headers = {"Accept: application/json"};
            auto r = co_await detail::guarded_fetch(ex_, method, url, std::move(headers), std::move(body), type_form,
                                                    upstream_, deadline);
            auto j = json::parse(r.body, nullptr, false);
            if (r.status != 200 || !j.is_object() || !j.contains("access_token") || !j["access_token"].is_string())
                throw connector_error(errc::auth_required,
                                      "the token endpoint refused to refresh the token (HTTP " + std::to_string(r.status) +
                                          (j.is_object() && j.contains("error") ? ", " + j["error"].dump() : std::string()) +
                                          "); authorize the connector again");
            out["access_token"] = j["access_token"];
            if (j.contains("refresh_token") && j["refresh_token"].is_string()) out["refresh_token"] = j["refresh_token"];
            if (j.contains("expires_in") && j["expires_in"].is_number()) out["expires_at"] = unix_now() + j["expires_in"].template get<std::int64_t>();
            else out.erase("expires_at");
        } else if (type == "token_endpoint") {
            std::string method = "GET", url = config.value("url", ""), no_body, json_type = "application/json";
            std::vector<std::string> headers = {"Accept: application/json",
                                                "Authorization: " + config.value("authorization", "")};
            auto r = co_await detail::guarded_fetch(ex_, method, url, std::move(headers), std::move(no_body), json_type,
                                                    upstream_, deadline);
            auto j = json::parse(r.body, nullptr, false);
            const auto field = config.value("token_field", "token");
            if (r.status != 200 || !j.is_object() || !j.contains(field) || !j[field].is_string() ||
                (j.contains("valid") && j["valid"] == false))
                throw connector_error(errc::auth_required, "the token endpoint gave no valid token (HTTP " +
                                                               std::to_string(r.status) + "); check its 'authorization'");
            out["token"] = j[field];
            const auto expires = config.value("expires_field", "expires_at");
            if (j.contains(expires) && j[expires].is_number_integer()) out["expires_at"] = j[expires];
            else out.erase("expires_at");
        } else {
            throw connector_error(errc::auth_required, "these credentials cannot be refreshed");
        }
        co_return out;
    }

    asio::any_io_executor ex_;
    std::shared_ptr<Storage> storage_;
    std::shared_ptr<store_type> store_;
    token_provider_options opts_;
    upstream_options upstream_;
    std::atomic<std::size_t> token_requests_{0};
};

}  // namespace polymcp::connectors

#endif
