#ifndef POLYMCP_STORAGE_TYPES_HPP
#define POLYMCP_STORAGE_TYPES_HPP

/// @file polymcp/storage/types.hpp
/// The values the storage policy reads and writes: durable `record`s of a
/// `collection_schema` with unique constraints, `filter`s, pages and cursors,
/// atomic `write_batch`es, and the key helpers of the ephemeral state.

#include <polymcp/core/config.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace polymcp::storage {

/// A time to live in milliseconds; zero means "no expiry".
using ttl = std::chrono::milliseconds;

/// One durable record: a JSON object stored under `id` in a collection.
struct record {
    /// Unique within its collection; 1 to 512 bytes.
    std::string id{};
    /// The record's fields (a JSON object).
    nlohmann::json data{};
    /// 1 when created, incremented by every update: the optimistic
    /// concurrency token that `update` and `remove` can require.
    std::int64_t version = 0;
};

/// Fields whose values, taken together, no two records of a collection may
/// share. A record missing any of the fields (or holding null) is not
/// constrained, as with SQL NULLs.
struct unique_constraint {
    /// A name for error reports and the backend's index, e.g. "name".
    std::string name{};
    /// Top-level field names, e.g. {"owner", "name"}.
    std::vector<std::string> fields{};
};

/// A collection of records and its unique constraints, declared once with
/// `define` before use (every process sharing a backend declares the same).
struct collection_schema {
    std::string name{};                     ///< the collection's name
    std::vector<unique_constraint> unique{};  ///< its unique constraints
};

/// Which records `list` returns: a conjunction of clauses, each clause a
/// disjunction of top-level field equalities. `filter{}` matches all.
///
/// @code
/// // public servers, or the caller's own; and enabled
/// auto f = filter().where_any({{"public", true}, {"owner", "u7"}}).where("enabled", true);
/// @endcode
class filter {
public:
    /// One equality: `data[field] == value` (JSON equality; a missing field is never equal).
    using equality = std::pair<std::string, nlohmann::json>;

    /// Adds the clause `field == value`.
    filter& where(std::string field, nlohmann::json value) {
        clauses_.push_back({equality{std::move(field), std::move(value)}});
        return *this;
    }
    /// Adds the clause "any of these equalities".
    filter& where_any(std::vector<equality> alternatives) {
        clauses_.push_back(std::move(alternatives));
        return *this;
    }
    /// Whether `data` matches every clause.
    bool matches(const nlohmann::json& data) const {
        for (const auto& clause : clauses_) {
            bool any = false;
            for (const auto& [field, value] : clause) {
                auto it = data.find(field);
                if (it != data.end() && *it == value) {
                    any = true;
                    break;
                }
            }
            if (!any) return false;
        }
        return true;
    }
    /// The clauses, for backends that translate a filter into a query.
    const std::vector<std::vector<equality>>& clauses() const noexcept { return clauses_; }

private:
    std::vector<std::vector<equality>> clauses_;
};

/// A request for one page of `list`: at most `limit` records after `cursor`.
struct page_request {
    /// 1 to 1000 records.
    std::size_t limit = 100;
    /// Empty for the first page, else a `next_cursor` returned before.
    std::string cursor{};
};

/// One page of records, in ascending id order.
struct page {
    std::vector<record> records{};  ///< at most `page_request::limit`
    /// Empty on the last page; pass it back in `page_request::cursor`.
    std::string next_cursor{};
};

/// One page of a key scan.
struct scan_page {
    std::vector<std::string> keys{};  ///< the keys found, with the prefix
    /// Empty when the scan is complete.
    std::string next_cursor{};
};

/// One write of a `write_batch`.
struct write_op {
    /// What the write does.
    enum class kind {
        create,  ///< a new record
        update,  ///< replaces an existing record
        remove,  ///< deletes a record
    };
    kind op = kind::create;  ///< what it does
    std::string collection{};  ///< the record's collection
    std::string id{};        ///< the record's id
    nlohmann::json data{};                      ///< create, update: the full new record
    std::optional<std::int64_t> expected_version{};  ///< update, remove: fail with `conflict` unless equal
};

/// Writes applied all or nothing by `commit`: a transaction. When any write
/// fails (a unique violation, a missing record, a version conflict) none is
/// applied and the error says which kind of failure stopped it.
class write_batch {
public:
    /// Adds the creation of record `id` in `collection` with `data` (an object).
    write_batch& create(std::string collection, std::string id, nlohmann::json data) {
        ops_.push_back({write_op::kind::create, std::move(collection), std::move(id), std::move(data), {}});
        return *this;
    }
    /// Adds the replacement of record `id` by `data`, only if its version is
    /// `expected_version` when given.
    write_batch& update(std::string collection, std::string id, nlohmann::json data,
                        std::optional<std::int64_t> expected_version = {}) {
        ops_.push_back(
            {write_op::kind::update, std::move(collection), std::move(id), std::move(data), expected_version});
        return *this;
    }
    /// Adds the removal of record `id`, only if its version is
    /// `expected_version` when given.
    write_batch& remove(std::string collection, std::string id, std::optional<std::int64_t> expected_version = {}) {
        ops_.push_back({write_op::kind::remove, std::move(collection), std::move(id), nullptr, expected_version});
        return *this;
    }
    const std::vector<write_op>& ops() const noexcept { return ops_; }  ///< the writes, in order
    bool empty() const noexcept { return ops_.empty(); }                ///< whether it holds no write

private:
    std::vector<write_op> ops_;
};

/// Joins key parts with ':' after percent-encoding any ':' or '%' inside a
/// part, so that parts from users cannot forge another key:
/// `make_key({"t1", "u:7", "session", "s1"})` is `"t1:u%3A7:session:s1"`.
/// Backends with a shared namespace add their own prefix (Redis: "polymcp:").
inline std::string make_key(std::initializer_list<std::string_view> parts) {
    std::string out;
    bool first = true;
    for (auto p : parts) {
        if (!first) out.push_back(':');
        first = false;
        for (char c : p) {
            if (c == ':') out += "%3A";
            else if (c == '%') out += "%25";
            else out.push_back(c);
        }
    }
    return out;
}

/// The key prefix of one session's ephemeral state,
/// `{tenant}:{user}:session:{sid}:`, for `scan` and `erase_prefix`.
inline std::string session_prefix(std::string_view tenant, std::string_view user, std::string_view session_id) {
    return make_key({tenant, user, "session", session_id}) + ":";
}

}  // namespace polymcp::storage

#endif
