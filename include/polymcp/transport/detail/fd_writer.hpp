#ifndef POLYMCP_TRANSPORT_DETAIL_FD_WRITER_HPP
#define POLYMCP_TRANSPORT_DETAIL_FD_WRITER_HPP

// An outbound that writes newline-delimited messages to a file descriptor from
// its own thread, coalescing queued messages into few write(2) calls, so that
// a slow reader never blocks the I/O thread.

#include <polymcp/core/config.hpp>
#include <polymcp/handler/outbound.hpp>

#include <cstddef>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace polymcp::transport_detail {

/// Writes all `size` bytes to `fd`, retrying on EINTR and partial writes.
/// Returns false when the descriptor fails (e.g. EPIPE: the reader went away).
POLYMCP_DECL bool write_all(int fd, const char* data, std::size_t size);

class fd_writer final : public outbound {
public:
    POLYMCP_DECL explicit fd_writer(int fd);
    POLYMCP_DECL ~fd_writer() override;

    POLYMCP_DECL void send(std::string message) override;

    /// Writes everything queued so far, then stops the thread. Idempotent.
    POLYMCP_DECL void close();

    /// True once a write failed (the reader went away); later messages are dropped.
    POLYMCP_DECL bool broken() const;

private:
    POLYMCP_DECL void loop();
    POLYMCP_DECL void fail();
    POLYMCP_DECL bool write_all(const std::string& s);

    int fd_;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<std::string> queue_;
    bool closed_ = false;
    bool broken_ = false;
    std::thread thread_;
};

}  // namespace polymcp::transport_detail

#if POLYMCP_HEADER_ONLY
#include <polymcp/transport/detail/impl/fd_writer.ipp>
#endif

#endif
