#ifndef POLYMCP_TRANSPORT_DETAIL_HTTP_CHECKS_HPP
#define POLYMCP_TRANSPORT_DETAIL_HTTP_CHECKS_HPP

// The header checks of Streamable HTTP: media types in Accept and
// Content-Type (RFC 9110 sections 8.3 and 12.5.1), Origin and Host for
// DNS-rebinding protection (MCP 2025-11-25 "Transports" > "Security
// Warning"), and session ids from the operating system's CSPRNG.

#include <polymcp/core/config.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace polymcp::transport_detail {

/// Whether an `Accept` value admits `type` ("application/json"): an exact
/// match, "<major>/*" or "*/*", ignoring parameters, case-insensitively; a
/// range with q=0 does not admit.
POLYMCP_DECL bool accepts(std::string_view accept, std::string_view type) noexcept;

/// Whether a `Content-Type` value is `type`, ignoring parameters (charset).
POLYMCP_DECL bool is_media_type(std::string_view content_type, std::string_view type) noexcept;

/// The host name of a `Host` value or of an origin's authority ("[::1]:80"
/// gives "[::1]"), lower case; a value whose host is followed by anything
/// but a port ("127.0.0.1:80@evil.example") is returned whole, so that it
/// matches no allowed or loopback name.
POLYMCP_DECL std::string host_name(std::string_view authority);

/// "localhost", or an IP literal in 127.0.0.0/8 or ::1 (bracketed or not,
/// also as ::ffff:127.x.y.z); a name such as "127.evil.example" is not.
POLYMCP_DECL bool is_loopback_host(std::string_view host) noexcept;

/// The value of an `Mcp-Name` or `Mcp-Param-*` header (MCP 2026-07-28
/// "Streamable HTTP" > "Value Encoding"): as is, or decoded from the
/// `=?base64?...?=` form; nullopt when that form is malformed (standard
/// Base64 only, RFC 4648 section 4: a character outside the alphabet or a
/// missing '=' pad is refused). A value with only the prefix or only the
/// suffix is literal text.
POLYMCP_DECL std::optional<std::string> decode_header_value(std::string_view value);

/// Whether `origin` may call: in `allowed` (exactly, case-insensitively; "*"
/// allows any), or, when `allowed` is empty, an http(s) origin on a loopback host.
POLYMCP_DECL bool origin_allowed(std::string_view origin, const std::vector<std::string>& allowed);

/// Whether the `Host` value may be served (see streamable_http_options::allowed_hosts).
POLYMCP_DECL bool host_allowed(std::string_view host, const std::vector<std::string>& allowed, bool loopback_bound);

/// `s` with each value quoted in single quotes (a quote after a space,
/// '(' or the start, up to the next quote before a space, punctuation or the
/// end) replaced by '...': a message to a client quotes what it sent, the
/// same message in a log line does not. Thread-safe (pure).
POLYMCP_DECL std::string without_quoted_values(std::string_view s);

/// At most 400 bytes of `s` as valid UTF-8 with control characters replaced
/// by '?': a path or method fit for a log line.
POLYMCP_DECL std::string loggable(std::string_view s);

/// 128 bits from getrandom(2) (the kernel CSPRNG) as 32 lower-case hex
/// characters. @throws std::system_error when the kernel has none to give.
POLYMCP_DECL std::string random_session_id();

}  // namespace polymcp::transport_detail

#if POLYMCP_HEADER_ONLY
#include <polymcp/transport/detail/impl/http_checks.ipp>
#endif

#endif
