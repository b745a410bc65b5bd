#ifndef POLYMCP_SERVER_SESSION_STORE_HPP
#define POLYMCP_SERVER_SESSION_STORE_HPP

/// @file polymcp/server/session_store.hpp
/// Where a 2025-11-25 session lives between two requests, so that any
/// instance of a server can serve its next one: `session_record` (what the
/// session negotiated and the principal it is bound to), `session_store`
/// (the interface transports use) and `storage_session_store<Storage>`, the
/// store over a *Storage* (polymcp/storage/concepts.hpp) that
/// `polymcp::server` makes from its storage policy (docs/composition.md).
///
/// | key | value | TTL |
/// |---|---|---|
/// | `polymcp:mcp_session:<Mcp-Session-Id>` | the record's JSON (`session_record::to_json`) | the transport's session idle timeout, renewed by requests |
/// | `polymcp:mcp_session:<Mcp-Session-Id>:sse:<stream>:<seq, 20 digits>` | one SSE event: `1` or `0` (whether it ends its stream), then its data; or `p`, then the id of the request a POST stream answers (its priming event) | the session idle timeout |
/// | `polymcp:mcp_instance:<tag>` | `1`: the instance whose event ids carry `tag` is running | the transport's `instance_ttl`, renewed every third of it |
///
/// Changes are announced on the storage channel `polymcp.sessions` (JSON
/// `{"o": origin, "id": session id, "ended": bool}`), so that every instance
/// holding a copy of the session drops it (ended) or reloads it (changed).
/// The SSE events a session's streams carried are stored too (bounded as the
/// transport bounds them), so that a client reconnecting with
/// `Last-Event-ID` to another instance gets the events it missed.
///
/// The requests in flight and the requests sent to the client stay in the
/// instance that runs them. A client's answer to a request another instance
/// sent, or its `notifications/cancelled` for a request another instance
/// runs, is forwarded on the same channel (`{"o", "id", "m": message}`, the
/// message sealed like stored values when there is a cipher) to the
/// instance that can take it; so is a notification an instance sends
/// outside any request while the client's standalone stream is open on
/// another instance (`{"standalone": message}` as the message).
///
/// @code
/// // What polymcp::server does for a Storage other than the default memory_storage:
/// options.sessions = std::make_shared<polymcp::storage_session_store<polymcp::storage::redis_storage>>(redis);
/// @endcode

#include <polymcp/core/random.hpp>
#include <polymcp/crypto/none.hpp>
#include <polymcp/server/session_record.hpp>
#include <polymcp/storage/concepts.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/bind_executor.hpp>
#include <asio/post.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

namespace polymcp {

/// One stored SSE event of a session's stream.
struct stored_sse_event {
    std::uint64_t seq = 0;  ///< its place in the stream
    std::string data;       ///< the `data` of the event (one JSON-RPC message, or empty for a priming event)
    bool last = false;      ///< whether it ended its stream (the answer of a POST)
    /// For the priming event of a POST's stream: the id (JSON text) of the
    /// request whose answer ends the stream; empty for any other event.
    std::string answers{};
};

/// Keeps `session_record`s where every instance of a server finds them.
/// Each operation completes through its handler on the executor `ex` it is
/// given (inline when the storage completes at once), and reports failure
/// only through it. Implementations are thread-safe.
class session_store {
public:
    /// The record, or none when there is no session of that id.
    using load_handler = std::function<void(std::error_code, std::optional<session_record>)>;
    /// Success or failure of a write.
    using done_handler = std::function<void(std::error_code)>;
    /// A session another instance changed (`ended` false) or ended.
    using change_handler = std::function<void(const std::string& id, bool ended)>;
    /// A message another instance forwarded to session `id` (the text of one JSON-RPC message).
    using message_handler = std::function<void(const std::string& id, std::string message)>;
    /// Stored SSE events, oldest first.
    using events_handler = std::function<void(std::error_code, std::vector<stored_sse_event>)>;
    /// Whether the instance asked about is alive.
    using alive_handler = std::function<void(std::error_code, bool alive)>;

