#ifndef POLYMCP_TOOLS_REGISTRY_HPP
#define POLYMCP_TOOLS_REGISTRY_HPP

/// @file polymcp/tools/registry.hpp
/// Tool registries: `polymcp::tools(...)`, a fixed set whose names are checked
/// for duplicates at compile time, and `polymcp::tool_registry`, which can add
/// and remove tools at run time and announces changes with
/// `notifications/tools/list_changed` (MCP 2025-11-25 "Tools" > "List Changed
/// Notification"). Listing is in name order with opaque cursors
/// ("Utilities" > "Pagination").

#include <polymcp/core/config.hpp>
#include <polymcp/core/error.hpp>
#include <polymcp/handler/catalog.hpp>
#include <polymcp/protocol/header_params.hpp>
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
        std::vector<std::shared_ptr<const tool_entry>> tools{};  ///< in name order
        std::string next_cursor{};  ///< empty on the last page
    };

    /// @param dynamic whether tools may change while serving (`tools.listChanged`)
    explicit tool_registry(bool dynamic) : dynamic_(dynamic) {}

    /// Whether tools may change at run time (`tools.listChanged`).
    bool dynamic() const noexcept { return dynamic_; }

    /// Adds a tool. Sets `errc::duplicate_tool` when the name is taken,
    /// `errc::invalid_tool_name` when it breaks the MCP naming rules, or
    /// `errc::invalid_tool_schema` when its `inputSchema` has an invalid
    /// `x-mcp-header` annotation (polymcp/protocol/header_params.hpp).
    POLYMCP_DECL void add(tool_entry e, std::error_code& ec);
    /// Adds a tool; throws `std::system_error` with the codes of the
    /// `error_code` overload, naming the tool.
    POLYMCP_DECL void add(tool_entry e);
    /// Adds a tool declared with `polymcp::tool<...>(...)`.
    template <fixed_string Name, class F>
    void add(const tool_definition<Name, F>& t) { add(t.entry()); }

    /// Removes the named tool; returns false when there was none.
    POLYMCP_DECL bool remove(std::string_view name);

    /// The named tool, or null. The entry stays valid even if it is removed meanwhile.
    POLYMCP_DECL std::shared_ptr<const tool_entry> find(std::string_view name) const;

    /// Number of tools.
    POLYMCP_DECL std::size_t size() const;

    /// Up to `page_size` tools after `cursor` (empty: from the start).
    /// Cursors are opaque to clients and stay valid across changes: a page
    /// resumes after the last name the previous page returned.
    /// Sets `errc::invalid_params` for a cursor this registry did not issue.
    POLYMCP_DECL page list(std::string_view cursor, std::size_t page_size, std::error_code& ec) const;

    /// Calls `f` after every change, from the thread that made it.
    /// @return a token for `unsubscribe`.
    POLYMCP_DECL std::uint64_t subscribe(std::function<void()> f);
    /// Stops the calls of a `subscribe`.
    POLYMCP_DECL void unsubscribe(std::uint64_t token);

private:
    bool dynamic_;
    handler::catalog<tool_entry> catalog_;
};

/// A registry to which tools may be added and from which they may be removed
/// while the server runs; sessions get `notifications/tools/list_changed`.
POLYMCP_DECL std::shared_ptr<tool_registry> make_dynamic_tool_registry();

/// A fixed set of tools known at compile time; see `polymcp::tools`.
template <class... Tools>
class tool_set {
public:
    /// The set of `t`.
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
    static_assert(handler::unique_names<Tools...>(),
                  "polymcp::tools(...): two tools have the same name; tool names must be unique "
                  "within a server (MCP 2025-11-25, Tool Names)");
    return tool_set<Tools...>(std::move(t)...);
}

}  // namespace polymcp

#if POLYMCP_HEADER_ONLY
#include <polymcp/tools/impl/registry.ipp>
#endif

#endif
