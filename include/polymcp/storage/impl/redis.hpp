#ifndef POLYMCP_STORAGE_IMPL_REDIS_HPP
#define POLYMCP_STORAGE_IMPL_REDIS_HPP

// Definitions for polymcp/storage/redis.hpp (inline: this backend is optional
// and links hiredis, so it is not part of polymcp::compiled).

#include <polymcp/storage/redis.hpp>

#include <hiredis/hiredis.h>

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace polymcp::storage {

namespace detail {

struct reply_deleter {
    void operator()(redisReply* r) const noexcept { freeReplyObject(r); }
};

inline timeval to_timeval(std::chrono::milliseconds ms) {
    timeval tv{};
    tv.tv_sec = static_cast<decltype(tv.tv_sec)>(ms.count() / 1000);
    tv.tv_usec = static_cast<decltype(tv.tv_usec)>((ms.count() % 1000) * 1000);
    return tv;
}

// Escapes the glob characters of SCAN's MATCH pattern.
inline std::string glob_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 8);
    for (char c : s) {
        if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out.push_back('\\');
        out.push_back(c);
    }
    return out;
}

// The Lua helpers every record script starts with. R is the record prefix;
// collection names, ids and constraint names are escaped like make_key().
inline constexpr const char* lua_prelude = R"lua(
local R = ARGV[1]
local function esc(s) return (string.gsub(s, '[%%:]', function(ch) if ch == ':' then return '%3A' end return '%25' end)) end
local function rkey(c, id) return R .. 'r:' .. esc(c) .. ':' .. esc(id) end
local function ukey(c, name) return R .. 'u:' .. esc(c) .. ':' .. esc(name) end
local function ikey(c) return R .. 'i:' .. esc(c) end
local function gkey(c) return R .. 'g:' .. esc(c) end
)lua";

// 0: expire with zero TTL (PERSIST), reporting whether the key exists.
// KEYS[1] the key.
inline constexpr const char* lua_persist = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('PERSIST', KEYS[1])
return 1
)lua";

