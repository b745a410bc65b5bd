#ifndef POLYMCP_STORAGE_IMPL_POSTGRES_HPP
#define POLYMCP_STORAGE_IMPL_POSTGRES_HPP

// Definitions for polymcp/storage/postgres.hpp (inline: this backend is
// optional and links libpq, so it is not part of polymcp::compiled).

#include <polymcp/storage/postgres.hpp>

#include <libpq-fe.h>

#include <poll.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace polymcp::storage {

namespace detail {

inline bool valid_schema_name(std::string_view s) {
    if (s.empty() || s.size() > 63 || (s[0] >= '0' && s[0] <= '9')) return false;
    return std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

// Schema migrations, applied in order inside one transaction under an
// advisory lock; each runs once per schema. Unqualified names resolve to the
// schema through the connection's search_path.
inline const std::vector<const char*>& migrations() {
    static const std::vector<const char*> m{
        R"sql(
CREATE FUNCTION now_ms() RETURNS bigint LANGUAGE sql VOLATILE
  AS $$ SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint $$;

CREATE TABLE records (
  collection text COLLATE "C" NOT NULL,
  id text COLLATE "C" NOT NULL,
  data jsonb NOT NULL,
  version bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT records_pkey PRIMARY KEY (collection, id));
CREATE INDEX records_data ON records USING gin (data jsonb_path_ops);
CREATE TABLE unique_keys (
  collection text COLLATE "C" NOT NULL,
  constraint_name text COLLATE "C" NOT NULL,
  value text COLLATE "C" NOT NULL,
  id text COLLATE "C" NOT NULL,
  CONSTRAINT unique_keys_pkey PRIMARY KEY (collection, constraint_name, value));
CREATE INDEX unique_keys_by_id ON unique_keys (collection, id);
CREATE TABLE collections (name text COLLATE "C" PRIMARY KEY, schema text NOT NULL);

CREATE UNLOGGED TABLE kv (
  key text COLLATE "C" PRIMARY KEY,
  kind smallint NOT NULL,          -- 0 string, 1 set
  value bytea,
  expires_ms bigint);              -- server clock, ms since the epoch; NULL: no expiry
CREATE INDEX kv_expires ON kv (expires_ms) WHERE expires_ms IS NOT NULL;
CREATE UNLOGGED TABLE members (
  key text COLLATE "C" NOT NULL REFERENCES kv (key) ON DELETE CASCADE,
  member bytea NOT NULL,
  PRIMARY KEY (key, member));

-- SQLSTATEs of our own: PM001 wrong type, PM002 already exists, PM003 not
-- found, PM004 version conflict.
CREATE FUNCTION kv_set_if_absent(k text, v bytea, ttl_ms bigint) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE n integer;
BEGIN
  DELETE FROM kv WHERE key = k AND expires_ms <= now_ms();
  INSERT INTO kv (key, kind, value, expires_ms)
    VALUES (k, 0, v, CASE WHEN ttl_ms > 0 THEN now_ms() + ttl_ms END)
    ON CONFLICT (key) DO NOTHING;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n = 1;
END $$;

CREATE FUNCTION kv_increment(k text, delta bigint) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE kd smallint; v bytea; cur bigint; nxt bigint;
BEGIN
  DELETE FROM kv WHERE key = k AND expires_ms <= now_ms();
  INSERT INTO kv (key, kind, value) VALUES (k, 0, '\x30'::bytea) ON CONFLICT (key) DO NOTHING;
  SELECT kind, value INTO kd, v FROM kv WHERE key = k FOR UPDATE;
  IF kd <> 0 OR encode(v, 'escape') !~ '^-?[0-9]{1,19}$' THEN
    RAISE EXCEPTION 'the value is not a 64-bit integer' USING ERRCODE = 'PM001';
  END IF;
  IF encode(v, 'escape')::numeric NOT BETWEEN -9223372036854775808 AND 9223372036854775807 THEN
    RAISE EXCEPTION 'the value is not a 64-bit integer' USING ERRCODE = 'PM001';
  END IF;
  cur := encode(v, 'escape')::bigint;
  nxt := cur + delta;  -- 22003 on overflow
  UPDATE kv SET value = convert_to(nxt::text, 'UTF8') WHERE key = k;
  RETURN nxt;
END $$;

CREATE FUNCTION kv_set_add(k text, m bytea) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE kd smallint; n integer;
BEGIN
  DELETE FROM kv WHERE key = k AND expires_ms <= now_ms();
  LOOP
    INSERT INTO kv (key, kind) VALUES (k, 1) ON CONFLICT (key) DO NOTHING;
    SELECT kind INTO kd FROM kv WHERE key = k FOR SHARE;
    EXIT WHEN FOUND;
  END LOOP;
  IF kd <> 1 THEN RAISE EXCEPTION 'not a set' USING ERRCODE = 'PM001'; END IF;
  INSERT INTO members (key, member) VALUES (k, m) ON CONFLICT DO NOTHING;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;

CREATE FUNCTION kv_set_remove(k text, m bytea) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE kd smallint; n integer;
BEGIN
  SELECT kind INTO kd FROM kv WHERE key = k AND (expires_ms IS NULL OR expires_ms > now_ms()) FOR UPDATE;
  IF NOT FOUND THEN RETURN 0; END IF;
  IF kd <> 1 THEN RAISE EXCEPTION 'not a set' USING ERRCODE = 'PM001'; END IF;
  DELETE FROM members WHERE key = k AND member = m;
  GET DIAGNOSTICS n = ROW_COUNT;
  DELETE FROM kv WHERE key = k AND NOT EXISTS (SELECT 1 FROM members WHERE key = k);
  RETURN n;
END $$;

-- One write of a batch: op 'c' create, 'u' update, 'r' remove; uniq is a
-- JSON array of [constraint name, value] pairs. Returns the new version.
CREATE FUNCTION record_apply(op text, c text, i text, expected bigint, d jsonb, uniq jsonb)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE v bigint;
BEGIN
  -- define() takes this lock exclusively while it rebuilds unique_keys.
  PERFORM pg_advisory_xact_lock_shared(hashtextextended(current_schema() || '.' || c, 0));
  SELECT version INTO v FROM records WHERE collection = c AND id = i FOR UPDATE;
  IF op = 'c' THEN
    IF FOUND THEN RAISE EXCEPTION 'the record exists' USING ERRCODE = 'PM002'; END IF;
    INSERT INTO records (collection, id, data, version) VALUES (c, i, d, 1);  -- records_pkey: a racing create
    v := 0;
  ELSE
    IF NOT FOUND THEN RAISE EXCEPTION 'no such record' USING ERRCODE = 'PM003'; END IF;
    IF expected IS NOT NULL AND expected <> v THEN
      RAISE EXCEPTION 'version conflict' USING ERRCODE = 'PM004';
    END IF;
    DELETE FROM unique_keys WHERE collection = c AND id = i;
    IF op = 'r' THEN
      DELETE FROM records WHERE collection = c AND id = i;
      RETURN 0;
    END IF;
    UPDATE records SET data = d, version = v + 1, updated_at = now() WHERE collection = c AND id = i;
  END IF;
  INSERT INTO unique_keys (collection, constraint_name, value, id)
    SELECT c, p ->> 0, p ->> 1, i FROM jsonb_array_elements(uniq) AS p;  -- unique_keys_pkey: taken
  RETURN v + 1;
END $$;
)sql"};
    return m;
}

inline nlohmann::json unique_json(const collection_schema& schema, const nlohmann::json& data) {
    nlohmann::json pairs = nlohmann::json::array();
    for (auto& [name, value] : detail::unique_values(schema, data)) pairs.push_back({name, value});
    return pairs;
}

// The greatest code point: every valid UTF-8 key starting with `prefix`
// (and not continuing with U+10FFFF) sorts bytewise below prefix + this.
inline constexpr std::string_view max_code_point = "\xF4\x8F\xBF\xBF";

// Whether SQLSTATE says the server or the connection is gone.
inline bool connection_state(std::string_view state) {
    return state.substr(0, 2) == "08" || state.substr(0, 2) == "53" || state == "57P01" || state == "57P02" ||
           state == "57P03";
}

}  // namespace detail

// One statement parameter: text, or bytes sent in binary (bytea), or NULL.
struct postgres_storage::param {
    std::string_view value;
    bool binary = false;
    bool null = false;
    static param text(std::string_view v) { return {v, false, false}; }
    static param bytes(std::string_view v) { return {v, true, false}; }
    static param none() { return {{}, false, true}; }
};

// A result, owned; text columns as views into it.
class postgres_storage::result {
public:
    result() = default;
    explicit result(PGresult* r) : r_(r, &PQclear) {}
    explicit operator bool() const noexcept { return r_ != nullptr; }
    int rows() const { return r_ ? PQntuples(r_.get()) : 0; }
    bool is_null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
    std::string_view text(int row, int col) const {
        return {PQgetvalue(r_.get(), row, col), static_cast<std::size_t>(PQgetlength(r_.get(), row, col))};
    }
    std::int64_t int64(int row, int col) const {
        std::int64_t v = 0;
        detail::parse_int64(text(row, col), v);
        return v;
    }
    // A bytea column (text format, hex), decoded by libpq.
    std::string bytes(int row, int col) const {
        std::size_t n = 0;
        unsigned char* p = PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(r_.get(), row, col)), &n);
        if (p == nullptr) return {};
        std::string out(reinterpret_cast<const char*>(p), n);
        PQfreemem(p);
        return out;
    }
    PGresult* get() const noexcept { return r_.get(); }
    std::int64_t affected() const {
        std::int64_t v = 0;
        detail::parse_int64(PQcmdTuples(r_.get()), v);
        return v;
    }

