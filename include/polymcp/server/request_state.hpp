#ifndef POLYMCP_SERVER_REQUEST_STATE_HPP
#define POLYMCP_SERVER_REQUEST_STATE_HPP

/// @file polymcp/server/request_state.hpp
/// How a server protects the `requestState` of multi round-trip requests
/// (MCP 2026-07-28 "Multi Round-Trip Requests" > "Server Requirements"):
/// the state passes through the client, which must not be able to read,
/// change or replay it elsewhere.
///
/// The server seals, with a `request_state_codec`, a JSON payload holding
/// the inputs gathered so far, the handler's own state, and what binds it:
/// the method, the tool, prompt or resource and its arguments, the caller
/// (issuer, subject, tenant) and an expiry. A state that fails to open, or
/// opens bound to anything else, is refused with -32602.
///
/// @code
/// // Sealed with the cipher policy: any instance holding the key can resume.
/// options.request_state = polymcp::request_state_with(polymcp::crypto::fernet(key));
/// @endcode

#include <polymcp/core/config.hpp>
#include <polymcp/core/random.hpp>
#include <polymcp/crypto/concepts.hpp>

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>

namespace polymcp {

/// Seals and opens request states. Implementations are thread-safe.
class request_state_codec {
public:
    virtual ~request_state_codec() = default;
    /// An opaque printable token for `plaintext`.
    /// @throws std::system_error when sealing fails
    virtual std::string seal(std::string_view plaintext) const = 0;
    /// The plaintext of `token` when it authenticates and was sealed at most
    /// `ttl` ago; `std::nullopt` otherwise (never throws for a bad token).
    virtual std::optional<std::string> open(std::string_view token, std::chrono::seconds ttl) const = 0;
};

/// Seals with a *Cipher* (polymcp/crypto/concepts.hpp: `crypto::fernet`,
/// `crypto::aes_256_gcm`, a `crypto::key_ring`): authenticated encryption,
/// timestamped, so the state is opaque, tamper-evident and expires. Every
/// server instance that holds the key can open it: the stateless way to
/// scale out.
template <crypto::cipher Cipher>
class cipher_request_state_codec final : public request_state_codec {
public:
    explicit cipher_request_state_codec(Cipher c) : cipher_(std::move(c)) {}

    std::string seal(std::string_view plaintext) const override { return cipher_.encrypt(plaintext, associated()); }

    std::optional<std::string> open(std::string_view token, std::chrono::seconds ttl) const override {
        crypto::decrypt_options o;
        o.ttl = ttl;
        std::error_code ec;
        auto pt = cipher_.decrypt(token, associated(), o, ec);
        if (ec) return std::nullopt;
        return pt;
    }

private:
    // Bound as associated data where the cipher authenticates it; the
    // payload carries its own binding either way.
    static std::string_view associated() noexcept {
        if constexpr (Cipher::binds_associated_data) return "polymcp request state v1";
        else return {};
    }

    Cipher cipher_;
};

/// `cipher_request_state_codec` for `cipher`, shared: what
/// `server_options::request_state` takes.
template <crypto::cipher Cipher>
std::shared_ptr<const request_state_codec> request_state_with(Cipher cipher) {
    return std::make_shared<const cipher_request_state_codec<Cipher>>(std::move(cipher));
}

/// The default when no cipher is configured: states stay in this process's
/// memory and the client holds a random 128-bit handle (from getrandom(2)).
/// Unforgeable and tamper-proof, but only the process that made a state can
/// resume it: behind a load balancer, configure a cipher instead.
/// At most `max_states` are kept (the oldest go first).
class memory_request_state_codec final : public request_state_codec {
public:
    explicit memory_request_state_codec(std::size_t max_states = 10'000) : max_(max_states) {}

    std::string seal(std::string_view plaintext) const override {
        auto handle = random_hex_id(16);
        std::lock_guard lock(mu_);
        states_.emplace(handle, entry{std::string(plaintext), std::chrono::steady_clock::now()});
        order_.push_back(handle);
        while (states_.size() > max_ && !order_.empty()) {
            states_.erase(order_.front());
            order_.pop_front();
        }
        return handle;
    }

    std::optional<std::string> open(std::string_view token, std::chrono::seconds ttl) const override {
        std::lock_guard lock(mu_);
        auto it = states_.find(std::string(token));
        if (it == states_.end() || std::chrono::steady_clock::now() - it->second.made > ttl) return std::nullopt;
        return it->second.plaintext;
    }

private:
    struct entry {
        std::string plaintext;
        std::chrono::steady_clock::time_point made;
    };
    std::size_t max_;
    mutable std::mutex mu_;
    mutable std::unordered_map<std::string, entry> states_;
    mutable std::deque<std::string> order_;
};

}  // namespace polymcp

#endif
