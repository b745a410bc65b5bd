#ifndef POLYMCP_STORAGE_IMPL_SQLITE_HPP
#define POLYMCP_STORAGE_IMPL_SQLITE_HPP

// Definitions for polymcp/storage/sqlite.hpp (inline: this backend is
// optional and links libsqlite3, so it is not part of polymcp::compiled).

#include <polymcp/storage/sqlite.hpp>

#include <sqlite3.h>

#include <charconv>

namespace polymcp::storage {

namespace detail {

inline std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// The smallest string greater than every string starting with `prefix`, or
// nothing when there is none (empty prefix, or all 0xff bytes).
inline std::optional<std::string> prefix_upper_bound(std::string_view prefix) {
    std::string s(prefix);
    while (!s.empty() && static_cast<unsigned char>(s.back()) == 0xff) s.pop_back();
    if (s.empty()) return std::nullopt;
    s.back() = static_cast<char>(static_cast<unsigned char>(s.back()) + 1);
    return s;
}

// Schema migrations, applied in order; each runs once per database file.
inline const std::vector<const char*>& main_migrations() {
    static const std::vector<const char*> m{
        "CREATE TABLE records(collection TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL,"
        " version INTEGER NOT NULL, created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,"
        " PRIMARY KEY(collection, id)) WITHOUT ROWID;"
        "CREATE TABLE unique_keys(collection TEXT NOT NULL, constraint_name TEXT NOT NULL, value TEXT NOT NULL,"
        " id TEXT NOT NULL, PRIMARY KEY(collection, constraint_name, value)) WITHOUT ROWID;"
        "CREATE INDEX unique_keys_by_id ON unique_keys(collection, id);"
        "CREATE TABLE collections(name TEXT PRIMARY KEY, schema TEXT NOT NULL) WITHOUT ROWID;"};
    return m;
}
inline const std::vector<const char*>& ephemeral_migrations() {
    static const std::vector<const char*> m{
        "CREATE TABLE eph.kv(key TEXT PRIMARY KEY, kind INTEGER NOT NULL, value BLOB, expires_ms INTEGER)"
        " WITHOUT ROWID;"
        "CREATE INDEX eph.kv_expires ON kv(expires_ms) WHERE expires_ms IS NOT NULL;"
        "CREATE TABLE eph.members(key TEXT NOT NULL, member BLOB NOT NULL, PRIMARY KEY(key, member)) WITHOUT ROWID;"};
    return m;
}

}  // namespace detail

// One SQLite connection with its prepared statements.
class sqlite_storage::connection {
public:
    sqlite3* db = nullptr;
    std::map<std::string, sqlite3_stmt*, std::less<>> statements;

    ~connection() {
        for (auto& [sql, st] : statements) sqlite3_finalize(st);
        if (db != nullptr) sqlite3_close_v2(db);
    }

    // A cached statement, reset and ready to bind; nullptr on error.
    sqlite3_stmt* prepare(std::string_view sql) {
        auto it = statements.find(sql);
        if (it != statements.end()) {
            sqlite3_reset(it->second);
            sqlite3_clear_bindings(it->second);
            return it->second;
        }
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &st,
                               nullptr) != SQLITE_OK)
            return nullptr;
        statements.emplace(std::string(sql), st);
        return st;
    }
};

namespace detail {

// Binds and steps one cached statement; resets it when done.
class query {
public:
    query(sqlite3* db, sqlite3_stmt* st) : db_(db), st_(st) {}
    ~query() {
        if (st_ != nullptr) sqlite3_reset(st_);
    }
    query(const query&) = delete;
    query& operator=(const query&) = delete;
    bool ok() const noexcept { return st_ != nullptr; }
    query& bind(std::string_view s) {
        sqlite3_bind_text(st_, ++n_, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
        return *this;
    }
    query& bind_blob(std::string_view s) {
        sqlite3_bind_blob(st_, ++n_, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
        return *this;
    }
    query& bind(std::int64_t v) {
        sqlite3_bind_int64(st_, ++n_, v);
        return *this;
    }
    query& bind_double(double v) {
        sqlite3_bind_double(st_, ++n_, v);
        return *this;
    }
    query& bind_null() {
        sqlite3_bind_null(st_, ++n_);
        return *this;
    }
    // SQLITE_ROW, SQLITE_DONE or an error code.
    int step() { return sqlite3_step(st_); }
    std::int64_t int64(int col) const { return sqlite3_column_int64(st_, col); }
    bool is_null(int col) const { return sqlite3_column_type(st_, col) == SQLITE_NULL; }
    std::string text(int col) const {
        auto* p = static_cast<const char*>(sqlite3_column_blob(st_, col));
        return p == nullptr ? std::string() : std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(st_, col)));
    }
    int changes() const { return sqlite3_changes(db_); }

private:
    sqlite3* db_;
    sqlite3_stmt* st_;
    int n_ = 0;
};

}  // namespace detail