    virtual ~session_store() = default;

    /// The record of session `id`; nullopt when there is none (never
    /// created, ended, or expired).
    virtual void async_load(std::string id, asio::any_io_executor ex, load_handler done) const = 0;
    /// Stores the record of session `id` for `ttl` and tells the other
    /// instances it changed.
    virtual void async_save(std::string id, session_record record, std::chrono::milliseconds ttl,
                            asio::any_io_executor ex, done_handler done) const = 0;
    /// Keeps the record of session `id` for another `ttl` (a request came).
    virtual void async_touch(std::string id, std::chrono::milliseconds ttl, asio::any_io_executor ex,
                             done_handler done) const = 0;
    /// Deletes the record of session `id`, and its stored events, and tells
    /// the other instances it ended.
    virtual void async_erase(std::string id, asio::any_io_executor ex, done_handler done) const = 0;
    /// Stores event `e` of stream `stream` (a name unique among the
    /// session's streams on every instance) of session `id` for `ttl`.
    virtual void async_store_event(std::string id, std::string stream, stored_sse_event e, std::chrono::milliseconds ttl,
                                   asio::any_io_executor ex, done_handler done) const = 0;
    /// Deletes event `seq` of a stream (the transport's bound on stored events).
    virtual void async_drop_event(std::string id, std::string stream, std::uint64_t seq, asio::any_io_executor ex,
                                  done_handler done) const = 0;
    /// The stored events of a stream after `after`, in order.
    virtual void async_events(std::string id, std::string stream, std::uint64_t after, asio::any_io_executor ex,
                              events_handler done) const = 0;
    /// Marks the instance `tag` (8 hex digits) as running for `ttl`.
    virtual void async_mark_alive(std::string tag, std::chrono::milliseconds ttl, asio::any_io_executor ex,
                                  done_handler done) const = 0;
    /// Whether the instance `tag` marked itself running within its last `ttl`.
    virtual void async_alive(std::string tag, asio::any_io_executor ex, alive_handler done) const = 0;
    /// Hands `message` (one JSON-RPC message's text) to the instances holding
    /// session `id`: those that sent the request it answers or run the
    /// request it cancels take it (`watch`). Completes once it is handed
    /// over, with `std::errc::operation_not_supported` when the storage
    /// has no channels.
    virtual void async_forward(std::string id, std::string message, asio::any_io_executor ex,
                               done_handler done) const = 0;
    /// Calls `on_change` for each change another instance announces and
    /// `on_message` for each message it forwards (`async_forward`), until
    /// the returned handle is destroyed; both run on the storage's thread.
    /// Null when the store cannot announce (its storage has no channels).
    virtual std::shared_ptr<void> watch(change_handler on_change, message_handler on_message) const = 0;
};

/// `session_store` over a *Storage*: records under
/// `polymcp:mcp_session:<id>` with the session's TTL, changes on the channel
/// `polymcp.sessions` when the storage has channels (*PublishSubscribe*).
/// Uses the storage's asynchronous forms only: nothing blocks the caller.
///
/// With a *Cipher* (polymcp/crypto/concepts.hpp) every stored value — the
/// records and the SSE events, which hold what tools answered — is sealed
/// at rest, bound to its key (as associated data where the cipher
/// authenticates it, else as the plaintext's first line, with the purpose
/// "polymcp mcp_session v1"): a value copied to another key, altered, or
/// sealed under another key does not open and counts as absent.
template <storage::storage Storage, crypto::cipher_or_none Cipher = crypto::no_cipher>
class storage_session_store final : public session_store {
public:
    /// The channel on which instances announce changes.
    static constexpr std::string_view channel = "polymcp.sessions";

