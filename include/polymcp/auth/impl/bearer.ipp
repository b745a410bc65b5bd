#ifndef POLYMCP_AUTH_IMPL_BEARER_IPP
#define POLYMCP_AUTH_IMPL_BEARER_IPP

// Definitions for polymcp/auth/bearer.hpp.

#include <polymcp/auth/bearer.hpp>

namespace polymcp::auth {

bool is_token68(std::string_view s) noexcept {
    std::size_t i = 0;
    for (; i < s.size(); ++i) {
        char c = s[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                  c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
        if (!ok) break;
    }
    if (i == 0) return false;
    for (; i < s.size(); ++i)
        if (s[i] != '=') return false;
    return true;
}

namespace detail {
// Whether the query of `target` has a parameter named access_token.
inline bool query_has_access_token(std::string_view target) noexcept {
    auto q = target.find('?');
    if (q == std::string_view::npos) return false;
    std::string_view query = target.substr(q + 1);
    while (!query.empty()) {
        auto amp = query.find('&');
        auto part = query.substr(0, amp);
        auto name = part.substr(0, part.find('='));
        if (name == "access_token") return true;
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return false;
}
}  // namespace detail

std::error_code find_bearer_token(const auth_request& r, const bearer_options& options, std::string_view& token,
                                  std::string& detail) {
    token = {};
    if (r.transport == auth_request::transport_kind::stdio) {
        const char* v = r.environment ? r.environment(options.stdio_environment_variable.c_str()) : nullptr;
        if (!v || !*v) {
            detail = "set the environment variable " + options.stdio_environment_variable + " to an access token";
            return errc::no_credentials;
        }
        std::string_view t(v);
        if (t.size() > options.max_token_bytes) {
            detail = "the token in " + options.stdio_environment_variable + " exceeds " +
                     std::to_string(options.max_token_bytes) + " bytes";
            return errc::malformed_request;
        }
        token = t;
        return {};
    }
    if (detail::query_has_access_token(r.target)) {
        detail = "access tokens are accepted only in the Authorization header, never in the query string";
        return errc::malformed_request;
    }
    if (!r.headers) {
        detail = "send 'Authorization: Bearer <access token>'";
        return errc::no_credentials;
    }
    const auto n = r.headers->count("Authorization");
    if (n == 0) {
        detail = "send 'Authorization: Bearer <access token>'";
        return errc::no_credentials;
    }
    if (n > 1) {
        detail = "the Authorization header was sent " + std::to_string(n) + " times; send it once";
        return errc::malformed_request;
    }
    std::string_view v = *r.headers->get("Authorization");
    if (v.size() > options.max_token_bytes + 7) {
        detail = "the Authorization header exceeds " + std::to_string(options.max_token_bytes) + " bytes";
        return errc::malformed_request;
    }
    auto sp = v.find(' ');
    std::string_view scheme = v.substr(0, sp);
    if (!http::iequals(scheme, "Bearer")) {
        detail = "the Authorization scheme must be Bearer";
        return errc::no_credentials;
    }
    std::string_view rest = sp == std::string_view::npos ? std::string_view{} : v.substr(sp + 1);
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    if (!is_token68(rest)) {
        detail = "the Authorization header must be 'Bearer' followed by one token (RFC 6750 section 2.1)";
        return errc::malformed_request;
    }
    token = rest;
    return {};
}

}  // namespace polymcp::auth

#endif
