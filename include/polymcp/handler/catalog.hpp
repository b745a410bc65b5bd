#ifndef POLYMCP_HANDLER_CATALOG_HPP
#define POLYMCP_HANDLER_CATALOG_HPP

/// @file polymcp/handler/catalog.hpp
/// A thread-safe, ordered map of type-erased entries (tools, prompts,
/// resources, templates) with opaque pagination cursors (MCP 2025-11-25
/// "Utilities" > "Pagination") and change listeners (list_changed).

#include <polymcp/core/config.hpp>
#include <polymcp/core/error.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace polymcp::handler {

/// True when the static `name` members of `Ts` are pairwise distinct.
template <class... Ts>
constexpr bool unique_names() {
    std::array<std::string_view, sizeof...(Ts)> names{Ts::name...};
    for (std::size_t i = 0; i < names.size(); ++i)
        for (std::size_t j = i + 1; j < names.size(); ++j)
            if (names[i] == names[j]) return false;
    return true;
}

// Cursor: "c1" + hex of the last key returned. Hex is enough: the cursor is
// opaque and carries no secret; the prefix versions the format.
/// The pagination cursor that resumes a listing after `key`.
POLYMCP_DECL std::string encode_cursor(std::string_view key);
/// The key a cursor of `encode_cursor` resumes after; false for any other text.
POLYMCP_DECL bool decode_cursor(std::string_view c, std::string& key);

/// Callbacks run after every change, from the thread that made it.
class change_listeners {
public:
    /// Adds `f`; returns the token that removes it.
    POLYMCP_DECL std::uint64_t subscribe(std::function<void()> f);
    /// Removes the callback of `token` (nothing when it is unknown).
    POLYMCP_DECL void unsubscribe(std::uint64_t token);
    /// Runs every callback, on this thread.
    POLYMCP_DECL void notify() const;

private:
    mutable std::mutex mutex_;
    std::map<std::uint64_t, std::function<void()>> fs_;
    std::uint64_t next_ = 0;
};

/// The entries of one kind (tools, resources, prompts) a server offers, by
/// key in ascending order, with cursor pagination and change callbacks
/// (the `list_changed` notifications). Thread-safe: readers share a lock,
/// writers take it alone; callbacks run after the lock is released.
template <class Entry>
class catalog {
public:
    /// One page of `list`.
    struct page {
        std::vector<std::shared_ptr<const Entry>> items{};  ///< in key order
        std::string next_cursor{};  ///< empty on the last page
    };

    /// False when `key` is taken.
    bool add(std::string key, Entry e) {
        {
            std::unique_lock lock(mutex_);
            if (!items_.emplace(std::move(key), std::make_shared<const Entry>(std::move(e))).second) return false;
        }
        listeners_.notify();
        return true;
    }

    /// False when there is no entry `key`.
    bool remove(std::string_view key) {
        {
            std::unique_lock lock(mutex_);
            auto it = items_.find(key);
            if (it == items_.end()) return false;
            items_.erase(it);
        }
        listeners_.notify();
        return true;
    }

    /// The entry `key`, or null.
    std::shared_ptr<const Entry> find(std::string_view key) const {
        std::shared_lock lock(mutex_);
        auto it = items_.find(key);
        return it == items_.end() ? nullptr : it->second;
    }

    /// How many entries there are.
    std::size_t size() const {
        std::shared_lock lock(mutex_);
        return items_.size();
    }

    /// Every entry, in key order.
    std::vector<std::shared_ptr<const Entry>> all() const {
        std::shared_lock lock(mutex_);
        std::vector<std::shared_ptr<const Entry>> v;
        v.reserve(items_.size());
        for (const auto& [k, e] : items_) v.push_back(e);
        return v;
    }

    /// Up to `page_size` entries after `cursor` (empty: from the start);
    /// `errc::invalid_params` for a cursor this catalog did not issue.
    page list(std::string_view cursor, std::size_t page_size, std::error_code& ec) const {
        ec = {};
        page p;
        std::string after;
        if (!cursor.empty() && !decode_cursor(cursor, after)) { ec = errc::invalid_params; return p; }
        if (page_size == 0) page_size = 1;
        std::shared_lock lock(mutex_);
        auto it = cursor.empty() ? items_.begin() : items_.upper_bound(after);
        std::string last;
        for (; it != items_.end() && p.items.size() < page_size; ++it) {
            p.items.push_back(it->second);
            last = it->first;
        }
        if (it != items_.end() && !p.items.empty()) p.next_cursor = encode_cursor(last);
        return p;
    }

    /// The callbacks run after every `add` and `remove`.
    change_listeners& listeners() noexcept { return listeners_; }

private:
    mutable std::shared_mutex mutex_;
    std::map<std::string, std::shared_ptr<const Entry>, std::less<>> items_;
    change_listeners listeners_;
};

}  // namespace polymcp::handler

#if POLYMCP_HEADER_ONLY
#include <polymcp/handler/impl/catalog.ipp>
#endif

#endif
