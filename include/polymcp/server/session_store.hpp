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
///
/// Changes are announced on the storage channel `polymcp.sessions` (JSON
/// `{"o": origin, "id": session id, "ended": bool}`), so that every instance
/// holding a copy of the session drops it (ended) or reloads it (changed).
/// What stays in the instance that holds it: the requests in flight, the
/// SSE streams and their events, the requests sent to the client.
///
/// @code
/// // What polymcp::server does for a Storage other than the default memory_storage:
/// options.sessions = std::make_shared<polymcp::storage_session_store<polymcp::storage::redis_storage>>(redis);
/// @endcode

#include <polymcp/core/random.hpp>
#include <polymcp/server/session_record.hpp>
#include <polymcp/storage/concepts.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace polymcp {

/// Keeps `session_record`s where every instance of a server finds them.
/// Handlers may be called from any thread, inline or later; every operation
/// reports failure only through its handler. Implementations are
/// thread-safe.
class session_store {
public:
    using load_handler = std::function<void(std::error_code, std::optional<session_record>)>;
    using done_handler = std::function<void(std::error_code)>;
    /// A session another instance changed (`ended` false) or ended.
    using change_handler = std::function<void(const std::string& id, bool ended)>;

    virtual ~session_store() = default;

    /// The record of session `id`; nullopt when there is none (never
    /// created, ended, or expired).
    virtual void async_load(std::string id, load_handler done) const = 0;
    /// Stores the record of session `id` for `ttl` and tells the other
    /// instances it changed.
    virtual void async_save(std::string id, session_record record, std::chrono::milliseconds ttl,
                            done_handler done) const = 0;
    /// Keeps the record of session `id` for another `ttl` (a request came).
    virtual void async_touch(std::string id, std::chrono::milliseconds ttl, done_handler done) const = 0;
    /// Deletes the record of session `id` and tells the other instances it ended.
    virtual void async_erase(std::string id, done_handler done) const = 0;
    /// Calls `f` for each change another instance announces, until the
    /// returned handle is destroyed. Null when the store cannot announce
    /// (its storage has no channels).
    virtual std::shared_ptr<void> watch(change_handler f) const = 0;
};

/// `session_store` over a *Storage*: records under
/// `polymcp:mcp_session:<id>` with the session's TTL, changes on the channel
/// `polymcp.sessions` when the storage has channels (*PublishSubscribe*).
/// Uses the storage's asynchronous forms only: nothing blocks the caller.
template <storage::storage Storage>
class storage_session_store final : public session_store {
public:
    /// The channel on which instances announce changes.
    static constexpr std::string_view channel = "polymcp.sessions";

    /// @param storage where records live (shared with the rest of the server)
    explicit storage_session_store(std::shared_ptr<Storage> storage)
        : storage_(std::move(storage)), origin_(random_hex_id(8)) {}

    void async_load(std::string id, load_handler done) const override {
        storage_->async_get(key_of(id), [done = std::move(done)](std::error_code ec, std::optional<std::string> v) {
            if (ec || !v) return done(ec, std::nullopt);
            auto record = session_record::from_json(nlohmann::json::parse(*v, nullptr, false));
            done(record ? std::error_code() : make_error_code(storage::errc::corrupt_data), std::move(record));
        });
    }

    void async_save(std::string id, session_record record, std::chrono::milliseconds ttl,
                    done_handler done) const override {
        auto key = key_of(id);
        storage_->async_set(std::move(key), record.to_json().dump(), ttl,
                            [this_origin = origin_, storage = storage_, id = std::move(id),
                             done = std::move(done)](std::error_code ec) {
                                if (!ec) announce(storage, this_origin, id, false);
                                done(ec);
                            });
    }

    void async_touch(std::string id, std::chrono::milliseconds ttl, done_handler done) const override {
        storage_->async_expire(key_of(id), ttl, [done = std::move(done)](std::error_code ec, bool) { done(ec); });
    }

    void async_erase(std::string id, done_handler done) const override {
        auto key = key_of(id);
        storage_->async_erase(std::move(key), [this_origin = origin_, storage = storage_, id = std::move(id),
                                               done = std::move(done)](std::error_code ec, bool) {
            if (!ec) announce(storage, this_origin, id, true);
            done(ec);
        });
    }

    std::shared_ptr<void> watch(change_handler f) const override {
        if constexpr (storage::publish_subscribe<Storage>) {
            std::error_code ec;
            auto sub = storage_->subscribe(
                channel,
                [f = std::move(f), mine = origin_](std::error_code e, std::string_view message) {
                    if (e) return;
                    auto j = nlohmann::json::parse(message, nullptr, false);
                    if (!j.is_object() || j.value("o", std::string()) == mine) return;
                    auto id = j.value("id", std::string());
                    if (!id.empty()) f(id, j.value("ended", false));
                },
                ec);
            if (ec) return nullptr;
            return std::make_shared<storage::subscription>(std::move(sub));
        } else {
            (void)f;
            return nullptr;
        }
    }

private:
    static std::string key_of(std::string_view id) { return "polymcp:mcp_session:" + std::string(id); }

    static void announce(const std::shared_ptr<Storage>& storage, const std::string& origin, const std::string& id,
                         bool ended) {
        if constexpr (storage::publish_subscribe<Storage>) {
            nlohmann::json m = {{"o", origin}, {"id", id}, {"ended", ended}};
            storage->async_publish(std::string(channel), m.dump(), [](std::error_code) {});
        }
    }

    std::shared_ptr<Storage> storage_;
    std::string origin_;  // tells this store's own announcements from others'
};

}  // namespace polymcp

#endif
