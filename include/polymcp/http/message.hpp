#ifndef POLYMCP_HTTP_MESSAGE_HPP
#define POLYMCP_HTTP_MESSAGE_HPP

/// @file polymcp/http/message.hpp
/// HTTP/1.1 requests and responses as the polymcp HTTP server hands them to
/// a handler and takes them back (RFC 9110 semantics, RFC 9112 syntax).

#include <polymcp/core/config.hpp>
#include <polymcp/http/fields.hpp>

#include <string>
#include <string_view>

namespace polymcp::http {

/// A complete request: the body is already de-chunked and within the
/// configured limit.
struct request {
    std::string method;        ///< e.g. "POST" (upper case, as on the wire)
    std::string target{};      ///< request-target as sent, e.g. "/mcp?x=1"
    unsigned version = 11;     ///< 10 for HTTP/1.0, 11 for HTTP/1.1
    http::fields fields{};     ///< header fields
    std::string body{};        ///< the body, possibly empty
    bool keep_alive = true;    ///< whether the connection may serve another request
    std::string remote{};      ///< the peer's address and port, for logs

    /// The target without its query string, e.g. "/mcp".
    std::string_view path() const noexcept {
        std::string_view t = target;
        return t.substr(0, t.find('?'));
    }
};

/// A response. `Content-Length`, `Date`-free framing and `Connection` are
/// added by the server when it is written.
struct response {
    unsigned status = 200;     ///< status code
    http::fields fields{};     ///< header fields
    std::string body;          ///< the body (empty for 1xx, 204 and 304)

    /// A response with a body and its `Content-Type`.
    static response with_body(unsigned status, std::string content_type, std::string body) {
        response r;
        r.status = status;
        r.fields.set("Content-Type", std::move(content_type));
        r.body = std::move(body);
        return r;
    }
    /// A `text/plain` response whose body is the reason phrase and, when
    /// given, a sentence saying what to change.
    POLYMCP_DECL static response error(unsigned status, std::string_view detail = {});
};

/// The standard reason phrase of a status code (RFC 9110 section 15), or
/// "Unknown" for codes it does not define.
POLYMCP_DECL std::string_view reason_phrase(unsigned status) noexcept;

}  // namespace polymcp::http

#if POLYMCP_HEADER_ONLY
#include <polymcp/http/impl/message.ipp>
#endif

#endif
