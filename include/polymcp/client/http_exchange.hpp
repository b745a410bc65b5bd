#ifndef POLYMCP_CLIENT_HTTP_EXCHANGE_HPP
#define POLYMCP_CLIENT_HTTP_EXCHANGE_HPP

/// @file polymcp/client/http_exchange.hpp
/// What the HTTP client transports share: URLs (RFC 3986 through libcurl's URL
/// API), building a transfer from http_options, and turning an HTTP status
/// into a typed client_error.

#include <polymcp/client/curl_multi.hpp>
#include <polymcp/client/http_options.hpp>
#include <polymcp/core/config.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace polymcp::client {

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
/// A POST body is sent with `content_type`.
POLYMCP_DECL std::shared_ptr<curl_transfer> make_transfer(const asio::any_io_executor& ex, const http_options& options,
                                                          const std::string& url, const char* method,
                                                          std::string body, const std::string& authorization,
                                                          const char* content_type = "application/json");

/// A whole response, for small exchanges (metadata, registration, tokens).
struct fetch_result {
    long status = 0;           ///< the HTTP status
    std::string body{};        ///< at most `max_body` bytes
    std::string content_type{};  ///< media type, lower-case
    std::string location{};    ///< the Location header, if any
};

/// Performs one request on `multi` and collects the response.
/// @param multi the curl multi handle to run it on
/// @param options TLS, time limits, address guard
/// @param method e.g. "GET", "POST"
/// @param url the absolute URL
/// @param body the request body (empty: none)
/// @param headers extra request header lines ("Name: value")
/// @param content_type the body's media type
/// @param max_body the largest response body accepted, in bytes
/// @throws client_error for transport failures (curl_error) and a body over `max_body`
POLYMCP_DECL asio::awaitable<fetch_result> fetch(std::shared_ptr<curl_multi> multi, const http_options& options,
                                                 const char* method, const std::string& url, std::string body,
                                                 std::vector<std::string> headers,
                                                 const char* content_type = "application/json",
                                                 std::size_t max_body = 1024 * 1024);

/// The typed error for a response the transport cannot use: 3xx (redirects
/// are not followed), 401/403 (`auth_required`, with the challenge), 404
/// with a session (`session_expired`), other 4xx/5xx (`http_error`). The
/// message quotes the body's JSON-RPC error message or its first bytes.
POLYMCP_DECL client_error status_error(const curl_transfer& t, const std::string& body, const std::string& url,
                                       bool had_session);

/// The media type of a Content-Type value, lower-case, without parameters.
POLYMCP_DECL std::string media_type(const std::string& content_type);

/// A value for an `Mcp-Name` or `Mcp-Param-*` header (MCP 2026-07-28
/// "Streamable HTTP" > "Value Encoding"): as is when it is plain visible
/// ASCII and spaces without leading or trailing whitespace; otherwise (other
/// bytes, control characters including tab, surrounding whitespace, or text
/// that looks like the sentinel itself) `=?base64?{standard Base64 of the
/// UTF-8 bytes}?=`.
POLYMCP_DECL std::string encode_header_value(std::string_view value);

/// The header line "Name: value" for libcurl; an empty value is written
/// "Name;" (libcurl drops a header written "Name:").
POLYMCP_DECL std::string header_line(const std::string& name, const std::string& value);

}  // namespace polymcp::client

#if POLYMCP_HEADER_ONLY
#include <polymcp/client/impl/http_exchange.ipp>
#endif

#endif
