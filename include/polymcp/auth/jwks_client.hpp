#ifndef POLYMCP_AUTH_JWKS_CLIENT_HPP
#define POLYMCP_AUTH_JWKS_CLIENT_HPP

/// @file polymcp/auth/jwks_client.hpp
/// `polymcp::auth::jwks_client`: the keys of an authorization server,
/// fetched from its JWKS URL (RFC 7517 section 5, the `jwks_uri` of RFC
/// 8414) with libcurl, cached, refetched when stale, and refetched when a
/// token names an unknown `kid` (key rotation) at most once per
/// `min_refresh_interval` (so that tokens with made-up kids cannot make the
/// server hammer the authorization server). Optional part: link
/// `polymcp::jwks` (libcurl; Debian: libcurl4-openssl-dev).
///
/// @code
/// auto keys = std::make_shared<polymcp::auth::jwks_client>(
///     polymcp::auth::jwks_options{.url = "https://as.example.com/.well-known/jwks.json"});
/// polymcp::auth::jwt_verifier v(jwt_opts, keys);
/// @endcode

#include <polymcp/auth/jwt.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <fstream>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace polymcp::auth {

/// Settings of `jwks_client`.
struct jwks_options {
    /// The JWKS URL. https, unless `allow_http` (tests on loopback).
    std::string url{};
    /// Refetch the keys on use once they are older than this.
    std::chrono::seconds max_age{3600};
    /// At most one refetch per this interval, whatever tokens arrive
    /// (the rate limit of unknown-`kid` refreshes and of retries after a
    /// failed fetch).
    std::chrono::seconds min_refresh_interval{30};
    /// The whole fetch (connect, TLS, transfer), in ms.
    std::chrono::milliseconds timeout{5000};
    /// Largest JWKS document, in bytes.
    std::size_t max_document_bytes = 256 * 1024;
    /// Accept an http:// URL (never in production: keys must come over TLS).
    bool allow_http = false;
    /// A CA bundle file to verify the server with (empty: the system's).
    std::string ca_file{};
};

/// A *key_source* over a JWKS URL. Thread-safe: concurrent callers share one
/// fetch (single flight). Construction does not fetch; the first
/// verification does (or call `refresh`).
class jwks_client final : public key_source {
public:
    /// @throws std::invalid_argument for an empty URL or http:// without `allow_http`
    explicit jwks_client(jwks_options options);

    /// The cached keys, refetched first when older than `max_age` (rate
    /// limited). Never null: an empty set before the first successful fetch.
    std::shared_ptr<const jwk_set> current() const override;
    /// Refetches (rate limited) for a token naming `kid`; the new keys, or
    /// null when no fetch happened or it failed.
    std::shared_ptr<const jwk_set> refresh_for(std::string_view kid) override;
    bool may_block() const override { return true; }

    /// Fetches now, ignoring the rate limit.
    /// @param why on failure, the reason (HTTP status, curl error, parse error)
    /// @return success or `errc::key_fetch_failed`
    std::error_code refresh(std::string* why = nullptr);

    /// Fetch attempts so far (successful or not).
    std::size_t fetches() const noexcept { return fetches_.load(); }

private:
    using clock = std::chrono::steady_clock;
    // Fetches if the last attempt is older than `min_interval`; returns whether keys changed.
    bool fetch_if_due(std::chrono::seconds min_interval) const;
    std::error_code fetch(std::string* why) const;

    jwks_options options_;
    mutable std::mutex fetch_mu_;  // single flight
    mutable std::mutex mu_;        // guards the members below
    mutable std::shared_ptr<const jwk_set> keys_;
    mutable clock::time_point fetched_{};       // last success
    mutable clock::time_point attempted_{};     // last attempt
    mutable bool ever_attempted_ = false;
    mutable std::atomic<std::size_t> fetches_{0};
};

/// The key source a configuration names in one string: a JWKS URL
/// (`https://...`; `http://...` only when spelled so, for a local
/// authorization server) fetched and cached by a `jwks_client`, or else the
/// path of a JWK Set file (RFC 7517 section 5), read once.
/// @throws std::runtime_error when the file cannot be read or is not JSON;
///         std::system_error for a JWK Set the keys cannot be taken from
inline std::shared_ptr<key_source> key_source_from(const std::string& where) {
    const bool http = where.rfind("http://", 0) == 0;
    if (http || where.rfind("https://", 0) == 0)
        return std::make_shared<jwks_client>(jwks_options{.url = where, .allow_http = http});
    std::ifstream f(where);
    if (!f) throw std::runtime_error("cannot read the JWK Set " + where);
    auto set = nlohmann::json::parse(f, nullptr, false);
    if (set.is_discarded()) throw std::runtime_error("the JWK Set " + where + " is not JSON");
    return std::make_shared<static_keys>(set);
}

}  // namespace polymcp::auth

#include <polymcp/auth/impl/jwks_client.hpp>

#endif
