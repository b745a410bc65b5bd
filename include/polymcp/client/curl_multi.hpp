#ifndef POLYMCP_CLIENT_CURL_MULTI_HPP
#define POLYMCP_CLIENT_CURL_MULTI_HPP

/// @file polymcp/client/curl_multi.hpp
/// libcurl's multi interface driven by an Asio executor: curl tells us which
/// sockets to watch (CURLMOPT_SOCKETFUNCTION) and when to time out
/// (CURLMOPT_TIMERFUNCTION); Asio waits on those sockets and timers and calls
/// curl_multi_socket_action. No thread per request, no polling.
///
/// Not thread-safe: one executor that runs one handler at a time.

#include <polymcp/client/error.hpp>
#include <polymcp/core/config.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/ip/address.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>

#include <curl/curl.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace polymcp::client {

/// One HTTP exchange on a curl easy handle, with its response as it arrives.
class curl_transfer {
public:
    /// A fresh easy handle; `done_event` runs on `ex`.
    POLYMCP_DECL explicit curl_transfer(const asio::any_io_executor& ex);
    POLYMCP_DECL ~curl_transfer();
    curl_transfer(const curl_transfer&) = delete;
    curl_transfer& operator=(const curl_transfer&) = delete;

    CURL* easy = nullptr;                                        ///< the easy handle (owned)
    curl_slist* request_headers = nullptr;                       ///< CURLOPT_HTTPHEADER (owned)
    curl_slist* resolve_list = nullptr;                          ///< CURLOPT_RESOLVE pins
    /// When set, checked before every connection (CURLOPT_OPENSOCKETFUNCTION);
    /// a refusal aborts the transfer with `errc::address_blocked`.
    std::function<bool(const asio::ip::address&)> address_filter;
    std::string request_body;                                    ///< CURLOPT_POSTFIELDS, kept alive here

    long status = 0;                                             ///< final HTTP status, once headers arrived
    std::vector<std::pair<std::string, std::string>> headers;    ///< response headers, names lower-case
    bool headers_done = false;                                   ///< whether `on_headers` ran
    /// Called once the final response's headers are in (before any body byte).
    std::function<void()> on_headers;
    /// Receives body bytes; return false to abort the transfer (set `abort_error` first).
    std::function<bool(std::string_view)> on_body;
    std::optional<client_error> abort_error;  ///< why on_body aborted

    bool done = false;                                           ///< whether the transfer completed
    CURLcode result = CURLE_OK;                                  ///< how it completed
    char error_buffer[CURL_ERROR_SIZE] = {};                     ///< CURLOPT_ERRORBUFFER: curl's own message
    asio::steady_timer done_event;  ///< cancelled when the transfer completes

    /// The value of response header `name` (lower-case), or empty.
    POLYMCP_DECL std::string header(std::string_view name) const;
    /// Adds a request header line "Name: value".
    POLYMCP_DECL void add_header(const std::string& line);
    /// Installs `filter` as `address_filter` and pins `resolve` (see http_options).
    POLYMCP_DECL void guard_addresses(std::function<bool(const asio::ip::address&)> filter,
                                      const std::vector<std::string>& resolve);
};

/// The multi handle and its sockets and timer.
class curl_multi : public std::enable_shared_from_this<curl_multi> {
public:
    /// A multi handle whose sockets and timer run on `ex`.
    POLYMCP_DECL explicit curl_multi(asio::any_io_executor ex);
    POLYMCP_DECL ~curl_multi();
    curl_multi(const curl_multi&) = delete;
    curl_multi& operator=(const curl_multi&) = delete;

    const asio::any_io_executor& get_executor() const noexcept { return ex_; }  ///< where it runs

    /// Runs `t` to completion. Cancellation (terminal) removes the transfer
    /// and throws `client_error(errc::cancelled)`. Returns curl's result code.
    POLYMCP_DECL asio::awaitable<CURLcode> perform(std::shared_ptr<curl_transfer> t);

    /// Aborts every transfer in progress (each completes with CURLE_ABORTED_BY_CALLBACK).
    POLYMCP_DECL void abort_all();

private:
    struct socket_watch {
        explicit socket_watch(const asio::any_io_executor& ex) : desc(ex) {}
        asio::posix::stream_descriptor desc;
        int what = 0;
        bool reading = false;
        bool writing = false;
        std::uint64_t id = 0;
    };

    POLYMCP_DECL static int on_socket(CURL* easy, curl_socket_t s, int what, void* userp, void* socketp);
    POLYMCP_DECL static int on_timer(CURLM* multi, long timeout_ms, void* userp);
    POLYMCP_DECL void arm(curl_socket_t s);
    POLYMCP_DECL void on_ready(curl_socket_t s, std::uint64_t id, int direction, std::error_code ec);
    POLYMCP_DECL void action(curl_socket_t s, int direction);
    POLYMCP_DECL void collect_done();
    POLYMCP_DECL void finish(CURL* easy, CURLcode code);

    asio::any_io_executor ex_;
    CURLM* multi_ = nullptr;
    asio::steady_timer timer_;
    std::map<curl_socket_t, std::unique_ptr<socket_watch>> sockets_;
    std::map<CURL*, std::shared_ptr<curl_transfer>> active_;
    std::uint64_t next_watch_id_ = 1;
};

/// Maps a curl result onto the client's typed error, with a message naming `what`.
POLYMCP_DECL client_error curl_error(CURLcode code, const char* detail, const std::string& what);

}  // namespace polymcp::client

#if POLYMCP_HEADER_ONLY
#include <polymcp/client/impl/curl_multi.ipp>
#endif

#endif