private:
    std::shared_ptr<PGresult> r_;
};

// One libpq connection (null while disconnected) and its prepared statements.
class postgres_storage::connection {
public:
    PGconn* conn = nullptr;
    std::map<std::string, std::string, std::less<>> prepared;  // SQL -> statement name
    std::string last_state;                                    // SQLSTATE of the last error
    ~connection() { drop(); }
    void drop() {
        if (conn != nullptr) PQfinish(conn);
        conn = nullptr;
        prepared.clear();
    }
    // Open, idle (not inside a transaction) and not closed by the server.
    bool healthy() {
        if (conn == nullptr || PQstatus(conn) != CONNECTION_OK || PQtransactionStatus(conn) != PQTRANS_IDLE)
            return false;
        pollfd p{PQsocket(conn), POLLIN, 0};
        if (::poll(&p, 1, 0) == 0) return true;
        if (PQconsumeInput(conn) == 0) return false;
        while (PGnotify* n = PQnotifies(conn)) PQfreemem(n);
        return PQstatus(conn) == CONNECTION_OK && PQisBusy(conn) == 0;
    }
};

inline postgres_storage::postgres_storage(postgres_options options, std::error_code& ec)
    : options_(std::move(options)), gate_(options_.reconnect_backoff_initial, options_.reconnect_backoff_max) {
    open(ec);
}

