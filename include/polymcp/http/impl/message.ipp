#ifndef POLYMCP_HTTP_IMPL_MESSAGE_IPP
#define POLYMCP_HTTP_IMPL_MESSAGE_IPP

// Definitions of the non-template functions declared in polymcp/http/message.hpp.

#include <polymcp/http/message.hpp>

namespace polymcp::http {

std::string_view reason_phrase(unsigned status) noexcept {
    switch (status) {
        case 100: return "Continue";
        case 200: return "OK";
        case 201: return "Created";
        case 202: return "Accepted";
        case 204: return "No Content";
        case 301: return "Moved Permanently";
        case 302: return "Found";
        case 304: return "Not Modified";
        case 307: return "Temporary Redirect";
        case 308: return "Permanent Redirect";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 406: return "Not Acceptable";
        case 408: return "Request Timeout";
        case 409: return "Conflict";
        case 411: return "Length Required";
        case 413: return "Content Too Large";
        case 414: return "URI Too Long";
        case 415: return "Unsupported Media Type";
        case 417: return "Expectation Failed";
        case 422: return "Unprocessable Content";
        case 429: return "Too Many Requests";
        case 431: return "Request Header Fields Too Large";
        case 500: return "Internal Server Error";
        case 501: return "Not Implemented";
        case 502: return "Bad Gateway";
        case 503: return "Service Unavailable";
        case 504: return "Gateway Timeout";
        case 505: return "HTTP Version Not Supported";
    }
    return "Unknown";
}

response response::error(unsigned status, std::string_view detail) {
    std::string body(reason_phrase(status));
    if (!detail.empty()) {
        body += ": ";
        body += detail;
    }
    body += '\n';
    return with_body(status, "text/plain; charset=utf-8", std::move(body));
}

}  // namespace polymcp::http

#endif
