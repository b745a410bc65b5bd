#ifndef POLYMCP_HTTP_DETAIL_CONNECTION_HPP
#define POLYMCP_HTTP_DETAIL_CONNECTION_HPP

// One HTTP/1.1 connection: reads and parses requests one at a time, hands each
// to the handler with a responder, writes responses in order, and enforces the
// timeouts and the output bound of server_options.

#include <polymcp/core/config.hpp>
#include <polymcp/http/detail/byte_stream.hpp>
#include <polymcp/http/detail/request_parser.hpp>
#include <polymcp/http/message.hpp>
#include <polymcp/http/options.hpp>
#include <polymcp/http/responder.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/steady_timer.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace polymcp::http::detail {

/// What the server and all its connections share.
struct server_state {
    server_options options;
    std::function<void(request, std::shared_ptr<responder>)> handler;
    std::mutex mutex;                                           // guards live, next_id
    std::map<std::uint64_t, std::weak_ptr<connection>> live;    // for stop()
    std::uint64_t next_id = 0;
    std::atomic<std::size_t> count{0};                          // open connections
    void diag(std::string_view s) const {
        if (options.diagnostics) options.diagnostics(s);
    }
};

class connection : public std::enable_shared_from_this<connection> {
public:
    /// @param reject_status when non-zero, answer this status (503) at once and close
    POLYMCP_DECL connection(std::unique_ptr<byte_stream> stream, asio::any_io_executor strand,
                            std::shared_ptr<server_state> state, unsigned reject_status = 0);
    POLYMCP_DECL ~connection();
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    /// Starts the handshake and the read loop. Call once.
    POLYMCP_DECL void start();
    /// Closes the connection from any thread.
    POLYMCP_DECL void stop();
    const asio::any_io_executor& get_executor() const noexcept { return strand_; }

    // The responder's operations, run on the strand.
    POLYMCP_DECL void respond(std::uint64_t exchange, response r);
    POLYMCP_DECL void begin_stream(std::uint64_t exchange, response head);
    POLYMCP_DECL void write_chunk(std::uint64_t exchange, std::string data);
    POLYMCP_DECL void end_stream(std::uint64_t exchange, bool close_connection);
    POLYMCP_DECL void set_disconnect(std::uint64_t exchange, std::function<void()> f);
    POLYMCP_DECL void abandoned(std::uint64_t exchange);

private:
    enum class deadline { none, idle, header, body, linger };

    POLYMCP_DECL void do_read();
    POLYMCP_DECL void on_read(std::error_code ec, std::size_t n);
    POLYMCP_DECL void process();
    POLYMCP_DECL void dispatch(request req);
    POLYMCP_DECL void reject(unsigned status, const std::string& detail);
    POLYMCP_DECL void finish_exchange(bool close_connection);
    POLYMCP_DECL void enqueue(std::string data, bool bounded);
    POLYMCP_DECL void do_write();
    POLYMCP_DECL void arm(deadline d);
    POLYMCP_DECL void on_timer(std::uint64_t generation);
    POLYMCP_DECL void shut(std::string_view why);
    POLYMCP_DECL void linger();
    POLYMCP_DECL std::string head(const response& r, bool streamed, bool close) const;

    std::unique_ptr<byte_stream> stream_;
    asio::any_io_executor strand_;
    std::shared_ptr<server_state> state_;
    std::uint64_t id_ = 0;
    unsigned reject_status_;
    request_parser parser_;
    asio::steady_timer timer_;
    std::uint64_t timer_generation_ = 0;
    deadline deadline_ = deadline::none;

    std::array<char, 16 * 1024> read_buf_{};
    std::string in_;                 // received, not yet parsed
    bool reading_ = false;
    bool peer_eof_ = false;
    bool closed_ = false;
    bool handshaken_ = false;  // the TLS handshake finished (always, for plain TCP)
    bool continue_sent_ = false;

    // The exchange in progress (one at a time; later pipelined requests wait in in_).
    bool busy_ = false;
    std::uint64_t exchange_ = 0;
    bool streaming_ = false;
    bool chunked_ = false;
    bool keep_alive_ = true;
    bool head_request_ = false;
    unsigned request_version_ = 11;
    std::weak_ptr<responder> responder_;
    std::function<void()> on_disconnect_;

    std::vector<std::string> pending_;   // queued, not yet handed to the stream
    std::vector<std::string> writing_;   // being written now
    std::size_t queued_bytes_ = 0;       // bytes in pending_ and writing_
    bool write_active_ = false;
    bool close_after_write_ = false;
    bool lingering_ = false;          // sent FIN; discarding input until EOF or the linger deadline
};

}  // namespace polymcp::http::detail

#if POLYMCP_HEADER_ONLY
#include <polymcp/http/detail/impl/connection.ipp>
#endif

#endif
