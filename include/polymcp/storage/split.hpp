#ifndef POLYMCP_STORAGE_SPLIT_HPP
#define POLYMCP_STORAGE_SPLIT_HPP

/// @file polymcp/storage/split.hpp
/// `split_storage<E, D>`: one *Storage* (docs/storage.md) made of two, the
/// ephemeral state of `E` and the durable records of `D` — typically Redis
/// for sessions and PostgreSQL for connectors and credentials when several
/// gateway instances share state ("Scaling out" in docs/storage.md).

#include <polymcp/storage/concepts.hpp>

#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/bind_executor.hpp>

#include <optional>
#include <string>
#include <utility>

namespace polymcp::storage {

/// Forwards get/set/set_if_absent/erase/expire/increment/set_*/scan/
/// erase_prefix (and their async_ forms) to `ephemeral`, and define/create/
/// read/update/remove/list/commit to `durable`; `ping` checks both. Holds
/// references: both parts must outlive it. Its channels (*PublishSubscribe*),
/// when a part has them, are those of the ephemeral part, else those of the
/// durable one: with Redis sessions they are Redis channels.
/// Thread-safety: that of the parts (every model is safe to call from many
/// threads).
///
/// @code
/// polymcp::storage::redis_storage sessions(redis_opts);
/// polymcp::storage::postgres_storage records(pg_opts);
/// polymcp::storage::split_storage store(sessions, records);
/// static_assert(polymcp::storage::storage<decltype(store)>);
/// @endcode
template <class Ephemeral, class Durable>
    requires storage<Ephemeral> && storage<Durable>
class split_storage {
public:
    /// One storage of `ephemeral` (sessions, locks, counters) and `durable`
    /// (records); both must outlive it.
    split_storage(Ephemeral& ephemeral, Durable& durable) noexcept : e_(ephemeral), d_(durable) {}

    /// The part holding the ephemeral state.
    Ephemeral& ephemeral() noexcept { return e_; }
    /// The part holding the records.
    Durable& durable() noexcept { return d_; }

    /** @name Ephemeral state: the *Storage* requirements, forwarded to `ephemeral()`
     *  The *Storage* requirement of the same name (docs/storage.md), forwarded to `ephemeral()`. */
    ///@{
    /// The *Storage* requirement of the same name, on `ephemeral()`.
    std::optional<std::string> get(std::string_view k, std::error_code& ec) { return e_.get(k, ec); }
    void set(std::string_view k, std::string_view v, ttl t, std::error_code& ec) { e_.set(k, v, t, ec); }
    bool set_if_absent(std::string_view k, std::string_view v, ttl t, std::error_code& ec) {
        return e_.set_if_absent(k, v, t, ec);
    }
    bool erase(std::string_view k, std::error_code& ec) { return e_.erase(k, ec); }
    bool expire(std::string_view k, ttl t, std::error_code& ec) { return e_.expire(k, t, ec); }
    std::int64_t increment(std::string_view k, std::int64_t n, std::error_code& ec) { return e_.increment(k, n, ec); }
    bool set_add(std::string_view k, std::string_view m, std::error_code& ec) { return e_.set_add(k, m, ec); }
    bool set_remove(std::string_view k, std::string_view m, std::error_code& ec) { return e_.set_remove(k, m, ec); }
    std::vector<std::string> set_members(std::string_view k, std::error_code& ec) { return e_.set_members(k, ec); }
    scan_page scan(std::string_view prefix, std::string_view cursor, std::size_t count, std::error_code& ec) {
        return e_.scan(prefix, cursor, count, ec);
    }
    std::size_t erase_prefix(std::string_view prefix, std::error_code& ec) { return e_.erase_prefix(prefix, ec); }
    ///@}
    /// Succeeds when both parts answer; the first failure otherwise.
    void ping(std::error_code& ec) {
        e_.ping(ec);
        if (!ec) d_.ping(ec);
    }

    /** @name Records: the *Storage* requirements, forwarded to `durable()`
     *  The *Storage* requirement of the same name (docs/storage.md), forwarded to `durable()`. */
    ///@{
    /// The *Storage* requirement of the same name, on `durable()`.
    void define(const collection_schema& schema, std::error_code& ec) { d_.define(schema, ec); }
    record create(std::string_view c, std::string_view id, const nlohmann::json& data, std::error_code& ec) {
        return d_.create(c, id, data, ec);
    }
    std::optional<record> read(std::string_view c, std::string_view id, std::error_code& ec) { return d_.read(c, id, ec); }
    record update(std::string_view c, std::string_view id, const nlohmann::json& data, std::optional<std::int64_t> ver,
                  std::error_code& ec) {
        return d_.update(c, id, data, ver, ec);
    }
    void remove(std::string_view c, std::string_view id, std::optional<std::int64_t> ver, std::error_code& ec) {
        d_.remove(c, id, ver, ec);
    }
    page list(std::string_view c, const filter& f, const page_request& pr, std::error_code& ec) {
        return d_.list(c, f, pr, ec);
    }
    void commit(const write_batch& batch, std::error_code& ec) { d_.commit(batch, ec); }
    ///@}

