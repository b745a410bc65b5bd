#ifndef POLYMCP_HTTP_DETAIL_IMPL_REQUEST_PARSER_IPP
#define POLYMCP_HTTP_DETAIL_IMPL_REQUEST_PARSER_IPP

// Definitions for polymcp/http/detail/request_parser.hpp.

#include <polymcp/http/detail/request_parser.hpp>

#include <string_view>

namespace polymcp::http::detail {

// Optional whitespace around a field value (RFC 9110 section 5.5).
inline std::string_view trim_ows(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}
inline request_parser& parser_of(http_parser* p) { return *static_cast<request_parser*>(p->data); }

inline int request_parser::on_message_begin(http_parser* p) {
    parser_of(p).started_ = true;
    return 0;
}

inline int request_parser::on_url(http_parser* p, const char* at, std::size_t n) {
    auto& s = parser_of(p);
    s.started_ = true;
    if (s.req_.target.size() + n > s.limits_.max_target_bytes)
        return s.fail(414, "the request-target exceeds " + std::to_string(s.limits_.max_target_bytes) +
                               " bytes (http::server_options::max_target_bytes)");
    s.req_.target.append(at, n);
    return 0;
}

inline int request_parser::on_header_field(http_parser* p, const char* at, std::size_t n) {
    auto& s = parser_of(p);
    if (s.in_value_) {
        if (int r = s.end_field()) return r;
    }
    if (s.field_.size() + n > s.limits_.max_field_bytes)
        return s.fail(431, "a header field exceeds " + std::to_string(s.limits_.max_field_bytes) +
                               " bytes (http::server_options::max_field_bytes)");
    s.field_.append(at, n);
    return 0;
}

inline int request_parser::on_header_value(http_parser* p, const char* at, std::size_t n) {
    auto& s = parser_of(p);
    s.in_value_ = true;
    if (s.field_.size() + s.value_.size() + n > s.limits_.max_field_bytes)
        return s.fail(431, "a header field exceeds " + std::to_string(s.limits_.max_field_bytes) +
                               " bytes (http::server_options::max_field_bytes)");
    s.value_.append(at, n);
    return 0;
}

inline int request_parser::on_headers_complete(http_parser* p) {
    auto& s = parser_of(p);
    if (s.in_value_ || !s.field_.empty()) {
        if (int r = s.end_field()) return r;
    }
    s.header_done_ = true;
    if (p->http_major != 1)
        return s.fail(505, "only HTTP/1.0 and HTTP/1.1 are served here");
    s.req_.method = http_method_str(static_cast<http_method>(p->method));
    s.req_.version = p->http_major * 10 + p->http_minor;
    // RFC 9112 section 3.2: exactly one Host in HTTP/1.1, at most one in 1.0;
    // anything else is answered 400.
    std::size_t hosts = 0;
    for (const auto& [name, value] : s.req_.fields) hosts += iequals(name, "Host");
    if (hosts > 1) return s.fail(400, "the request has more than one Host field (RFC 9112 section 3.2)");
    if (hosts == 0 && s.req_.version >= 11)
        return s.fail(400, "an HTTP/1.1 request needs a Host field (RFC 9112 section 3.2)");
    if ((p->flags & F_CONTENTLENGTH) && p->content_length > s.limits_.max_body_bytes)
        return s.fail(413, "the body of " + std::to_string(p->content_length) + " bytes exceeds " +
                               std::to_string(s.limits_.max_body_bytes) +
                               " bytes (http::server_options::max_body_bytes)");
    if (auto e = s.req_.fields.get("Expect")) {
        if (!iequals(trim_ows(*e), "100-continue"))
            return s.fail(417, "only \"Expect: 100-continue\" is supported");
        s.expect_continue_ = true;
    }
    return 0;
}

inline int request_parser::on_body(http_parser* p, const char* at, std::size_t n) {
    auto& s = parser_of(p);
    if (s.req_.body.size() + n > s.limits_.max_body_bytes)
        return s.fail(413, "the body exceeds " + std::to_string(s.limits_.max_body_bytes) +
                               " bytes (http::server_options::max_body_bytes)");
    s.req_.body.append(at, n);
    return 0;
}

// A chunk's size is known before its data: one that would take the body past
// the limit is refused at once, without waiting for its bytes.
inline int request_parser::on_chunk_header(http_parser* p) {
    auto& s = parser_of(p);
    if (p->content_length > s.limits_.max_body_bytes ||
        s.req_.body.size() + p->content_length > s.limits_.max_body_bytes)
        return s.fail(413, "a chunk takes the body past " + std::to_string(s.limits_.max_body_bytes) +
                               " bytes (http::server_options::max_body_bytes)");
    return 0;
}

inline int request_parser::on_message_complete(http_parser* p) {
    auto& s = parser_of(p);
    s.complete_ = true;
    s.req_.keep_alive = http_should_keep_alive(p) != 0;
    http_parser_pause(p, 1);  // one request at a time: the rest stays in the buffer
    return 0;
}

request_parser::request_parser(const server_options& limits) : limits_(limits) {
    settings_.on_message_begin = &request_parser::on_message_begin;
    settings_.on_url = &request_parser::on_url;
    settings_.on_header_field = &request_parser::on_header_field;
    settings_.on_header_value = &request_parser::on_header_value;
    settings_.on_headers_complete = &request_parser::on_headers_complete;
    settings_.on_body = &request_parser::on_body;
    settings_.on_chunk_header = &request_parser::on_chunk_header;
    settings_.on_message_complete = &request_parser::on_message_complete;
    reset();
}

void request_parser::reset() {
    http_parser_init(&parser_, HTTP_REQUEST);
    parser_.data = this;
    req_ = request{};
    field_.clear();
    value_.clear();
    in_value_ = false;
    header_bytes_ = 0;
    started_ = header_done_ = complete_ = expect_continue_ = false;
    header_tail_.clear();
    error_status_ = 0;
    error_detail_.clear();
}

int request_parser::fail(unsigned status, std::string detail) {
    error_status_ = status;
    error_detail_ = std::move(detail);
    return -1;  // stops http-parser with an HPE_CB_* error (1 and 2 mean other things in on_headers_complete)
}

int request_parser::end_field() {
    if (req_.fields.size() >= limits_.max_fields)
        return fail(431, "more than " + std::to_string(limits_.max_fields) +
                             " header fields (http::server_options::max_fields)");
    header_bytes_ += field_.size() + value_.size() + 4;  // ": " and CRLF
    if (header_bytes_ > limits_.max_header_bytes)
        return fail(431, "the header fields exceed " + std::to_string(limits_.max_header_bytes) +
                             " bytes together (http::server_options::max_header_bytes)");
    req_.fields.add(std::move(field_), std::string(trim_ows(value_)));
    field_.clear();
    value_.clear();
    in_value_ = false;
    return 0;
}

request_parser::result request_parser::feed(const char* data, std::size_t size) {
    if (size == 0) return {0, state::need_more};
    started_ = true;
    if (!header_done_) {
        // Obsolete line folding (RFC 9112 section 5.2) is refused with 400:
        // a line of the header section that starts with SP or HT.
        std::string_view in(data, size);
        for (std::size_t i = 0; i < in.size(); ++i) {
            header_tail_ += in[i];
            if (header_tail_.size() > 3) header_tail_.erase(0, header_tail_.size() - 3);
            const auto& t = header_tail_;
            if (t.size() >= 2 && t[t.size() - 2] == '\n' && t.back() != '\r' && t.back() != '\n' &&
                (t.back() == ' ' || t.back() == '\t')) {
                fail(400, "a header field is folded over several lines (obsolete line folding, RFC 9112 section 5.2); "
                          "send each field on one line");
                return {i, state::error};
            }
            if (t.size() == 3 && t[0] == '\n' && t[1] == '\r' && t[2] == '\n') break;  // the end of the header section
            if (t.size() >= 2 && t[t.size() - 2] == '\n' && t.back() == '\n') break;   // LF LF, as http-parser allows
        }
    }
    std::size_t n = http_parser_execute(&parser_, &settings_, data, size);
    auto err = HTTP_PARSER_ERRNO(&parser_);
    if (complete_) return {n, state::complete};
    if (err != HPE_OK) {
        const bool h2_preface = err == HPE_INVALID_METHOD && std::string_view(data, size).starts_with("PRI * HTTP/2");
        if (error_status_ == 0 && (err == HPE_INVALID_VERSION || h2_preface)) {
            error_status_ = 505;
            error_detail_ = "only HTTP/1.0 and HTTP/1.1 are served here";
        } else if (error_status_ == 0) {
            error_status_ = 400;
            error_detail_ = std::string("malformed HTTP/1.1 request (") + http_errno_description(err) + ")";
        }
        return {n, state::error};
    }
    if (parser_.upgrade) {
        fail(400, "protocol upgrades are not supported");
        return {n, state::error};
    }
    return {n, state::need_more};
}

request request_parser::take() {
    request r = std::move(req_);
    reset();
    return r;
}

}  // namespace polymcp::http::detail

#endif
