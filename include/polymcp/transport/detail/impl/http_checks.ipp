#ifndef POLYMCP_TRANSPORT_DETAIL_IMPL_HTTP_CHECKS_IPP
#define POLYMCP_TRANSPORT_DETAIL_IMPL_HTTP_CHECKS_IPP

#include <polymcp/transport/detail/http_checks.hpp>
#include <polymcp/core/random.hpp>
#include <polymcp/core/utf8.hpp>
#include <polymcp/crypto/openssl.hpp>
#include <polymcp/http/fields.hpp>

#include <asio/ip/address.hpp>

namespace polymcp::transport_detail {

inline std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

inline std::string loggable_text(std::string_view s) {
    auto out = utf8_excerpt(s, 400);
    for (auto& ch : out)
        if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ch = '?';
    return out;
}

bool accepts(std::string_view accept, std::string_view type) noexcept {
    const auto slash = type.find('/');
    const auto major = type.substr(0, slash);
    while (!accept.empty()) {
        auto comma = accept.find(',');
        auto range = accept.substr(0, comma);
        accept = comma == std::string_view::npos ? std::string_view() : accept.substr(comma + 1);
        auto semi = range.find(';');
        auto media = trim(range.substr(0, semi));
        bool zero_q = false;
        if (semi != std::string_view::npos) {
            auto params = range.substr(semi + 1);
            auto q = params.find("q=");
            if (q != std::string_view::npos) {
                auto v = trim(params.substr(q + 2));
                zero_q = v.rfind("0", 0) == 0 && v.find_first_of("123456789") == std::string_view::npos;
            }
        }
        if (zero_q) continue;
        if (media == "*/*" || http::iequals(media, type)) return true;
        auto ms = media.find('/');
        if (ms != std::string_view::npos && media.substr(ms + 1) == "*" && http::iequals(media.substr(0, ms), major))
            return true;
    }
    return false;
}

bool is_media_type(std::string_view content_type, std::string_view type) noexcept {
    return http::iequals(trim(content_type.substr(0, content_type.find(';'))), type);
}

std::string host_name(std::string_view authority) {
    authority = trim(authority);
    std::string_view h = authority;
    // host [":" port] (RFC 9110 section 7.2): what follows the host must be a
    // port, else the whole value is kept and matches no allowed name.
    auto port_ok = [](std::string_view rest) {
        if (rest.empty()) return true;
        if (rest.front() != ':') return false;
        return rest.find_first_not_of("0123456789", 1) == std::string_view::npos;
    };
    if (!authority.empty() && authority.front() == '[') {
        auto close = authority.find(']');
        if (close != std::string_view::npos && port_ok(authority.substr(close + 1))) h = authority.substr(0, close + 1);
    } else if (auto colon = authority.find(':'); colon != std::string_view::npos && port_ok(authority.substr(colon))) {
        h = authority.substr(0, colon);
    }
    std::string out(h);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

bool is_loopback_host(std::string_view host) noexcept {
    if (host == "localhost" || host == "localhost.") return true;
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    // Only an IP literal (dotted quad or IPv6) is an address: "127.evil.example" is a name.
    std::error_code ec;
    const auto a = asio::ip::make_address(std::string(host), ec);
    if (ec) return false;
    if (a.is_v6() && a.to_v6().is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).is_loopback();
    return a.is_loopback();
}

bool origin_allowed(std::string_view origin, const std::vector<std::string>& allowed) {
    origin = trim(origin);
    if (!allowed.empty()) {
        for (const auto& a : allowed)
            if (a == "*" || http::iequals(a, origin)) return true;
        return false;
    }
    std::string_view rest;
    if (origin.rfind("http://", 0) == 0) rest = origin.substr(7);
    else if (origin.rfind("https://", 0) == 0) rest = origin.substr(8);
    else return false;  // "null", other schemes
    return is_loopback_host(host_name(rest.substr(0, rest.find('/'))));
}

bool host_allowed(std::string_view host, const std::vector<std::string>& allowed, bool loopback_bound) {
    auto name = host_name(host);
    if (!allowed.empty()) {
        for (const auto& a : allowed)
            if (http::iequals(a, name)) return true;
        return false;
    }
    return !loopback_bound || is_loopback_host(name);
}

std::string random_session_id() { return random_hex_id(16); }

std::string without_quoted_values(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        const char c = s[i];
        const bool opens = c == '\'' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '(');
        if (opens) {
            std::size_t j = i + 1;
            for (; j < s.size(); ++j)
                if (s[j] == '\'' && (j + 1 == s.size() || std::string_view(" ,.;:)").find(s[j + 1]) != std::string_view::npos))
                    break;
            if (j < s.size()) {
                out += "'...'";
                i = j + 1;
                continue;
            }
        }
        out += c;
        ++i;
    }
    return loggable_text(out);
}

std::string loggable(std::string_view s) { return loggable_text(s); }

std::optional<std::string> decode_header_value(std::string_view value) {
    constexpr std::string_view prefix = "=?base64?", suffix = "?=";
    if (value.size() < prefix.size() + suffix.size() || value.substr(0, prefix.size()) != prefix ||
        value.substr(value.size() - suffix.size()) != suffix)
        return std::string(value);
    auto encoded = value.substr(prefix.size(), value.size() - prefix.size() - suffix.size());
    crypto::bytes out;
    if (encoded.empty()) return std::string();
    // Standard Base64 (RFC 4648 section 4) with its '=' padding, strictly:
    // characters outside the alphabet or a missing pad make the value malformed.
    if (encoded.size() % 4 != 0) return std::nullopt;
    for (std::size_t i = 0; i < encoded.size(); ++i) {
        const char c = encoded[i];
        const bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
        const bool pad = c == '=' && i + 2 >= encoded.size() && (i + 1 == encoded.size() || encoded[i + 1] == '=');
        if (!alpha && !pad) return std::nullopt;
    }
    if (!crypto::base64url_decode(encoded, out)) return std::nullopt;
    return std::string(out.begin(), out.end());
}

}  // namespace polymcp::transport_detail

#endif
