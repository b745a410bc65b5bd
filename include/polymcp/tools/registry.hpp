#ifndef POLYMCP_TOOLS_REGISTRY_HPP
#define POLYMCP_TOOLS_REGISTRY_HPP

/// @file polymcp/tools/registry.hpp
/// Tool registries: `polymcp::tools(...)`, a fixed set whose names are checked
/// for duplicates at compile time, and `polymcp::tool_registry`, which can add
/// and remove tools at run time and announces changes with
/// `notifications/tools/list_changed` (MCP 2025-11-25 "Tools" > "List Changed
/// Notification"). Listing is in name order with opaque cursors
/// ("Utilities" > "Pagination").

#include <polymcp/core/error.hpp>
#include <polymcp/tools/tool.hpp>
#include <polymcp/tools/tool_entry.hpp>

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
#include <tuple>
#include <vector>

namespace polymcp {

/// A thread-safe set of type-erased tools, ordered by name.
///
/// A registry made from `tools(...)` is *static* (its `tools` capability says
/// `listChanged: false`); one made by `make_dynamic_tool_registry()` may change
/// while serving, and every change notifies the subscribed sessions.
/// All members are thread-safe.
class tool_registry {
public:
    /// One page of `tools/list`.
    struct page {
        std::vector<std::shared_ptr<const tool_entry>> tools;
        std::string next_cursor;  ///< empty on the last page
    };

    explicit tool_registry(bool dynamic) : dynamic_(dynamic) {}

    /// Whether tools may change at run time (`tools.listChanged`).
    bool dynamic() const noexcept { return dynamic_; }

    /// Adds a tool. Sets `errc::duplicate_tool` when the name is taken or
    /// `errc::invalid_tool_name` when it breaks the MCP naming rules.
    void add(tool_entry e, std::error_code& ec) {
        ec = {};
        if (!is_valid_tool_name(e.name)) { ec = errc::invalid_tool_name; return; }
        {
            std::unique_lock lock(mutex_);
            auto name = e.name;
            if (!tools_.emplace(std::move(name), std::make_shared<const tool_entry>(std::move(e))).second) {
                ec = errc::duplicate_tool;
                return;
            }
        }
        changed();
    }
    /// Adds a tool; throws `std::system_error` with the codes of the
    /// `error_code` overload, naming the tool.
    void add(tool_entry e) {
        std::error_code ec;
        std::string name = e.name;
        add(std::move(e), ec);
        if (ec) throw std::system_error(ec, "tool '" + name + "'");
    }
    /// Adds a tool declared with `polymcp::tool<...>(...)`.
    template <fixed_string Name, class F>
    void add(const tool_definition<Name, F>& t) { add(t.entry()); }

    /// Removes the named tool; returns false when there was none.
    bool remove(std::string_view name) {
        {
            std::unique_lock lock(mutex_);
            auto it = tools_.find(name);
            if (it == tools_.end()) return false;
            tools_.erase(it);
        }
        changed();
        return true;
    }

    /// The named tool, or null. The entry stays valid even if it is removed meanwhile.
    std::shared_ptr<const tool_entry> find(std::string_view name) const {
        std::shared_lock lock(mutex_);
        auto it = tools_.find(name);
        return it == tools_.end() ? nullptr : it->second;
    }

    /// Number of tools.
    std::size_t size() const {
        std::shared_lock lock(mutex_);
        return tools_.size();
    }

    /// Up to `page_size` tools after `cursor` (empty: from the start).
    /// Cursors are opaque to clients and stay valid across changes: a page
    /// resumes after the last name the previous page returned.
    /// Sets `errc::invalid_params` for a cursor this registry did not issue.
    page list(std::string_view cursor, std::size_t page_size, std::error_code& ec) const {
        ec = {};
        page p;
        std::string after;
        if (!cursor.empty() && !decode_cursor(cursor, after)) { ec = errc::invalid_params; return p; }
        if (page_size == 0) page_size = 1;
        std::shared_lock lock(mutex_);
        auto it = cursor.empty() ? tools_.begin() : tools_.upper_bound(after);
        for (; it != tools_.end() && p.tools.size() < page_size; ++it) p.tools.push_back(it->second);
        if (it != tools_.end() && !p.tools.empty()) p.next_cursor = encode_cursor(p.tools.back()->name);
        return p;
    }

