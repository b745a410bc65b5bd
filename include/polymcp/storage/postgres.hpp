#ifndef POLYMCP_STORAGE_POSTGRES_HPP
#define POLYMCP_STORAGE_POSTGRES_HPP

/// @file polymcp/storage/postgres.hpp
/// `postgres_storage`: a *Storage* (docs/storage.md) on a PostgreSQL server
/// (12 or later), through libpq. Link the CMake target `polymcp::postgres`.

#include <polymcp/storage/concepts.hpp>
#include <polymcp/storage/detail/channel_hub.hpp>
#include <polymcp/storage/detail/channel_listener.hpp>
#include <polymcp/storage/detail/reconnect.hpp>
#include <polymcp/storage/detail/pool.hpp>
#include <polymcp/storage/detail/records.hpp>
#include <polymcp/storage/detail/runner.hpp>
#include <polymcp/storage/detail/write_forms.hpp>

#include <atomic>
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

/// Configuration of a `postgres_storage`.
struct postgres_options {
    /// A libpq connection string or URI, e.g. `"host=127.0.0.1 port=5432
    /// dbname=polymcp user=polymcp"` or `"postgresql://polymcp@db/polymcp"`
    /// (https://www.postgresql.org/docs/current/libpq-connect.html). A
    /// password here is used, never logged.
    std::string conninfo{};
    /// The PostgreSQL schema holding polymcp's tables and functions, created
    /// and migrated when the storage opens: 1 to 63 of `[a-z0-9_]`, not
    /// starting with a digit. Several deployments can share one database
    /// with different schemas.
    std::string schema = "polymcp";
    /// Connections, and worker threads running the asynchronous forms (1 to 64).
    std::size_t pool_size = 4;
    /// Deadline of one connection attempt (TCP, TLS and authentication), in ms.
    std::chrono::milliseconds connect_timeout{2000};
    /// Deadline of one statement, in ms: the server cancels it
    /// (`statement_timeout`, `lock_timeout`) and the client gives up on the
    /// connection 500 ms later if the server does not answer at all. Either
    /// way the operation fails with `errc::timeout`.
    std::chrono::milliseconds command_timeout{5000};
    /// Deadline of each asynchronous operation, queueing included, in ms (0: none).
    std::chrono::milliseconds operation_timeout{10000};
    /// After a failed connection attempt no other is made for this long
    /// (doubling per failure up to `reconnect_backoff_max`); meanwhile
    /// operations fail at once with `errc::unavailable`.
    std::chrono::milliseconds reconnect_backoff_initial{50};
    std::chrono::milliseconds reconnect_backoff_max{2000};  ///< the longest wait between reconnections
    /// Receives connection events and PostgreSQL's primary error messages
    /// (never their DETAIL, which can quote values). Optional; any thread.
    std::function<void(std::string_view)> log{};
};