inline postgres_storage::postgres_storage(postgres_options options)
    : options_(std::move(options)), gate_(options_.reconnect_backoff_initial, options_.reconnect_backoff_max) {
    std::error_code ec;
    open(ec);
    if (ec) throw std::system_error(ec, "opening PostgreSQL storage (schema " + options_.schema + ")");
}

inline postgres_storage::~postgres_storage() { shutdown(); }

inline void postgres_storage::shutdown() {
    if (runner_) runner_->stop();
    if (listener_) listener_->stop();
}

inline bool postgres_storage::connect(connection& c) {
    using clock = std::chrono::steady_clock;
    c.drop();
    auto ms = [](std::chrono::milliseconds d) { return std::to_string(d.count()); };
    std::string pg_options = "-c search_path=" + options_.schema + " -c statement_timeout=" +
                             ms(options_.command_timeout) + " -c lock_timeout=" + ms(options_.command_timeout) +
                             " -c idle_in_transaction_session_timeout=" + ms(options_.command_timeout * 4);
    const char* keywords[] = {"dbname", "options", "application_name", "client_encoding", nullptr};
    const char* values[] = {options_.conninfo.c_str(), pg_options.c_str(), "polymcp", "UTF8", nullptr};
    c.conn = PQconnectStartParams(keywords, values, 1);
    auto fail = [&](const char* what) {
        if (options_.log) {
            std::string msg = c.conn != nullptr ? PQerrorMessage(c.conn) : "out of memory";
            while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
            options_.log(std::string("postgres: ") + what + ": " + msg);
        }
        c.drop();
        return false;
    };
    if (c.conn == nullptr || PQstatus(c.conn) == CONNECTION_BAD) return fail("connecting failed");
    auto deadline = clock::now() + options_.connect_timeout;
    auto status = PGRES_POLLING_WRITING;
    while (status != PGRES_POLLING_OK) {
        if (status == PGRES_POLLING_FAILED) return fail("connecting failed");
        pollfd p{PQsocket(c.conn), static_cast<short>(status == PGRES_POLLING_READING ? POLLIN : POLLOUT), 0};
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
        if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) == 0) return fail("connecting timed out");
        status = PQconnectPoll(c.conn);
    }
    if (PQsetnonblocking(c.conn, 1) != 0) return fail("non-blocking mode");
    // Server notices (NOTICE, WARNING) are not errors: never print them.
    PQsetNoticeProcessor(c.conn, [](void*, const char*) {}, nullptr);
    return true;
}

inline postgres_storage::lease postgres_storage::acquire(std::error_code& ec) {
    auto l = pool_.acquire();
    detail::ensure_connected(*l, gate_, [this](connection& c) { return connect(c); }, ec);
    return l;
}

namespace detail {

// The storage error a result stands for (none for a success).
inline std::error_code map_result(PGresult* r, std::string& state_out) {
    auto st = PQresultStatus(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) return {};
    const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    std::string_view s = state != nullptr ? state : "";
    state_out = std::string(s);
    if (s == "PM001") return errc::wrong_type;
    if (s == "PM002") return errc::already_exists;
    if (s == "PM003") return errc::not_found;
    if (s == "PM004") return errc::conflict;
    if (s == "23505") {
        const char* c = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
        return c != nullptr && std::string_view(c) == "records_pkey" ? errc::already_exists : errc::unique_violation;
    }
    if (s == "57014" || s == "55P03") return errc::timeout;  // statement_timeout, lock_timeout
    if (s == "22003" || s == "22021" || s == "22P05" || s == "54000" || s == "22P02") return errc::invalid_argument;
    if (connection_state(s)) return errc::unavailable;
    return errc::backend_error;
}

inline bool retryable(std::string_view state) { return state == "40001" || state == "40P01"; }

}  // namespace detail

