#ifndef POLYMCP_CORE_UTF8_HPP
#define POLYMCP_CORE_UTF8_HPP

/// @file polymcp/core/utf8.hpp
/// Text a peer sent (a body, a header, a line on stderr) quoted in a
/// message that will be serialized as JSON: `utf8_valid` repairs it and
/// `utf8_excerpt` shortens it without ever cutting a character, so that no
/// message polymcp builds is invalid UTF-8 (RFC 3629), which JSON
/// (RFC 8259 section 8.1) cannot carry.

#include <cstddef>
#include <string>
#include <string_view>

namespace polymcp {

/// `s` with every byte sequence that is not well-formed UTF-8 (RFC 3629
/// section 4: overlong forms, surrogates, code points over U+10FFFF,
/// truncated sequences, stray continuation bytes) replaced by U+FFFD, one
/// for each maximal start of a sequence (as the WHATWG Encoding Standard's
/// UTF-8 decoder does).
/// Thread-safe (pure).
///
/// @code
/// polymcp::utf8_valid("caf\xc3");  // "caf\xef\xbf\xbd" ("caf" and U+FFFD)
/// @endcode
inline std::string utf8_valid(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    std::size_t i = 0;
    const auto n = s.size();
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    while (i < n) {
        const unsigned char c = byte(i);
        if (c < 0x80) {
            out += static_cast<char>(c);
            ++i;
            continue;
        }
        std::size_t len = 0;
        unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
        if (c >= 0xC2 && c <= 0xDF) len = 2;
        else if (c == 0xE0) len = 3, lo = 0xA0;
        else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) len = 3;
        else if (c == 0xED) len = 3, hi = 0x9F;
        else if (c == 0xF0) len = 4, lo = 0x90;
        else if (c >= 0xF1 && c <= 0xF3) len = 4;
        else if (c == 0xF4) len = 4, hi = 0x8F;
        std::size_t k = 1;
        while (len > 0 && k < len && i + k < n) {
            const unsigned char b = byte(i + k);
            if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) break;
            ++k;
        }
        if (len > 0 && k == len) {
            out.append(s.substr(i, len));
            i += len;
        } else {
            // One U+FFFD for the longest start of a sequence (the WHATWG
            // decoder's rule); the byte that broke it is read again.
            out += "\xEF\xBF\xBD";
            i += len > 0 ? k : 1;
        }
    }
    return out;
}

/// At most `max` bytes of `utf8_valid(s)`, cut before a character, with
/// "..." appended when cut. Thread-safe (pure).
///
/// @code
/// polymcp::utf8_excerpt("\xc3\xa9t\xc3\xa9", 2);  // "\xc3\xa9..." ("é...")
/// @endcode
inline std::string utf8_excerpt(std::string_view s, std::size_t max = 200) {
    auto v = utf8_valid(s);
    if (v.size() <= max) return v;
    std::size_t cut = max;
    while (cut > 0 && (static_cast<unsigned char>(v[cut]) & 0xC0) == 0x80) --cut;
    v.resize(cut);
    return v + "...";
}

}  // namespace polymcp

#endif
