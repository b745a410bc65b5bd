#ifndef POLYMCP_TRANSPORT_DETAIL_LINE_READER_HPP
#define POLYMCP_TRANSPORT_DETAIL_LINE_READER_HPP

// Splits a byte stream read from a file descriptor into lines on its own
// thread. Works for pipes, files, sockets and terminals alike; can be woken to
// stop; applies back-pressure by byte count.

#include <polymcp/core/config.hpp>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace polymcp::transport_detail {

/// One unit of input: a complete line, an oversized line that was skipped, or end of input.
struct input_event {
    enum kind_t { line, oversized, eof } kind;
    std::string text;       ///< the line without its newline (kind == line)
    std::size_t bytes = 0;  ///< size seen before skipping (kind == oversized)
};

class line_reader {
public:
    using sink = std::function<void(std::vector<input_event>)>;

    /// @param fd descriptor to read
    /// @param max_line longest accepted line in bytes, without the newline
    /// @param max_pending bytes handed to `deliver` but not yet `consumed`,
    ///        at which reading pauses
    /// @param deliver receives batches of events, on the reader thread
    POLYMCP_DECL line_reader(int fd, std::size_t max_line, std::size_t max_pending, sink deliver);
    POLYMCP_DECL ~line_reader();

    /// Reports that `n` delivered bytes were handled (releases back-pressure).
    POLYMCP_DECL void consumed(std::size_t n);

    /// Stops reading and joins the thread. Idempotent; call from another thread.
    POLYMCP_DECL void stop();

private:
    POLYMCP_DECL void loop();
    POLYMCP_DECL void deliver(std::vector<input_event> events, std::size_t bytes);

    int fd_;
    std::size_t max_line_;
    std::size_t max_pending_;
    sink deliver_;
    int wake_[2] = {-1, -1};
    std::mutex mutex_;
    std::condition_variable cv_;
    std::size_t pending_ = 0;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace polymcp::transport_detail

#if POLYMCP_HEADER_ONLY
#include <polymcp/transport/detail/impl/line_reader.ipp>
#endif

#endif