inline postgres_storage::result postgres_storage::exec(connection& c, std::string_view sql,
                                                       const std::vector<param>& params, std::error_code& ec) {
    using clock = std::chrono::steady_clock;
    c.last_state.clear();
    if (c.conn == nullptr) {
        ec = errc::unavailable;
        return {};
    }
    // The server cancels at command_timeout; a silent server is given up on a little later.
    auto deadline = clock::now() + options_.command_timeout + std::chrono::milliseconds(500);
    auto lost = [&](bool timed_out) {
        if (options_.log)
            options_.log(timed_out ? std::string("postgres: no answer within the command timeout; dropping the connection")
                                   : std::string("postgres: connection lost: ") + PQerrorMessage(c.conn));
        c.drop();
        ec = timed_out ? errc::timeout : errc::unavailable;
        return false;
    };
    auto wait = [&](short events) {
        pollfd p{PQsocket(c.conn), events, 0};
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
        if (left <= 0) return false;
        return ::poll(&p, 1, static_cast<int>(left)) > 0;
    };
    // Flushes what was sent and reads every result of it into `out` (the
    // first error, else the last result). False when the connection failed.
    auto finish = [&](result& out) {
        int f;
        while ((f = PQflush(c.conn)) == 1) {
            if (!wait(POLLIN | POLLOUT)) return lost(true);
            if (PQconsumeInput(c.conn) == 0) return lost(false);
        }
        if (f == -1) return lost(false);
        bool failed = false;
        while (true) {
            while (PQisBusy(c.conn) != 0) {
                if (!wait(POLLIN)) return lost(true);
                if (PQconsumeInput(c.conn) == 0) return lost(false);
            }
            PGresult* r = PQgetResult(c.conn);
            if (r == nullptr) break;
            auto st = PQresultStatus(r);
            bool error = st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY;
            if (!failed) out = result(r);
            else PQclear(r);
            failed = failed || error;
        }
        if (PQstatus(c.conn) != CONNECTION_OK) return lost(false);
        return true;
    };
    auto check = [&](result& r) {
        if ((ec = detail::map_result(r.get(), c.last_state)) && ec == errc::backend_error && options_.log) {
            const char* msg = PQresultErrorField(r.get(), PG_DIAG_MESSAGE_PRIMARY);
            options_.log(std::string("postgres: ") + c.last_state + ": " + (msg != nullptr ? msg : "error"));
        }
        if (ec && c.conn != nullptr && PQstatus(c.conn) != CONNECTION_OK) c.drop();
    };

    result out;
    if (params.empty()) {
        // Transaction control, migrations (several statements): the simple query protocol.
        std::string text(sql);
        if (PQsendQuery(c.conn, text.c_str()) == 0 || !finish(out)) {
            if (!ec) lost(false);
            return {};
        }
        check(out);
        return ec ? result{} : out;
    }
    auto it = c.prepared.find(sql);
    std::string name;
    if (it == c.prepared.end()) {
        if (c.prepared.size() >= 256) {
            // Bound the cache (list() prepares one statement per filter shape).
            if (PQsendQuery(c.conn, "DEALLOCATE ALL") == 0 || !finish(out)) {
                if (!ec) lost(false);
                return {};
            }
            c.prepared.clear();
        }
        name = "polymcp_" + std::to_string(c.prepared.size());
        std::string text(sql);
        if (PQsendPrepare(c.conn, name.c_str(), text.c_str(), static_cast<int>(params.size()), nullptr) == 0 ||
            !finish(out)) {
            if (!ec) lost(false);
            return {};
        }
        check(out);
        if (ec) return {};
        c.prepared.emplace(std::move(text), name);
    } else {
        name = it->second;
    }
    // Text parameters go as C strings (libpq ignores their lengths): copy
    // them, since a string_view need not end with NUL. Bytes go as they are.
    std::vector<std::string> texts;
    texts.reserve(params.size());
    std::vector<const char*> values;
    std::vector<int> lengths, formats;
    for (const auto& p : params) {
        if (p.null) values.push_back(nullptr);
        else if (p.binary) values.push_back(p.value.data() != nullptr ? p.value.data() : "");
        else values.push_back(texts.emplace_back(p.value).c_str());
        lengths.push_back(static_cast<int>(p.value.size()));
        formats.push_back(p.binary ? 1 : 0);
    }
    if (PQsendQueryPrepared(c.conn, name.c_str(), static_cast<int>(params.size()), values.data(), lengths.data(),
                            formats.data(), 0) == 0 ||
        !finish(out)) {
        if (!ec) lost(false);
        return {};
    }
    check(out);
    return ec ? result{} : out;
}

template <class Body>
void postgres_storage::transaction(connection& c, Body&& body, std::error_code& ec) {
    for (int attempt = 0; attempt < 5; ++attempt) {
        ec.clear();
        exec(c, "BEGIN", {}, ec);
        if (ec) return;
        body(ec);
        if (!ec) exec(c, "COMMIT", {}, ec);
        if (!ec) return;
        std::string state = c.last_state;
        if (c.conn != nullptr && PQtransactionStatus(c.conn) != PQTRANS_IDLE) {
            std::error_code ignored;
            exec(c, "ROLLBACK", {}, ignored);
        }
        if (!detail::retryable(state)) return;
    }
}

