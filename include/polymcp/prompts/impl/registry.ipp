#ifndef POLYMCP_PROMPTS_IMPL_REGISTRY_IPP
#define POLYMCP_PROMPTS_IMPL_REGISTRY_IPP

#include <polymcp/prompts/registry.hpp>

namespace polymcp {

void prompt_registry::add(prompt_entry e, std::error_code& ec) {
    ec = {};
    auto name = e.name;
    if (!catalog_.add(std::move(name), std::move(e))) ec = errc::duplicate_name;
}

void prompt_registry::add(prompt_entry e) {
    std::error_code ec;
    std::string name = e.name;
    add(std::move(e), ec);
    if (ec) throw std::system_error(ec, "prompt '" + name + "'");
}

bool prompt_registry::remove(std::string_view name) { return catalog_.remove(name); }

std::shared_ptr<const prompt_entry> prompt_registry::find(std::string_view name) const { return catalog_.find(name); }

prompt_registry::page prompt_registry::list(std::string_view cursor, std::size_t page_size, std::error_code& ec) const {
    return catalog_.list(cursor, page_size, ec);
}

std::uint64_t prompt_registry::subscribe(std::function<void()> f) { return catalog_.listeners().subscribe(std::move(f)); }

void prompt_registry::unsubscribe(std::uint64_t token) { catalog_.listeners().unsubscribe(token); }

std::shared_ptr<prompt_registry> make_dynamic_prompt_registry() { return std::make_shared<prompt_registry>(true); }

}  // namespace polymcp

#endif