    /// The part whose channels this storage uses: the ephemeral one when it
    /// meets *PublishSubscribe*, else the durable one.
    auto& channels() noexcept {
        if constexpr (publish_subscribe<Ephemeral>) return e_;
        else return d_;
    }
    /** @name Channels: the *PublishSubscribe* requirements, forwarded to `channels()`
     *  The *PublishSubscribe* requirement of the same name (docs/storage.md), forwarded to `channels()`. */
    ///@{
    /// The *PublishSubscribe* requirement of the same name, on `channels()`.
    void publish(std::string_view channel, std::string_view message, std::error_code& ec)
        requires(publish_subscribe<Ephemeral> || publish_subscribe<Durable>)
    {
        channels().publish(channel, message, ec);
    }
    subscription subscribe(std::string_view channel, message_handler handler, std::error_code& ec)
        requires(publish_subscribe<Ephemeral> || publish_subscribe<Durable>)
    {
        return channels().subscribe(channel, std::move(handler), ec);
    }
    ///@}

    /** @name The asynchronous forms, forwarded to the part that holds the data
     *  The asynchronous form of the *Storage* requirement of the same name, forwarded to the part that holds the data. */
    ///@{
    /// The *Storage* requirement of the same name, on the part that holds the data.
    template <class Token>
    auto async_get(std::string k, Token&& token) {
        return e_.async_get(k, std::forward<Token>(token));
    }
    template <class Token>
    auto async_set(std::string k, std::string v, ttl t, Token&& token) {
        return e_.async_set(std::move(k), std::move(v), t, std::forward<Token>(token));
    }
    template <class Token>
    auto async_set_if_absent(std::string k, std::string v, ttl t, Token&& token) {
        return e_.async_set_if_absent(std::move(k), std::move(v), t, std::forward<Token>(token));
    }
    template <class Token>
    auto async_erase(std::string k, Token&& token) {
        return e_.async_erase(std::move(k), std::forward<Token>(token));
    }
    template <class Token>
    auto async_expire(std::string k, ttl t, Token&& token) {
        return e_.async_expire(std::move(k), t, std::forward<Token>(token));
    }
    template <class Token>
    auto async_increment(std::string k, std::int64_t n, Token&& token) {
        return e_.async_increment(std::move(k), n, std::forward<Token>(token));
    }
    template <class Token>
    auto async_set_add(std::string k, std::string m, Token&& token) {
        return e_.async_set_add(std::move(k), std::move(m), std::forward<Token>(token));
    }
    template <class Token>
    auto async_set_remove(std::string k, std::string m, Token&& token) {
        return e_.async_set_remove(std::move(k), std::move(m), std::forward<Token>(token));
    }
    template <class Token>
    auto async_set_members(std::string k, Token&& token) {
        return e_.async_set_members(std::move(k), std::forward<Token>(token));
    }
    template <class Token>
    auto async_scan(std::string prefix, std::string cursor, std::size_t count, Token&& token) {
        return e_.async_scan(std::move(prefix), std::move(cursor), count, std::forward<Token>(token));
    }
    template <class Token>
    auto async_erase_prefix(std::string prefix, Token&& token) {
        return e_.async_erase_prefix(std::move(prefix), std::forward<Token>(token));
    }
    template <class Token>
    auto async_define(collection_schema schema, Token&& token) {
        return d_.async_define(std::move(schema), std::forward<Token>(token));
    }
    template <class Token>
    auto async_create(std::string c, std::string id, nlohmann::json data, Token&& token) {
        return d_.async_create(std::move(c), std::move(id), std::move(data), std::forward<Token>(token));
    }
    template <class Token>
    auto async_read(std::string c, std::string id, Token&& token) {
        return d_.async_read(std::move(c), std::move(id), std::forward<Token>(token));
    }
    template <class Token>
    auto async_update(std::string c, std::string id, nlohmann::json data, std::optional<std::int64_t> ver, Token&& token) {
        return d_.async_update(std::move(c), std::move(id), std::move(data), ver, std::forward<Token>(token));
    }
    template <class Token>
    auto async_remove(std::string c, std::string id, std::optional<std::int64_t> ver, Token&& token) {
        return d_.async_remove(std::move(c), std::move(id), ver, std::forward<Token>(token));
    }
    template <class Token>
    auto async_list(std::string c, filter f, page_request pr, Token&& token) {
        return d_.async_list(std::move(c), std::move(f), std::move(pr), std::forward<Token>(token));
    }
    template <class Token>
    auto async_commit(write_batch batch, Token&& token) {
        return d_.async_commit(std::move(batch), std::forward<Token>(token));
    }

    template <class Token>
        requires(publish_subscribe<Ephemeral> || publish_subscribe<Durable>)
    auto async_publish(std::string channel, std::string message, Token&& token) {
        return channels().async_publish(std::move(channel), std::move(message), std::forward<Token>(token));
    }

    /// Pings the ephemeral part, then the durable one.
    template <class Token>
    auto async_ping(Token&& token) {
        return asio::async_initiate<Token, void(std::error_code)>(
            [this](auto handler) {
                auto ex = asio::get_associated_executor(handler);
                e_.async_ping(asio::bind_executor(ex, [this, h = std::move(handler)](std::error_code ec) mutable {
                    if (ec) std::move(h)(ec);
                    else d_.async_ping(std::move(h));
                }));
            },
            token);
    }
    ///@}

private:
    Ephemeral& e_;
    Durable& d_;
};

}  // namespace polymcp::storage

#endif