inline void postgres_storage::open(std::error_code& ec) {
    ec.clear();
    if (options_.pool_size == 0 || options_.pool_size > 64 || !detail::valid_schema_name(options_.schema)) {
        ec = errc::invalid_argument;
        return;
    }
    for (std::size_t i = 0; i < options_.pool_size; ++i) pool_.add(std::make_unique<connection>());
    listen_ = std::make_unique<connection>();
    listener_ = std::make_unique<detail::channel_listener>(listener_backend(), hub_, options_.reconnect_backoff_initial,
                                                           options_.reconnect_backoff_max);
    {
        auto c = acquire(ec);
        if (ec) return;
        // Migrate forward in one transaction; the advisory lock makes
        // processes starting together take turns.
        const std::string& s = options_.schema;
        transaction(*c, [&](std::error_code& tec) {
            exec(*c, "SELECT pg_advisory_xact_lock(hashtextextended('polymcp.migrate.' || $1, 0))", {param::text(s)}, tec);
            if (tec) return;
            exec(*c, "CREATE SCHEMA IF NOT EXISTS " + s + "; CREATE TABLE IF NOT EXISTS " + s +
                         ".polymcp_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());",
                 {}, tec);
            if (tec) return;
            auto r = exec(*c, "SELECT COALESCE(max(version), 0) FROM polymcp_migrations", {}, tec);
            if (tec) return;
            auto current = static_cast<std::size_t>(r.int64(0, 0));
            const auto& steps = detail::migrations();
            for (std::size_t v = current; v < steps.size() && !tec; ++v) {
                exec(*c, steps[v], {}, tec);
                std::string version = std::to_string(v + 1);
                if (!tec) exec(*c, "INSERT INTO polymcp_migrations (version) VALUES ($1::integer)", {param::text(version)}, tec);
            }
        }, ec);
        if (ec && ec != errc::unavailable && ec != errc::timeout) ec = errc::backend_error;
        if (ec) return;
    }
    runner_ = std::make_unique<detail::blocking_runner>(options_.pool_size, options_.operation_timeout);
}

inline void postgres_storage::drop_schema(std::error_code& ec) {
    ec.clear();
    auto c = acquire(ec);
    if (ec) return;
    exec(*c, "DROP SCHEMA IF EXISTS " + options_.schema + " CASCADE;", {}, ec);
}

#define POLYMCP_PG_FAIL(code) \
    do {                      \
        ec = (code);          \
        return {};            \
    } while (0)
#define POLYMCP_PG_LEASE(name) \
    auto name = acquire(ec);     \
    if (ec) return {}

inline void postgres_storage::maybe_reclaim(connection& c) {
    // Every 64th write deletes up to 256 expired keys (members go by cascade).
    if (writes_.fetch_add(1, std::memory_order_relaxed) % 64 != 0) return;
    std::error_code ignored;
    exec(c, "DELETE FROM kv WHERE key IN (SELECT key FROM kv WHERE expires_ms <= now_ms() LIMIT 256)", {}, ignored);
}

inline std::optional<std::string> postgres_storage::get(std::string_view k, std::error_code& ec) {
    ec.clear();
    if (!detail::valid_name(k)) POLYMCP_PG_FAIL(errc::invalid_argument);
    POLYMCP_PG_LEASE(c);
    auto r = exec(*c, "SELECT kind, value FROM kv WHERE key = $1 AND (expires_ms IS NULL OR expires_ms > now_ms())",
                  {param::text(k)}, ec);
    if (ec || r.rows() == 0) return std::nullopt;
    if (r.int64(0, 0) != 0) POLYMCP_PG_FAIL(errc::wrong_type);
    return r.bytes(0, 1);
}

inline void postgres_storage::set(std::string_view k, std::string_view value, ttl t, std::error_code& ec) {
    ec.clear();
    if (!detail::valid_name(k) || t.count() < 0) {
        ec = errc::invalid_argument;
        return;
    }
    auto c = acquire(ec);
    if (ec) return;
    std::string ms = std::to_string(t.count());
    exec(*c,
         "WITH gone AS (DELETE FROM members WHERE key = $1) "
         "INSERT INTO kv (key, kind, value, expires_ms) VALUES ($1, 0, $2, CASE WHEN $3::bigint > 0 THEN now_ms() + "
         "$3::bigint END) ON CONFLICT (key) DO UPDATE SET kind = 0, value = excluded.value, expires_ms = excluded.expires_ms",
         {param::text(k), param::bytes(value), param::text(ms)}, ec);
    if (!ec) maybe_reclaim(*c);
}

