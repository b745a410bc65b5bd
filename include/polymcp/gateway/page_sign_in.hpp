#ifndef POLYMCP_GATEWAY_PAGE_SIGN_IN_HPP
#define POLYMCP_GATEWAY_PAGE_SIGN_IN_HPP

/// @file polymcp/gateway/page_sign_in.hpp
/// `polymcp::gateway::page_sign_in`: how a person signs in to the gateway's
/// web page when the gateway is an OAuth 2.1 protected resource (MCP
/// 2025-11-25 "Authorization"; `auth.jwt.resource` in its configuration).
/// The gateway runs the authorization code flow for the page, as a public
/// client of its own authorization server:
///
/// - `begin()` discovers the authorization server from the gateway's own
///   protected resource metadata (RFC 9728) and its metadata (RFC 8414),
///   identifies the client (a Client ID Metadata Document when the public
///   URL is https, else Dynamic Client Registration, RFC 7591) and returns
///   the authorization URL (PKCE S256, `state`, `resource`) with the
///   pending authorization *sealed* (AEAD with the gateway's cipher, bound to
///   the purpose "polymcp.page-sign-in"). The page keeps that token in the
///   tab's `sessionStorage`; nothing is stored on the server, so any
///   instance completes what another began.
/// - `complete(query, pending)` opens it (refused after `ttl`, or when
///   altered or sealed with another key), checks the authorization
///   response against it (`state`, RFC 9207 `iss`) and exchanges the code
///   with the PKCE verifier. The access token goes to the page, which sends
///   it as `Authorization: Bearer`; the refresh token is dropped (the page
///   signs in again when the token expires).
///
/// Binding to the tab: the callback needs the sealed pending authorization
/// from the `sessionStorage` of the tab that began, so an authorization
/// response cannot be completed in another person's browser (login CSRF).
///
/// Thread-safe; `configure` may change the settings while requests run.

#include <polymcp/client/oauth.hpp>
#include <polymcp/crypto/concepts.hpp>
#include <polymcp/crypto/sealed.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>
#include <asio/strand.hpp>
#include <asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>

namespace polymcp::gateway {

/// The page's sign-in (see the file comment).
class page_sign_in {
public:
    /// Where the flow starts and ends.
    struct settings {
        /// The gateway's MCP URL as its tokens' audience, e.g. "https://gw.example/mcp".
        std::string resource{};
        /// Its protected resource metadata URL (RFC 9728).
        std::string resource_metadata{};
        /// Where the authorization server sends the browser back: "<public URL>/auth/callback".
        std::string redirect_uri{};
        /// The gateway's Client ID Metadata Document URL (https), or empty.
        std::string client_id_metadata_url{};
        std::string client_name = "polymcp gateway";  ///< shown on the consent page (registration)
        /// Scopes to ask for; empty: those the resource requires.
        std::string scope{};
        /// How long a begun sign-in may take, in s.
        std::chrono::seconds ttl{600};
        /// TLS and timeouts of the requests to the authorization server.
        client::http_options http{};
    };

    /// Seals a pending authorization.
    using seal_fn = std::function<std::string(const nlohmann::json&)>;
    /// Opens a sealed pending authorization, throwing `std::system_error` when it does not open.
    using open_fn = std::function<nlohmann::json(const std::string&)>;

    /// Runs its requests on `ex`, sealing pending sign-ins with `seal` and opening them with `open`.
    page_sign_in(asio::any_io_executor ex, seal_fn seal, open_fn open)
        : ex_(std::move(ex)), seal_(std::move(seal)), open_(std::move(open)) {}

    /// A sign-in sealed with `cipher` (copied).
    template <crypto::cipher Cipher>
    static std::shared_ptr<page_sign_in> with_cipher(asio::any_io_executor ex, Cipher cipher) {
        auto s = std::make_shared<crypto::sealer<Cipher>>(std::move(cipher));
        return std::make_shared<page_sign_in>(
            std::move(ex), [s](const nlohmann::json& v) { return s->seal(purpose, {"page"}, v); },
            [s](const std::string& t) { return s->open(purpose, {"page"}, t); });
    }

    /// Replaces the settings (the gateway learns its URL once it listens).
    void configure(settings s) {
        std::lock_guard lock(mu_);
        settings_ = std::move(s);
    }

    /// Whether `configure` gave a resource (the page then offers this sign-in).
    bool enabled() const {
        std::lock_guard lock(mu_);
        return !settings_.resource.empty();
    }

