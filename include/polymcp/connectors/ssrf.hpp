#ifndef POLYMCP_CONNECTORS_SSRF_HPP
#define POLYMCP_CONNECTORS_SSRF_HPP

/// @file polymcp/connectors/ssrf.hpp
/// `polymcp::connectors::ssrf_policy`: which addresses the gateway may
/// connect to when a URL comes from a user — the guard against server-side
/// request forgery (OWASP "Server Side Request Forgery Prevention"; MCP
/// 2025-11-25 security best practices). By default only public unicast
/// addresses are allowed: loopback (127.0.0.0/8, ::1), private (RFC 1918
/// 10/8, 172.16/12, 192.168/16; RFC 6598 100.64/10; RFC 4193 fc00::/7;
/// 198.18/15, 192.0.0/24), link-local (169.254/16 — where cloud metadata
/// services live — and fe80::/10) are refused unless configured, and
/// unspecified, multicast, broadcast, documentation and reserved addresses
/// (0/8, 240/4, 192.0.2/24, 198.51.100/24, 203.0.113/24, 192.88.99/24,
/// 2001:db8::/32, 100::/64, ::/96) are always refused. IPv6 addresses that
/// carry an IPv4 address are judged by it: IPv4-mapped (<tt>\::ffff:0:0/96</tt>),
/// IPv4-translated (<tt>\::ffff:0:0:0/96</tt>), NAT64 (64:ff9b::/96) and 6to4
/// (2002::/16); local-use NAT64 (64:ff9b:1::/48) counts as private, and
/// Teredo (2001::/32), whose IPv4 address is obfuscated, is refused.
///
/// The policy is applied to the address of every connection
/// (`client::http_options::address_filter`), after any DNS answer, so a name
/// that resolves to a public address when checked and to a private one
/// later (DNS rebinding) is refused too; the validator also pins the checked
/// addresses (`client::http_options::resolve`). HTTP redirects are never
/// followed by the MCP client, so no redirect can lead elsewhere.

#include <polymcp/core/config.hpp>

#include <asio/ip/address.hpp>
#include <asio/ip/network_v4.hpp>
#include <asio/ip/network_v6.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace polymcp::connectors {

/// What an address is, for the policy and its messages.
enum class address_class {
    public_unicast,
    loopback,
    private_network,
    link_local,
    forbidden,  ///< unspecified, multicast, broadcast, reserved: never allowed
};

/// "a public address", "a loopback address", "a private address",
/// "a link-local address", "a reserved address".
POLYMCP_DECL std::string_view describe(address_class c) noexcept;

/// Classifies `a` (see the file comment for the ranges).
POLYMCP_DECL address_class classify(const asio::ip::address& a) noexcept;

/// Which addresses user-supplied URLs may reach. Copyable; `const` members
/// are thread-safe.
class ssrf_policy {
public:
    /// Allow loopback addresses (a gateway whose upstreams run on the same
    /// machine; the embedded demo).
    bool allow_loopback = false;
    /// Allow private addresses (upstreams on the same private network).
    bool allow_private = false;
    /// Allow link-local addresses. Think twice: cloud metadata services
    /// (169.254.169.254) live there.
    bool allow_link_local = false;

    /// Networks allowed whatever their class (except `forbidden`), in CIDR
    /// notation ("10.20.0.0/16", "fd00:1::/64").
    /// @throws std::system_error (`std::errc::invalid_argument`) naming a malformed one
    POLYMCP_DECL void allow_network(std::string_view cidr);

    /// Whether a connection to `a` is allowed.
    POLYMCP_DECL bool allows(const asio::ip::address& a) const noexcept;

    /// A filter for `client::http_options::address_filter` applying this
    /// policy (a copy of it).
    POLYMCP_DECL std::function<bool(const asio::ip::address&)> address_filter() const;

private:
    std::vector<asio::ip::network_v4> v4_;
    std::vector<asio::ip::network_v6> v6_;
};

}  // namespace polymcp::connectors

#if POLYMCP_HEADER_ONLY
#include <polymcp/connectors/impl/ssrf.ipp>
#endif

#endif
