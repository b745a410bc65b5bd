#ifndef POLYMCP_RESOURCES_IMPL_REGISTRY_IPP
#define POLYMCP_RESOURCES_IMPL_REGISTRY_IPP

#include <polymcp/resources/registry.hpp>

#include <vector>

namespace polymcp {

void resource_registry::add(resource_entry e, std::error_code& ec) {
    ec = {};
    auto uri = e.uri;
    if (!resources_.add(std::move(uri), std::move(e))) ec = errc::duplicate_name;
    else list_listeners_.notify();
}

void resource_registry::add(resource_template_entry e, std::error_code& ec) {
    ec = {};
    auto name = e.name;
    if (!templates_.add(std::move(name), std::move(e))) ec = errc::duplicate_name;
    else list_listeners_.notify();
}

void resource_registry::add(resource_entry e) {
    std::error_code ec;
    std::string uri = e.uri;
    add(std::move(e), ec);
    if (ec) throw std::system_error(ec, "resource '" + uri + "'");
}

void resource_registry::add(resource_template_entry e) {
    std::error_code ec;
    std::string name = e.name;
    add(std::move(e), ec);
    if (ec) throw std::system_error(ec, "resource template '" + name + "'");
}

bool resource_registry::remove_resource(std::string_view uri) {
    if (!resources_.remove(uri)) return false;
    list_listeners_.notify();
    return true;
}

bool resource_registry::remove_template(std::string_view name) {
    if (!templates_.remove(name)) return false;
    list_listeners_.notify();
    return true;
}

std::shared_ptr<const resource_entry> resource_registry::find(std::string_view uri) const {
    return resources_.find(uri);
}

std::shared_ptr<const resource_template_entry> resource_registry::match(std::string_view uri,
                                                                        nlohmann::json& variables) const {
    for (auto& t : templates_.all())
        if (t->tmpl->match(uri, variables)) return t;
    return nullptr;
}

std::shared_ptr<const resource_template_entry> resource_registry::find_template(std::string_view text) const {
    for (auto& t : templates_.all())
        if (t->tmpl->str() == text) return t;
    return nullptr;
}

resource_registry::resource_page resource_registry::list(std::string_view cursor, std::size_t page_size,
                                                         std::error_code& ec) const {
    return resources_.list(cursor, page_size, ec);
}

resource_registry::template_page resource_registry::list_templates(std::string_view cursor, std::size_t page_size,
                                                                   std::error_code& ec) const {
    return templates_.list(cursor, page_size, ec);
}

std::uint64_t resource_registry::subscribe(std::function<void()> f) { return list_listeners_.subscribe(std::move(f)); }

void resource_registry::unsubscribe(std::uint64_t token) { list_listeners_.unsubscribe(token); }

std::uint64_t resource_registry::watch(std::function<void(const std::string&)> f) {
    std::lock_guard lock(watchers_mutex_);
    watchers_.emplace(++next_watcher_, std::move(f));
    return next_watcher_;
}

void resource_registry::unwatch(std::uint64_t token) {
    std::lock_guard lock(watchers_mutex_);
    watchers_.erase(token);
}

void resource_registry::notify_updated(const std::string& uri) {
    std::vector<std::function<void(const std::string&)>> fs;
    {
        std::lock_guard lock(watchers_mutex_);
        for (auto& [k, f] : watchers_) fs.push_back(f);
    }
    for (auto& f : fs) f(uri);
}

std::shared_ptr<resource_registry> make_dynamic_resource_registry() {
    return std::make_shared<resource_registry>(true);
}

}  // namespace polymcp

#endif
