#ifndef POLYMCP_TRANSPORT_DETAIL_IMPL_FD_WRITER_IPP
#define POLYMCP_TRANSPORT_DETAIL_IMPL_FD_WRITER_IPP

// Definitions of the non-template functions declared in polymcp/transport/detail/fd_writer.hpp.

#include <polymcp/transport/detail/fd_writer.hpp>
#include <cerrno>
#include <unistd.h>

namespace polymcp::transport_detail {

bool write_all(int fd, const char* data, std::size_t size) {
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

fd_writer::fd_writer(int fd) : fd_(fd), thread_([this] { loop(); }) {}

fd_writer::~fd_writer() { close(); }

void fd_writer::send(std::string message) {
    {
        std::lock_guard lock(mutex_);
        if (closed_ || broken_) return;
        queue_.push_back(std::move(message));
    }
    cv_.notify_one();
}

void fd_writer::close() {
    {
        std::lock_guard lock(mutex_);
        if (closed_) return;
        closed_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
}

bool fd_writer::broken() const {
    std::lock_guard lock(mutex_);
    return broken_;
}

void fd_writer::loop() {
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

void fd_writer::fail() {
    std::lock_guard lock(mutex_);
    broken_ = true;
    queue_.clear();
}

bool fd_writer::write_all(const std::string& s) { return transport_detail::write_all(fd_, s.data(), s.size()); }

}  // namespace polymcp::transport_detail

#endif
