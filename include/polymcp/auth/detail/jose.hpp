#ifndef POLYMCP_AUTH_DETAIL_JOSE_HPP
#define POLYMCP_AUTH_DETAIL_JOSE_HPP

// Strict parsing shared by JWK, JWS and JWT: unpadded canonical base64url
// (RFC 7515 section 2) and JSON objects without duplicate member names
// (RFC 7515 section 4, RFC 7519 section 4).

#include <polymcp/core/config.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace polymcp::auth::detail {

/// Decodes unpadded base64url with the URL-safe alphabet only, refusing
/// padding, whitespace, other characters, an impossible length and
/// non-zero unused bits (so that every value has exactly one encoding).
POLYMCP_DECL bool strict_base64url_decode(std::string_view text, std::vector<unsigned char>& out);

/// `s` made safe to quote in a message or log line: at most `max` bytes,
/// anything outside printable ASCII replaced by '?' (token contents are
/// attacker-controlled: no control characters, no log injection).
inline std::string printable(std::string_view s, std::size_t max = 64) {
    std::string out;
    for (char c : s.substr(0, max)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
    if (s.size() > max) out += "...";
    return out;
}

/// Parses `text` as one JSON object whose objects have no duplicate member
/// names, at most `max_depth` deep. False for anything else.
POLYMCP_DECL bool parse_strict_object(std::string_view text, nlohmann::json& out, std::size_t max_depth = 32);

}  // namespace polymcp::auth::detail

#if POLYMCP_HEADER_ONLY
#include <polymcp/auth/detail/impl/jose.ipp>
#endif

#endif
