#ifndef POLYMCP_CLIENT_DETAIL_HTTP_EXCHANGE_HPP
#define POLYMCP_CLIENT_DETAIL_HTTP_EXCHANGE_HPP

// What the HTTP client transports share: URLs (RFC 3986 through libcurl's URL
// API), building a transfer from http_options, and turning an HTTP status
// into a typed client_error.

#include <polymcp/client/detail/curl_multi.hpp>
#include <polymcp/client/http_options.hpp>
#include <polymcp/core/config.hpp>

#include <memory>
#include <string>

namespace polymcp::client::detail {

/// `options.url` with `options.query` appended (URL-encoded), checked to be
/// an absolute http or https URL. @throws client_error(errc::invalid_url)
POLYMCP_DECL std::string build_url(const http_options& options);

/// Resolves `reference` (absolute or relative) against `base`.
/// @throws client_error(errc::invalid_url)
POLYMCP_DECL std::string resolve_url(const std::string& base, const std::string& reference);

/// "scheme://host:port" of an absolute URL (default ports made explicit).
POLYMCP_DECL std::string origin_of(const std::string& url);

/// A transfer for `method` on `url` with the options' TLS, proxy, timeout,
/// user agent and custom headers, plus `authorization` when non-empty.
POLYMCP_DECL std::shared_ptr<curl_transfer> make_transfer(const asio::any_io_executor& ex, const http_options& options,
                                                          const std::string& url, const char* method,
                                                          std::string body, const std::string& authorization);

/// The typed error for a response the transport cannot use: 3xx (redirects
/// are not followed), 401/403 (`auth_required`, with the challenge), 404
/// with a session (`session_expired`), other 4xx/5xx (`http_error`). The
/// message quotes the body's JSON-RPC error message or its first bytes.
POLYMCP_DECL client_error status_error(const curl_transfer& t, const std::string& body, const std::string& url,
                                       bool had_session);

/// The media type of a Content-Type value, lower-case, without parameters.
POLYMCP_DECL std::string media_type(const std::string& content_type);

}  // namespace polymcp::client::detail

#if POLYMCP_HEADER_ONLY
#include <polymcp/client/detail/impl/http_exchange.ipp>
#endif

#endif
