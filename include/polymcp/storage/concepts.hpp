#ifndef POLYMCP_STORAGE_CONCEPTS_HPP
#define POLYMCP_STORAGE_CONCEPTS_HPP

/// @file polymcp/storage/concepts.hpp
/// The storage policy: the named requirement *Storage*, checked by the
/// `polymcp::storage::storage` concept and documented in docs/storage.md.
///
/// A storage has two faces. **Ephemeral state**: string keys holding a string
/// (or a 64-bit counter) or a set of strings, each with an optional TTL —
/// sessions, connection status, locks, rate limits. **Durable records**:
/// JSON objects by id in collections with unique constraints, listed with a
/// filter and a cursor, written in atomic batches — connectors, servers,
/// tokens. Models: `memory_storage` (polymcp/storage/memory.hpp),
/// `sqlite_storage` (sqlite.hpp), `redis_storage` (redis.hpp),
/// `postgres_storage` (postgres.hpp) and `split_storage` (split.hpp).
///
/// The refinement *PublishSubscribe* (`publish_subscribe`), which every
/// model above also meets, adds channels: short messages to every process
/// sharing the backend.

#include <polymcp/storage/error.hpp>
#include <polymcp/storage/subscription.hpp>
#include <polymcp/storage/types.hpp>

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace polymcp::storage {

/// *Storage*: a type `S` whose objects `s` support, with `k`, `v`, `m`,
/// `prefix`, `c`, `id` `std::string_view`s (key, value, set member, key
/// prefix, collection, record id), `t` a `storage::ttl`, `n` a
/// `std::int64_t`, `count` a `std::size_t`, `f` a `filter`, `pr` a
/// `page_request`, `schema` a `collection_schema`, `data` a
/// `nlohmann::json` object, `ver` a `std::optional<std::int64_t>`, `batch` a
/// `write_batch` and `ec` a `std::error_code&`:
///
/// | expression | returns | semantics |
/// |---|---|---|
/// | `s.get(k, ec)` | `std::optional<std::string>` | the string at `k`, or nothing when absent or expired |
/// | `s.set(k, v, t, ec)` | `void` | stores `v` at `k` (replacing any value and TTL) |
/// | `s.set_if_absent(k, v, t, ec)` | `bool` | stores only when `k` is absent or expired; atomic: of many concurrent callers exactly one gets `true` |
/// | `s.erase(k, ec)` | `bool` | deletes `k` (string or set); whether it existed |
/// | `s.expire(k, t, ec)` | `bool` | sets the TTL of an existing `k` (zero: no expiry); whether it existed |
/// | `s.increment(k, n, ec)` | `std::int64_t` | adds `n` to the integer at `k` (absent: 0), atomically; keeps the TTL |
/// | `s.set_add(k, m, ec)` | `bool` | adds `m` to the set at `k`; whether it was new |
/// | `s.set_remove(k, m, ec)` | `bool` | removes `m`; whether it was there (the set goes with its last member) |
/// | `s.set_members(k, ec)` | `std::vector<std::string>` | the members, sorted |
/// | `s.scan(prefix, c, count, ec)` | `scan_page` | about `count` live keys starting with `prefix`, from cursor `c` (empty: the start); never holds the backend for the whole key space |
/// | `s.erase_prefix(prefix, ec)` | `std::size_t` | deletes every key starting with `prefix`, scanning in batches; how many |
/// | `s.ping(ec)` | `void` | health check: succeeds when the backend answers |
/// | `s.define(schema, ec)` | `void` | declares a collection and its unique constraints (idempotent) |
/// | `s.create(c, id, data, ec)` | `record` | inserts; `already_exists`, `unique_violation` |
/// | `s.read(c, id, ec)` | `std::optional<record>` | the record, or nothing |
/// | `s.update(c, id, data, ver, ec)` | `record` | replaces the data and bumps the version; `not_found`, `conflict` (when `ver` is given and differs), `unique_violation` |
/// | `s.remove(c, id, ver, ec)` | `void` | deletes; `not_found`, `conflict` |
/// | `s.list(c, f, pr, ec)` | `page` | records matching `f` in ascending id order, one page |
/// | `s.commit(batch, ec)` | `void` | applies every write of `batch` or none (a transaction) |
///
/// Every operation reports failure only through `ec` (`polymcp::storage::errc`,
/// nothing is written on failure) and is safe to call from many threads at
/// once. The synchronous forms may block the calling thread for up to the
/// backend's timeout: call them from worker threads, and from I/O threads
/// use the asynchronous forms every model has, `s.async_get(k, token)` and
/// so on (the same arguments without `ec`, any Asio completion token,
/// completion signature `void(std::error_code, R)` or `void(std::error_code)`),
/// which never block the caller and complete with `errc::timeout` when the
/// backend does not answer within the configured operation timeout.
template <class S>
concept storage = requires(S& s, std::string_view k, std::string_view v, ttl t, std::int64_t n,
                           std::size_t count, const filter& f, const page_request& pr,
                           const collection_schema& schema, const nlohmann::json& data,
                           std::optional<std::int64_t> ver, const write_batch& batch, std::error_code& ec) {
    { s.get(k, ec) } -> std::same_as<std::optional<std::string>>;
    { s.set(k, v, t, ec) } -> std::same_as<void>;
    { s.set_if_absent(k, v, t, ec) } -> std::same_as<bool>;
    { s.erase(k, ec) } -> std::same_as<bool>;
    { s.expire(k, t, ec) } -> std::same_as<bool>;
    { s.increment(k, n, ec) } -> std::same_as<std::int64_t>;
    { s.set_add(k, v, ec) } -> std::same_as<bool>;
    { s.set_remove(k, v, ec) } -> std::same_as<bool>;
    { s.set_members(k, ec) } -> std::same_as<std::vector<std::string>>;
    { s.scan(k, v, count, ec) } -> std::same_as<scan_page>;
    { s.erase_prefix(k, ec) } -> std::same_as<std::size_t>;
    { s.ping(ec) } -> std::same_as<void>;
    { s.define(schema, ec) } -> std::same_as<void>;
    { s.create(k, v, data, ec) } -> std::same_as<record>;
    { s.read(k, v, ec) } -> std::same_as<std::optional<record>>;
    { s.update(k, v, data, ver, ec) } -> std::same_as<record>;
    { s.remove(k, v, ver, ec) } -> std::same_as<void>;
    { s.list(k, f, pr, ec) } -> std::same_as<page>;
    { s.commit(batch, ec) } -> std::same_as<void>;
    s.async_get(std::string(k), [](std::error_code, std::optional<std::string>) {});
    s.async_commit(batch, [](std::error_code) {});
};

/// *PublishSubscribe*: a *Storage* that also carries short messages between
/// the storage objects sharing its backend — every process of a deployment —
/// for change notifications and cache invalidation. With `ch` a channel name
/// (`valid_channel`), `msg` a `std::string_view` payload, `h` a
/// `message_handler` and `ec` a `std::error_code&`:
///
/// | expression | returns | semantics |
/// |---|---|---|
/// | `s.publish(ch, msg, ec)` | `void` | delivers `msg` to every subscription of `ch` made through any storage object on the same backend, this one included; at most once, in publishing order per publisher; nothing is kept for later subscribers. `errc::invalid_argument` for a bad channel or payload (`valid_channel`, `valid_message`); `errc::unavailable`, `errc::timeout` when the backend cannot take it |
/// | `s.subscribe(ch, h, ec)` | `subscription` | calls `h` for every message published on `ch` from the moment it returns until the `subscription` is reset; `errc::invalid_argument` (and an empty subscription) for a bad channel. When the backend cannot be reached it still subscribes, sets `errc::unavailable`, and delivery starts once it can, with `errc::messages_lost` first |
/// | `s.async_publish(std::string(ch), std::string(msg), token)` | | `publish` without blocking the caller; completion `void(std::error_code)` |
///
/// After a lost connection a model reconnects by itself and calls every
/// handler with `errc::messages_lost` before the next message, so that a
/// subscriber rereads the state it caches. Models: `memory_storage` and
/// `sqlite_storage` deliver within the process, on the publishing thread
/// (processes sharing one SQLite file do not hear each other);
/// `redis_storage` through `PUBLISH`/`PSUBSCRIBE`; `postgres_storage`
/// through `NOTIFY`/`LISTEN`; `split_storage` through its ephemeral part.
/// Thread-safety: every member may be called from many threads at once.
template <class S>
concept publish_subscribe =
    storage<S> && requires(S& s, std::string_view ch, std::string_view msg, message_handler h, std::error_code& ec) {
        { s.publish(ch, msg, ec) } -> std::same_as<void>;
        { s.subscribe(ch, std::move(h), ec) } -> std::same_as<subscription>;
        s.async_publish(std::string(ch), std::string(msg), [](std::error_code) {});
    };

namespace detail {

/// CRTP base giving a model the asynchronous forms of *Storage* from its
/// synchronous ones and its `runner()` (an inline_runner or a blocking_runner).
/// Arguments are copied into the operation, so they may go out of scope
/// before it completes.
template <class Derived>
class async_interface {
public:
    template <class Token>
    auto async_get(std::string k, Token&& token) {
        return run<std::optional<std::string>>(
            [k = std::move(k)](Derived& s, std::error_code& ec) { return s.get(k, ec); }, std::forward<Token>(token));
    }
    template <class Token>
    auto async_set(std::string k, std::string v, ttl t, Token&& token) {
        return run<void>([k = std::move(k), v = std::move(v), t](Derived& s, std::error_code& ec) {
            s.set(k, v, t, ec);
        }, std::forward<Token>(token));
    }
    template <class Token>
    auto async_set_if_absent(std::string k, std::string v, ttl t, Token&& token) {
        return run<bool>([k = std::move(k), v = std::move(v), t](Derived& s, std::error_code& ec) {
            return s.set_if_absent(k, v, t, ec);
        }, std::forward<Token>(token));
    }
    template <class Token>
    auto async_erase(std::string k, Token&& token) {
        return run<bool>([k = std::move(k)](Derived& s, std::error_code& ec) { return s.erase(k, ec); }, std::forward<Token>(token));
    }
    template <class Token>
    auto async_expire(std::string k, ttl t, Token&& token) {
        return run<bool>([k = std::move(k), t](Derived& s, std::error_code& ec) { return s.expire(k, t, ec); },
                         std::forward<Token>(token));
    }
    template <class Token>
    auto async_increment(std::string k, std::int64_t n, Token&& token) {
        return run<std::int64_t>(
            [k = std::move(k), n](Derived& s, std::error_code& ec) { return s.increment(k, n, ec); }, std::forward<Token>(token));
    }
    template <class Token>
    auto async_set_add(std::string k, std::string m, Token&& token) {
        return run<bool>([k = std::move(k), m = std::move(m)](Derived& s, std::error_code& ec) {
            return s.set_add(k, m, ec);
        }, std::forward<Token>(token));
    }
    template <class Token>
    auto async_set_remove(std::string k, std::string m, Token&& token) {
        return run<bool>([k = std::move(k), m = std::move(m)](Derived& s, std::error_code& ec) {
            return s.set_remove(k, m, ec);
        }, std::forward<Token>(token));
    }
    template <class Token>
    auto async_set_members(std::string k, Token&& token) {
        return run<std::vector<std::string>>(
            [k = std::move(k)](Derived& s, std::error_code& ec) { return s.set_members(k, ec); }, std::forward<Token>(token));
    }
    template <class Token>
    auto async_scan(std::string prefix, std::string cursor, std::size_t count, Token&& token) {
        return run<scan_page>([p = std::move(prefix), c = std::move(cursor), count](Derived& s, std::error_code& ec) {
            return s.scan(p, c, count, ec);
        }, std::forward<Token>(token));
    }
    template <class Token>
    auto async_erase_prefix(std::string prefix, Token&& token) {
        return run<std::size_t>(
            [p = std::move(prefix)](Derived& s, std::error_code& ec) { return s.erase_prefix(p, ec); }, std::forward<Token>(token));
    }
    template <class Token>
    auto async_ping(Token&& token) {
        return run<void>([](Derived& s, std::error_code& ec) { s.ping(ec); }, std::forward<Token>(token));
    }
    template <class Token>
    auto async_define(collection_schema schema, Token&& token) {
        return run<void>([sc = std::move(schema)](Derived& s, std::error_code& ec) { s.define(sc, ec); }, std::forward<Token>(token));
    }
    template <class Token>
    auto async_create(std::string c, std::string id, nlohmann::json data, Token&& token) {
        return run<record>([c = std::move(c), id = std::move(id), d = std::move(data)](Derived& s,
                                                                                      std::error_code& ec) {
            return s.create(c, id, d, ec);
        }, std::forward<Token>(token));
    }
    template <class Token>
    auto async_read(std::string c, std::string id, Token&& token) {
        return run<std::optional<record>>(
            [c = std::move(c), id = std::move(id)](Derived& s, std::error_code& ec) { return s.read(c, id, ec); },
            std::forward<Token>(token));
    }
    template <class Token>
    auto async_update(std::string c, std::string id, nlohmann::json data, std::optional<std::int64_t> ver,
                      Token&& token) {
        return run<record>([c = std::move(c), id = std::move(id), d = std::move(data), ver](Derived& s,
                                                                                           std::error_code& ec) {
            return s.update(c, id, d, ver, ec);
        }, std::forward<Token>(token));
    }
    template <class Token>
    auto async_remove(std::string c, std::string id, std::optional<std::int64_t> ver, Token&& token) {
        return run<void>([c = std::move(c), id = std::move(id), ver](Derived& s, std::error_code& ec) {
            s.remove(c, id, ver, ec);
        }, std::forward<Token>(token));
    }
    template <class Token>
    auto async_list(std::string c, filter f, page_request pr, Token&& token) {
        return run<page>([c = std::move(c), f = std::move(f), pr = std::move(pr)](Derived& s, std::error_code& ec) {
            return s.list(c, f, pr, ec);
        }, std::forward<Token>(token));
    }
    template <class Token>
    auto async_commit(write_batch batch, Token&& token) {
        return run<void>([b = std::move(batch)](Derived& s, std::error_code& ec) { s.commit(b, ec); }, std::forward<Token>(token));
    }
    template <class Token>
    auto async_publish(std::string channel, std::string message, Token&& token) {
        return run<void>([ch = std::move(channel), m = std::move(message)](Derived& s, std::error_code& ec) {
            s.publish(ch, m, ec);
        }, std::forward<Token>(token));
    }

private:
    template <class R, class Fn, class Token>
    auto run(Fn fn, Token&& token) {
        Derived& self = static_cast<Derived&>(*this);
        return self.runner().template run<R>(
            [&self, fn = std::move(fn)](std::error_code& ec) mutable { return fn(self, ec); },
            std::forward<Token>(token));
    }
};

}  // namespace detail

}  // namespace polymcp::storage

#endif
