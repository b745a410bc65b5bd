#ifndef POLYMCP_STORAGE_MEMORY_HPP
#define POLYMCP_STORAGE_MEMORY_HPP

/// @file polymcp/storage/memory.hpp
/// `memory_storage`: the embedded default *Storage* (docs/storage.md), held
/// in this process's memory and lost when it exits.

#include <polymcp/storage/concepts.hpp>
#include <polymcp/storage/detail/channel_hub.hpp>
#include <polymcp/storage/detail/records.hpp>
#include <polymcp/storage/detail/runner.hpp>

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace polymcp::storage {

/// A *Storage* in process memory: ordered maps under one mutex, TTLs on the
/// steady clock with an expiry index (expired keys are invisible at once and
/// reclaimed on the next write), unique constraints as index maps, and
/// batches applied with an undo log so that a failing batch leaves nothing
/// behind. Operations take microseconds, so the asynchronous forms run them
/// at once and complete through the handler's executor.
///
/// Use it for a single process, tests and development; its state is not
/// shared between processes and does not survive a restart. Its channels
/// (*PublishSubscribe*) reach the subscriptions of this object only, on the
/// publishing thread, before `publish` returns.
///
/// Thread-safety: every member function may be called from many threads at once.
class memory_storage : public detail::async_interface<memory_storage> {
public:
    memory_storage() = default;
    memory_storage(const memory_storage&) = delete;
    memory_storage& operator=(const memory_storage&) = delete;

    /** @name Ephemeral state
     *  The *Storage* requirements (polymcp/storage/concepts.hpp) on keys, TTLs, counters and sets. */
    ///@{
    /// The *Storage* requirement of the same name (its table in polymcp/storage/concepts.hpp).
    POLYMCP_DECL std::optional<std::string> get(std::string_view key, std::error_code& ec);
    POLYMCP_DECL void set(std::string_view key, std::string_view value, ttl t, std::error_code& ec);
    POLYMCP_DECL bool set_if_absent(std::string_view key, std::string_view value, ttl t, std::error_code& ec);
    POLYMCP_DECL bool erase(std::string_view key, std::error_code& ec);
    POLYMCP_DECL bool expire(std::string_view key, ttl t, std::error_code& ec);
    POLYMCP_DECL std::int64_t increment(std::string_view key, std::int64_t delta, std::error_code& ec);
    POLYMCP_DECL bool set_add(std::string_view key, std::string_view member, std::error_code& ec);
    POLYMCP_DECL bool set_remove(std::string_view key, std::string_view member, std::error_code& ec);
    POLYMCP_DECL std::vector<std::string> set_members(std::string_view key, std::error_code& ec);
    POLYMCP_DECL scan_page scan(std::string_view prefix, std::string_view cursor, std::size_t count,
                                std::error_code& ec);
    POLYMCP_DECL std::size_t erase_prefix(std::string_view prefix, std::error_code& ec);
    /// Always succeeds.
    POLYMCP_DECL void ping(std::error_code& ec);
    ///@}

    /** @name Durable records
     *  The *Storage* requirements (polymcp/storage/concepts.hpp) on collections of versioned records. */
    ///@{
    /// The *Storage* requirement of the same name (its table in polymcp/storage/concepts.hpp).
    POLYMCP_DECL void define(const collection_schema& schema, std::error_code& ec);
    POLYMCP_DECL record create(std::string_view collection, std::string_view id, const nlohmann::json& data,
                               std::error_code& ec);
    POLYMCP_DECL std::optional<record> read(std::string_view collection, std::string_view id, std::error_code& ec);
    POLYMCP_DECL record update(std::string_view collection, std::string_view id, const nlohmann::json& data,
                               std::optional<std::int64_t> expected_version, std::error_code& ec);
    POLYMCP_DECL void remove(std::string_view collection, std::string_view id,
                             std::optional<std::int64_t> expected_version, std::error_code& ec);
    POLYMCP_DECL page list(std::string_view collection, const filter& f, const page_request& request,
                           std::error_code& ec);
    POLYMCP_DECL void commit(const write_batch& batch, std::error_code& ec);
    ///@}

    /** @name Channels
     *  Channels (*PublishSubscribe*): within this object, on the publishing thread. */
    ///@{
    /// The *PublishSubscribe* requirement of the same name (polymcp/storage/concepts.hpp).
    POLYMCP_DECL void publish(std::string_view channel, std::string_view message, std::error_code& ec);
    POLYMCP_DECL subscription subscribe(std::string_view channel, message_handler handler, std::error_code& ec);
    ///@}

    /// Runs the asynchronous forms (detail).
    detail::inline_runner& runner() noexcept { return runner_; }

private:
    using clock = std::chrono::steady_clock;
    struct entry {
        bool is_set = false;
        std::string value{};
        std::set<std::string, std::less<>> members{};
        std::multimap<clock::time_point, std::string>::iterator expiry{};
        bool expires = false;
    };
    struct collection {
        collection_schema schema{};
        std::map<std::string, record, std::less<>> records{};
        std::map<std::pair<std::string, std::string>, std::string> unique;  // (constraint, value) -> id
    };
    struct undo {
        std::string collection{};
        std::string id{};
        std::optional<record> before{};  // nothing: the write created it
    };

    // With mu_ held.
    POLYMCP_DECL entry* live(std::string_view key);
    POLYMCP_DECL void purge_expired();
    POLYMCP_DECL void set_expiry(entry& e, const std::string& key, ttl t);
    POLYMCP_DECL void clear_expiry(entry& e);
    POLYMCP_DECL void erase_entry(std::map<std::string, entry, std::less<>>::iterator it);
    POLYMCP_DECL std::error_code apply(const write_op& op, std::vector<undo>& log, record* out);
    POLYMCP_DECL void put(collection& c, record r);
    POLYMCP_DECL void drop(collection& c, std::string_view id);
    POLYMCP_DECL void roll_back(std::vector<undo>& log);

    std::mutex mu_;
    std::map<std::string, entry, std::less<>> kv_;
    std::multimap<clock::time_point, std::string> expiries_;
    std::map<std::string, collection, std::less<>> collections_;
    detail::inline_runner runner_;
    detail::channel_hub hub_;
};

static_assert(publish_subscribe<memory_storage>);

}  // namespace polymcp::storage

#if POLYMCP_HEADER_ONLY
#include <polymcp/storage/impl/memory.ipp>
#endif

#endif