// 1: a write batch. ARGV: R, op count, then per op: kind ('c', 'u', 'r'),
// collection, id, expected version ('' for none), data, unique value count n,
// then n (constraint name, value) pairs. Checks every op against the state
// the ones before it leave (pass 1) and only then writes (pass 2), so that a
// batch is all or nothing. Returns {status, op index or version}.
inline constexpr const char* lua_write = R"lua(
local ops = {}
local i = 3
for k = 1, tonumber(ARGV[2]) do
  local op = {kind = ARGV[i], c = ARGV[i + 1], id = ARGV[i + 2], expected = ARGV[i + 3], data = ARGV[i + 4], u = {}}
  local n = tonumber(ARGV[i + 5])
  i = i + 6
  for j = 1, n do
    op.u[#op.u + 1] = ARGV[i]
    op.u[#op.u + 1] = ARGV[i + 1]
    i = i + 2
  end
  ops[k] = op
end
local rec, owner = {}, {}
local function load(rk)
  local r = rec[rk]
  if r ~= nil then return r end
  local h = redis.call('HMGET', rk, 'v', 'u')
  if not h[1] then r = false else r = {v = tonumber(h[1]), u = h[2] and cjson.decode(h[2]) or {}} end
  rec[rk] = r
  return r
end
for k, op in ipairs(ops) do
  local rk = rkey(op.c, op.id)
  local r = load(rk)
  if op.kind == 'c' then
    if r then return {'already_exists', k} end
  else
    if not r then return {'not_found', k} end
    if op.expected ~= '' and tonumber(op.expected) ~= r.v then return {'conflict', k} end
    for j = 1, #r.u, 2 do owner[ukey(op.c, r.u[j]) .. '\0' .. r.u[j + 1]] = false end
  end
  if op.kind == 'r' then
    rec[rk] = false
  else
    for j = 1, #op.u, 2 do
      local slot = ukey(op.c, op.u[j]) .. '\0' .. op.u[j + 1]
      local o = owner[slot]
      if o == nil then o = redis.call('HGET', ukey(op.c, op.u[j]), op.u[j + 1]) end
      if o and o ~= op.id then return {'unique_violation', k} end
      owner[slot] = op.id
    end
    rec[rk] = {v = (r and r.v or 0) + 1, u = op.u}
  end
end
local last = 0
for _, op in ipairs(ops) do
  local rk = rkey(op.c, op.id)
  local h = redis.call('HMGET', rk, 'v', 'u')
  local v = tonumber(h[1] or '0')
  if h[2] then
    local old = cjson.decode(h[2])
    for j = 1, #old, 2 do
      local uk = ukey(op.c, old[j])
      if redis.call('HGET', uk, old[j + 1]) == op.id then redis.call('HDEL', uk, old[j + 1]) end
    end
  end
  if op.kind == 'r' then
    redis.call('DEL', rk)
    redis.call('ZREM', ikey(op.c), op.id)
  else
    for j = 1, #op.u, 2 do redis.call('HSET', ukey(op.c, op.u[j]), op.u[j + 1], op.id) end
    last = v + 1
    redis.call('HSET', rk, 'd', op.data, 'v', last, 'u', cjson.encode(op.u))
    if v == 0 then redis.call('ZADD', ikey(op.c), 0, op.id) end
  end
  redis.call('INCR', gkey(op.c))
end
return {'ok', last}
)lua";

// 2: one page of a collection in id order. ARGV: R, collection, after ('' for
// the start), n. Returns {id, data, version, ...}.
inline constexpr const char* lua_page = R"lua(
local c = ARGV[2]
local min = '-'
if ARGV[3] ~= '' then min = '(' .. ARGV[3] end
local ids = redis.call('ZRANGEBYLEX', ikey(c), min, '+', 'LIMIT', 0, tonumber(ARGV[4]))
local out = {}
for _, id in ipairs(ids) do
  local h = redis.call('HMGET', rkey(c, id), 'd', 'v')
  if h[1] then
    out[#out + 1] = id
    out[#out + 1] = h[1]
    out[#out + 1] = h[2]
  end
end
return out
)lua";

// 3: (re)defines a collection's unique constraints from a snapshot of its
// records, unless a write happened since the snapshot. ARGV: R, collection,
// schema JSON, the write generation of the snapshot, record count, then per
// record: id, value count n, n (constraint name, value) pairs.
inline constexpr const char* lua_define = R"lua(
local c = ARGV[2]
if (redis.call('GET', gkey(c)) or '0') ~= ARGV[4] then return {'retry'} end
local recs, seen = {}, {}
local i = 6
for k = 1, tonumber(ARGV[5]) do
  local r = {id = ARGV[i], u = {}}
  local n = tonumber(ARGV[i + 1])
  i = i + 2
  for j = 1, n do
    local slot = ARGV[i] .. '\0' .. ARGV[i + 1]
    if seen[slot] then return {'unique_violation'} end
    seen[slot] = true
    r.u[#r.u + 1] = ARGV[i]
    r.u[#r.u + 1] = ARGV[i + 1]
    i = i + 2
  end
  recs[k] = r
end
local old = redis.call('GET', R .. 's:' .. esc(c))
if old then
  for _, u in ipairs(cjson.decode(old)) do redis.call('DEL', ukey(c, u.name)) end
end
for _, r in ipairs(recs) do
  for j = 1, #r.u, 2 do redis.call('HSET', ukey(c, r.u[j]), r.u[j + 1], r.id) end
  redis.call('HSET', rkey(c, r.id), 'u', cjson.encode(r.u))
end
redis.call('SET', R .. 's:' .. esc(c), ARGV[3])
return {'ok'}
)lua";

inline std::string script_text(int which) {
    switch (which) {
        case 0: return lua_persist;
        case 1: return std::string(lua_prelude) + lua_write;
        case 2: return std::string(lua_prelude) + lua_page;
        default: return std::string(lua_prelude) + lua_define;
    }
}
inline constexpr int script_count = 4;
inline constexpr int persist_script = 0, write_script = 1, page_script = 2, define_script = 3;

}  // namespace detail

// A reply, owned.
struct redis_storage::reply {
    std::unique_ptr<redisReply, detail::reply_deleter> p;
    explicit operator bool() const noexcept { return p != nullptr; }
    redisReply* operator->() const noexcept { return p.get(); }
    std::string_view str() const { return p && p->str ? std::string_view(p->str, p->len) : std::string_view(); }
    static std::string_view str(const redisReply* r) {
        return r->str ? std::string_view(r->str, r->len) : std::string_view();
    }
};

// One hiredis connection (null while disconnected).
class redis_storage::connection {
public:
    redisContext* ctx = nullptr;
    ~connection() { drop(); }
    void drop() {
        if (ctx != nullptr) redisFree(ctx);
        ctx = nullptr;
    }
    // Open and with nothing unexpected to read (a closed peer reads as EOF).
    bool healthy() const {
        if (ctx == nullptr || ctx->err != 0) return false;
        pollfd p{ctx->fd, POLLIN, 0};
        return ::poll(&p, 1, 0) == 0;
    }
};

inline redis_storage::redis_storage(redis_options options, std::error_code& ec)
    : options_(std::move(options)), gate_(options_.reconnect_backoff_initial, options_.reconnect_backoff_max) {
    init(ec);
}

inline redis_storage::redis_storage(redis_options options)
    : options_(std::move(options)), gate_(options_.reconnect_backoff_initial, options_.reconnect_backoff_max) {
    std::error_code ec;
    init(ec);
    if (ec == errc::invalid_argument) throw std::system_error(ec, "redis_storage options");
}

inline void redis_storage::init(std::error_code& ec) {
    ec.clear();
    const auto& o = options_;
    if (o.pool_size == 0 || o.pool_size > 64 || o.key_prefix.empty() || o.record_prefix.empty() ||
        o.record_prefix.rfind(o.key_prefix, 0) == 0 || o.key_prefix.rfind(o.record_prefix, 0) == 0) {
        ec = errc::invalid_argument;
        return;
    }
    for (int i = 0; i < detail::script_count; ++i) script_sha_.emplace_back();
    for (std::size_t i = 0; i < o.pool_size; ++i) pool_.add(std::make_unique<connection>());
    runner_ = std::make_unique<detail::blocking_runner>(o.pool_size, o.operation_timeout);
    listen_ = std::make_unique<connection>();
    listener_ = std::make_unique<detail::channel_listener>(listener_backend(), hub_, o.reconnect_backoff_initial,
                                                           o.reconnect_backoff_max);
    auto c = acquire(ec);  // connect once now; later operations reconnect as needed
}

inline redis_storage::~redis_storage() { shutdown(); }

inline void redis_storage::shutdown() {
    if (runner_) runner_->stop();
    if (listener_) listener_->stop();
}

inline bool redis_storage::connect(connection& c, bool scripts) {
    auto log = [this](const std::string& what) {
        if (options_.log) options_.log("redis: " + what);
    };
    c.drop();
    timeval tv = detail::to_timeval(options_.connect_timeout);
    c.ctx = options_.unix_socket.empty() ? redisConnectWithTimeout(options_.host.c_str(), options_.port, tv)
                                         : redisConnectUnixWithTimeout(options_.unix_socket.c_str(), tv);
    if (c.ctx == nullptr || c.ctx->err != 0) {
        log(std::string("connecting failed: ") + (c.ctx != nullptr ? c.ctx->errstr : "out of memory"));
        c.drop();
        return false;
    }
    redisSetTimeout(c.ctx, detail::to_timeval(options_.command_timeout));
    redisEnableKeepAlive(c.ctx);
    auto simple = [&](const std::vector<std::string_view>& args, const char* what) {
        std::vector<const char*> argv;
        std::vector<size_t> lens;
        for (auto a : args) {
            argv.push_back(a.data());
            lens.push_back(a.size());
        }
        reply r{std::unique_ptr<redisReply, detail::reply_deleter>(static_cast<redisReply*>(
            redisCommandArgv(c.ctx, static_cast<int>(argv.size()), argv.data(), lens.data())))};
        if (!r || r->type == REDIS_REPLY_ERROR) {
            log(std::string(what) + " failed" + (r ? ": " + std::string(r.str()) : std::string()));
            return reply{};
        }
        return r;
    };
    if (!options_.password.empty()) {
        bool ok = options_.username.empty() ? bool(simple({"AUTH", options_.password}, "AUTH"))
                                            : bool(simple({"AUTH", options_.username, options_.password}, "AUTH"));
        if (!ok) {
            c.drop();
            return false;
        }
    }
    if (options_.database != 0) {
        std::string db = std::to_string(options_.database);
        if (!simple({"SELECT", db}, "SELECT")) {
            c.drop();
            return false;
        }
    }
    for (int i = 0; scripts && i < detail::script_count; ++i) {
        std::string text = detail::script_text(i);
        auto r = simple({"SCRIPT", "LOAD", text}, "SCRIPT LOAD");
        if (!r || r->type != REDIS_REPLY_STRING) {
            c.drop();
            return false;
        }
        std::lock_guard lock(sha_mu_);
        script_sha_[static_cast<std::size_t>(i)] = std::string(r.str());
    }
    return true;
}

inline redis_storage::lease redis_storage::acquire(std::error_code& ec) {
    auto l = pool_.acquire();
    detail::ensure_connected(*l, gate_, [this](connection& c) { return connect(c); }, ec);
    return l;
}

inline redis_storage::reply redis_storage::command(connection& c, const std::vector<std::string_view>& args,
                                                   std::error_code& ec) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    argv.reserve(args.size());
    lens.reserve(args.size());
    for (auto a : args) {
        argv.push_back(a.data());
        lens.push_back(a.size());
    }
    errno = 0;
    reply r{std::unique_ptr<redisReply, detail::reply_deleter>(
        static_cast<redisReply*>(redisCommandArgv(c.ctx, static_cast<int>(argv.size()), argv.data(), lens.data())))};
    int saved = errno;
    if (!r) {
        // The connection's reply stream is now unknown: never reuse it.
        bool timed_out = c.ctx->err == REDIS_ERR_IO && (saved == EAGAIN || saved == EWOULDBLOCK);
        if (options_.log) options_.log(std::string("redis: connection lost: ") + c.ctx->errstr);
        c.drop();
        ec = timed_out ? errc::timeout : errc::unavailable;
        return r;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        auto msg = r.str();
        auto starts = [&](std::string_view p) { return msg.substr(0, p.size()) == p; };
        if (starts("WRONGTYPE") || starts("ERR value is not an integer")) ec = errc::wrong_type;
        else if (starts("ERR increment or decrement would overflow")) ec = errc::invalid_argument;
        else if (starts("NOSCRIPT")) ec = errc::backend_error;  // script() reloads and retries
        else if (starts("LOADING") || starts("BUSY") || starts("MASTERDOWN") || starts("NOAUTH") ||
                 starts("READONLY"))
            ec = errc::unavailable;
        else ec = errc::backend_error;
        if (options_.log && !starts("WRONGTYPE") && !starts("NOSCRIPT"))
            options_.log("redis: error reply: " + std::string(msg.substr(0, 200)));
    }
    return r;
}

inline redis_storage::reply redis_storage::script(connection& c, int which, const std::vector<std::string_view>& args,
                                                  std::error_code& ec) {
    std::string sha;
    {
        std::lock_guard lock(sha_mu_);
        sha = script_sha_[static_cast<std::size_t>(which)];
    }
    std::vector<std::string_view> full{"EVALSHA", sha};
    full.insert(full.end(), args.begin(), args.end());
    auto r = command(c, full, ec);
    if (ec == errc::backend_error && r && r.str().substr(0, 8) == "NOSCRIPT") {
        // The server lost its script cache (SCRIPT FLUSH): send the text once.
        ec.clear();
        std::string text = detail::script_text(which);
        full[0] = "EVAL";
        full[1] = text;
        r = command(c, full, ec);
    }
    return r;
}

// Validate, borrow a healthy connection, run, map the reply.
#define POLYMCP_REDIS_FAIL(code) \
    do {                         \
        ec = (code);             \
        return {};               \
    } while (0)
#define POLYMCP_REDIS_LEASE(name) \
    auto name = acquire(ec);        \
    if (ec) return {}

inline std::optional<std::string> redis_storage::get(std::string_view k, std::error_code& ec) {
    ec.clear();
    if (!detail::valid_name(k)) POLYMCP_REDIS_FAIL(errc::invalid_argument);
    POLYMCP_REDIS_LEASE(c);
    std::string full = key(k);
    auto r = command(*c, {"GET", full}, ec);
    if (ec) return {};
    if (r->type == REDIS_REPLY_NIL) return std::nullopt;
    if (r->type != REDIS_REPLY_STRING) POLYMCP_REDIS_FAIL(errc::corrupt_data);
    return std::string(r.str());
}

inline void redis_storage::set(std::string_view k, std::string_view value, ttl t, std::error_code& ec) {
    ec.clear();
    if (!detail::valid_name(k) || t.count() < 0) {
        ec = errc::invalid_argument;
        return;
    }
    auto c = acquire(ec);
    if (ec) return;
    std::string full = key(k), ms = std::to_string(t.count());
    if (t.count() > 0) command(*c, {"SET", full, value, "PX", ms}, ec);
    else command(*c, {"SET", full, value}, ec);
}

inline bool redis_storage::set_if_absent(std::string_view k, std::string_view value, ttl t, std::error_code& ec) {
    ec.clear();
    if (!detail::valid_name(k) || t.count() < 0) POLYMCP_REDIS_FAIL(errc::invalid_argument);
    POLYMCP_REDIS_LEASE(c);
    std::string full = key(k), ms = std::to_string(t.count());
    auto r = t.count() > 0 ? command(*c, {"SET", full, value, "NX", "PX", ms}, ec)
                           : command(*c, {"SET", full, value, "NX"}, ec);
    if (ec) return false;
    return r->type == REDIS_REPLY_STATUS;
}

inline bool redis_storage::erase(std::string_view k, std::error_code& ec) {
    ec.clear();
    if (!detail::valid_name(k)) POLYMCP_REDIS_FAIL(errc::invalid_argument);
    POLYMCP_REDIS_LEASE(c);
    std::string full = key(k);
    auto r = command(*c, {"DEL", full}, ec);
    return !ec && r->type == REDIS_REPLY_INTEGER && r->integer > 0;
}

inline bool redis_storage::expire(std::string_view k, ttl t, std::error_code& ec) {
    ec.clear();
    if (!detail::valid_name(k) || t.count() < 0) POLYMCP_REDIS_FAIL(errc::invalid_argument);
    POLYMCP_REDIS_LEASE(c);
    std::string full = key(k), ms = std::to_string(t.count());
    auto r = t.count() > 0 ? command(*c, {"PEXPIRE", full, ms}, ec)
                           : script(*c, detail::persist_script, {"1", full}, ec);
    return !ec && r->type == REDIS_REPLY_INTEGER && r->integer == 1;
}

inline std::int64_t redis_storage::increment(std::string_view k, std::int64_t delta, std::error_code& ec) {
    ec.clear();
    if (!detail::valid_name(k)) POLYMCP_REDIS_FAIL(errc::invalid_argument);
    POLYMCP_REDIS_LEASE(c);
    std::string full = key(k), d = std::to_string(delta);
    auto r = command(*c, {"INCRBY", full, d}, ec);
    if (ec) return 0;
    if (r->type != REDIS_REPLY_INTEGER) POLYMCP_REDIS_FAIL(errc::corrupt_data);
    return r->integer;
}

inline bool redis_storage::set_add(std::string_view k, std::string_view member, std::error_code& ec) {
    ec.clear();
    if (!detail::valid_name(k)) POLYMCP_REDIS_FAIL(errc::invalid_argument);
    POLYMCP_REDIS_LEASE(c);
    std::string full = key(k);
    auto r = command(*c, {"SADD", full, member}, ec);
    return !ec && r->type == REDIS_REPLY_INTEGER && r->integer == 1;
}

inline bool redis_storage::set_remove(std::string_view k, std::string_view member, std::error_code& ec) {
    ec.clear();
    if (!detail::valid_name(k)) POLYMCP_REDIS_FAIL(errc::invalid_argument);
    POLYMCP_REDIS_LEASE(c);
    std::string full = key(k);
    auto r = command(*c, {"SREM", full, member}, ec);
    return !ec && r->type == REDIS_REPLY_INTEGER && r->integer == 1;
}

inline std::vector<std::string> redis_storage::set_members(std::string_view k, std::error_code& ec) {
    ec.clear();
    if (!detail::valid_name(k)) POLYMCP_REDIS_FAIL(errc::invalid_argument);
    POLYMCP_REDIS_LEASE(c);
    std::string full = key(k);
    auto r = command(*c, {"SMEMBERS", full}, ec);
    if (ec) return {};
    if (r->type != REDIS_REPLY_ARRAY) POLYMCP_REDIS_FAIL(errc::corrupt_data);
    std::vector<std::string> out;
    out.reserve(r->elements);
    for (std::size_t i = 0; i < r->elements; ++i) out.emplace_back(reply::str(r->element[i]));
    std::sort(out.begin(), out.end());
    return out;
}

inline scan_page redis_storage::scan(std::string_view prefix, std::string_view cursor, std::size_t count,
                                     std::error_code& ec) {
    ec.clear();
    std::int64_t at = 0;
    if (!cursor.empty() && (!detail::parse_int64(cursor, at) || at < 0)) POLYMCP_REDIS_FAIL(errc::invalid_argument);
    std::size_t limit = detail::clamp_limit(count);
    POLYMCP_REDIS_LEASE(c);
    std::string pattern = detail::glob_escape(options_.key_prefix) + detail::glob_escape(prefix) + "*";
    std::string next = cursor.empty() ? std::string("0") : std::string(cursor);
    std::string per_call = std::to_string(std::max<std::size_t>(limit, 10));
    scan_page out;
    for (int round = 0; round < 64; ++round) {
        auto r = command(*c, {"SCAN", next, "MATCH", pattern, "COUNT", per_call}, ec);
        if (ec) return {};
        if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 || r->element[1]->type != REDIS_REPLY_ARRAY)
            POLYMCP_REDIS_FAIL(errc::corrupt_data);
        next = std::string(reply::str(r->element[0]));
        const redisReply* keys = r->element[1];
        for (std::size_t i = 0; i < keys->elements; ++i)
            out.keys.emplace_back(reply::str(keys->element[i]).substr(options_.key_prefix.size()));
        if (next == "0" || out.keys.size() >= limit) break;
    }
    if (next != "0") out.next_cursor = next;
    return out;
}

inline std::size_t redis_storage::erase_prefix(std::string_view prefix, std::error_code& ec) {
    ec.clear();
    std::size_t n = 0;
    std::string cursor;
    do {
        auto page = scan(prefix, cursor, detail::max_page, ec);
        if (ec) return n;
        if (!page.keys.empty()) {
            auto c = acquire(ec);
            if (ec) return n;  // what was deleted so far
            std::vector<std::string> full;
            full.reserve(page.keys.size());
            for (const auto& k : page.keys) full.push_back(key(k));
            std::vector<std::string_view> args{"UNLINK"};
            args.insert(args.end(), full.begin(), full.end());
            auto r = command(*c, args, ec);
            if (ec) return n;
            if (r->type == REDIS_REPLY_INTEGER) n += static_cast<std::size_t>(r->integer);
        }
        cursor = page.next_cursor;
    } while (!cursor.empty());
    return n;
}

inline void redis_storage::ping(std::error_code& ec) {
    ec.clear();
    auto c = acquire(ec);
    if (ec) return;
    auto r = command(*c, {"PING"}, ec);
    if (!ec && (r->type != REDIS_REPLY_STATUS || r.str() != "PONG")) ec = errc::backend_error;
}

inline void redis_storage::publish(std::string_view channel, std::string_view message, std::error_code& ec) {
    if (!detail::publishable(channel, message, ec)) return;
    auto c = acquire(ec);
    if (ec) return;
    std::string full = key(channel);
    auto r = command(*c, {"PUBLISH", full, message}, ec);
    if (!ec && r->type != REDIS_REPLY_INTEGER) ec = errc::corrupt_data;
}

inline subscription redis_storage::subscribe(std::string_view channel, message_handler handler, std::error_code& ec) {
    return detail::subscribe_listening(hub_, *listener_, channel, std::move(handler),
                                       options_.connect_timeout + options_.command_timeout, ec);
}

// The listener's connection: PSUBSCRIBE key_prefix*, then pmessage replies
// read as they arrive (never blocking: the socket is read only when poll()
// says it is readable).
inline detail::channel_listener::backend redis_storage::listener_backend() {
    detail::channel_listener::backend b;
    b.open = [this]() -> int {
        if (!connect(*listen_, false)) return -1;
        std::string pattern = detail::glob_escape(options_.key_prefix) + "*";
        std::error_code ec;
        auto r = command(*listen_, {"PSUBSCRIBE", pattern}, ec);
        if (ec || !r || r->type != REDIS_REPLY_ARRAY) {
            listen_->drop();
            return -1;
        }
        return listen_->ctx->fd;
    };
    b.read = [this]() {
        redisContext* ctx = listen_->ctx;
        pollfd p{ctx->fd, POLLIN, 0};
        if (::poll(&p, 1, 0) > 0 && redisBufferRead(ctx) != REDIS_OK) return false;
        while (true) {
            void* raw = nullptr;
            if (redisGetReplyFromReader(ctx, &raw) != REDIS_OK) return false;
            if (raw == nullptr) return true;
            reply r{std::unique_ptr<redisReply, detail::reply_deleter>(static_cast<redisReply*>(raw))};
            // {"pmessage", pattern, channel, payload}; subscription confirmations are skipped.
            if (r->type != REDIS_REPLY_ARRAY || r->elements != 4 || reply::str(r->element[0]) != "pmessage") continue;
            auto ch = reply::str(r->element[2]);
            if (ch.substr(0, options_.key_prefix.size()) != options_.key_prefix) continue;
            hub_.deliver(ch.substr(options_.key_prefix.size()), reply::str(r->element[3]));
        }
    };
    b.close = [this] { listen_->drop(); };
    b.log = options_.log;
    return b;
}

inline void redis_storage::define(const collection_schema& schema, std::error_code& ec) {
    ec.clear();
    if (!detail::valid_name(schema.name)) {
        ec = errc::invalid_argument;
        return;
    }
    const std::string wanted = detail::schema_json(schema);
    const auto& R = options_.record_prefix;
    std::string esc_name = make_key({schema.name});
    bool defined = false;
    // Writers racing with the snapshot make the script ask for another; give
    // up with `conflict` after a few.
    for (int attempt = 0; attempt < 16 && !defined; ++attempt) {
        auto c = acquire(ec);
        if (ec) return;
        // The write generation first: a write after it makes the script retry.
        std::string gkey = R + "g:" + esc_name, skey = R + "s:" + esc_name;
        auto g = command(*c, {"GET", gkey}, ec);
        if (ec) return;
        std::string gen = g->type == REDIS_REPLY_STRING ? std::string(g.str()) : std::string("0");
        auto s = command(*c, {"GET", skey}, ec);
        if (ec) return;
        if (s->type == REDIS_REPLY_STRING && s.str() == wanted) {
            defined = true;
            break;
        }
        // Snapshot every record's unique values under the new constraints.
        std::vector<std::string> args{R, schema.name, wanted, gen, ""};
        std::size_t records = 0;
        std::string after;
        while (true) {
            auto p = script(*c, detail::page_script, {"0", R, schema.name, after, "1000"}, ec);
            if (ec) return;
            if (p->type != REDIS_REPLY_ARRAY || p->elements % 3 != 0) {
                ec = errc::corrupt_data;
                return;
            }
            for (std::size_t i = 0; i < p->elements; i += 3) {
                auto data = nlohmann::json::parse(reply::str(p->element[i + 1]), nullptr, false);
                if (data.is_discarded()) {
                    ec = errc::corrupt_data;
                    return;
                }
                auto values = detail::unique_values(schema, data);
                args.emplace_back(reply::str(p->element[i]));
                args.push_back(std::to_string(values.size()));
                for (auto& [n, v] : values) {
                    args.push_back(n);
                    args.push_back(v);
                }
                ++records;
                after = std::string(reply::str(p->element[i]));
            }
            if (p->elements < 3000) break;
        }
        args[4] = std::to_string(records);
        std::vector<std::string_view> views{"0"};
        views.insert(views.end(), args.begin(), args.end());
        auto r = script(*c, detail::define_script, views, ec);
        if (ec) return;
        if (r->type != REDIS_REPLY_ARRAY || r->elements == 0) {
            ec = errc::corrupt_data;
            return;
        }
        auto status = reply::str(r->element[0]);
        if (status == "retry") continue;
        if (status == "unique_violation") {
            ec = errc::unique_violation;
            return;
        }
        defined = true;
    }
    if (!defined) {
        ec = errc::conflict;
        return;
    }
    schemas_.put(schema);
}

inline void redis_storage::write(const std::vector<write_op>& ops, record* out, std::error_code& ec) {
    ec.clear();
    std::vector<collection_schema> schemas;
    if ((ec = schemas_.resolve(ops, schemas))) return;
    if (ops.empty()) return;
    // Owned strings for the arguments, then views of them.
    std::vector<std::string> args{options_.record_prefix, std::to_string(ops.size())};
    for (std::size_t i = 0; i < ops.size(); ++i) {
        const auto& op = ops[i];
        args.emplace_back(op.op == write_op::kind::create ? "c" : op.op == write_op::kind::update ? "u" : "r");
        args.push_back(op.collection);
        args.push_back(op.id);
        args.push_back(op.expected_version ? std::to_string(*op.expected_version) : std::string());
        if (op.op == write_op::kind::remove) {
            args.emplace_back();
            args.emplace_back("0");
            continue;
        }
        args.push_back(op.data.dump());
        auto values = detail::unique_values(schemas[i], op.data);
        args.push_back(std::to_string(values.size()));
        for (auto& [n, v] : values) {
            args.push_back(n);
            args.push_back(v);
        }
    }
    std::vector<std::string_view> views{"0"};
    views.insert(views.end(), args.begin(), args.end());
    auto c = acquire(ec);
    if (ec) return;
    auto r = script(*c, detail::write_script, views, ec);
    if (ec) return;
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
        ec = errc::corrupt_data;
        return;
    }
    auto status = reply::str(r->element[0]);
    if (status == "ok") {
        if (out != nullptr) *out = record{ops.back().id, ops.back().data, r->element[1]->integer};
        return;
    }
    if (status == "already_exists") ec = errc::already_exists;
    else if (status == "not_found") ec = errc::not_found;
    else if (status == "conflict") ec = errc::conflict;
    else if (status == "unique_violation") ec = errc::unique_violation;
    else ec = errc::corrupt_data;
}

