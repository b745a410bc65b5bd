#ifndef POLYMCP_CONNECTORS_IMPL_SSRF_IPP
#define POLYMCP_CONNECTORS_IMPL_SSRF_IPP

// Definitions for polymcp/connectors/ssrf.hpp.

#include <polymcp/connectors/ssrf.hpp>

#include <cstdint>
#include <initializer_list>

namespace polymcp::connectors {

namespace detail {
inline address_class classify_v4(std::uint32_t a) noexcept {
    auto in = [a](std::uint32_t net, int bits) {
        std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t(0) << (32 - bits);
        return (a & mask) == net;
    };
    if (in(0x7F000000u, 8)) return address_class::loopback;
    if (in(0x00000000u, 8) || in(0xE0000000u, 4) || in(0xF0000000u, 4)) return address_class::forbidden;  // this network, multicast, reserved + broadcast
    if (in(0xA9FE0000u, 16)) return address_class::link_local;
    // Documentation (TEST-NET-1, -2, -3) and the 6to4 relay anycast: never a real upstream.
    if (in(0xC0000200u, 24) || in(0xC6336400u, 24) || in(0xCB007100u, 24) || in(0xC0586300u, 24))
        return address_class::forbidden;
    if (in(0x0A000000u, 8) || in(0xAC100000u, 12) || in(0xC0A80000u, 16) || in(0x64400000u, 10) ||
        in(0xC6120000u, 15) || in(0xC0000000u, 24))
        return address_class::private_network;
    return address_class::public_unicast;
}
}  // namespace detail

std::string_view describe(address_class c) noexcept {
    switch (c) {
        case address_class::public_unicast: return "a public address";
        case address_class::loopback: return "a loopback address";
        case address_class::private_network: return "a private address";
        case address_class::link_local: return "a link-local address";
        case address_class::forbidden: return "a reserved address";
    }
    return "a reserved address";
}

address_class classify(const asio::ip::address& a) noexcept {
    if (a.is_v4()) return detail::classify_v4(a.to_v4().to_uint());
    const auto v6 = a.to_v6();
    const auto b = v6.to_bytes();
    auto starts = [&b](std::initializer_list<unsigned char> prefix) {
        std::size_t i = 0;
        for (auto p : prefix)
            if (b[i++] != p) return false;
        return true;
    };
    auto v4_at = [&b](std::size_t i) {
        return (std::uint32_t(b[i]) << 24) | (std::uint32_t(b[i + 1]) << 16) | (std::uint32_t(b[i + 2]) << 8) |
               std::uint32_t(b[i + 3]);
    };
    // Addresses that carry an IPv4 address reach it: classified by it.
    if (starts({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff})) return detail::classify_v4(v4_at(12));  // ::ffff:0:0/96, mapped
    if (starts({0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0})) return detail::classify_v4(v4_at(12));  // ::ffff:0:0:0/96, translated (RFC 2765)
    if (starts({0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0})) return detail::classify_v4(v4_at(12));  // 64:ff9b::/96, NAT64 (RFC 6052)
    if (starts({0x20, 0x02})) return detail::classify_v4(v4_at(2));  // 2002::/16, 6to4 (RFC 3056)
    if (starts({0x00, 0x64, 0xff, 0x9b, 0x00, 0x01})) return address_class::private_network;  // 64:ff9b:1::/48, local NAT64 (RFC 8215)
    if (starts({0x20, 0x01, 0x00, 0x00})) return address_class::forbidden;  // 2001::/32, Teredo: the IPv4 address is obfuscated
    if (starts({0x20, 0x01, 0x0d, 0xb8})) return address_class::forbidden;  // 2001:db8::/32, documentation
    if (starts({0x01, 0x00, 0, 0, 0, 0, 0, 0})) return address_class::forbidden;  // 100::/64, discard-only
    if (v6.is_loopback()) return address_class::loopback;
    if (v6.is_unspecified() || v6.is_multicast()) return address_class::forbidden;
    if (starts({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})) return address_class::forbidden;  // ::/96, the deprecated ::a.b.c.d form
    if (v6.is_link_local() || (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)) return address_class::link_local;  // fe80::/10, fec0::/10
    if ((b[0] & 0xfe) == 0xfc) return address_class::private_network;  // fc00::/7
    return address_class::public_unicast;
}

void ssrf_policy::allow_network(std::string_view cidr) {
    std::error_code ec;
    std::string s(cidr);
    if (s.find(':') != std::string::npos) {
        auto n = asio::ip::make_network_v6(s, ec);
        if (!ec) return v6_.push_back(n.canonical());
    } else {
        auto n = asio::ip::make_network_v4(s, ec);
        if (!ec) return v4_.push_back(n.canonical());
    }
    throw std::system_error(std::make_error_code(std::errc::invalid_argument),
                            "\"" + s + "\" is not a network in CIDR notation (e.g. 10.20.0.0/16)");
}

bool ssrf_policy::allows(const asio::ip::address& a) const noexcept {
    const auto c = classify(a);
    if (c == address_class::forbidden) return false;
    if (a.is_v4()) {
        for (const auto& n : v4_)
            if (asio::ip::network_v4(a.to_v4(), n.prefix_length()).canonical() == n) return true;
    } else {
        for (const auto& n : v6_)
            if (asio::ip::network_v6(a.to_v6(), n.prefix_length()).canonical() == n) return true;
    }
    switch (c) {
        case address_class::public_unicast: return true;
        case address_class::loopback: return allow_loopback;
        case address_class::private_network: return allow_private;
        case address_class::link_local: return allow_link_local;
        default: return false;
    }
}

std::function<bool(const asio::ip::address&)> ssrf_policy::address_filter() const {
    return [p = *this](const asio::ip::address& a) { return p.allows(a); };
}

}  // namespace polymcp::connectors

#endif