    /// @param storage where records live (shared with the rest of the server)
    /// @param cipher seals what is stored (ignored for `crypto::no_cipher`)
    explicit storage_session_store(std::shared_ptr<Storage> storage, Cipher cipher = Cipher{})
        : storage_(std::move(storage)), cipher_(std::make_shared<const Cipher>(std::move(cipher))),
          origin_(random_hex_id(8)) {}

    void async_load(std::string id, asio::any_io_executor ex, load_handler done) const override {
        auto key = key_of(id);
        storage_->async_get(key, asio::bind_executor(ex, [cipher = cipher_, key, done = std::move(done)](
                                                             std::error_code ec, std::optional<std::string> v) {
            if (ec || !v) return done(ec, std::nullopt);
            auto plain = open(*cipher, key, *v);
            auto record = plain ? session_record::from_json(nlohmann::json::parse(*plain, nullptr, false)) : std::nullopt;
            done(record ? std::error_code() : make_error_code(storage::errc::corrupt_data), std::move(record));
        }));
    }

    void async_save(std::string id, session_record record, std::chrono::milliseconds ttl, asio::any_io_executor ex,
                    done_handler done) const override {
        auto key = key_of(id);
        auto value = seal(*cipher_, key, record.to_json().dump());
        storage_->async_set(std::move(key), std::move(value), ttl,
                            asio::bind_executor(ex, [this_origin = origin_, storage = storage_, id = std::move(id),
                                                     done = std::move(done)](std::error_code ec) {
                                if (!ec) announce(storage, this_origin, id, false);
                                done(ec);
                            }));
    }

    void async_touch(std::string id, std::chrono::milliseconds ttl, asio::any_io_executor ex,
                     done_handler done) const override {
        storage_->async_expire(key_of(id), ttl,
                               asio::bind_executor(ex, [done = std::move(done)](std::error_code ec, bool) { done(ec); }));
    }

    void async_erase(std::string id, asio::any_io_executor ex, done_handler done) const override {
        auto key = key_of(id);
        storage_->async_erase(std::move(key), asio::bind_executor(ex, [this_origin = origin_, storage = storage_, ex,
                                                                      id = std::move(id), done = std::move(done)](
                                                                         std::error_code ec, bool) mutable {
            if (ec) return done(ec);
            announce(storage, this_origin, id, true);
            // Its events expire with their TTL if this fails.
            storage->async_erase_prefix(key_of(id) + ":", asio::bind_executor(ex, [done = std::move(done)](
                                                                                  std::error_code, std::size_t) {
                done({});
            }));
        }));
    }

    void async_store_event(std::string id, std::string stream, stored_sse_event e, std::chrono::milliseconds ttl,
                           asio::any_io_executor ex, done_handler done) const override {
        std::string value;
        value.reserve(e.data.size() + e.answers.size() + 1);
        if (!e.answers.empty()) {
            value += 'p';
            value += e.answers;
        } else {
            value += e.last ? '1' : '0';
            value += e.data;
        }
        auto key = event_key(id, stream, e.seq);
        value = seal(*cipher_, key, value);
        storage_->async_set(std::move(key), std::move(value), ttl, asio::bind_executor(ex, std::move(done)));
    }

    void async_drop_event(std::string id, std::string stream, std::uint64_t seq, asio::any_io_executor ex,
                          done_handler done) const override {
        storage_->async_erase(event_key(id, stream, seq),
                              asio::bind_executor(ex, [done = std::move(done)](std::error_code ec, bool) { done(ec); }));
    }

    void async_events(std::string id, std::string stream, std::uint64_t after, asio::any_io_executor ex,
                      events_handler done) const override {
        auto op = std::make_shared<events_op>();
        op->ex = std::move(ex);
        op->storage = storage_;
        op->cipher = cipher_;
        op->prefix = key_of(id) + ":sse:" + stream + ":";
        op->after = after;
        op->done = std::move(done);
        events_op::scan(op);
    }

