#ifndef POLYMCP_AUTH_BEARER_HPP
#define POLYMCP_AUTH_BEARER_HPP

/// @file polymcp/auth/bearer.hpp
/// Finding the bearer token of a request (RFC 6750 section 2.1, as MCP
/// 2025-11-25 "Authorization" > "Token Requirements" narrows it): exactly
/// one `Authorization: Bearer <token68>` header over HTTP, never a token in
/// the query string; an environment variable for stdio.

#include <polymcp/auth/request.hpp>
#include <polymcp/core/config.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>

namespace polymcp::auth {

/// Where `find_bearer_token` looks.
struct bearer_options {
    /// Largest accepted token, in bytes; a larger `Authorization` header is
    /// refused before any decoding (`malformed_request`).
    std::size_t max_token_bytes = 8 * 1024;
    /// The environment variable holding the token of a stdio server's client.
    std::string stdio_environment_variable = "POLYMCP_ACCESS_TOKEN";
};

/// Finds the bearer token of `r`.
/// @param r the request
/// @param options where to look and the size limit
/// @param token set to the token (a view into `r`'s headers or the environment)
/// @param detail set to a sentence for the client on failure (never the token)
/// @return `errc::no_credentials` (no `Authorization` header, or another
///         scheme: RFC 6750 section 3.1 sends no error code then);
///         `errc::malformed_request` for a duplicated or oversized header, a
///         value that is not `Bearer` + one token68, or an `access_token`
///         query parameter; success otherwise.
/// Thread-safe.
POLYMCP_DECL std::error_code find_bearer_token(const auth_request& r, const bearer_options& options,
                                               std::string_view& token, std::string& detail);

/// True when `s` is a token68 (RFC 9110 section 11.2): 1*( ALPHA / DIGIT /
/// "-" / "." / "_" / "~" / "+" / "/" ) *"=".
POLYMCP_DECL bool is_token68(std::string_view s) noexcept;

}  // namespace polymcp::auth

#if POLYMCP_HEADER_ONLY
#include <polymcp/auth/impl/bearer.ipp>
#endif

#endif
