#ifndef POLYMCP_RESOURCES_REGISTRY_HPP
#define POLYMCP_RESOURCES_REGISTRY_HPP

/// @file polymcp/resources/registry.hpp
/// `polymcp::resource_registry`: the resources and resource templates of a
/// server, with pagination, `list_changed` and subscriptions (MCP 2025-11-25
/// "Resources" > "List Changed Notification", "Subscriptions").
/// `polymcp::resources(...)` makes a fixed set, checked for duplicate names at
/// compile time.

#include <polymcp/core/config.hpp>
#include <polymcp/core/error.hpp>
#include <polymcp/resources/resource.hpp>
#include <polymcp/handler/catalog.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>

namespace polymcp {

/// A thread-safe set of resources (by URI) and templates (by name).
/// All members are thread-safe.
class resource_registry {
public:
    using resource_page = handler::catalog<resource_entry>::page;           ///< one page of `resources/list`
    using template_page = handler::catalog<resource_template_entry>::page;  ///< one page of `resources/templates/list`

    /// @param dynamic whether resources may change while serving
    ///        (`resources.listChanged`)
    explicit resource_registry(bool dynamic) : dynamic_(dynamic) {}

    /// Whether the resource list may change (`resources.listChanged`).
    bool dynamic() const noexcept { return dynamic_; }

    /// Adds a resource; `errc::duplicate_name` when its URI is taken.
    POLYMCP_DECL void add(resource_entry e, std::error_code& ec);
    /// Adds a resource template; `errc::duplicate_name` when its name is taken.
    POLYMCP_DECL void add(resource_template_entry e, std::error_code& ec);
    /// Adds a resource. @throws std::system_error `errc::duplicate_name`
    POLYMCP_DECL void add(resource_entry e);
    /// Adds a resource template. @throws std::system_error `errc::duplicate_name`
    POLYMCP_DECL void add(resource_template_entry e);
    /// Adds a declared resource. @throws std::system_error `errc::duplicate_name`
    template <fixed_string N, class F>
    void add(const resource_definition<N, F>& r) { add(r.entry()); }
    /// Adds a declared resource template. @throws std::system_error `errc::duplicate_name`
    template <fixed_string N, class F>
    void add(const resource_template_definition<N, F>& r) { add(r.entry()); }

    /// Removes the resource with this URI; false when there was none.
    POLYMCP_DECL bool remove_resource(std::string_view uri);
    /// Removes the template with this name; false when there was none.
    POLYMCP_DECL bool remove_template(std::string_view name);

    /// The resource with exactly this URI, or null.
    POLYMCP_DECL std::shared_ptr<const resource_entry> find(std::string_view uri) const;
    /// The first template (in name order) matching `uri`, with its variables.
    POLYMCP_DECL std::shared_ptr<const resource_template_entry> match(std::string_view uri,
                                                                      nlohmann::json& variables) const;
    /// The template whose `uriTemplate` is exactly `text` (for completion), or null.
    POLYMCP_DECL std::shared_ptr<const resource_template_entry> find_template(std::string_view text) const;

    /// Pages of `resources/list` (URI order) and `resources/templates/list`
    /// (name order); `errc::invalid_params` for a foreign cursor.
    POLYMCP_DECL resource_page list(std::string_view cursor, std::size_t page_size, std::error_code& ec) const;
    /// The page of `resources/templates/list` after `cursor`, as `list`.
    POLYMCP_DECL template_page list_templates(std::string_view cursor, std::size_t page_size,
                                              std::error_code& ec) const;

    /// Calls `f` after every change of the lists. @return a token for `unsubscribe`.
    POLYMCP_DECL std::uint64_t subscribe(std::function<void()> f);
    /// Removes the callback of `token`.
    POLYMCP_DECL void unsubscribe(std::uint64_t token);

    /// Calls `f(uri)` on every `notify_updated`. @return a token for `unwatch`.
    POLYMCP_DECL std::uint64_t watch(std::function<void(const std::string&)> f);
    /// Removes the callback of `token`.
    POLYMCP_DECL void unwatch(std::uint64_t token);

    /// Announces that the contents of `uri` changed: every session that
    /// subscribed to it (`resources/subscribe`) is sent
    /// `notifications/resources/updated`. Call it from any thread.
    POLYMCP_DECL void notify_updated(const std::string& uri);

private:
    bool dynamic_;
    handler::catalog<resource_entry> resources_;
    handler::catalog<resource_template_entry> templates_;
    handler::change_listeners list_listeners_;
    std::mutex watchers_mutex_;
    std::map<std::uint64_t, std::function<void(const std::string&)>> watchers_;
    std::uint64_t next_watcher_ = 0;
};

/// A registry whose resources may change while serving.
POLYMCP_DECL std::shared_ptr<resource_registry> make_dynamic_resource_registry();

/// A fixed set of resources and templates; see `polymcp::resources`.
template <class... Rs>
class resource_set {
public:
    /// The set of `r`.
    explicit resource_set(Rs... r) : items_(std::move(r)...) {}
    /// A static registry holding these resources.
    std::shared_ptr<resource_registry> make_registry() const {
        auto r = std::make_shared<resource_registry>(false);
        std::apply([&](const auto&... x) { (r->add(x.entry()), ...); }, items_);
        return r;
    }

private:
    std::tuple<Rs...> items_;
};

/// Groups resources and templates into a static set; two with the same name
/// are a compile-time error (two resources with the same URI throw
/// `std::system_error` when the registry is made).
template <class... Rs>
auto resources(Rs... r) {
    static_assert(handler::unique_names<Rs...>(),
                  "polymcp::resources(...): two resources or templates have the same name");
    return resource_set<Rs...>(std::move(r)...);
}

}  // namespace polymcp

#if POLYMCP_HEADER_ONLY
#include <polymcp/resources/impl/registry.ipp>
#endif

#endif
