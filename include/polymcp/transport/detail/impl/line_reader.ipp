#ifndef POLYMCP_TRANSPORT_DETAIL_IMPL_LINE_READER_IPP
#define POLYMCP_TRANSPORT_DETAIL_IMPL_LINE_READER_IPP

// Definitions of the non-template functions declared in polymcp/transport/detail/line_reader.hpp.

#include <polymcp/transport/detail/line_reader.hpp>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace polymcp::transport_detail {

line_reader::line_reader(int fd, std::size_t max_line, std::size_t max_pending, sink deliver) : fd_(fd), max_line_(max_line), max_pending_(max_pending), deliver_(std::move(deliver)) {
    if (::pipe(wake_) != 0) wake_[0] = wake_[1] = -1;
    thread_ = std::thread([this] { loop(); });
}

line_reader::~line_reader() {
    stop();
    if (wake_[0] >= 0) { ::close(wake_[0]); ::close(wake_[1]); }
}

void line_reader::consumed(std::size_t n) {
    {
        std::lock_guard lock(mutex_);
        pending_ -= n < pending_ ? n : pending_;
    }
    cv_.notify_one();
}

void line_reader::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    cv_.notify_one();
    if (wake_[1] >= 0) { char c = 0; [[maybe_unused]] auto r = ::write(wake_[1], &c, 1); }
    if (thread_.joinable()) thread_.join();
}

void line_reader::loop() {
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

void line_reader::deliver(std::vector<input_event> events, std::size_t bytes) {
    {
        std::lock_guard lock(mutex_);
        pending_ += bytes;
    }
    deliver_(std::move(events));
}

}  // namespace polymcp::transport_detail

#endif
