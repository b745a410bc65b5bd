#ifndef POLYMCP_AUTH_API_KEY_HPP
#define POLYMCP_AUTH_API_KEY_HPP

/// @file polymcp/auth/api_key.hpp
/// `polymcp::auth::api_key_auth`: static API keys (or static bearer tokens),
/// each mapped to a principal. Links OpenSSL (target `polymcp::crypto`).
///
/// @code
/// polymcp::auth::api_key_auth keys;
/// keys.add_hashed("sha256:9f86d0...", {.subject = "ci-bot", .tenant = "acme", .scopes = {"tools"}});
/// polymcp::server srv(opts, features, transport, keys);   // the server's Auth policy
/// @endcode

#include <polymcp/auth/bearer.hpp>
#include <polymcp/auth/concepts.hpp>
#include <polymcp/core/config.hpp>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace polymcp::auth {

/// Settings of `api_key_auth`.
struct api_key_options {
    /// A header carrying the key as its whole value (empty: none). The key is
    /// also accepted as `Authorization: Bearer <key>` when `accept_bearer`.
    std::string header = "X-API-Key";
    /// Accept the key as a bearer token too.
    bool accept_bearer = true;
    /// The environment variable holding the key of a stdio server's client.
    std::string stdio_environment_variable = "POLYMCP_API_KEY";
    /// Shortest key `add` accepts, in bytes (keys must be random, not
    /// passwords: they are stored as an unsalted SHA-256).
    std::size_t min_key_bytes = 16;
    /// Longest key a request may present, in bytes (longer: 400).
    std::size_t max_key_bytes = 512;
};

/// An *AuthPolicy* over a fixed table of API keys. Keys are kept only as
/// SHA-256 digests; a presented key is hashed and compared with every entry
/// in constant time (no early exit, `CRYPTO_memcmp`), so neither timing nor
/// memory reveals a key. Build the table before handing the policy to a
/// server; `authenticate` is then thread-safe.
class api_key_auth {
public:
    /// A policy with the keys and settings of `options`.
    POLYMCP_DECL explicit api_key_auth(api_key_options options = {});

    /// Adds `key` (hashed at once; the argument is not kept) for `who`. An
    /// empty `who.issuer` becomes "api_key".
    /// @throws std::invalid_argument when the key is shorter than `min_key_bytes`,
    ///         longer than `max_key_bytes`, not printable ASCII, or already added
    POLYMCP_DECL api_key_auth& add(std::string_view key, principal who);

    /// Adds a key given as its digest, "sha256:" followed by 64 hex digits
    /// (what `hash` returns), so that configuration files never hold keys.
    /// @throws std::invalid_argument for another form or a duplicate
    POLYMCP_DECL api_key_auth& add_hashed(std::string_view digest, principal who);

    /// "sha256:<hex>" of `key`, for configuration files.
    POLYMCP_DECL static std::string hash(std::string_view key);

    /// The *AuthPolicy* operation: the principal of the presented key; no
    /// key → 401 (`no_credentials`), an unknown key → 401 `invalid_token`
    /// (`unknown_api_key`), a malformed or duplicated header → 400.
    POLYMCP_DECL auth_result authenticate(const auth_request& r) const;

    /// Number of keys.
    std::size_t size() const noexcept { return keys_.size(); }
    std::string_view name() const noexcept { return "api_key"; }  ///< *AuthPolicy*: its name

private:
    struct entry {
        std::array<unsigned char, 32> digest{};
        principal who{};
    };
    POLYMCP_DECL api_key_auth& insert(const std::array<unsigned char, 32>& d, principal who);

    api_key_options options_;
    std::vector<entry> keys_;
};

static_assert(auth_policy<api_key_auth>);

}  // namespace polymcp::auth

#if POLYMCP_HEADER_ONLY
#include <polymcp/auth/impl/api_key.ipp>
#endif

#endif
