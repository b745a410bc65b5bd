#ifndef POLYMCP_TOOLS_IMPL_REGISTRY_IPP
#define POLYMCP_TOOLS_IMPL_REGISTRY_IPP

// Definitions of the non-template functions declared in polymcp/tools/registry.hpp.

#include <polymcp/tools/registry.hpp>

namespace polymcp {

void tool_registry::add(tool_entry e, std::error_code& ec) {
    ec = {};
    if (!is_valid_tool_name(e.name)) { ec = errc::invalid_tool_name; return; }
    if (auto s = e.descriptor.find("inputSchema"); s != e.descriptor.end()) {
        std::vector<header_param> params;
        std::string why;
        if (!header_params_of(*s, params, why)) { ec = errc::invalid_tool_schema; return; }
    }
    auto name = e.name;
    if (!catalog_.add(std::move(name), std::move(e))) ec = errc::duplicate_tool;
}

void tool_registry::add(tool_entry e) {
    std::error_code ec;
    std::string name = e.name;
    std::vector<header_param> params;
    std::string why;
    if (!header_params_of(e.descriptor.value("inputSchema", nlohmann::json()), params, why))
        throw std::system_error(make_error_code(errc::invalid_tool_schema), "tool '" + name + "': " + why);
    add(std::move(e), ec);
    if (ec) throw std::system_error(ec, "tool '" + name + "'");
}

bool tool_registry::remove(std::string_view name) { return catalog_.remove(name); }

std::shared_ptr<const tool_entry> tool_registry::find(std::string_view name) const { return catalog_.find(name); }

std::size_t tool_registry::size() const { return catalog_.size(); }

tool_registry::page tool_registry::list(std::string_view cursor, std::size_t page_size, std::error_code& ec) const {
    auto p = catalog_.list(cursor, page_size, ec);
    return page{std::move(p.items), std::move(p.next_cursor)};
}

std::uint64_t tool_registry::subscribe(std::function<void()> f) { return catalog_.listeners().subscribe(std::move(f)); }

void tool_registry::unsubscribe(std::uint64_t token) { catalog_.listeners().unsubscribe(token); }

std::shared_ptr<tool_registry> make_dynamic_tool_registry() {
    return std::make_shared<tool_registry>(true);
}

}  // namespace polymcp

#endif