inline bool postgres_storage::set_if_absent(std::string_view k, std::string_view value, ttl t, std::error_code& ec) {
    ec.clear();
    if (!detail::valid_name(k) || t.count() < 0) POLYMCP_PG_FAIL(errc::invalid_argument);
    POLYMCP_PG_LEASE(c);
    std::string ms = std::to_string(t.count());
    auto r = exec(*c, "SELECT kv_set_if_absent($1, $2, $3)", {param::text(k), param::bytes(value), param::text(ms)}, ec);
    return !ec && r.rows() == 1 && r.text(0, 0) == "t";
}

inline bool postgres_storage::erase(std::string_view k, std::error_code& ec) {
    ec.clear();
    if (!detail::valid_name(k)) POLYMCP_PG_FAIL(errc::invalid_argument);
    POLYMCP_PG_LEASE(c);
    auto r = exec(*c,
                  "WITH d AS (DELETE FROM kv WHERE key = $1 RETURNING expires_ms) "
                  "SELECT count(*) FROM d WHERE expires_ms IS NULL OR expires_ms > now_ms()",
                  {param::text(k)}, ec);
    return !ec && r.rows() == 1 && r.int64(0, 0) > 0;
}

inline bool postgres_storage::expire(std::string_view k, ttl t, std::error_code& ec) {
    ec.clear();
    if (!detail::valid_name(k) || t.count() < 0) POLYMCP_PG_FAIL(errc::invalid_argument);
    POLYMCP_PG_LEASE(c);
    std::string ms = std::to_string(t.count());
    auto r = exec(*c,
                  "UPDATE kv SET expires_ms = CASE WHEN $2::bigint > 0 THEN now_ms() + $2::bigint END "
                  "WHERE key = $1 AND (expires_ms IS NULL OR expires_ms > now_ms())",
                  {param::text(k), param::text(ms)}, ec);
    return !ec && r.affected() == 1;
}

inline std::int64_t postgres_storage::increment(std::string_view k, std::int64_t delta, std::error_code& ec) {
    ec.clear();
    if (!detail::valid_name(k)) POLYMCP_PG_FAIL(errc::invalid_argument);
    POLYMCP_PG_LEASE(c);
    std::string d = std::to_string(delta);
    auto r = exec(*c, "SELECT kv_increment($1, $2)", {param::text(k), param::text(d)}, ec);
    if (ec || r.rows() != 1) return 0;
    return r.int64(0, 0);
}

inline bool postgres_storage::set_add(std::string_view k, std::string_view member, std::error_code& ec) {
    ec.clear();
    if (!detail::valid_name(k)) POLYMCP_PG_FAIL(errc::invalid_argument);
    POLYMCP_PG_LEASE(c);
    auto r = exec(*c, "SELECT kv_set_add($1, $2)", {param::text(k), param::bytes(member)}, ec);
    if (!ec) maybe_reclaim(*c);
    return !ec && r.rows() == 1 && r.int64(0, 0) == 1;
}

inline bool postgres_storage::set_remove(std::string_view k, std::string_view member, std::error_code& ec) {
    ec.clear();
    if (!detail::valid_name(k)) POLYMCP_PG_FAIL(errc::invalid_argument);
    POLYMCP_PG_LEASE(c);
    auto r = exec(*c, "SELECT kv_set_remove($1, $2)", {param::text(k), param::bytes(member)}, ec);
    return !ec && r.rows() == 1 && r.int64(0, 0) == 1;
}

inline std::vector<std::string> postgres_storage::set_members(std::string_view k, std::error_code& ec) {
    ec.clear();
    if (!detail::valid_name(k)) POLYMCP_PG_FAIL(errc::invalid_argument);
    POLYMCP_PG_LEASE(c);
    auto r = exec(*c,
                  "SELECT k.kind, m.member FROM kv k LEFT JOIN members m ON m.key = k.key "
                  "WHERE k.key = $1 AND (k.expires_ms IS NULL OR k.expires_ms > now_ms()) ORDER BY m.member",
                  {param::text(k)}, ec);
    if (ec) return {};
    std::vector<std::string> out;
    for (int i = 0; i < r.rows(); ++i) {
        if (r.int64(i, 0) != 1) POLYMCP_PG_FAIL(errc::wrong_type);
        if (!r.is_null(i, 1)) out.push_back(r.bytes(i, 1));
    }
    return out;
}

inline scan_page postgres_storage::scan(std::string_view prefix, std::string_view cursor, std::size_t count,
                                        std::error_code& ec) {
    ec.clear();
    std::size_t limit = detail::clamp_limit(count);
    POLYMCP_PG_LEASE(c);
    std::string upper = std::string(prefix) + std::string(detail::max_code_point), n = std::to_string(limit);
    auto r = exec(*c,
                  "SELECT key FROM kv WHERE key >= $1 AND key > $2 AND key < $3 AND starts_with(key, $1) "
                  "AND (expires_ms IS NULL OR expires_ms > now_ms()) ORDER BY key LIMIT $4::integer",
                  {param::text(prefix), param::text(cursor), param::text(upper), param::text(n)}, ec);
    if (ec) return {};
    scan_page out;
    for (int i = 0; i < r.rows(); ++i) out.keys.emplace_back(r.text(i, 0));
    if (out.keys.size() == limit) out.next_cursor = out.keys.back();
    return out;
}

