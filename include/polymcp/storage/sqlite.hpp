#ifndef POLYMCP_STORAGE_SQLITE_HPP
#define POLYMCP_STORAGE_SQLITE_HPP

/// @file polymcp/storage/sqlite.hpp
/// `sqlite_storage`: an embedded, durable *Storage* (docs/storage.md) on
/// SQLite 3. Link the CMake target `polymcp::sqlite`.

#include <polymcp/storage/concepts.hpp>
#include <polymcp/storage/detail/channel_hub.hpp>
#include <polymcp/storage/detail/pool.hpp>
#include <polymcp/storage/detail/records.hpp>
#include <polymcp/storage/detail/runner.hpp>
#include <polymcp/storage/detail/write_forms.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace polymcp::storage {

/// Configuration of a `sqlite_storage`.
struct sqlite_options {
    /// The database file of the durable records (created if missing). The
    /// ephemeral state lives beside it in `path + "-ephemeral"`.
    std::string path{};
    /// Connections, and worker threads running the asynchronous forms (1 to 64).
    std::size_t pool_size = 4;
    /// How long a writer waits for another connection's write lock, in ms
    /// (SQLite's busy timeout); past it the operation fails with `errc::timeout`.
    std::chrono::milliseconds busy_timeout{5000};
    /// Deadline of each asynchronous operation, queueing included, in ms (0: none).
    std::chrono::milliseconds operation_timeout{10000};
    /// Receives SQLite's own error messages (never values or records). Optional.
    std::function<void(std::string_view)> log{};
};

/// A *Storage* in SQLite 3 files, durable across crashes.
///
/// - Durable records are in `path`, in WAL mode with `synchronous=FULL`: an
///   acknowledged write (a returned `create`, `update`, `remove` or
///   `commit`) survives `kill -9` and power loss. Each write runs in a
///   `BEGIN IMMEDIATE` transaction, so a batch is all or nothing.
/// - Ephemeral state is in `path-ephemeral`, in WAL mode with
///   `synchronous=NORMAL`: it survives a crash of the process; the last
///   writes may be lost on power loss, which ephemeral state tolerates. TTLs
///   are on the system clock (ms since the epoch), so they survive restarts;
///   expired rows are invisible at once and reclaimed in small batches as
///   writes go on.
/// - The schema is versioned (table `polymcp_migrations` in each file) and
///   migrated forward when the storage opens.
/// - Unique constraints are rows of an index table with a primary key, so
///   two writers racing for one value cannot both win.
/// - The asynchronous forms run on `pool_size` worker threads, one
///   connection each, and complete with `errc::timeout` after
///   `operation_timeout`.
/// - Channels (*PublishSubscribe*) reach the subscriptions of this object
///   only, on the publishing thread: SQLite has no way to wake another
///   process, so processes sharing one file do not hear each other's
///   messages. Several instances of a deployment use Redis or PostgreSQL.
///
/// Thread-safety: every member function may be called from many threads at once.
class sqlite_storage : public detail::async_interface<sqlite_storage>,
                     public detail::write_forms<sqlite_storage> {
public:
    /// Opens (creating and migrating as needed) the database files.
    /// @param options the files and how to open them
    /// @param ec `errc::unavailable` when a file cannot be opened or created,
    ///           `errc::backend_error` when the schema cannot be migrated,
    ///           `errc::invalid_argument` for an empty path or a pool size
    ///           outside 1..64. The object must not be used when `ec` is set.
    sqlite_storage(sqlite_options options, std::error_code& ec);
    /// As above; @throws std::system_error with the error code and the path.
    explicit sqlite_storage(sqlite_options options);
    ~sqlite_storage();
    sqlite_storage(const sqlite_storage&) = delete;
    sqlite_storage& operator=(const sqlite_storage&) = delete;

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
     *  Channels (*PublishSubscribe*): within this object, on the publishing thread. */
    ///@{
    /// The *PublishSubscribe* requirement of the same name (polymcp/storage/concepts.hpp).
    void publish(std::string_view channel, std::string_view message, std::error_code& ec) {
        hub_.publish(channel, message, ec);
    }
    subscription subscribe(std::string_view channel, message_handler handler, std::error_code& ec) {
        return hub_.subscribe(channel, std::move(handler), ec);
    }
    ///@}

    /// `PRAGMA integrity_check` on both files: true when SQLite reports "ok".
    bool integrity_check(std::error_code& ec);

    /// Completes queued asynchronous operations with `errc::shut_down` and
    /// waits for running ones. Called by the destructor.
    void shutdown();

    /// Runs the asynchronous forms (detail).
    detail::blocking_runner& runner() noexcept { return *runner_; }

private:
    friend class detail::write_forms<sqlite_storage>;
    class connection;
    void open(std::error_code& ec);
    using lease = detail::connection_pool<connection>::lease;
    lease acquire();
    std::error_code apply(connection& c, const write_op& op, record* out);
    // Applies `ops` in one BEGIN IMMEDIATE transaction; `out` gets the last written record.
    void write(const std::vector<write_op>& ops, record* out, std::error_code& ec);
    void maybe_reclaim(connection& c);

    sqlite_options options_;
    detail::connection_pool<connection> pool_;
    detail::schema_cache schemas_;
    std::atomic<std::uint64_t> writes_{0};
    std::unique_ptr<detail::blocking_runner> runner_;
    detail::channel_hub hub_;
};

static_assert(publish_subscribe<sqlite_storage>);

}  // namespace polymcp::storage

#include <polymcp/storage/impl/sqlite.hpp>

#endif