    void async_mark_alive(std::string tag, std::chrono::milliseconds ttl, asio::any_io_executor ex,
                          done_handler done) const override {
        storage_->async_set(instance_key(tag), "1", ttl, asio::bind_executor(ex, std::move(done)));
    }

    void async_alive(std::string tag, asio::any_io_executor ex, alive_handler done) const override {
        storage_->async_get(instance_key(tag), asio::bind_executor(ex, [done = std::move(done)](
                                                                     std::error_code ec, std::optional<std::string> v) {
            done(ec, v.has_value());
        }));
    }

    void async_forward(std::string id, std::string message, asio::any_io_executor ex,
                       done_handler done) const override {
        if constexpr (storage::publish_subscribe<Storage>) {
            auto sealed = seal(*cipher_, forward_binding(id), std::move(message));
            nlohmann::json m = {{"o", origin_}, {"id", std::move(id)}, {"m", std::move(sealed)}};
            storage_->async_publish(std::string(channel), m.dump(), asio::bind_executor(ex, std::move(done)));
        } else {
            (void)id, (void)message;
            asio::post(ex, [done = std::move(done)] { done(std::make_error_code(std::errc::operation_not_supported)); });
        }
    }

    std::shared_ptr<void> watch(change_handler on_change, message_handler on_message) const override {
        if constexpr (storage::publish_subscribe<Storage>) {
            std::error_code ec;
            auto sub = storage_->subscribe(
                channel,
                [on_change = std::move(on_change), on_message = std::move(on_message), cipher = cipher_,
                 mine = origin_](std::error_code e, std::string_view message) {
                    if (e) return;
                    // Anything may publish on the channel: members of another type read as absent.
                    auto j = nlohmann::json::parse(message, nullptr, false);
                    if (!j.is_object()) return;
                    auto text = [&j](const char* name) {
                        auto it = j.find(name);
                        return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
                    };
                    if (text("o") == mine) return;
                    auto id = text("id");
                    if (id.empty()) return;
                    auto m = j.find("m");
                    if (m == j.end()) {
                        auto ended = j.find("ended");
                        return on_change(id, ended != j.end() && ended->is_boolean() && ended->get<bool>());
                    }
                    if (!m->is_string()) return;
                    // A forwarded message opens only for the session it was sent to.
                    if (auto plain = open(*cipher, forward_binding(id), m->get_ref<const std::string&>()))
                        on_message(id, std::move(*plain));
                },
                ec);
            if (ec) return nullptr;
            return std::make_shared<storage::subscription>(std::move(sub));
        } else {
            (void)on_change, (void)on_message;
            return nullptr;
        }
    }

private:
    static std::string key_of(std::string_view id) { return "polymcp:mcp_session:" + std::string(id); }
    static std::string instance_key(std::string_view tag) { return "polymcp:mcp_instance:" + std::string(tag); }
    // What a forwarded message is sealed for: the channel and the session.
    static std::string forward_binding(std::string_view id) { return std::string(channel) + ":" + std::string(id); }

    static std::string event_key(std::string_view id, std::string_view stream, std::uint64_t seq) {
        auto digits = std::to_string(seq);
        return key_of(id) + ":sse:" + std::string(stream) + ":" + std::string(20 - digits.size(), '0') + digits;
    }

    // Reads a stream's events: scans their keys, then reads those after
    // `after` one by one (a resume is rare; the stream is bounded).
    struct events_op {
        asio::any_io_executor ex{};
        std::shared_ptr<Storage> storage{};
        std::shared_ptr<const Cipher> cipher{};
        std::string prefix{}, cursor{};
        std::uint64_t after = 0;
        std::vector<std::pair<std::uint64_t, std::string>> keys{};  // seq, key
        std::vector<stored_sse_event> events{};
        std::size_t next = 0;
        events_handler done{};

