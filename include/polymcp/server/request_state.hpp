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
/// // A composed server picks its codec from its policies (docs/composition.md):
/// // a cipher seals states (any instance holding the key resumes them); without
/// // one, states stay in the storage under handles (any instance on its backend).
/// polymcp::server srv(options, features, transport, auth, storage, polymcp::crypto::fernet(key));
/// // The codec for a server_core used directly:
/// options.request_state = polymcp::request_state_with(polymcp::crypto::fernet(key));
/// @endcode

#include <polymcp/core/config.hpp>
#include <polymcp/core/random.hpp>
#include <polymcp/crypto/concepts.hpp>
#include <polymcp/storage/concepts.hpp>

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
    /// Seals states with `c`.
    explicit cipher_request_state_codec(Cipher c) : cipher_(std::move(c)) {}

    std::string seal(std::string_view plaintext) const override {
        if constexpr (Cipher::binds_associated_data) return cipher_.encrypt(plaintext, purpose);
        else return cipher_.encrypt(std::string(purpose) + '\n' + std::string(plaintext), {});
    }

    std::optional<std::string> open(std::string_view token, std::chrono::seconds ttl) const override {
        crypto::decrypt_options o;
        o.ttl = ttl;
        std::error_code ec;
        if constexpr (Cipher::binds_associated_data) {
            auto pt = cipher_.decrypt(token, purpose, o, ec);
            if (ec) return std::nullopt;
            return pt;
        } else {
            auto pt = cipher_.decrypt(token, {}, o, ec);
            if (ec || pt.size() <= purpose.size() || pt.compare(0, purpose.size(), purpose) != 0 ||
                pt[purpose.size()] != '\n')
                return std::nullopt;
            return pt.substr(purpose.size() + 1);
        }
    }

private:
    // What the key seals here, so that a token the same key sealed for
    // another purpose (a stored credential, say) never opens as a request
    // state: the associated data where the cipher authenticates it (AES-GCM),
    // else a first line of the plaintext (Fernet).
    static constexpr std::string_view purpose = "polymcp request state v1";

    Cipher cipher_;
};

/// `cipher_request_state_codec` for `cipher`, shared: what
/// `server_options::request_state` takes.
template <crypto::cipher Cipher>
std::shared_ptr<const request_state_codec> request_state_with(Cipher cipher) {
    return std::make_shared<const cipher_request_state_codec<Cipher>>(std::move(cipher));
}

/// Keeps states in a *Storage* (polymcp/storage/concepts.hpp) under the key
/// `polymcp:request_state:<handle>` with the state's TTL; the client holds
/// the random 128-bit handle (32 hex digits, from getrandom(2)). Every
/// instance sharing the storage's backend can resume the request (Redis,
/// PostgreSQL); with `storage::memory_storage` only this process can. The
/// plaintext stays inside the deployment: what `polymcp::server` uses when
/// its cipher is `crypto::no_cipher`. A token that is not a handle is
/// refused without a storage round trip. `seal` and `open` use the storage's
/// synchronous forms on the calling thread: one round trip each, bounded by
/// the storage's operation timeout. Thread-safe.
template <storage::storage Storage>
class storage_request_state_codec final : public request_state_codec {
public:
    /// @param storage where states live (shared with the rest of the server)
    /// @param ttl how long a state is kept, in seconds (`server_options::request_state_ttl`)
    storage_request_state_codec(std::shared_ptr<Storage> storage, std::chrono::seconds ttl)
        : storage_(std::move(storage)), ttl_(ttl) {}

    /// @throws std::system_error with the storage's error when it cannot keep the state
    std::string seal(std::string_view plaintext) const override {
        auto handle = random_hex_id(16);
        std::error_code ec;
        storage_->set(key_of(handle), plaintext, std::chrono::duration_cast<storage::ttl>(ttl_), ec);
        if (ec) throw std::system_error(ec, "cannot keep the request state");
        return handle;
    }

    std::optional<std::string> open(std::string_view token, std::chrono::seconds) const override {
        if (token.size() != 32) return std::nullopt;
        for (char c : token)
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
        std::error_code ec;
        auto v = storage_->get(key_of(token), ec);
        if (ec) return std::nullopt;
        return v;
    }

private:
    static std::string key_of(std::string_view handle) { return "polymcp:request_state:" + std::string(handle); }
    std::shared_ptr<Storage> storage_;
    std::chrono::seconds ttl_;
};

/// The default when no cipher is configured: states stay in this process's
/// memory and the client holds a random 128-bit handle (from getrandom(2)).
/// Unforgeable and tamper-proof, but only the process that made a state can
/// resume it: behind a load balancer, configure a cipher instead.
/// At most `max_states` are kept (the oldest go first).
class memory_request_state_codec final : public request_state_codec {
public:
    /// Keeps at most `max_states` states.
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
        std::string plaintext{};
        std::chrono::steady_clock::time_point made{};
    };
    std::size_t max_;
    mutable std::mutex mu_;
    mutable std::unordered_map<std::string, entry> states_;
    mutable std::deque<std::string> order_;
};

}  // namespace polymcp

#endif