inline std::optional<record> redis_storage::read(std::string_view collection, std::string_view id,
                                                 std::error_code& ec) {
    ec.clear();
    if (!schemas_.find(collection) || !detail::valid_name(id)) POLYMCP_REDIS_FAIL(errc::invalid_argument);
    POLYMCP_REDIS_LEASE(c);
    std::string rk = options_.record_prefix + "r:" + make_key({collection}) + ":" + make_key({id});
    auto r = command(*c, {"HMGET", rk, "d", "v"}, ec);
    if (ec) return {};
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2) POLYMCP_REDIS_FAIL(errc::corrupt_data);
    if (r->element[0]->type == REDIS_REPLY_NIL) return std::nullopt;
    auto data = nlohmann::json::parse(reply::str(r->element[0]), nullptr, false);
    std::int64_t version = 0;
    if (data.is_discarded() || !detail::parse_int64(reply::str(r->element[1]), version))
        POLYMCP_REDIS_FAIL(errc::corrupt_data);
    return record{std::string(id), std::move(data), version};
}

inline page redis_storage::list(std::string_view collection, const filter& f, const page_request& request,
                                std::error_code& ec) {
    ec.clear();
    page out;
    if (!schemas_.find(collection)) POLYMCP_REDIS_FAIL(errc::invalid_argument);
    std::size_t limit = detail::clamp_limit(request.limit);
    POLYMCP_REDIS_LEASE(c);
    std::string coll(collection), after = request.cursor, n = std::to_string(limit + 1);
    // Pages of limit + 1 records in id order, filtered here, until the page fills.
    while (true) {
        auto r = script(*c, detail::page_script, {"0", options_.record_prefix, coll, after, n}, ec);
        if (ec) return {};
        if (r->type != REDIS_REPLY_ARRAY || r->elements % 3 != 0) POLYMCP_REDIS_FAIL(errc::corrupt_data);
        for (std::size_t i = 0; i < r->elements; i += 3) {
            std::string id(reply::str(r->element[i]));
            after = id;
            auto data = nlohmann::json::parse(reply::str(r->element[i + 1]), nullptr, false);
            std::int64_t version = 0;
            if (data.is_discarded() || !detail::parse_int64(reply::str(r->element[i + 2]), version))
                POLYMCP_REDIS_FAIL(errc::corrupt_data);
            if (!f.matches(data)) continue;
            if (out.records.size() == limit) {
                out.next_cursor = out.records.back().id;
                return out;
            }
            out.records.push_back(record{std::move(id), std::move(data), version});
        }
        if (r->elements / 3 < limit + 1) return out;  // the end of the collection
    }
}

#undef POLYMCP_REDIS_LEASE
#undef POLYMCP_REDIS_FAIL

}  // namespace polymcp::storage

#endif