    /// The gateway's resource URL, or "" when the page signs in with API keys.
    std::string resource() const {
        std::lock_guard lock(mu_);
        return settings_.resource;
    }

    /// The page's redirect URI (for the gateway's client metadata document).
    std::string redirect_uri() const {
        std::lock_guard lock(mu_);
        return settings_.redirect_uri;
    }

    /// Starts a sign-in. @return `{"authorization_url", "pending"}` (the
    /// sealed pending authorization the page keeps for `complete`)
    /// @throws client::client_error (`auth_required`) saying what failed
    asio::awaitable<nlohmann::json> begin() {
        const auto s = current();
        if (s.resource.empty()) throw std::logic_error("the page signs in with API keys: no OAuth resource is configured");
        client::oauth_options o;
        o.redirect_uri = s.redirect_uri;
        o.client_name = s.client_name;
        o.client_id_metadata_url = s.client_id_metadata_url;
        o.http = s.http;
        o.store = registrations_;  // one Dynamic Client Registration per authorization server, not one per visit
        client::bearer_challenge challenge;
        challenge.resource_metadata = s.resource_metadata;
        challenge.scope = s.scope;
        auto strand = asio::make_strand(ex_);  // the OAuth client is not thread-safe: a strand of its own
        std::string resource = s.resource;
        std::optional<client::bearer_challenge> ch = challenge;
        auto request = co_await asio::co_spawn(strand, client::begin_authorization(strand, resource, std::move(o), std::move(ch)),
                                               asio::use_awaitable);
        request.pending["created_at"] = now_s();
        co_return nlohmann::json{{"authorization_url", request.authorization_url}, {"pending", seal_(request.pending)}};
    }

    /// Completes a sign-in from the callback's query and the `pending` token
    /// `begin` returned. @return `{"access_token", "expires_at"}` (Unix s; 0: unknown)
    /// @throws std::invalid_argument for a pending token that does not open
    ///         or has expired; client::client_error for a refused or
    ///         mismatched response or a failed exchange
    asio::awaitable<nlohmann::json> complete(std::string query, std::string pending) {
        const auto s = current();
        nlohmann::json opened;
        try {
            opened = open_(pending);
        } catch (const std::exception&) {
            throw std::invalid_argument("this sign-in does not belong to this page or gateway; sign in again");
        }
        if (!opened.is_object() || opened.value("created_at", std::int64_t{0}) + s.ttl.count() < now_s())
            throw std::invalid_argument("this sign-in took too long; sign in again");
        client::oauth_options o;
        o.http = s.http;
        auto strand = asio::make_strand(ex_);
        std::string url = "https://callback.invalid/?" + query;
        auto grant = co_await asio::co_spawn(strand, client::complete_authorization(strand, std::move(opened), url, std::move(o)),
                                             asio::use_awaitable);
        co_return nlohmann::json{{"access_token", grant.tokens.access_token}, {"expires_at", grant.tokens.expires_at}};
    }

    /// The purpose pending sign-ins are sealed for (polymcp/crypto/sealed.hpp).
    static constexpr std::string_view purpose = "polymcp.page-sign-in";

private:
    // The registrations this process made (the page is one public client): thread-safe.
    class registration_store final : public client::token_store {
    public:
        asio::awaitable<std::optional<nlohmann::json>> load(const std::string& key) override {
            std::lock_guard lock(mu_);
            auto it = entries_.find(key);
            if (it == entries_.end()) co_return std::nullopt;
            co_return it->second;
        }
        asio::awaitable<void> save(const std::string& key, nlohmann::json value) override {
            std::lock_guard lock(mu_);
            entries_[key] = std::move(value);
            co_return;
        }
        asio::awaitable<void> erase(const std::string& key) override {
            std::lock_guard lock(mu_);
            entries_.erase(key);
            co_return;
        }

    private:
        std::mutex mu_;
        std::map<std::string, nlohmann::json> entries_;
    };

    settings current() const {
        std::lock_guard lock(mu_);
        return settings_;
    }
    static std::int64_t now_s() {
        return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    }

    asio::any_io_executor ex_;
    seal_fn seal_;
    open_fn open_;
    mutable std::mutex mu_;
    settings settings_;
    std::shared_ptr<registration_store> registrations_ = std::make_shared<registration_store>();
};

}  // namespace polymcp::gateway

#endif
