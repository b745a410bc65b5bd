#ifndef POLYMCP_HANDLER_IMPL_CATALOG_IPP
#define POLYMCP_HANDLER_IMPL_CATALOG_IPP

#include <polymcp/handler/catalog.hpp>

namespace polymcp::handler {

std::string encode_cursor(std::string_view key) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string c = "c1";
    for (unsigned char ch : key) { c += hex[ch >> 4]; c += hex[ch & 15]; }
    return c;
}

bool decode_cursor(std::string_view c, std::string& key) {
    if (c.size() < 2 || c.substr(0, 2) != "c1" || c.size() % 2) return false;
    auto nib = [](char ch) -> int {
        if (ch >= '0' && ch <= '9') return ch - '0';
        if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
        return -1;
    };
    for (std::size_t i = 2; i < c.size(); i += 2) {
        int h = nib(c[i]), l = nib(c[i + 1]);
        if (h < 0 || l < 0) return false;
        key += static_cast<char>(h * 16 + l);
    }
    return true;
}

std::uint64_t change_listeners::subscribe(std::function<void()> f) {
    std::lock_guard lock(mutex_);
    fs_.emplace(++next_, std::move(f));
    return next_;
}

void change_listeners::unsubscribe(std::uint64_t token) {
    std::lock_guard lock(mutex_);
    fs_.erase(token);
}

void change_listeners::notify() const {
    std::vector<std::function<void()>> fs;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [k, f] : fs_) fs.push_back(f);
    }
    for (auto& f : fs) f();
}

}  // namespace polymcp::handler

#endif