namespace detail {

inline std::error_code map_error(int rc) {
    switch (rc & 0xff) {
        case SQLITE_OK:
        case SQLITE_DONE:
        case SQLITE_ROW: return {};
        case SQLITE_BUSY:
        case SQLITE_LOCKED: return errc::timeout;
        case SQLITE_CONSTRAINT: return errc::unique_violation;
        case SQLITE_CANTOPEN:
        case SQLITE_READONLY:
        case SQLITE_FULL:
        case SQLITE_IOERR: return errc::unavailable;
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB: return errc::corrupt_data;
        default: return errc::backend_error;
    }
}

}  // namespace detail

inline sqlite_storage::sqlite_storage(sqlite_options options, std::error_code& ec) : options_(std::move(options)) {
    open(ec);
}

inline sqlite_storage::sqlite_storage(sqlite_options options) : options_(std::move(options)) {
    std::error_code ec;
    open(ec);
    if (ec) throw std::system_error(ec, "opening SQLite storage at " + options_.path);
}

inline void sqlite_storage::open(std::error_code& ec) {
    ec.clear();
    if (options_.pool_size == 0 || options_.pool_size > 64 || options_.path.empty()) {
        ec = errc::invalid_argument;
        return;
    }
    auto log = [this](sqlite3* db) {
        if (options_.log) options_.log(db != nullptr ? sqlite3_errmsg(db) : "sqlite3_open failed");
    };
    for (std::size_t i = 0; i < options_.pool_size; ++i) {
        auto c = std::make_unique<connection>();
        int rc = sqlite3_open_v2(options_.path.c_str(), &c->db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
        if (rc != SQLITE_OK) {
            log(c->db);
            ec = errc::unavailable;
            return;
        }
        sqlite3_busy_timeout(c->db, static_cast<int>(options_.busy_timeout.count()));
        sqlite3_extended_result_codes(c->db, 1);
        std::string attach = "ATTACH DATABASE '";
        for (char ch : options_.path + "-ephemeral") {
            attach.push_back(ch);
            if (ch == '\'') attach.push_back('\'');
        }
        attach += "' AS eph;"
                  "PRAGMA main.journal_mode=WAL; PRAGMA main.synchronous=FULL;"
                  "PRAGMA eph.journal_mode=WAL; PRAGMA eph.synchronous=NORMAL;"
                  "PRAGMA foreign_keys=ON;";
        if (sqlite3_exec(c->db, attach.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
            log(c->db);
            ec = errc::unavailable;
            return;
        }
        if (i == 0) {
            // Migrate each file forward inside one write transaction.
            auto migrate = [&](const char* schema, const std::vector<const char*>& steps) {
                std::string create = std::string("CREATE TABLE IF NOT EXISTS ") + schema +
                                     ".polymcp_migrations(version INTEGER PRIMARY KEY, applied_ms INTEGER NOT NULL);";
                if (sqlite3_exec(c->db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) return false;
                bool ok = sqlite3_exec(c->db, create.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
                std::int64_t current = 0;
                if (ok) {
                    std::string q = std::string("SELECT COALESCE(MAX(version), 0) FROM ") + schema + ".polymcp_migrations";
                    sqlite3_stmt* st = nullptr;
                    ok = sqlite3_prepare_v2(c->db, q.c_str(), -1, &st, nullptr) == SQLITE_OK &&
                         sqlite3_step(st) == SQLITE_ROW;
                    if (ok) current = sqlite3_column_int64(st, 0);
                    sqlite3_finalize(st);
                }
                for (std::size_t v = static_cast<std::size_t>(current); ok && v < steps.size(); ++v) {
                    std::string record = std::string("INSERT INTO ") + schema +
                                         ".polymcp_migrations(version, applied_ms) VALUES(" + std::to_string(v + 1) +
                                         ", " + std::to_string(detail::now_ms()) + ");";
                    ok = sqlite3_exec(c->db, steps[v], nullptr, nullptr, nullptr) == SQLITE_OK &&
                         sqlite3_exec(c->db, record.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
                }
                if (!ok) {
                    log(c->db);
                    sqlite3_exec(c->db, "ROLLBACK", nullptr, nullptr, nullptr);
                    return false;
                }
                return sqlite3_exec(c->db, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK;
            };
            if (!migrate("main", detail::main_migrations()) ||
                !migrate("eph", detail::ephemeral_migrations())) {
                ec = errc::backend_error;
                return;
            }
        }
        pool_.add(std::move(c));
    }
    runner_ = std::make_unique<detail::blocking_runner>(options_.pool_size, options_.operation_timeout);
}

inline sqlite_storage::~sqlite_storage() { shutdown(); }

inline void sqlite_storage::shutdown() {
    if (runner_) runner_->stop();
}

inline sqlite_storage::lease sqlite_storage::acquire() { return pool_.acquire(); }

namespace detail {

// BEGIN IMMEDIATE ... COMMIT, rolled back unless committed.
class transaction {
public:
    explicit transaction(sqlite3* db) : db_(db) { rc_ = sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr); }
    ~transaction() {
        if (rc_ == SQLITE_OK && !done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    int begin_result() const noexcept { return rc_; }
    int commit() {
        done_ = true;
        int rc = sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
        if (rc != SQLITE_OK) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        return rc;
    }

private:
    sqlite3* db_;
    int rc_;
    bool done_ = false;
};

}  // namespace detail

// Every function below follows one shape: validate, borrow a connection, run
// statements, map SQLite's result to a storage::errc.
#define POLYMCP_SQLITE_FAIL(code) \
    do {                          \
        ec = (code);              \
        return {};                \
    } while (0)

inline void sqlite_storage::maybe_reclaim(connection& c) {
    // Every 64th write deletes up to 256 expired keys (and their members).
    if (writes_.fetch_add(1, std::memory_order_relaxed) % 64 != 0) return;
    detail::query q(c.db, c.prepare("DELETE FROM eph.members WHERE key IN (SELECT key FROM eph.kv WHERE "
                                           "expires_ms IS NOT NULL AND expires_ms <= ?1 LIMIT 256)"));
    if (q.ok()) q.bind(detail::now_ms()).step();
    detail::query d(c.db, c.prepare("DELETE FROM eph.kv WHERE key IN (SELECT key FROM eph.kv WHERE "
                                           "expires_ms IS NOT NULL AND expires_ms <= ?1 LIMIT 256)"));
    if (d.ok()) d.bind(detail::now_ms()).step();
}

namespace detail {
// The live entry at key: kind (0 string, 1 set) and value, or nothing.
struct kv_row {
    int kind;
    std::string value;
    bool has_expiry;
};
inline constexpr const char* select_live =
    "SELECT kind, value, expires_ms FROM eph.kv WHERE key = ?1 AND (expires_ms IS NULL OR expires_ms > ?2)";
inline constexpr const char* delete_dead =
    "DELETE FROM eph.kv WHERE key = ?1 AND expires_ms IS NOT NULL AND expires_ms <= ?2";
inline constexpr const char* delete_dead_members =
    "DELETE FROM eph.members WHERE key = ?1 AND NOT EXISTS (SELECT 1 FROM eph.kv WHERE key = ?1 AND "
    "(expires_ms IS NULL OR expires_ms > ?2))";
}  // namespace detail

inline std::optional<std::string> sqlite_storage::get(std::string_view key, std::error_code& ec) {
    ec.clear();
    if (!detail::valid_name(key)) POLYMCP_SQLITE_FAIL(errc::invalid_argument);
    auto c = acquire();
    detail::query q(c->db, c->prepare(detail::select_live));
    if (!q.ok()) POLYMCP_SQLITE_FAIL(errc::backend_error);
    int rc = q.bind(key).bind(detail::now_ms()).step();
    if (rc == SQLITE_DONE) return std::nullopt;
    if (rc != SQLITE_ROW) POLYMCP_SQLITE_FAIL(detail::map_error(rc));
    if (q.int64(0) != 0) POLYMCP_SQLITE_FAIL(errc::wrong_type);
    return q.text(1);
}

inline void sqlite_storage::set(std::string_view key, std::string_view value, ttl t, std::error_code& ec) {
    ec.clear();
    if (!detail::valid_name(key) || t.count() < 0) {
        ec = errc::invalid_argument;
        return;
    }
    auto c = acquire();
    detail::transaction tx(c->db);
    if (tx.begin_result() != SQLITE_OK) {
        ec = detail::map_error(tx.begin_result());
        return;
    }
    {
        detail::query m(c->db, c->prepare("DELETE FROM eph.members WHERE key = ?1"));
        detail::query q(c->db, c->prepare("INSERT INTO eph.kv(key, kind, value, expires_ms) VALUES(?1, 0, ?2, ?3) "
                                                 "ON CONFLICT(key) DO UPDATE SET kind = 0, value = excluded.value, "
                                                 "expires_ms = excluded.expires_ms"));
        if (!m.ok() || !q.ok()) {
            ec = errc::backend_error;
            return;
        }
        int rc = m.bind(key).step();
        if (rc == SQLITE_DONE) {
            q.bind(key).bind_blob(value);
            if (t.count() > 0) q.bind(detail::now_ms() + t.count());
            else q.bind_null();
            rc = q.step();
        }
        if (rc != SQLITE_DONE) {
            ec = detail::map_error(rc);
            return;
        }
    }
    maybe_reclaim(*c);
    if (int rc = tx.commit(); rc != SQLITE_OK) ec = detail::map_error(rc);
}

inline bool sqlite_storage::set_if_absent(std::string_view key, std::string_view value, ttl t, std::error_code& ec) {
    ec.clear();
    if (!detail::valid_name(key) || t.count() < 0) POLYMCP_SQLITE_FAIL(errc::invalid_argument);
    auto c = acquire();
    detail::transaction tx(c->db);
    if (tx.begin_result() != SQLITE_OK) POLYMCP_SQLITE_FAIL(detail::map_error(tx.begin_result()));
    auto now = detail::now_ms();
    bool won = false;
    {
        detail::query dm(c->db, c->prepare(detail::delete_dead_members));
        detail::query d(c->db, c->prepare(detail::delete_dead));
        detail::query q(c->db, c->prepare("INSERT INTO eph.kv(key, kind, value, expires_ms) VALUES(?1, 0, ?2, ?3) "
                                                 "ON CONFLICT(key) DO NOTHING"));
        if (!dm.ok() || !d.ok() || !q.ok()) POLYMCP_SQLITE_FAIL(errc::backend_error);
        int rc = dm.bind(key).bind(now).step();
        if (rc == SQLITE_DONE) rc = d.bind(key).bind(now).step();
        if (rc == SQLITE_DONE) {
            q.bind(key).bind_blob(value);
            if (t.count() > 0) q.bind(now + t.count());
            else q.bind_null();
            rc = q.step();
            won = q.changes() == 1;
        }
        if (rc != SQLITE_DONE) POLYMCP_SQLITE_FAIL(detail::map_error(rc));
    }
    if (int rc = tx.commit(); rc != SQLITE_OK) POLYMCP_SQLITE_FAIL(detail::map_error(rc));
    return won;
}

inline bool sqlite_storage::erase(std::string_view key, std::error_code& ec) {
    ec.clear();
    if (!detail::valid_name(key)) POLYMCP_SQLITE_FAIL(errc::invalid_argument);
    auto c = acquire();
    detail::transaction tx(c->db);
    if (tx.begin_result() != SQLITE_OK) POLYMCP_SQLITE_FAIL(detail::map_error(tx.begin_result()));
    auto now = detail::now_ms();
    bool existed = false;
    {
        detail::query live(c->db, c->prepare(detail::select_live));
        detail::query m(c->db, c->prepare("DELETE FROM eph.members WHERE key = ?1"));
        detail::query d(c->db, c->prepare("DELETE FROM eph.kv WHERE key = ?1"));
        if (!live.ok() || !m.ok() || !d.ok()) POLYMCP_SQLITE_FAIL(errc::backend_error);
        int rc = live.bind(key).bind(now).step();
        existed = rc == SQLITE_ROW;
        if (rc == SQLITE_ROW || rc == SQLITE_DONE) rc = m.bind(key).step();
        if (rc == SQLITE_DONE) rc = d.bind(key).step();
        if (rc != SQLITE_DONE) POLYMCP_SQLITE_FAIL(detail::map_error(rc));
    }
    if (int rc = tx.commit(); rc != SQLITE_OK) POLYMCP_SQLITE_FAIL(detail::map_error(rc));
    return existed;
}

inline bool sqlite_storage::expire(std::string_view key, ttl t, std::error_code& ec) {
    ec.clear();
    if (!detail::valid_name(key) || t.count() < 0) POLYMCP_SQLITE_FAIL(errc::invalid_argument);
    auto c = acquire();
    auto now = detail::now_ms();
    detail::query q(c->db, c->prepare("UPDATE eph.kv SET expires_ms = ?3 WHERE key = ?1 AND "
                                             "(expires_ms IS NULL OR expires_ms > ?2)"));
    if (!q.ok()) POLYMCP_SQLITE_FAIL(errc::backend_error);
    q.bind(key).bind(now);
    if (t.count() > 0) q.bind(now + t.count());
    else q.bind_null();
    int rc = q.step();
    if (rc != SQLITE_DONE) POLYMCP_SQLITE_FAIL(detail::map_error(rc));
    return q.changes() == 1;
}

inline std::int64_t sqlite_storage::increment(std::string_view key, std::int64_t delta, std::error_code& ec) {
    ec.clear();
    if (!detail::valid_name(key)) POLYMCP_SQLITE_FAIL(errc::invalid_argument);
    auto c = acquire();
    detail::transaction tx(c->db);
    if (tx.begin_result() != SQLITE_OK) POLYMCP_SQLITE_FAIL(detail::map_error(tx.begin_result()));
    auto now = detail::now_ms();
    std::int64_t next = 0;
    {
        detail::query live(c->db, c->prepare(detail::select_live));
        if (!live.ok()) POLYMCP_SQLITE_FAIL(errc::backend_error);
        int rc = live.bind(key).bind(now).step();
        std::int64_t current = 0;
        bool exists = rc == SQLITE_ROW;
        if (exists) {
            if (live.int64(0) != 0) POLYMCP_SQLITE_FAIL(errc::wrong_type);
            std::string v = live.text(1);
            auto [p, err] = std::from_chars(v.data(), v.data() + v.size(), current);
            if (err != std::errc() || p != v.data() + v.size()) POLYMCP_SQLITE_FAIL(errc::wrong_type);
        } else if (rc != SQLITE_DONE) {
            POLYMCP_SQLITE_FAIL(detail::map_error(rc));
        }
        if (__builtin_add_overflow(current, delta, &next)) POLYMCP_SQLITE_FAIL(errc::invalid_argument);
        std::string text = std::to_string(next);
        detail::query w(c->db, c->prepare(
                                          exists ? "UPDATE eph.kv SET value = ?2 WHERE key = ?1"
                                                 : "INSERT INTO eph.kv(key, kind, value, expires_ms) VALUES(?1, 0, ?2, NULL) "
                                                   "ON CONFLICT(key) DO UPDATE SET kind = 0, value = excluded.value, "
                                                   "expires_ms = NULL"));
        if (!w.ok()) POLYMCP_SQLITE_FAIL(errc::backend_error);
        rc = w.bind(key).bind_blob(text).step();
        if (rc != SQLITE_DONE) POLYMCP_SQLITE_FAIL(detail::map_error(rc));
    }
    if (int rc = tx.commit(); rc != SQLITE_OK) POLYMCP_SQLITE_FAIL(detail::map_error(rc));
    return next;
}

inline bool sqlite_storage::set_add(std::string_view key, std::string_view member, std::error_code& ec) {
    ec.clear();
    if (!detail::valid_name(key)) POLYMCP_SQLITE_FAIL(errc::invalid_argument);
    auto c = acquire();
    detail::transaction tx(c->db);
    if (tx.begin_result() != SQLITE_OK) POLYMCP_SQLITE_FAIL(detail::map_error(tx.begin_result()));
    auto now = detail::now_ms();
    bool added = false;
    {
        detail::query dm(c->db, c->prepare(detail::delete_dead_members));
        detail::query d(c->db, c->prepare(detail::delete_dead));
        detail::query live(c->db, c->prepare(detail::select_live));
        detail::query k(c->db, c->prepare("INSERT INTO eph.kv(key, kind, value, expires_ms) VALUES(?1, 1, NULL, NULL)"));
        detail::query m(c->db, c->prepare("INSERT INTO eph.members(key, member) VALUES(?1, ?2) ON CONFLICT DO NOTHING"));
        if (!dm.ok() || !d.ok() || !live.ok() || !k.ok() || !m.ok()) POLYMCP_SQLITE_FAIL(errc::backend_error);
        int rc = dm.bind(key).bind(now).step();
        if (rc == SQLITE_DONE) rc = d.bind(key).bind(now).step();
        if (rc == SQLITE_DONE) rc = live.bind(key).bind(now).step();
        if (rc == SQLITE_ROW && live.int64(0) != 1) POLYMCP_SQLITE_FAIL(errc::wrong_type);
        if (rc == SQLITE_DONE) rc = k.bind(key).step();
        if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
            rc = m.bind(key).bind_blob(member).step();
            added = m.changes() == 1;
        }
        if (rc != SQLITE_DONE) POLYMCP_SQLITE_FAIL(detail::map_error(rc));
    }
    maybe_reclaim(*c);
    if (int rc = tx.commit(); rc != SQLITE_OK) POLYMCP_SQLITE_FAIL(detail::map_error(rc));
    return added;
}

inline bool sqlite_storage::set_remove(std::string_view key, std::string_view member, std::error_code& ec) {
    ec.clear();
    if (!detail::valid_name(key)) POLYMCP_SQLITE_FAIL(errc::invalid_argument);
    auto c = acquire();
    detail::transaction tx(c->db);
    if (tx.begin_result() != SQLITE_OK) POLYMCP_SQLITE_FAIL(detail::map_error(tx.begin_result()));
    auto now = detail::now_ms();
    bool removed = false;
    {
        detail::query live(c->db, c->prepare(detail::select_live));
        detail::query m(c->db, c->prepare("DELETE FROM eph.members WHERE key = ?1 AND member = ?2"));
        detail::query gone(c->db, c->prepare("DELETE FROM eph.kv WHERE key = ?1 AND kind = 1 AND NOT EXISTS "
                                                    "(SELECT 1 FROM eph.members WHERE key = ?1)"));
        if (!live.ok() || !m.ok() || !gone.ok()) POLYMCP_SQLITE_FAIL(errc::backend_error);
        int rc = live.bind(key).bind(now).step();
        if (rc == SQLITE_DONE) return false;
        if (rc != SQLITE_ROW) POLYMCP_SQLITE_FAIL(detail::map_error(rc));
        if (live.int64(0) != 1) POLYMCP_SQLITE_FAIL(errc::wrong_type);
        rc = m.bind(key).bind_blob(member).step();
        removed = m.changes() == 1;
        if (rc == SQLITE_DONE) rc = gone.bind(key).step();
        if (rc != SQLITE_DONE) POLYMCP_SQLITE_FAIL(detail::map_error(rc));
    }
    if (int rc = tx.commit(); rc != SQLITE_OK) POLYMCP_SQLITE_FAIL(detail::map_error(rc));
    return removed;
}

inline std::vector<std::string> sqlite_storage::set_members(std::string_view key, std::error_code& ec) {
    ec.clear();
    if (!detail::valid_name(key)) POLYMCP_SQLITE_FAIL(errc::invalid_argument);
    auto c = acquire();
    auto now = detail::now_ms();
    detail::query live(c->db, c->prepare(detail::select_live));
    if (!live.ok()) POLYMCP_SQLITE_FAIL(errc::backend_error);
    int rc = live.bind(key).bind(now).step();
    if (rc == SQLITE_DONE) return {};
    if (rc != SQLITE_ROW) POLYMCP_SQLITE_FAIL(detail::map_error(rc));
    if (live.int64(0) != 1) POLYMCP_SQLITE_FAIL(errc::wrong_type);
    detail::query q(c->db, c->prepare("SELECT member FROM eph.members WHERE key = ?1 ORDER BY member"));
    if (!q.ok()) POLYMCP_SQLITE_FAIL(errc::backend_error);
    q.bind(key);
    std::vector<std::string> out;
    while ((rc = q.step()) == SQLITE_ROW) out.push_back(q.text(0));
    if (rc != SQLITE_DONE) POLYMCP_SQLITE_FAIL(detail::map_error(rc));
    return out;
}

inline scan_page sqlite_storage::scan(std::string_view prefix, std::string_view cursor, std::size_t count,
                                      std::error_code& ec) {
    ec.clear();
    scan_page out;
    std::size_t limit = detail::clamp_limit(count);
    auto upper = detail::prefix_upper_bound(prefix);
    auto c = acquire();
    detail::query q(c->db, c->prepare(upper ? "SELECT key FROM eph.kv WHERE key >= ?1 AND key > ?2 AND key < ?3 "
                                                     "AND (expires_ms IS NULL OR expires_ms > ?4) ORDER BY key LIMIT ?5"
                                                   : "SELECT key FROM eph.kv WHERE key >= ?1 AND key > ?2 AND ?3 IS NULL "
                                                     "AND (expires_ms IS NULL OR expires_ms > ?4) ORDER BY key LIMIT ?5"));
    if (!q.ok()) POLYMCP_SQLITE_FAIL(errc::backend_error);
    q.bind(prefix).bind(cursor);
    if (upper) q.bind(*upper);
    else q.bind_null();
    q.bind(detail::now_ms()).bind(static_cast<std::int64_t>(limit));
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) out.keys.push_back(q.text(0));
    if (rc != SQLITE_DONE) POLYMCP_SQLITE_FAIL(detail::map_error(rc));
    if (out.keys.size() == limit) out.next_cursor = out.keys.back();
    return out;
}

inline std::size_t sqlite_storage::erase_prefix(std::string_view prefix, std::error_code& ec) {
    ec.clear();
    std::size_t n = 0;
    std::string cursor;
    do {
        auto page = scan(prefix, cursor, detail::max_page, ec);
        if (ec) return n;
        for (const auto& k : page.keys) {
            if (erase(k, ec)) ++n;
            if (ec) return n;
        }
        cursor = page.next_cursor;
    } while (!cursor.empty());
    return n;
}

inline void sqlite_storage::ping(std::error_code& ec) {
    ec.clear();
    auto c = acquire();
    detail::query q(c->db, c->prepare("SELECT 1"));
    if (!q.ok()) {
        ec = errc::backend_error;
        return;
    }
    int rc = q.step();
    if (rc != SQLITE_ROW) ec = detail::map_error(rc);
}

inline void sqlite_storage::define(const collection_schema& schema, std::error_code& ec) {
    ec.clear();
    if (!detail::valid_name(schema.name)) {
        ec = errc::invalid_argument;
        return;
    }
    auto c = acquire();
    detail::transaction tx(c->db);
    if (tx.begin_result() != SQLITE_OK) {
        ec = detail::map_error(tx.begin_result());
        return;
    }
    const std::string wanted = detail::schema_json(schema);
    {
        detail::query s(c->db, c->prepare("SELECT schema FROM collections WHERE name = ?1"));
        if (!s.ok()) {
            ec = errc::backend_error;
            return;
        }
        int rc = s.bind(schema.name).step();
        if (rc == SQLITE_ROW && s.text(0) == wanted) {
            schemas_.put(schema);
            return;
        }
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
            ec = detail::map_error(rc);
            return;
        }
    }
    // New or changed constraints: rebuild this collection's unique index.
    {
        detail::query del(c->db, c->prepare("DELETE FROM unique_keys WHERE collection = ?1"));
        detail::query all(c->db, c->prepare("SELECT id, data FROM records WHERE collection = ?1"));
        detail::query up(c->db, c->prepare("INSERT INTO collections(name, schema) VALUES(?1, ?2) "
                                                  "ON CONFLICT(name) DO UPDATE SET schema = excluded.schema"));
        if (!del.ok() || !all.ok() || !up.ok()) {
            ec = errc::backend_error;
            return;
        }
        int rc = del.bind(schema.name).step();
        all.bind(schema.name);
        while (rc == SQLITE_DONE && (rc = all.step()) == SQLITE_ROW) {
            auto data = nlohmann::json::parse(all.text(1), nullptr, false);
            if (data.is_discarded()) {
                ec = errc::corrupt_data;
                return;
            }
            std::string id = all.text(0);
            for (auto& [name, value] : detail::unique_values(schema, data)) {
                detail::query one(c->db, c->prepare("INSERT INTO unique_keys(collection, constraint_name, value, id) "
                                                           "VALUES(?1, ?2, ?3, ?4)"));
                int r = one.bind(schema.name).bind(name).bind(value).bind(id).step();
                if (r != SQLITE_DONE) {
                    ec = detail::map_error(r);
                    return;
                }
            }
        }
        if (rc == SQLITE_DONE) rc = up.bind(schema.name).bind(wanted).step();
        if (rc != SQLITE_DONE) {
            ec = detail::map_error(rc);
            return;
        }
    }
    if (int rc = tx.commit(); rc != SQLITE_OK) {
        ec = detail::map_error(rc);
        return;
    }
    schemas_.put(schema);
}

inline std::error_code sqlite_storage::apply(connection& c, const write_op& op, record* out) {
    if (auto e = detail::check_write(op)) return e;
    auto schema = schemas_.find(op.collection);
    if (!schema) return errc::invalid_argument;
    std::int64_t version = 0;
    {
        detail::query cur(c.db, c.prepare("SELECT version FROM records WHERE collection = ?1 AND id = ?2"));
        if (!cur.ok()) return errc::backend_error;
        int rc = cur.bind(op.collection).bind(op.id).step();
        if (rc == SQLITE_ROW) version = cur.int64(0);
        else if (rc != SQLITE_DONE) return detail::map_error(rc);
    }
    if (op.op == write_op::kind::create && version != 0) return errc::already_exists;
    if (op.op != write_op::kind::create) {
        if (version == 0) return errc::not_found;
        if (op.expected_version && *op.expected_version != version) return errc::conflict;
    }
    auto now = detail::now_ms();
    {
        detail::query del(c.db, c.prepare("DELETE FROM unique_keys WHERE collection = ?1 AND id = ?2"));
        if (!del.ok()) return errc::backend_error;
        if (int rc = del.bind(op.collection).bind(op.id).step(); rc != SQLITE_DONE) return detail::map_error(rc);
    }
    if (op.op == write_op::kind::remove) {
        detail::query d(c.db, c.prepare("DELETE FROM records WHERE collection = ?1 AND id = ?2"));
        if (!d.ok()) return errc::backend_error;
        if (int rc = d.bind(op.collection).bind(op.id).step(); rc != SQLITE_DONE) return detail::map_error(rc);
        return {};
    }
    for (auto& [name, value] : detail::unique_values(*schema, op.data)) {
        detail::query u(c.db, c.prepare("INSERT INTO unique_keys(collection, constraint_name, value, id) "
                                               "VALUES(?1, ?2, ?3, ?4)"));
        if (!u.ok()) return errc::backend_error;
        int rc = u.bind(op.collection).bind(name).bind(value).bind(op.id).step();
        if (rc != SQLITE_DONE) return detail::map_error(rc);  // a taken value: unique_violation
    }
    std::string data = op.data.dump();
    {
        detail::query w(c.db, c.prepare("INSERT INTO records(collection, id, data, version, created_ms, updated_ms) "
                                               "VALUES(?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT(collection, id) DO UPDATE SET "
                                               "data = excluded.data, version = excluded.version, "
                                               "updated_ms = excluded.updated_ms"));
        if (!w.ok()) return errc::backend_error;
        int rc = w.bind(op.collection).bind(op.id).bind(data).bind(version + 1).bind(now).step();
        if (rc != SQLITE_DONE) return detail::map_error(rc);
    }
    if (out != nullptr) *out = record{op.id, op.data, version + 1};
    return {};
}

inline void sqlite_storage::write(const std::vector<write_op>& ops, record* out, std::error_code& ec) {
    ec.clear();
    for (const auto& op : ops)
        if ((ec = detail::check_write(op))) return;
    auto c = acquire();
    detail::transaction tx(c->db);
    if (tx.begin_result() != SQLITE_OK) {
        ec = detail::map_error(tx.begin_result());
        return;
    }
    for (const auto& op : ops)
        if ((ec = apply(*c, op, out))) return;  // the transaction rolls back
    if (int rc = tx.commit(); rc != SQLITE_OK) ec = detail::map_error(rc);
}

inline std::optional<record> sqlite_storage::read(std::string_view collection, std::string_view id,
                                                  std::error_code& ec) {
    ec.clear();
    if (!schemas_.find(collection) || !detail::valid_name(id)) POLYMCP_SQLITE_FAIL(errc::invalid_argument);
    auto c = acquire();
    detail::query q(c->db, c->prepare("SELECT data, version FROM records WHERE collection = ?1 AND id = ?2"));
    if (!q.ok()) POLYMCP_SQLITE_FAIL(errc::backend_error);
    int rc = q.bind(collection).bind(id).step();
    if (rc == SQLITE_DONE) return std::nullopt;
    if (rc != SQLITE_ROW) POLYMCP_SQLITE_FAIL(detail::map_error(rc));
    auto data = nlohmann::json::parse(q.text(0), nullptr, false);
    if (data.is_discarded()) POLYMCP_SQLITE_FAIL(errc::corrupt_data);
    return record{std::string(id), std::move(data), q.int64(1)};
}

inline page sqlite_storage::list(std::string_view collection, const filter& f, const page_request& request,
                                 std::error_code& ec) {
    ec.clear();
    page out;
    if (!schemas_.find(collection)) POLYMCP_SQLITE_FAIL(errc::invalid_argument);
    std::size_t limit = detail::clamp_limit(request.limit);
    // Scalar equalities become SQL conditions on json_extract; every row is
    // then matched exactly by filter::matches (SQL's 1 = true is looser).
    std::string sql = "SELECT id, data, version FROM records WHERE collection = ?1 AND id > ?2";
    std::vector<nlohmann::json> params;
    auto sql_comparable = [](const std::string& field, const nlohmann::json& value) {
        return value.is_primitive() && !value.is_null() && field.find_first_of("\"\\'") == std::string::npos;
    };
    for (const auto& clause : f.clauses()) {
        bool usable = !clause.empty();
        for (const auto& [field, value] : clause) usable = usable && sql_comparable(field, value);
        if (!usable) continue;  // matched by filter::matches alone
        std::string part;
        for (const auto& [field, value] : clause) {
            if (!part.empty()) part += " OR ";
            params.push_back(value);
            part += "json_extract(data, '$.\"" + field + "\"') = ?" + std::to_string(params.size() + 3);
        }
        sql += " AND (" + part + ")";
    }
    sql += " ORDER BY id LIMIT ?3";
    auto c = acquire();
    std::string after = request.cursor;
    while (true) {
        detail::query q(c->db, c->prepare(sql));
        if (!q.ok()) POLYMCP_SQLITE_FAIL(errc::backend_error);
        q.bind(collection).bind(after).bind(static_cast<std::int64_t>(limit + 1));
        for (const auto& p : params) {
            if (p.is_string()) q.bind(p.get_ref<const std::string&>());
            else if (p.is_boolean()) q.bind(static_cast<std::int64_t>(p.get<bool>() ? 1 : 0));
            else if (p.is_number_integer()) q.bind(p.get<std::int64_t>());
            else q.bind_double(p.get<double>());
        }
        int rc;
        std::size_t rows = 0;
        while ((rc = q.step()) == SQLITE_ROW) {
            ++rows;
            std::string id = q.text(0);
            after = id;
            auto data = nlohmann::json::parse(q.text(1), nullptr, false);
            if (data.is_discarded()) POLYMCP_SQLITE_FAIL(errc::corrupt_data);
            if (!f.matches(data)) continue;
            if (out.records.size() == limit) {
                out.next_cursor = out.records.back().id;
                return out;
            }
            out.records.push_back(record{std::move(id), std::move(data), q.int64(2)});
        }
        if (rc != SQLITE_DONE) POLYMCP_SQLITE_FAIL(detail::map_error(rc));
        if (rows < limit + 1) return out;  // the end of the collection
    }
}

inline bool sqlite_storage::integrity_check(std::error_code& ec) {
    ec.clear();
    auto c = acquire();
    bool ok = true;
    for (const char* sql : {"PRAGMA main.integrity_check", "PRAGMA eph.integrity_check"}) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(c->db, sql, -1, &st, nullptr) != SQLITE_OK) {
            ec = errc::backend_error;
            return false;
        }
        int rc = sqlite3_step(st);
        if (rc != SQLITE_ROW) ec = detail::map_error(rc);
        else ok = ok && std::string_view(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) == "ok";
        sqlite3_finalize(st);
        if (ec) return false;
    }
    return ok;
}

#undef POLYMCP_SQLITE_FAIL

}  // namespace polymcp::storage

#endif
