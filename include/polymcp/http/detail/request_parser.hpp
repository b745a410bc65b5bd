#ifndef POLYMCP_HTTP_DETAIL_REQUEST_PARSER_HPP
#define POLYMCP_HTTP_DETAIL_REQUEST_PARSER_HPP

// Incremental HTTP/1.1 request parsing on top of the http-parser library
// (Debian libhttp-parser-dev; https://github.com/nodejs/http-parser), with
// polymcp's limits checked while the bytes arrive.

#include <polymcp/core/config.hpp>
#include <polymcp/http/message.hpp>
#include <polymcp/http/options.hpp>

#include <http_parser.h>

#include <cstddef>
#include <string>

namespace polymcp::http::detail {

/// Parses one request at a time out of a byte stream. Not thread-safe.
class request_parser {
public:
    /// Outcome of `feed`.
    enum class state {
        need_more,  ///< all bytes consumed; the request is not complete yet
        complete,   ///< a request is complete (`take` it); later bytes were not consumed
        error,      ///< the request is malformed or over a limit (`error_status`)
    };
    struct result {
        std::size_t consumed;  ///< bytes of the input that were used
        state st;
    };

    /// @param limits the size limits to enforce (kept by reference; must outlive the parser)
    POLYMCP_DECL explicit request_parser(const server_options& limits);
    request_parser(const request_parser&) = delete;
    request_parser& operator=(const request_parser&) = delete;

    /// Parses `size` bytes. After `complete` or `error`, call `take` or
    /// stop; bytes after the end of a complete request are left unconsumed.
    POLYMCP_DECL result feed(const char* data, std::size_t size);

    /// Whether any byte of the current request was seen.
    bool started() const noexcept { return started_; }
    /// Whether the header of the current request is complete.
    bool header_complete() const noexcept { return header_done_; }
    /// Whether the client sent `Expect: 100-continue` and waits for it.
    bool expects_continue() const noexcept { return expect_continue_; }

    /// The status to answer after `state::error` (400, 413, 414, 417, 431, 505).
    unsigned error_status() const noexcept { return error_status_; }
    /// Why, in words fit for a log line and a response body (no request data).
    const std::string& error_detail() const noexcept { return error_detail_; }

    /// Takes the completed request and prepares for the next one.
    POLYMCP_DECL request take();

private:
    static int on_message_begin(http_parser* p);
    static int on_url(http_parser* p, const char* at, std::size_t n);
    static int on_header_field(http_parser* p, const char* at, std::size_t n);
    static int on_header_value(http_parser* p, const char* at, std::size_t n);
    static int on_headers_complete(http_parser* p);
    static int on_body(http_parser* p, const char* at, std::size_t n);
    static int on_chunk_header(http_parser* p);
    static int on_message_complete(http_parser* p);
    POLYMCP_DECL int fail(unsigned status, std::string detail);
    POLYMCP_DECL int end_field();
    POLYMCP_DECL void reset();

    const server_options& limits_;
    http_parser parser_{};
    http_parser_settings settings_{};
    request req_;
    std::string field_, value_;
    bool in_value_ = false;
    std::size_t header_bytes_ = 0;
    bool started_ = false;
    bool header_done_ = false;
    bool complete_ = false;
    bool expect_continue_ = false;
    // The last bytes of the header section seen so far, to find obsolete
    // line folding (CRLF then SP or HT) and the section's end across reads.
    std::string header_tail_;
    unsigned error_status_ = 0;
    std::string error_detail_;
};

}  // namespace polymcp::http::detail

#if POLYMCP_HEADER_ONLY
#include <polymcp/http/detail/impl/request_parser.ipp>
#endif

#endif