inline std::size_t postgres_storage::erase_prefix(std::string_view prefix, std::error_code& ec) {
    ec.clear();
    auto c = acquire(ec);
    if (ec) return 0;
    std::string upper = std::string(prefix) + std::string(detail::max_code_point);
    std::size_t n = 0;
    // Batches of 1000 rows, each its own statement, so that no transaction
    // holds the whole prefix.
    while (true) {
        auto r = exec(*c,
                      "WITH d AS (DELETE FROM kv WHERE key IN (SELECT key FROM kv WHERE key >= $1 AND key < $2 AND "
                      "starts_with(key, $1) ORDER BY key LIMIT 1000) RETURNING expires_ms) "
                      "SELECT count(*) FILTER (WHERE expires_ms IS NULL OR expires_ms > now_ms()), count(*) FROM d",
                      {param::text(prefix), param::text(upper)}, ec);
        if (ec) return n;
        n += static_cast<std::size_t>(r.int64(0, 0));
        if (r.int64(0, 1) == 0) return n;
    }
}

inline void postgres_storage::ping(std::error_code& ec) {
    ec.clear();
    auto c = acquire(ec);
    if (ec) return;
    exec(*c, "SELECT 1", {}, ec);
}

inline void postgres_storage::publish(std::string_view channel, std::string_view message, std::error_code& ec) {
    if (!detail::publishable(channel, message, ec)) return;
    auto c = acquire(ec);
    if (ec) return;
    std::string payload = std::string(channel) + ' ' + std::string(message);
    exec(*c, "SELECT pg_notify($1, $2)", {param::text(options_.schema), param::text(payload)}, ec);
}

inline subscription postgres_storage::subscribe(std::string_view channel, message_handler handler,
                                                std::error_code& ec) {
    return detail::subscribe_listening(hub_, *listener_, channel, std::move(handler),
                                       options_.connect_timeout + options_.command_timeout, ec);
}

// The listener's connection: LISTEN on the schema's channel, then the
// notifications libpq has read, each "channel message".
inline detail::channel_listener::backend postgres_storage::listener_backend() {
    detail::channel_listener::backend b;
    b.open = [this]() -> int {
        if (!connect(*listen_)) return -1;
        std::error_code ec;
        exec(*listen_, "LISTEN \"" + options_.schema + "\"", {}, ec);
        if (ec) {
            listen_->drop();
            return -1;
        }
        return PQsocket(listen_->conn);
    };
    b.read = [this]() {
        PGconn* conn = listen_->conn;
        if (conn == nullptr || PQconsumeInput(conn) == 0 || PQstatus(conn) != CONNECTION_OK) return false;
        while (PGnotify* n = PQnotifies(conn)) {
            std::string_view payload = n->extra != nullptr ? n->extra : "";
            auto space = payload.find(' ');
            if (options_.schema == n->relname && space != std::string_view::npos)
                hub_.deliver(payload.substr(0, space), payload.substr(space + 1));
            PQfreemem(n);
        }
        return true;
    };
    b.close = [this] { listen_->drop(); };
    b.log = options_.log;
    return b;
}

inline void postgres_storage::define(const collection_schema& schema, std::error_code& ec) {
    ec.clear();
    if (!detail::valid_name(schema.name)) {
        ec = errc::invalid_argument;
        return;
    }
    auto c = acquire(ec);
    if (ec) return;
    const std::string wanted = detail::schema_json(schema);
    transaction(*c, [&](std::error_code& tec) {
        // Writers hold this lock shared (record_apply): the rebuild sees them all.
        exec(*c, "SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || '.' || $1, 0))",
             {param::text(schema.name)}, tec);
        if (tec) return;
        auto s = exec(*c, "SELECT schema FROM collections WHERE name = $1", {param::text(schema.name)}, tec);
        if (tec || (s.rows() == 1 && s.text(0, 0) == wanted)) return;
        exec(*c, "DELETE FROM unique_keys WHERE collection = $1", {param::text(schema.name)}, tec);
        if (tec) return;
        auto all = exec(*c, "SELECT id, data::text FROM records WHERE collection = $1", {param::text(schema.name)}, tec);
        for (int i = 0; !tec && i < all.rows(); ++i) {
            auto data = nlohmann::json::parse(all.text(i, 1), nullptr, false);
            if (data.is_discarded()) {
                tec = errc::corrupt_data;
                return;
            }
            for (auto& [name, value] : detail::unique_values(schema, data)) {
                exec(*c, "INSERT INTO unique_keys (collection, constraint_name, value, id) VALUES ($1, $2, $3, $4)",
                     {param::text(schema.name), param::text(name), param::text(value), param::text(all.text(i, 0))}, tec);
                if (tec) return;
            }
        }
        if (!tec)
            exec(*c,
                 "INSERT INTO collections (name, schema) VALUES ($1, $2) "
                 "ON CONFLICT (name) DO UPDATE SET schema = excluded.schema",
                 {param::text(schema.name), param::text(wanted)}, tec);
    }, ec);
    if (ec) return;
    schemas_.put(schema);
}

