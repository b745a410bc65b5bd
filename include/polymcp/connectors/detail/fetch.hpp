#ifndef POLYMCP_CONNECTORS_DETAIL_FETCH_HPP
#define POLYMCP_CONNECTORS_DETAIL_FETCH_HPP

// One small HTTP exchange with an address the gateway got from a user (a
// token endpoint, protected resource metadata), under the SSRF guard of
// `upstream_options` and a deadline.

#include <polymcp/client/curl_multi.hpp>
#include <polymcp/client/http_exchange.hpp>
#include <polymcp/connectors/upstream.hpp>

#include <asio/co_spawn.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <asio/use_awaitable.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace polymcp::connectors::detail {

// The exchange itself, on `ex`, a strand (libcurl's multi handle and the
// resolver need one handler at a time).
inline asio::awaitable<client::fetch_result> guarded_fetch_on(asio::any_io_executor ex, std::string method,
                                                                   std::string url, std::vector<std::string> headers,
                                                                   std::string body, std::string content_type,
                                                                   upstream_options o,
                                                                   std::chrono::steady_clock::time_point deadline) {
    endpoint target;
    target.url = url;
    upstream_credentials none;
    auto h = co_await guarded_http_options(ex, target, none, o, deadline);
    auto multi = std::make_shared<client::curl_multi>(ex);
    asio::steady_timer timer(ex);
    timer.expires_at(deadline);
    bool timed_out = false;
    timer.async_wait([multi, &timed_out](std::error_code ec) {
        if (!ec) {
            timed_out = true;
            multi->abort_all();
        }
    });
    std::optional<connector_error> failure;
    client::fetch_result r;
    try {
        r = co_await client::fetch(multi, h, method.c_str(), url, std::move(body), std::move(headers),
                                           content_type.c_str(), 1024 * 1024);
    } catch (const client::client_error& e) {
        failure = timed_out ? connector_error(errc::timeout, url + " did not answer in time")
                            : from_client_error(e, url);
    }
    timer.cancel();
    if (failure) throw *failure;
    co_return r;
}

/// Performs `method` on `url` (with `headers` lines and, for POST, `body`
/// of `content_type`) and returns the response (body at most 1 MiB), on a
/// strand of `ex` of its own.
/// @throws connector_error as `guarded_http_options`, and the client's
///         transport failures as connector errors (`timeout` at `deadline`)
inline asio::awaitable<client::fetch_result> guarded_fetch(asio::any_io_executor ex, std::string method,
                                                                   std::string url, std::vector<std::string> headers,
                                                                   std::string body, std::string content_type,
                                                                   upstream_options o,
                                                                   std::chrono::steady_clock::time_point deadline) {
    auto strand = asio::make_strand(ex);
    co_return co_await asio::co_spawn(strand,
                                      guarded_fetch_on(strand, std::move(method), std::move(url), std::move(headers),
                                                       std::move(body), std::move(content_type), std::move(o), deadline),
                                      asio::use_awaitable);
}

}  // namespace polymcp::connectors::detail

#endif
