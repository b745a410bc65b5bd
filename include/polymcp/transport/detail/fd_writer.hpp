#ifndef POLYMCP_TRANSPORT_DETAIL_FD_WRITER_HPP
#define POLYMCP_TRANSPORT_DETAIL_FD_WRITER_HPP

// An outbound that writes newline-delimited messages to a file descriptor from
// its own thread, coalescing queued messages into few write(2) calls, so that
// a slow reader never blocks the I/O thread.

#include <polymcp/server/outbound.hpp>

#include <cerrno>
#include <cstddef>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include <unistd.h>

namespace polymcp::transport_detail {

/// Writes all `size` bytes to `fd`, retrying on EINTR and partial writes.
/// Returns false when the descriptor fails (e.g. EPIPE: the reader went away).
inline bool write_all(int fd, const char* data, std::size_t size) {
    while (size) {
        ssize_t n = ::write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

class fd_writer final : public outbound {
public:
    explicit fd_writer(int fd) : fd_(fd), thread_([this] { loop(); }) {}
    ~fd_writer() override { close(); }

    void send(std::string message) override {
        {
            std::lock_guard lock(mutex_);
            if (closed_ || broken_) return;
            queue_.push_back(std::move(message));
        }
        cv_.notify_one();
    }

    /// Writes everything queued so far, then stops the thread. Idempotent.
    void close() {
        {
            std::lock_guard lock(mutex_);
            if (closed_) return;
            closed_ = true;
        }
        cv_.notify_one();
        if (thread_.joinable()) thread_.join();
    }

    /// True once a write failed (the reader went away); later messages are dropped.
    bool broken() const {
        std::lock_guard lock(mutex_);
        return broken_;
    }

private:
    void loop() {
        std::deque<std::string> batch;
        std::string buf;
        for (;;) {
            {
                std::unique_lock lock(mutex_);
                cv_.wait(lock, [&] { return !queue_.empty() || closed_; });
                if (queue_.empty()) return;  // closed and drained
                batch.swap(queue_);
            }
            buf.clear();
            for (auto& m : batch) {
                buf += m;
                buf += '\n';
                if (buf.size() >= (1u << 20)) { if (!write_all(buf)) return fail(); buf.clear(); }
            }
            batch.clear();
            if (!buf.empty() && !write_all(buf)) return fail();
        }
    }
    void fail() {
        std::lock_guard lock(mutex_);
        broken_ = true;
        queue_.clear();
    }
    bool write_all(const std::string& s) { return transport_detail::write_all(fd_, s.data(), s.size()); }

    int fd_;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<std::string> queue_;
    bool closed_ = false;
    bool broken_ = false;
    std::thread thread_;
};

}  // namespace polymcp::transport_detail

#endif
