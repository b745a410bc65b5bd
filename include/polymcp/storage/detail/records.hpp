#ifndef POLYMCP_STORAGE_DETAIL_RECORDS_HPP
#define POLYMCP_STORAGE_DETAIL_RECORDS_HPP

// Rules every backend applies the same way: argument limits, the values of
// unique constraints, and record/page bookkeeping.

#include <polymcp/storage/error.hpp>
#include <polymcp/storage/types.hpp>

#include <charconv>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace polymcp::storage::detail {

/// Keys, ids and collection names: 1 to 512 bytes, no NUL.
inline constexpr std::size_t max_name_bytes = 512;
/// `page_request::limit` and `scan` counts are clamped to this.
inline constexpr std::size_t max_page = 1000;

inline bool valid_name(std::string_view s) noexcept {
    return !s.empty() && s.size() <= max_name_bytes && s.find('\0') == std::string_view::npos;
}

/// The value of each applicable unique constraint of `schema` for `data`:
/// (constraint name, canonical JSON of the field values). Constraints with
/// a missing or null field are skipped.
inline std::vector<std::pair<std::string, std::string>> unique_values(const collection_schema& schema,
                                                                      const nlohmann::json& data) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& u : schema.unique) {
        nlohmann::json values = nlohmann::json::array();
        bool complete = true;
        for (const auto& field : u.fields) {
            auto it = data.find(field);
            if (it == data.end() || it->is_null()) {
                complete = false;
                break;
            }
            values.push_back(*it);
        }
        if (complete) out.emplace_back(u.name, values.dump());
    }
    return out;
}

/// A schema's constraints as canonical JSON, stored by the backends that
/// persist schemas so that `define` can tell an unchanged schema from a new one.
inline std::string schema_json(const collection_schema& s) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& u : s.unique) j.push_back({{"name", u.name}, {"fields", u.fields}});
    return j.dump();
}

/// Parses all of `s` as a decimal int64; false when it is not one.
inline bool parse_int64(std::string_view s, std::int64_t& out) {
    auto [p, e] = std::from_chars(s.data(), s.data() + s.size(), out);
    return e == std::errc() && p == s.data() + s.size() && !s.empty();
}

inline std::size_t clamp_limit(std::size_t n) noexcept { return n == 0 ? 1 : (n > max_page ? max_page : n); }

/// Checks what every write of a batch needs before any backend work.
inline std::error_code check_write(const write_op& op) {
    if (!valid_name(op.collection) || !valid_name(op.id)) return errc::invalid_argument;
    if (op.op != write_op::kind::remove && !op.data.is_object()) return errc::invalid_argument;
    return {};
}

/// The collections a storage object has seen `define`d, by name: writes and
/// reads of an undeclared collection fail with `invalid_argument`. Thread-safe.
class schema_cache {
public:
    std::optional<collection_schema> find(std::string_view name) const {
        std::lock_guard lock(mu_);
        auto it = map_.find(name);
        if (it == map_.end()) return std::nullopt;
        return it->second;
    }
    void put(const collection_schema& schema) {
        std::lock_guard lock(mu_);
        map_[schema.name] = schema;
    }
    /// Checks every write of a batch (`check_write`) and finds each one's schema, in order.
    std::error_code resolve(const std::vector<write_op>& ops, std::vector<collection_schema>& out) const {
        out.clear();
        for (const auto& op : ops) {
            if (auto e = check_write(op)) return e;
            auto s = find(op.collection);
            if (!s) return errc::invalid_argument;
            out.push_back(std::move(*s));
        }
        return {};
    }

private:
    mutable std::mutex mu_;
    std::map<std::string, collection_schema, std::less<>> map_;
};

}  // namespace polymcp::storage::detail

#endif
