#ifndef POLYMCP_HTTP_FIELDS_HPP
#define POLYMCP_HTTP_FIELDS_HPP

/// @file polymcp/http/fields.hpp
/// `polymcp::http::fields`: the header fields of an HTTP/1.1 message
/// (RFC 9110 section 5), in arrival order, with case-insensitive names.

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace polymcp::http {

/// True when two field names are equal ignoring ASCII case (RFC 9110 section 5.1).
constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

/// Header fields in the order they arrived (or were added). Names compare
/// case-insensitively; values are kept as received, without surrounding
/// whitespace. A name may occur several times. Not thread-safe.
class fields {
public:
    using value_type = std::pair<std::string, std::string>;          ///< a name and its value
    using const_iterator = std::vector<value_type>::const_iterator;  ///< over the fields, in order

    /// The first value of field `name`, or `std::nullopt`.
    std::optional<std::string_view> get(std::string_view name) const noexcept {
        for (const auto& [n, v] : list_)
            if (iequals(n, name)) return std::string_view(v);
        return std::nullopt;
    }
    /// Whether field `name` is present.
    bool contains(std::string_view name) const noexcept { return get(name).has_value(); }
    /// How many times field `name` occurs.
    std::size_t count(std::string_view name) const noexcept {
        return static_cast<std::size_t>(std::count_if(
            list_.begin(), list_.end(), [&](const value_type& f) { return iequals(f.first, name); }));
    }
    /// Appends a field (another occurrence when the name is already present).
    void add(std::string name, std::string value) { list_.emplace_back(std::move(name), std::move(value)); }
    /// Replaces every occurrence of `name` by one field with `value`.
    void set(std::string name, std::string value) {
        erase(name);
        add(std::move(name), std::move(value));
    }
    /// Removes every occurrence of `name`.
    void erase(std::string_view name) {
        std::erase_if(list_, [&](const value_type& f) { return iequals(f.first, name); });
    }
    /// Number of fields.
    std::size_t size() const noexcept { return list_.size(); }
    bool empty() const noexcept { return list_.empty(); }           ///< whether there is none
    const_iterator begin() const noexcept { return list_.begin(); }  ///< the first field, in arrival order
    const_iterator end() const noexcept { return list_.end(); }      ///< past the last field

private:
    std::vector<value_type> list_;
};

}  // namespace polymcp::http

#endif
