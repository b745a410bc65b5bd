#ifndef POLYMCP_TRANSPORT_DETAIL_LINE_READER_HPP
#define POLYMCP_TRANSPORT_DETAIL_LINE_READER_HPP

// Splits a byte stream read from a file descriptor into lines on its own
// thread. Works for pipes, files, sockets and terminals alike; can be woken to
// stop; applies back-pressure by byte count.

#include <cerrno>
#include <condition_variable>
#include <cstddef>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

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
    line_reader(int fd, std::size_t max_line, std::size_t max_pending, sink deliver)
        : fd_(fd), max_line_(max_line), max_pending_(max_pending), deliver_(std::move(deliver)) {
        if (::pipe(wake_) != 0) wake_[0] = wake_[1] = -1;
        thread_ = std::thread([this] { loop(); });
    }
    ~line_reader() {
        stop();
        if (wake_[0] >= 0) { ::close(wake_[0]); ::close(wake_[1]); }
    }

    /// Reports that `n` delivered bytes were handled (releases back-pressure).
    void consumed(std::size_t n) {
        {
            std::lock_guard lock(mutex_);
            pending_ -= n < pending_ ? n : pending_;
        }
        cv_.notify_one();
    }

    /// Stops reading and joins the thread. Idempotent; call from another thread.
    void stop() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        cv_.notify_one();
        if (wake_[1] >= 0) { char c = 0; [[maybe_unused]] auto r = ::write(wake_[1], &c, 1); }
        if (thread_.joinable()) thread_.join();
    }

private:
    void loop() {
        std::string partial;
        bool skipping = false;  // inside an oversized line
        std::size_t skipped = 0;
        std::vector<char> buf(64 * 1024);
        for (;;) {
            {
                std::unique_lock lock(mutex_);
                cv_.wait(lock, [&] { return stopping_ || pending_ < max_pending_; });
                if (stopping_) return;
            }
            pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
            int pr = ::poll(fds, wake_[0] >= 0 ? 2 : 1, -1);
            if (pr < 0) {
                if (errno == EINTR) continue;
                return deliver({{input_event::eof, {}, 0}}, 0);
            }
            if (wake_[0] >= 0 && (fds[1].revents & POLLIN)) return;
            ssize_t n = ::read(fd_, buf.data(), buf.size());
            if (n < 0) {
                if (errno == EINTR || errno == EAGAIN) continue;
                n = 0;  // read error: treat as end of input
            }
            std::vector<input_event> events;
            std::size_t bytes = 0;
            if (n == 0) {
                if (skipping) events.push_back({input_event::oversized, {}, skipped});
                else if (!partial.empty()) { bytes += partial.size(); events.push_back({input_event::line, std::move(partial), 0}); }
                events.push_back({input_event::eof, {}, 0});
                return deliver(std::move(events), bytes);
            }
            const char* p = buf.data();
            const char* end = p + n;
            while (p < end) {
                const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
                const char* stop_at = nl ? nl : end;
                std::size_t len = static_cast<std::size_t>(stop_at - p);
                if (skipping) {
                    skipped += len;
                } else if (partial.size() + len > max_line_) {
                    skipping = true;
                    skipped = partial.size() + len;
                    partial.clear();
                    partial.shrink_to_fit();
                } else {
                    partial.append(p, len);
                }
                if (!nl) break;
                if (skipping) {
                    events.push_back({input_event::oversized, {}, skipped});
                    skipping = false;
                    skipped = 0;
                } else {
                    if (!partial.empty() && partial.back() == '\r') partial.pop_back();
                    bytes += partial.size();
                    events.push_back({input_event::line, std::move(partial), 0});
                    partial.clear();
                }
                p = nl + 1;
            }
            if (!events.empty()) deliver(std::move(events), bytes);
        }
    }
    void deliver(std::vector<input_event> events, std::size_t bytes) {
        {
            std::lock_guard lock(mutex_);
            pending_ += bytes;
        }
        deliver_(std::move(events));
    }

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

#endif
