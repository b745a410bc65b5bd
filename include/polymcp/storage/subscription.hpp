#ifndef POLYMCP_STORAGE_SUBSCRIPTION_HPP
#define POLYMCP_STORAGE_SUBSCRIPTION_HPP

/// @file polymcp/storage/subscription.hpp
/// The vocabulary of a storage's channels (*PublishSubscribe* in
/// polymcp/storage/concepts.hpp): what a channel name and a message may be,
/// the handler that receives messages, and `subscription`, the handle that
/// keeps a handler subscribed.

#include <polymcp/core/config.hpp>
#include <polymcp/core/utf8.hpp>

#include <cstddef>
#include <functional>
#include <string_view>
#include <system_error>

namespace polymcp::storage {

/// The longest message, in bytes, any model accepts (`errc::invalid_argument`
/// beyond). One limit for every model, so that a program tested on memory
/// storage runs unchanged on PostgreSQL, whose `NOTIFY` payloads stop at 8000
/// bytes. Larger data belongs in a key; publish its name.
inline constexpr std::size_t max_message_bytes = 7680;

/// The longest channel name, in bytes.
inline constexpr std::size_t max_channel_bytes = 128;

/// Whether `channel` is a valid channel name: 1 to `max_channel_bytes` of
/// letters, digits, underscore, dot, colon and hyphen. Thread-safe.
///
/// @code
/// assert(polymcp::storage::valid_channel("connectors:revoked"));
/// assert(!polymcp::storage::valid_channel("two words"));
/// @endcode
constexpr bool valid_channel(std::string_view channel) noexcept {
    if (channel.empty() || channel.size() > max_channel_bytes) return false;
    for (char c : channel) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
                  c == ':' || c == '-';
        if (!ok) return false;
    }
    return true;
}

/// Whether `message` may be published: at most `max_message_bytes` of
/// well-formed UTF-8 without NUL (text every model carries unchanged, JSON
/// for instance). Thread-safe.
///
/// @code
/// assert(polymcp::storage::valid_message(R"({"connector":"c1"})"));
/// assert(!polymcp::storage::valid_message(std::string_view("a\0b", 3)));
/// @endcode
inline bool valid_message(std::string_view message) {
    return message.size() <= max_message_bytes && message.find('\0') == std::string_view::npos &&
           utf8_valid(message) == message;
}

/// Receives a channel's messages: `(ec, payload)` with `ec` empty and the
/// message's bytes, or `ec == errc::messages_lost` and an empty payload when
/// delivery resumes after the model lost its connection to the backend.
/// Called from the publishing thread (in-process models) or from the
/// model's listener thread (Redis, PostgreSQL), one call at a time per
/// subscription; it must return quickly (post real work to an executor) and
/// must not throw.
using message_handler = std::function<void(std::error_code, std::string_view)>;

/// Keeps one handler subscribed to one channel: destroying or `reset()`ting
/// it unsubscribes. Move-only; an empty (default-constructed or moved-from)
/// subscription does nothing.
///
/// Thread-safety: one object must not be used from two threads at once;
/// `reset()` may run while its handler is being called on another thread,
/// and then waits for that call to return.
///
/// @code
/// auto sub = store.subscribe("connectors", [](std::error_code ec, std::string_view m) { ... }, ec);
/// store.publish("connectors", "changed", ec);
/// sub.reset();  // no call of the handler is running or will start
/// @endcode
class subscription {
public:
    subscription() = default;
    /// Made by models: `cancel` stops the delivery for good (and waits for a
    /// call in progress on another thread).
    explicit subscription(std::function<void()> cancel) : cancel_(std::move(cancel)) {}
    /// Takes over `other`'s delivery; `other` then holds none.
    subscription(subscription&& other) noexcept : cancel_(std::move(other.cancel_)) { other.cancel_ = nullptr; }
    /// Stops this delivery, then takes over `other`'s.
    subscription& operator=(subscription&& other) noexcept {
        if (this != &other) {
            reset();
            cancel_ = std::move(other.cancel_);
            other.cancel_ = nullptr;
        }
        return *this;
    }
    subscription(const subscription&) = delete;
    subscription& operator=(const subscription&) = delete;
    ~subscription() { reset(); }

    /// Unsubscribes: when it returns, no call of the handler is running (on
    /// another thread) or will start. Safe to call from the handler itself.
    void reset() noexcept {
        if (auto c = std::move(cancel_)) {
            cancel_ = nullptr;
            c();
        }
    }

    /// Whether a handler is subscribed through this object.
    explicit operator bool() const noexcept { return static_cast<bool>(cancel_); }

private:
    std::function<void()> cancel_;
};

}  // namespace polymcp::storage

#endif
