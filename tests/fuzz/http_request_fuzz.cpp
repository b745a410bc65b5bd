// libFuzzer target for the HTTP request path: bytes from the network through
// the request parser (http-parser with polymcp's limits), then what
// Streamable HTTP does with a complete request: the Accept, Content-Type,
// Origin and Host checks and the JSON-RPC parse of the body.
//
// The first input byte chooses where the rest is split in two reads, so that
// requests cut at any point are covered. Invariants checked: the parser never
// consumes more than it was given, an error carries one of the statuses the
// docs list, and a completed request respects the configured limits.
//
// Build: clang++ with -fsanitize=fuzzer,address,undefined (CMake option
// POLYMCP_BUILD_FUZZERS with clang); run with -max_total_time=60.

#include <polymcp/http/detail/request_parser.hpp>
#include <polymcp/protocol/jsonrpc.hpp>
#include <polymcp/transport/detail/http_checks.hpp>

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

polymcp::http::server_options small_limits() {
    polymcp::http::server_options o;
    o.max_target_bytes = 256;
    o.max_field_bytes = 256;
    o.max_header_bytes = 1024;
    o.max_fields = 16;
    o.max_body_bytes = 4096;
    return o;
}

void check(bool ok) {
    if (!ok) std::abort();
}

void inspect(const polymcp::http::request& req, const polymcp::http::server_options& o) {
    using namespace polymcp::transport_detail;
    check(req.target.size() <= o.max_target_bytes);
    check(req.body.size() <= o.max_body_bytes);
    std::size_t n = 0;
    for (const auto& [name, value] : req.fields) {
        ++n;
        check(name.size() + value.size() <= o.max_field_bytes + 4);
        (void)accepts(value, "application/json");
        (void)accepts(value, "text/event-stream");
        (void)is_media_type(value, "application/json");
        (void)origin_allowed(value, {});
        (void)origin_allowed(value, {"https://app.example.com"});
        (void)host_allowed(value, {}, true);
        (void)host_name(value);
    }
    check(n <= o.max_fields);
    nlohmann::json j;
    polymcp::jsonrpc::error_response err;
    if (polymcp::jsonrpc::parse_json(req.body, j, err)) {
        if (j.is_object()) (void)polymcp::jsonrpc::from_json(j);
        else if (j.is_array())
            for (const auto& e : j) (void)polymcp::jsonrpc::from_json(e);
    } else {
        check(err.error.code == polymcp::jsonrpc::error_code::parse_error);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    static const auto limits = small_limits();
    const std::size_t split = size > 1 ? data[0] % size : 0;
    std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
    polymcp::http::detail::request_parser parser(limits);
    std::string_view pieces[2] = {input.substr(0, split), input.substr(std::min(split, input.size()))};
    for (auto piece : pieces) {
        while (!piece.empty()) {
            auto r = parser.feed(piece.data(), piece.size());
            check(r.consumed <= piece.size());
            if (r.st == polymcp::http::detail::request_parser::state::error) {
                const unsigned s = parser.error_status();
                check(s == 400 || s == 413 || s == 414 || s == 417 || s == 431 || s == 505);
                check(!parser.error_detail().empty());
                return 0;
            }
            if (r.st == polymcp::http::detail::request_parser::state::complete) {
                inspect(parser.take(), limits);
            } else if (r.consumed == 0) {
                break;
            }
            piece.remove_prefix(r.consumed);
        }
    }
    return 0;
}