    /// Calls `f` after every change, from the thread that made it.
    /// @return a token for `unsubscribe`.
    std::uint64_t subscribe(std::function<void()> f) {
        std::lock_guard lock(listeners_mutex_);
        listeners_.emplace(++next_listener_, std::move(f));
        return next_listener_;
    }
    /// Stops the calls of a `subscribe`.
    void unsubscribe(std::uint64_t token) {
        std::lock_guard lock(listeners_mutex_);
        listeners_.erase(token);
    }

private:
    // Cursor: "c1" + hex of the last name returned. Hex is enough: the cursor is
    // opaque and carries no secret; the prefix versions the format.
    static std::string encode_cursor(std::string_view name) {
        static constexpr char hex[] = "0123456789abcdef";
        std::string c = "c1";
        for (unsigned char ch : name) { c += hex[ch >> 4]; c += hex[ch & 15]; }
        return c;
    }
    static bool decode_cursor(std::string_view c, std::string& name) {
        if (c.size() < 2 || c.substr(0, 2) != "c1" || c.size() % 2) return false;
        auto nib = [](char ch) -> int {
            if (ch >= '0' && ch <= '9') return ch - '0';
            if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
            return -1;
        };
        for (std::size_t i = 2; i < c.size(); i += 2) {
            int h = nib(c[i]), l = nib(c[i + 1]);
            if (h < 0 || l < 0) return false;
            name += static_cast<char>(h * 16 + l);
        }
        return true;
    }
    void changed() {
        std::vector<std::function<void()>> fs;
        {
            std::lock_guard lock(listeners_mutex_);
            for (auto& [k, f] : listeners_) fs.push_back(f);
        }
        for (auto& f : fs) f();
    }

    bool dynamic_;
    mutable std::shared_mutex mutex_;
    std::map<std::string, std::shared_ptr<const tool_entry>, std::less<>> tools_;
    std::mutex listeners_mutex_;
    std::map<std::uint64_t, std::function<void()>> listeners_;
    std::uint64_t next_listener_ = 0;
};

/// A registry to which tools may be added and from which they may be removed
/// while the server runs; sessions get `notifications/tools/list_changed`.
inline std::shared_ptr<tool_registry> make_dynamic_tool_registry() {
    return std::make_shared<tool_registry>(true);
}

namespace tools_detail {
template <class... Tools>
constexpr bool unique_names() {
    std::array<std::string_view, sizeof...(Tools)> names{Tools::name...};
    for (std::size_t i = 0; i < names.size(); ++i)
        for (std::size_t j = i + 1; j < names.size(); ++j)
            if (names[i] == names[j]) return false;
    return true;
}
}  // namespace tools_detail

/// A fixed set of tools known at compile time; see `polymcp::tools`.
template <class... Tools>
class tool_set {
public:
    explicit tool_set(Tools... t) : tools_(std::move(t)...) {}

    /// A static registry holding these tools.
    /// @throws std::invalid_argument for a `describe` trait naming a non-member.
    std::shared_ptr<tool_registry> make_registry() const {
        auto r = std::make_shared<tool_registry>(false);
        std::apply([&](const auto&... t) { (r->add(t.entry()), ...); }, tools_);
        return r;
    }

private:
    std::tuple<Tools...> tools_;
};

/// Groups tools into a static set; two tools with the same name are a
/// compile-time error.
template <class... Tools>
auto tools(Tools... t) {
    static_assert(tools_detail::unique_names<Tools...>(),
                  "polymcp::tools(...): two tools have the same name; tool names must be unique "
                  "within a server (MCP 2025-11-25, Tool Names)");
    return tool_set<Tools...>(std::move(t)...);
}

}  // namespace polymcp

#endif