inline void postgres_storage::write(const std::vector<write_op>& ops, record* out, std::error_code& ec) {
    ec.clear();
    std::vector<collection_schema> schemas;
    if ((ec = schemas_.resolve(ops, schemas))) return;
    if (ops.empty()) return;
    auto c = acquire(ec);
    if (ec) return;
    std::int64_t version = 0;
    auto apply = [&](std::size_t i, std::error_code& aec) {
        const auto& op = ops[i];
        std::string kind = op.op == write_op::kind::create ? "c" : op.op == write_op::kind::update ? "u" : "r";
        std::string expected = op.expected_version ? std::to_string(*op.expected_version) : std::string();
        std::string data = op.op == write_op::kind::remove ? std::string() : op.data.dump();
        std::string uniq = op.op == write_op::kind::remove ? std::string("[]") : detail::unique_json(schemas[i], op.data).dump();
        auto r = exec(*c, "SELECT record_apply($1, $2, $3, $4::bigint, $5::jsonb, $6::jsonb)",
                      {param::text(kind), param::text(op.collection), param::text(op.id),
                       op.expected_version ? param::text(expected) : param::none(),
                       op.op == write_op::kind::remove ? param::none() : param::text(data), param::text(uniq)},
                      aec);
        if (!aec && r.rows() == 1) version = r.int64(0, 0);
    };
    if (ops.size() == 1) {
        apply(0, ec);  // one statement: atomic on its own
    } else {
        transaction(*c, [&](std::error_code& tec) {
            for (std::size_t i = 0; i < ops.size() && !tec; ++i) apply(i, tec);
        }, ec);
    }
    if (!ec && out != nullptr) *out = record{ops.back().id, ops.back().data, version};
}

inline std::optional<record> postgres_storage::read(std::string_view collection, std::string_view id,
                                                    std::error_code& ec) {
    ec.clear();
    if (!schemas_.find(collection) || !detail::valid_name(id)) POLYMCP_PG_FAIL(errc::invalid_argument);
    POLYMCP_PG_LEASE(c);
    auto r = exec(*c, "SELECT data::text, version FROM records WHERE collection = $1 AND id = $2",
                  {param::text(collection), param::text(id)}, ec);
    if (ec || r.rows() == 0) return std::nullopt;
    auto data = nlohmann::json::parse(r.text(0, 0), nullptr, false);
    if (data.is_discarded()) POLYMCP_PG_FAIL(errc::corrupt_data);
    return record{std::string(id), std::move(data), r.int64(0, 1)};
}

inline page postgres_storage::list(std::string_view collection, const filter& f, const page_request& request,
                                   std::error_code& ec) {
    ec.clear();
    page out;
    if (!schemas_.find(collection)) POLYMCP_PG_FAIL(errc::invalid_argument);
    std::size_t limit = detail::clamp_limit(request.limit);
    // Clauses of scalar equalities become jsonb containment (served by the
    // GIN index); every row is then matched exactly by filter::matches.
    std::string sql = "SELECT id, data::text, version FROM records WHERE collection = $1 AND id > $2";
    std::vector<std::string> docs;
    for (const auto& clause : f.clauses()) {
        bool usable = !clause.empty();
        for (const auto& [field, value] : clause) usable = usable && value.is_primitive() && !value.is_null();
        if (!usable) continue;
        std::string part;
        for (const auto& [field, value] : clause) {
            if (!part.empty()) part += " OR ";
            docs.push_back(nlohmann::json{{field, value}}.dump());
            part += "data @> $" + std::to_string(docs.size() + 3) + "::jsonb";
        }
        sql += " AND (" + part + ")";
    }
    sql += " ORDER BY id LIMIT $3::integer";
    POLYMCP_PG_LEASE(c);
    std::string after = request.cursor, n = std::to_string(limit + 1), coll(collection);
    while (true) {
        std::vector<param> params{param::text(coll), param::text(after), param::text(n)};
        for (const auto& d : docs) params.push_back(param::text(d));
        auto r = exec(*c, sql, params, ec);
        if (ec) return {};
        for (int i = 0; i < r.rows(); ++i) {
            std::string id(r.text(i, 0));
            after = id;
            auto data = nlohmann::json::parse(r.text(i, 1), nullptr, false);
            if (data.is_discarded()) POLYMCP_PG_FAIL(errc::corrupt_data);
            if (!f.matches(data)) continue;
            if (out.records.size() == limit) {
                out.next_cursor = out.records.back().id;
                return out;
            }
            out.records.push_back(record{std::move(id), std::move(data), r.int64(i, 2)});
        }
        if (static_cast<std::size_t>(r.rows()) < limit + 1) return out;  // the end of the collection
    }
}

#undef POLYMCP_PG_LEASE
#undef POLYMCP_PG_FAIL

}  // namespace polymcp::storage

#endif
