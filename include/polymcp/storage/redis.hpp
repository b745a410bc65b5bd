#ifndef POLYMCP_STORAGE_REDIS_HPP
#define POLYMCP_STORAGE_REDIS_HPP

/// @file polymcp/storage/redis.hpp
/// `redis_storage`: a *Storage* (docs/storage.md) on a Redis server, through
/// hiredis. Link the CMake target `polymcp::redis`.

#include <polymcp/storage/concepts.hpp>
#include <polymcp/storage/detail/channel_hub.hpp>
#include <polymcp/storage/detail/channel_listener.hpp>
#include <polymcp/storage/detail/reconnect.hpp>
#include <polymcp/storage/detail/pool.hpp>
#include <polymcp/storage/detail/records.hpp>
#include <polymcp/storage/detail/runner.hpp>
#include <polymcp/storage/detail/write_forms.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace polymcp::storage {

/// Configuration of a `redis_storage`.
struct redis_options {
    /// The server's address (TCP). Ignored when `unix_socket` is set.
    std::string host = "127.0.0.1";
    std::uint16_t port = 6379;  ///< the server's TCP port
    /// A Unix domain socket path to connect to instead of host:port.
    std::string unix_socket{};
    /// Credentials for `AUTH` (Redis 6 ACL user when `username` is set,
    /// else the `requirepass` password); empty: no AUTH. Never logged.
    std::string username{};
    std::string password{};  ///< see `username`
    /// The logical database (`SELECT`), 0 to 15 on a default server.
    int database = 0;
    /// Prepended to every ephemeral key: the session of
    /// `session_prefix("t1", "u1", "s1")` lives at `polymcp:t1:u1:session:s1:...`.
    std::string key_prefix = "polymcp:";
    /// Prepended to the keys holding durable records, indexes and schemas.
    /// Must not start with `key_prefix`, so that no ephemeral key can name a record.
    std::string record_prefix = "polymcp#";
    /// Connections, and worker threads running the asynchronous forms (1 to 64).
    std::size_t pool_size = 4;
    /// Deadline of one connection attempt, in ms.
    std::chrono::milliseconds connect_timeout{1000};
    /// Deadline of one command's round trip (socket send and receive), in ms;
    /// past it the operation fails with `errc::timeout` and the connection is
    /// dropped and reopened.
    std::chrono::milliseconds command_timeout{1000};
    /// Deadline of each asynchronous operation, queueing included, in ms (0: none).
    std::chrono::milliseconds operation_timeout{3000};
    /// After a failed connection attempt no other is made for this long
    /// (doubling per failure up to `reconnect_backoff_max`); meanwhile
    /// operations fail at once with `errc::unavailable`.
    std::chrono::milliseconds reconnect_backoff_initial{50};
    std::chrono::milliseconds reconnect_backoff_max{2000};  ///< the longest wait between reconnections
    /// Receives connection events and Redis error replies (never keys,
    /// values or credentials). Optional; called from any thread.
    std::function<void(std::string_view)> log{};
};

