#ifndef POLYMCP_TOOLS_IMPL_REGISTRY_IPP
#define POLYMCP_TOOLS_IMPL_REGISTRY_IPP

// Definitions of the non-template functions declared in polymcp/tools/registry.hpp.

#include <polymcp/tools/registry.hpp>

namespace polymcp {

void tool_registry::add(tool_entry e, std::error_code& ec) {
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

void tool_registry::add(tool_entry e) {
    std::error_code ec;
    std::string name = e.name;
    add(std::move(e), ec);
    if (ec) throw std::system_error(ec, "tool '" + name + "'");
}

bool tool_registry::remove(std::string_view name) {
    {
        std::unique_lock lock(mutex_);
        auto it = tools_.find(name);
        if (it == tools_.end()) return false;
        tools_.erase(it);
    }
    changed();
    return true;
}

std::shared_ptr<const tool_entry> tool_registry::find(std::string_view name) const {
    std::shared_lock lock(mutex_);
    auto it = tools_.find(name);
    return it == tools_.end() ? nullptr : it->second;
}

std::size_t tool_registry::size() const {
    std::shared_lock lock(mutex_);
    return tools_.size();
}

tool_registry::page tool_registry::list(std::string_view cursor, std::size_t page_size, std::error_code& ec) const {
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

std::uint64_t tool_registry::subscribe(std::function<void()> f) {
    std::lock_guard lock(listeners_mutex_);
    listeners_.emplace(++next_listener_, std::move(f));
    return next_listener_;
}

void tool_registry::unsubscribe(std::uint64_t token) {
    std::lock_guard lock(listeners_mutex_);
    listeners_.erase(token);
}

std::string tool_registry::encode_cursor(std::string_view name) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string c = "c1";
    for (unsigned char ch : name) { c += hex[ch >> 4]; c += hex[ch & 15]; }
    return c;
}

bool tool_registry::decode_cursor(std::string_view c, std::string& name) {
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

void tool_registry::changed() {
    std::vector<std::function<void()>> fs;
    {
        std::lock_guard lock(listeners_mutex_);
        for (auto& [k, f] : listeners_) fs.push_back(f);
    }
    for (auto& f : fs) f();
}

std::shared_ptr<tool_registry> make_dynamic_tool_registry() {
    return std::make_shared<tool_registry>(true);
}

}  // namespace polymcp

#endif