        static void scan(std::shared_ptr<events_op> op) {
            auto storage = op->storage;
            auto prefix = op->prefix, cursor = op->cursor;
            auto ex = op->ex;
            storage->async_scan(std::move(prefix), std::move(cursor), 1000,
                                asio::bind_executor(ex, [op = std::move(op)](std::error_code ec, storage::scan_page page) mutable {
                                    if (ec) return op->done(ec, {});
                                    for (auto& k : page.keys) {
                                        std::uint64_t seq = 0;
                                        try {
                                            seq = std::stoull(k.substr(op->prefix.size()));
                                        } catch (const std::exception&) {
                                            continue;
                                        }
                                        if (seq > op->after) op->keys.emplace_back(seq, std::move(k));
                                    }
                                    if (!page.next_cursor.empty()) {
                                        op->cursor = std::move(page.next_cursor);
                                        return scan(std::move(op));
                                    }
                                    std::sort(op->keys.begin(), op->keys.end());
                                    read(std::move(op));
                                }));
        }

        static void read(std::shared_ptr<events_op> op) {
            if (op->next == op->keys.size()) return op->done({}, std::move(op->events));
            auto storage = op->storage;
            auto key = op->keys[op->next].second;
            auto ex = op->ex;
            storage->async_get(std::move(key), asio::bind_executor(ex, [op = std::move(op)](std::error_code ec,
                                                                                          std::optional<std::string> v) mutable {
                if (ec) return op->done(ec, {});
                const auto& [seq, key] = op->keys[op->next++];
                auto plain = v ? open(*op->cipher, key, *v) : std::nullopt;
                if (plain && !plain->empty()) {
                    if ((*plain)[0] == 'p') op->events.push_back({seq, {}, false, plain->substr(1)});
                    else op->events.push_back({seq, plain->substr(1), (*plain)[0] == '1', {}});
                }
                read(std::move(op));
            }));
        }
    };

    static void announce(const std::shared_ptr<Storage>& storage, const std::string& origin, const std::string& id,
                         bool ended) {
        if constexpr (storage::publish_subscribe<Storage>) {
            nlohmann::json m = {{"o", origin}, {"id", id}, {"ended", ended}};
            storage->async_publish(std::string(channel), m.dump(), [](std::error_code) {});
        }
    }

    // Seals `plaintext` for the storage key `key`; unchanged without a cipher.
    // Throws std::system_error when the cipher fails (it does not for valid keys).
    static std::string seal(const Cipher& cipher, const std::string& key, std::string plaintext) {
        if constexpr (std::is_same_v<Cipher, crypto::no_cipher>) {
            (void)cipher, (void)key;
            return plaintext;
        } else if constexpr (Cipher::binds_associated_data) {
            return cipher.encrypt(plaintext, binding(key));
        } else {
            return cipher.encrypt(binding(key) + '\n' + plaintext, {});
        }
    }

    // The plaintext of a value stored under `key`, or nullopt when it does not
    // open there (altered, copied from another key, another cipher key).
    static std::optional<std::string> open(const Cipher& cipher, const std::string& key, const std::string& value) {
        if constexpr (std::is_same_v<Cipher, crypto::no_cipher>) {
            (void)cipher, (void)key;
            return value;
        } else {
            std::error_code ec;
            if constexpr (Cipher::binds_associated_data) {
                auto pt = cipher.decrypt(value, binding(key), ec);
                if (ec) return std::nullopt;
                return pt;
            } else {
                auto pt = cipher.decrypt(value, {}, ec);
                const auto b = binding(key);
                if (ec || pt.size() <= b.size() || pt.compare(0, b.size(), b) != 0 || pt[b.size()] != '\n')
                    return std::nullopt;
                return pt.substr(b.size() + 1);
            }
        }
    }

    static std::string binding(const std::string& key) { return "polymcp mcp_session v1 " + key; }

    std::shared_ptr<Storage> storage_;
    std::shared_ptr<const Cipher> cipher_;
    std::string origin_;  // tells this store's own announcements from others'
};

}  // namespace polymcp

#endif