/// A *Storage* on Redis (5 or later; Debian 12 ships 7.0).
///
/// - **Ephemeral state** maps one to one onto Redis: strings with `SET ... PX`,
///   `SET NX` for `set_if_absent`, `INCRBY`, sets, `PEXPIRE`/`PERSIST`; keys
///   are `key_prefix + key`. `scan` and `erase_prefix` use `SCAN ... MATCH`
///   (never `KEYS`), so the server is never held for the whole key space;
///   as with any `SCAN`, a key may be reported in two pages when the server
///   resizes its table during the scan.
/// - **Durable records** are hashes (data, version, unique values) with a
///   sorted-set index per collection for id-ordered pages and one hash per
///   unique constraint. Every write (`create`, `update`, `remove`, `commit`)
///   is one Lua script that checks every operation before applying any,
///   so a batch is all or nothing and two writers racing for a unique value
///   cannot both win. Durability is the server's: configure AOF
///   (`appendonly yes`, `appendfsync everysec` or `always`) when Redis holds
///   records rather than only sessions (docs/storage.md, "Scaling out").
/// - **Connections**: a pool of `pool_size` blocking hiredis connections,
///   each operation on one; the asynchronous forms run on as many worker
///   threads. A broken connection is dropped and reopened on next use; failed
///   attempts back off exponentially (`reconnect_backoff_*`), and while a
///   server is down every operation fails with `errc::unavailable` (or
///   `errc::timeout`) within `connect_timeout + command_timeout`, and within
///   `operation_timeout` for the asynchronous forms.
/// - **Channels** (*PublishSubscribe*) are Redis channels named
///   `key_prefix + channel`: `publish` is `PUBLISH` on a pooled connection;
///   the first `subscribe` starts one listener thread with a connection of
///   its own, `PSUBSCRIBE key_prefix*`, which hands messages to this
///   object's handlers. The listener reconnects with the same backoff, and
///   then calls every handler with `errc::messages_lost`.
/// - Not for Redis Cluster: a batch's keys span hash slots.
///
/// Thread-safety: every member function may be called from many threads at once.
class redis_storage : public detail::async_interface<redis_storage>,
                    public detail::write_forms<redis_storage> {
public:
    /// Prepares the pool and tries to connect once.
    /// @param options where and how to connect, and the key prefix
    /// @param ec `errc::invalid_argument` for a pool size outside 1..64, an
    ///           empty or overlapping prefix; `errc::unavailable` when the
    ///           first connection fails (the object is still usable and
    ///           reconnects with backoff on later operations).
    redis_storage(redis_options options, std::error_code& ec);
    /// As above; @throws std::system_error on `errc::invalid_argument` only
    /// (a server that is down at start is not an exception).
    explicit redis_storage(redis_options options);
    ~redis_storage();
    redis_storage(const redis_storage&) = delete;
    redis_storage& operator=(const redis_storage&) = delete;

    /** @name Ephemeral state
     *  The *Storage* requirements (polymcp/storage/concepts.hpp) on keys, TTLs, counters and sets. */
    ///@{
    /// The *Storage* requirement of the same name (its table in polymcp/storage/concepts.hpp).
    std::optional<std::string> get(std::string_view key, std::error_code& ec);
    void set(std::string_view key, std::string_view value, ttl t, std::error_code& ec);
    bool set_if_absent(std::string_view key, std::string_view value, ttl t, std::error_code& ec);
    bool erase(std::string_view key, std::error_code& ec);
    bool expire(std::string_view key, ttl t, std::error_code& ec);
    std::int64_t increment(std::string_view key, std::int64_t delta, std::error_code& ec);
    bool set_add(std::string_view key, std::string_view member, std::error_code& ec);
    bool set_remove(std::string_view key, std::string_view member, std::error_code& ec);
    std::vector<std::string> set_members(std::string_view key, std::error_code& ec);
    /// `SCAN` with `MATCH key_prefix+prefix*`, repeated until about `count`
    /// keys are found, the scan ends, or 64 round trips were made (then the
    /// page may hold fewer keys, or none, and a cursor to go on from).
    /// The cursor is Redis's own; `errc::invalid_argument` for a malformed one.
    scan_page scan(std::string_view prefix, std::string_view cursor, std::size_t count, std::error_code& ec);
    std::size_t erase_prefix(std::string_view prefix, std::error_code& ec);
    void ping(std::error_code& ec);
    ///@}

    /** @name Durable records
     *  The *Storage* requirements (polymcp/storage/concepts.hpp) on collections of versioned records. */
    ///@{
    /// The *Storage* requirement of the same name (its table in polymcp/storage/concepts.hpp).
    void define(const collection_schema& schema, std::error_code& ec);
    std::optional<record> read(std::string_view collection, std::string_view id, std::error_code& ec);
    page list(std::string_view collection, const filter& f, const page_request& request, std::error_code& ec);
    // create, update, remove and commit: from detail::write_forms, each one
    // all-or-nothing write().
    ///@}

    /** @name Channels
     *  Channels (*PublishSubscribe* in polymcp/storage/concepts.hpp). */
    ///@{
    /// `PUBLISH` of `message` on `key_prefix + channel`; errors as for `set`.
    void publish(std::string_view channel, std::string_view message, std::error_code& ec);
    /// Subscribes `handler`; the first call starts the listener and waits
    /// for it up to `connect_timeout + command_timeout` (`errc::unavailable`
    /// when it is not there yet: the subscription stands and hears
    /// `errc::messages_lost` once the listener is subscribed).
    subscription subscribe(std::string_view channel, message_handler handler, std::error_code& ec);
    ///@}

    /// Completes queued asynchronous operations with `errc::shut_down`,
    /// waits for running ones and stops the channel listener. Called by the
    /// destructor.
    void shutdown();

    /// Runs the asynchronous forms (detail).
    detail::blocking_runner& runner() noexcept { return *runner_; }

private:
    friend class detail::write_forms<redis_storage>;
    class connection;
    struct reply;
    void init(std::error_code& ec);
    using lease = detail::connection_pool<connection>::lease;
    lease acquire(std::error_code& ec);
    // Opens `c`: AUTH, SELECT and, with `scripts`, SCRIPT LOAD.
    bool connect(connection& c, bool scripts = true);
    detail::channel_listener::backend listener_backend();
    // Runs one command; on an I/O error or timeout drops the connection.
    reply command(connection& c, const std::vector<std::string_view>& args, std::error_code& ec);
    // EVALSHA of one of the scripts (loading it again after NOSCRIPT).
    reply script(connection& c, int which, const std::vector<std::string_view>& args, std::error_code& ec);
    void write(const std::vector<write_op>& ops, record* out, std::error_code& ec);
    std::string key(std::string_view k) const { return options_.key_prefix + std::string(k); }

    redis_options options_;
    detail::reconnect_gate gate_;
    detail::connection_pool<connection> pool_;
    detail::schema_cache schemas_;
    std::mutex sha_mu_;
    std::vector<std::string> script_sha_;
    std::unique_ptr<detail::blocking_runner> runner_;
    detail::channel_hub hub_;
    std::unique_ptr<connection> listen_;  // the listener's connection (used on its thread only)
    std::unique_ptr<detail::channel_listener> listener_;
};

static_assert(publish_subscribe<redis_storage>);

}  // namespace polymcp::storage

#include <polymcp/storage/impl/redis.hpp>

#endif
