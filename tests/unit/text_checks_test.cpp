// Text a peer sent, made safe to quote and to log: UTF-8 repair and
// excerpts that never cut a character (polymcp/core/utf8.hpp), loopback
// decided from IP literals only, and log lines without quoted values
// (polymcp/transport/detail/http_checks.hpp).

#include <polymcp/core/utf8.hpp>
#include <polymcp/protocol/jsonrpc.hpp>
#include <polymcp/transport/detail/http_checks.hpp>

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

using polymcp::utf8_excerpt;
using polymcp::utf8_valid;

namespace {
const std::string replacement = "\xEF\xBF\xBD";

// Whether nlohmann/json accepts `s` as a string (strict UTF-8).
bool serializes(const std::string& s) {
    try {
        (void)nlohmann::json(s).dump();
        return true;
    } catch (const nlohmann::json::type_error&) {
        return false;
    }
}
}  // namespace

TEST_CASE("utf8_valid: well-formed text is kept, every ill-formed sequence becomes U+FFFD", "[text]") {
    for (std::string ok : {std::string(""), std::string("plain"), std::string("caf\xC3\xA9"), std::string("\xE2\x82\xAC"),
                           std::string("\xF0\x9F\x98\x80"), std::string("\xF4\x8F\xBF\xBF"), std::string("a\0b", 3)})
        CHECK(utf8_valid(ok) == ok);
    struct { std::string in, out; } cases[] = {
        {"caf\xC3", "caf" + replacement},                       // truncated at the end
        {"\xC3(", replacement + "("},                           // a lead byte without its continuation
        {"\x80", replacement},                                  // a stray continuation byte
        {"\x80\x80\x80x", replacement + replacement + replacement + "x"},  // one for each
        {"\xC0\xAF", replacement + replacement},                             // overlong '/'
        {"\xE0\x80\xAF", replacement + replacement + replacement},          // overlong, three bytes
        {"\xED\xA0\x80", replacement + replacement + replacement},          // a surrogate (U+D800)
        {"\xF4\x90\x80\x80", replacement + replacement + replacement + replacement},  // over U+10FFFF
        {"\xE2\x82(", replacement + "("},                                    // a truncated start: one
        {"\xF5\x80\x80\x80", replacement + replacement + replacement + replacement},  // no such lead byte
        {"\xFF\xFE", replacement + replacement},
    };
    for (const auto& k : cases) {
        INFO(k.in);
        CHECK(utf8_valid(k.in) == k.out);
        CHECK_FALSE(serializes(k.in));
        CHECK(serializes(utf8_valid(k.in)));
    }
}

TEST_CASE("utf8_excerpt: at most max bytes, never inside a character", "[text]") {
    CHECK(utf8_excerpt("short", 10) == "short");
    CHECK(utf8_excerpt("abcdef", 3) == "abc...");
    const std::string e = "\xC3\xA9";  // é
    CHECK(utf8_excerpt(e + e + e, 3) == e + "...");
    CHECK(utf8_excerpt(e + e + e, 4) == e + e + "...");
    const std::string emoji = "\xF0\x9F\x98\x80";
    for (std::size_t max = 0; max < 12; ++max) {
        auto x = utf8_excerpt(emoji + emoji + emoji, max);
        INFO(max);
        CHECK(serializes(x));
    }
    // An upstream's 300 bytes of multi-byte text cut at 200 (the client's error messages).
    std::string body;
    for (int i = 0; i < 100; ++i) body += "\xE2\x82\xAC";
    CHECK(serializes(utf8_excerpt(body, 200)));
    CHECK(serializes(utf8_excerpt(body + "\xFF", 1000)));
    // Serializing any JSON value replaces what it cannot carry instead of throwing.
    CHECK(polymcp::jsonrpc::serialize_json(nlohmann::json{{"m", std::string("bad \xFF byte")}}) ==
          "{\"m\":\"bad " + replacement + " byte\"}");
}

TEST_CASE("loopback hosts: IP literals and localhost only", "[text][http]") {
    using polymcp::transport_detail::is_loopback_host;
    for (const char* h : {"localhost", "127.0.0.1", "127.1.2.3", "127.255.255.254", "[::1]", "::1", "[::ffff:127.0.0.1]"})
        CHECK(is_loopback_host(h));
    for (const char* h : {"127.evil.example", "127.0.0.1.evil.example", "127.1", "127", "0x7f.0.0.1", "2130706433",
                          "localhost.evil.example", "evil.localhost.example", "[::2]", "10.0.0.1", "", "[", "[]", "127.0.0.1 "})
        CHECK_FALSE(is_loopback_host(h));
}

TEST_CASE("host names: the host of a Host value or an origin, only when the rest is a port", "[text][http]") {
    using polymcp::transport_detail::host_name;
    CHECK(host_name("LocalHost:8080") == "localhost");
    CHECK(host_name("[::1]:443") == "[::1]");
    CHECK(host_name("127.0.0.1") == "127.0.0.1");
    CHECK(host_name("127.0.0.1:8080@evil.example") == "127.0.0.1:8080@evil.example");
    CHECK(host_name("[::1].evil.example") == "[::1].evil.example");
    CHECK(host_name("localhost:80:80") == "localhost:80:80");
    CHECK_FALSE(polymcp::transport_detail::origin_allowed("http://127.0.0.1:8080@evil.example", {}));
    CHECK(polymcp::transport_detail::origin_allowed("http://127.0.0.1:8080", {}));
}

TEST_CASE("log lines: values a client sent are left out, control characters replaced", "[text][http]") {
    using polymcp::transport_detail::without_quoted_values;
    CHECK(without_quoted_values("Header mismatch: Mcp-Method header value 'evil' does not match body value 'tools/list'") ==
          "Header mismatch: Mcp-Method header value '...' does not match body value '...'");
    CHECK(without_quoted_values("Method not found: 'x'") == "Method not found: '...'");
    CHECK(without_quoted_values("the session's standalone SSE stream is already open") ==
          "the session's standalone SSE stream is already open");
    CHECK(without_quoted_values("a\nb\rc") == "a?b?c");
    CHECK(polymcp::transport_detail::loggable("/path\n with\x01 controls") == "/path? with? controls");
}