/// A *Storage* on PostgreSQL, for several gateway processes sharing one
/// database (docs/storage.md, "Scaling out").
///
/// - **Durable records** are rows of `records` (data as `jsonb`, a GIN index
///   for filters) with a unique-key table whose primary key settles races,
///   in logged tables: an acknowledged write is committed (WAL, `fsync`
///   per the server's settings). Each single write is one call of a PL/pgSQL
///   function, atomic on its own; `commit` runs its writes in one transaction.
///   `list` pushes scalar equalities into SQL as `jsonb @>` containment and
///   checks every row exactly with `filter::matches`. jsonb cannot hold the
///   string escape `\u0000`: such records fail with `errc::invalid_argument`.
/// - **Ephemeral state** is in UNLOGGED tables (not written to the WAL, so
///   fast, and emptied after a server crash, which ephemeral state tolerates),
///   with expiry on the server's clock so that every process agrees.
///   Expired rows are invisible at once and deleted in small batches as
///   writes go on. Keys are ordered bytewise (`COLLATE "C"`) and must be
///   valid UTF-8 (else `errc::invalid_argument`); values and members are bytes.
/// - The schema is versioned (`polymcp_migrations`) and migrated forward
///   under an advisory lock, so processes starting together migrate once.
/// - **Channels** (*PublishSubscribe*) ride on one PostgreSQL notification
///   channel named after `schema`: `publish` is `pg_notify(schema, channel
///   || ' ' || message)` on a pooled connection (delivered when it commits,
///   at once outside a transaction); the first `subscribe` starts one
///   listener thread with a connection of its own (`LISTEN`), which hands
///   messages to this object's handlers, reconnects with the same backoff,
///   and then calls every handler with `errc::messages_lost`.
/// - **Connections**: a pool of `pool_size` libpq connections driven in
///   non-blocking mode with a deadline on every statement; a broken one is
///   dropped and reopened on next use, with backoff after failures. The
///   asynchronous forms run on `pool_size` worker threads.
///
/// Thread-safety: every member function may be called from many threads at once.
class postgres_storage : public detail::async_interface<postgres_storage>,
                       public detail::write_forms<postgres_storage> {
public:
    /// Connects, creates the schema and migrates it.
    /// @param options where and how to connect, and the schema
    /// @param ec `errc::invalid_argument` for a bad schema name or pool size;
    ///           `errc::unavailable` when the server cannot be reached;
    ///           `errc::backend_error` when the migration fails (logged).
    ///           The object must not be used when `ec` is set.
    postgres_storage(postgres_options options, std::error_code& ec);
    /// As above; @throws std::system_error with the error code.
    explicit postgres_storage(postgres_options options);
    ~postgres_storage();
    postgres_storage(const postgres_storage&) = delete;
    postgres_storage& operator=(const postgres_storage&) = delete;

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
    /// `pg_notify` of `channel + ' ' + message`; errors as for `set`.
    void publish(std::string_view channel, std::string_view message, std::error_code& ec);
    /// Subscribes `handler`; the first call starts the listener and waits
    /// for it up to `connect_timeout + command_timeout` (`errc::unavailable`
    /// when it is not there yet: the subscription stands and hears
    /// `errc::messages_lost` once the listener is listening).
    subscription subscribe(std::string_view channel, message_handler handler, std::error_code& ec);
    ///@}

    /// Drops the schema and everything in it (`DROP SCHEMA ... CASCADE`):
    /// for tests and uninstalling. The object must not be used afterwards.
    void drop_schema(std::error_code& ec);

    /// Completes queued asynchronous operations with `errc::shut_down`,
    /// waits for running ones and stops the channel listener. Called by the
    /// destructor.
    void shutdown();

    /// Runs the asynchronous forms (detail).
    detail::blocking_runner& runner() noexcept { return *runner_; }

private:
    friend class detail::write_forms<postgres_storage>;
    class connection;
    class result;
    struct param;
    void open(std::error_code& ec);
    using lease = detail::connection_pool<connection>::lease;
    lease acquire(std::error_code& ec);
    bool connect(connection& c);
    detail::channel_listener::backend listener_backend();
    // Runs one statement (prepared once per connection) within command_timeout.
    result exec(connection& c, std::string_view sql, const std::vector<param>& params, std::error_code& ec);
    // Runs `body` in BEGIN ... COMMIT, retrying on serialization failures and deadlocks.
    template <class Body>
    void transaction(connection& c, Body&& body, std::error_code& ec);
    void write(const std::vector<write_op>& ops, record* out, std::error_code& ec);
    void maybe_reclaim(connection& c);

    postgres_options options_;
    detail::reconnect_gate gate_;
    detail::connection_pool<connection> pool_;
    detail::schema_cache schemas_;
    std::atomic<std::uint64_t> writes_{0};
    std::unique_ptr<detail::blocking_runner> runner_;
    detail::channel_hub hub_;
    std::unique_ptr<connection> listen_;  // the listener's connection (used on its thread only)
    std::unique_ptr<detail::channel_listener> listener_;
};

static_assert(publish_subscribe<postgres_storage>);

}  // namespace polymcp::storage

#include <polymcp/storage/impl/postgres.hpp>

#endif
