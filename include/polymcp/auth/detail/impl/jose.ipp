#ifndef POLYMCP_AUTH_DETAIL_IMPL_JOSE_IPP
#define POLYMCP_AUTH_DETAIL_IMPL_JOSE_IPP

#include <polymcp/auth/detail/jose.hpp>

#include <set>

namespace polymcp::auth::detail {

bool strict_base64url_decode(std::string_view text, std::vector<unsigned char>& out) {
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '-') return 62;
        if (c == '_') return 63;
        return -1;
    };
    out.clear();
    if (text.size() % 4 == 1) return false;
    out.reserve(text.size() * 3 / 4);
    std::uint32_t acc = 0;
    int bits = 0;
    for (char c : text) {
        int v = value(c);
        if (v < 0) {
            out.clear();
            return false;
        }
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<unsigned char>((acc >> bits) & 0xff));
        }
    }
    if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) {  // non-canonical: unused bits set
        out.clear();
        return false;
    }
    return true;
}

bool parse_strict_object(std::string_view text, nlohmann::json& out, std::size_t max_depth) {
    std::vector<std::set<std::string>> members;
    bool bad = false;
    auto cb = [&](int depth, nlohmann::json::parse_event_t ev, nlohmann::json& parsed) {
        using E = nlohmann::json::parse_event_t;
        if (static_cast<std::size_t>(depth) > max_depth) bad = true;
        if (ev == E::object_start) {
            members.emplace_back();
        } else if (ev == E::object_end) {
            if (!members.empty()) members.pop_back();
        } else if (ev == E::key && !members.empty()) {
            if (!members.back().insert(parsed.get<std::string>()).second) bad = true;
        }
        return !bad;
    };
    out = nlohmann::json::parse(text.begin(), text.end(), cb, /*allow_exceptions=*/false);
    return !bad && !out.is_discarded() && out.is_object();
}

}  // namespace polymcp::auth::detail

#endif
