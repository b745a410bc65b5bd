#ifndef POLYMCP_AUTH_REQUEST_HPP
#define POLYMCP_AUTH_REQUEST_HPP

/// @file polymcp/auth/request.hpp
/// What an auth policy sees of a request (`auth_request`) and what it
/// answers (`auth_result`: a principal or an `auth_rejection`).

#include <polymcp/auth/error.hpp>
#include <polymcp/auth/principal.hpp>
#include <polymcp/core/config.hpp>
#include <polymcp/http/fields.hpp>

#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

namespace polymcp::auth {

/// The part of a request an auth policy may look at. Views into the
/// transport's request: valid only during `authenticate`.
struct auth_request {
    /// Where the request came from.
    enum class transport_kind {
        http,   ///< an HTTP request: `headers`, `target`, `remote` are set
        stdio,  ///< a stdio server: credentials come from `environment`
    };
    transport_kind transport = transport_kind::http;  ///< where the request came from
    /// The HTTP header fields (null for stdio).
    const http::fields* headers = nullptr;
    /// The HTTP method, e.g. "POST" (empty for stdio).
    std::string_view method{};
    /// The request-target as sent, with its query (empty for stdio).
    std::string_view target{};
    /// The peer's address and port, for logs (empty for stdio).
    std::string_view remote{};
    /// Whether the connection is TLS.
    bool secure = false;
    /// Reads an environment variable (stdio credentials); `std::getenv` by
    /// default. Returns null when unset.
    std::function<const char*(const char*)> environment = [](const char* n) { return std::getenv(n); };
};

/// A refusal, with everything a transport needs to answer it: the HTTP
/// status, the RFC 6750 error code and a description safe to show and log
/// (it never contains the credential).
struct auth_rejection {
    /// Why, as an `auth::errc` (or a policy's own category).
    std::error_code reason{};
    /// 400 (malformed request), 401 (no or invalid credentials) or 403
    /// (insufficient scope).
    unsigned status = 401;
    /// The RFC 6750 section 3.1 error code: "invalid_request",
    /// "invalid_token", "insufficient_scope", or empty when the request had
    /// no credentials at all (then no error code is sent).
    std::string error{};
    /// A sentence for the client: what is wrong and what to do.
    std::string description{};
    /// Scopes that would satisfy the request (the `scope` challenge parameter).
    std::vector<std::string> scopes{};
};

/// Maps an `auth::errc` to the rejection RFC 6750 section 3.1 prescribes:
/// no credentials → 401 without error code; malformed request → 400
/// `invalid_request`; insufficient scope → 403 `insufficient_scope`; any
/// other → 401 `invalid_token`.
/// @param reason why, an `auth::errc`
/// @param detail appended to the category's message (must not contain a credential)
/// @param scopes the scopes to advertise in the challenge
inline auth_rejection make_rejection(std::error_code reason, std::string_view detail = {},
                                     std::vector<std::string> scopes = {}) {
    auth_rejection r;
    r.reason = reason;
    r.scopes = std::move(scopes);
    if (reason == errc::no_credentials) {
        r.status = 401;
    } else if (reason == errc::malformed_request) {
        r.status = 400;
        r.error = "invalid_request";
    } else if (reason == errc::insufficient_scope) {
        r.status = 403;
        r.error = "insufficient_scope";
    } else {
        r.status = 401;
        r.error = "invalid_token";
    }
    r.description = reason.message();
    if (!detail.empty()) {
        r.description += ": ";
        r.description += detail;
    }
    return r;
}

/// The answer of an auth policy: a principal, or a rejection.
class auth_result {
public:
    /// Accepts the request as `p`.
    static auth_result accept(principal p) { return auth_result(std::move(p)); }
    /// Refuses the request.
    static auth_result reject(auth_rejection r) { return auth_result(std::move(r)); }
    /// Refuses the request for `reason` (see `make_rejection`).
    static auth_result reject(std::error_code reason, std::string_view detail = {}) {
        return auth_result(make_rejection(reason, detail));
    }

    /// True when accepted.
    bool ok() const noexcept { return std::holds_alternative<principal>(v_); }
    explicit operator bool() const noexcept { return ok(); }  ///< `ok()`
    /// The principal. Precondition: `ok()`.
    const principal& who() const { return std::get<principal>(v_); }
    /// The principal, to change. Precondition: `ok()`.
    principal& who() { return std::get<principal>(v_); }
    /// The rejection. Precondition: `!ok()`.
    const auth_rejection& rejection() const { return std::get<auth_rejection>(v_); }

private:
    explicit auth_result(principal p) : v_(std::move(p)) {}
    explicit auth_result(auth_rejection r) : v_(std::move(r)) {}
    std::variant<principal, auth_rejection> v_;
};

/// A document an auth policy serves over HTTP, e.g. the RFC 9728 protected
/// resource metadata at `/.well-known/oauth-protected-resource`.
struct well_known_document {
    std::string path{};  ///< the request path it answers, e.g. "/.well-known/oauth-protected-resource/mcp"
    std::string body{};  ///< the response body
    std::string content_type = "application/json";  ///< the response's `Content-Type`
};

/// Quotes `v` as an RFC 9110 quoted-string (for challenge parameters).
inline std::string quoted(std::string_view v) {
    std::string q = "\"";
    for (char c : v) {
        if (c == '"' || c == '\\') q += '\\';
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) continue;  // no control characters in a header
        q += c;
    }
    q += '"';
    return q;
}

/// A `WWW-Authenticate: Bearer ...` value for `r` (RFC 6750 section 3):
/// `error`, `error_description` and `scope` when set, then
/// `resource_metadata` (RFC 9728 section 5.1) when given.
/// @param r the rejection
/// @param realm optional realm (omitted when empty)
/// @param resource_metadata absolute URL of the protected resource metadata (omitted when empty)
inline std::string bearer_challenge(const auth_rejection& r, std::string_view realm = {},
                                    std::string_view resource_metadata = {}) {
    std::string v = "Bearer";
    auto param = [&v, first = true](std::string_view name, std::string_view value) mutable {
        v += first ? " " : ", ";
        first = false;
        v += name;
        v += '=';
        v += quoted(value);
    };
    if (!realm.empty()) param("realm", realm);
    if (!r.error.empty()) {
        param("error", r.error);
        param("error_description", r.description);
    }
    if (!r.scopes.empty()) {
        std::string s;
        for (const auto& x : r.scopes) s += (s.empty() ? "" : " ") + x;
        param("scope", s);
    }
    if (!resource_metadata.empty()) param("resource_metadata", resource_metadata);
    return v;
}

}  // namespace polymcp::auth

#endif
