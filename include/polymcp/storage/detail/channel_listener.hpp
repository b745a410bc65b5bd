#ifndef POLYMCP_STORAGE_DETAIL_CHANNEL_LISTENER_HPP
#define POLYMCP_STORAGE_DETAIL_CHANNEL_LISTENER_HPP

// The listener thread of a networked model's channels (Redis, PostgreSQL):
// one connection of its own, subscribed to every channel of the storage
// object, read as messages arrive and handed to the channel hub. It
// reconnects with exponential backoff after a failure and then gives every
// subscription errc::messages_lost. A pipe wakes it to stop at once.

#include <polymcp/storage/detail/channel_hub.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace polymcp::storage::detail {

class channel_listener {
public:
    // What the backend does; each runs on the listener thread.
    struct backend {
        // Connects and subscribes; the socket to wait on, or -1 on failure.
        std::function<int()> open;
        // Reads what arrived (without blocking) and delivers it to the hub;
        // false when the connection failed.
        std::function<bool()> read;
        // Drops the connection.
        std::function<void()> close;
        std::function<void(std::string_view)> log;
    };

    channel_listener(backend b, channel_hub& hub, std::chrono::milliseconds backoff_initial,
                     std::chrono::milliseconds backoff_max)
        : b_(std::move(b)),
          hub_(hub),
          initial_(std::max(backoff_initial, std::chrono::milliseconds(1))),
          max_(std::max(backoff_max, initial_)) {}
    channel_listener(const channel_listener&) = delete;
    channel_listener& operator=(const channel_listener&) = delete;
    ~channel_listener() { stop(); }

    // Starts the thread (once) and waits up to `timeout` for it to be
    // subscribed; false when it is not (it goes on trying, and the hub's
    // subscriptions will get errc::messages_lost when it gets there).
    bool start_and_wait(std::chrono::milliseconds timeout) {
        std::unique_lock lock(mu_);
        if (!thread_.joinable() && !stopped_) {
            if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) return false;
            thread_ = std::thread([this] { run(); });
        }
        const auto attempts = attempts_;
        cv_.wait_for(lock, timeout, [&] { return connected_ || attempts_ != attempts || stopped_; });
        if (!connected_) lost_ = true;
        return connected_;
    }

    void stop() {
        {
            std::lock_guard lock(mu_);
            if (stopped_) return;
            stopped_ = true;
            if (thread_.joinable()) (void)!::write(wake_[1], "x", 1);
        }
        cv_.notify_all();
        if (thread_.joinable()) thread_.join();
        if (wake_[0] >= 0) ::close(wake_[0]);
        if (wake_[1] >= 0) ::close(wake_[1]);
        wake_[0] = wake_[1] = -1;
    }

private:
    bool stopping() {
        std::lock_guard lock(mu_);
        return stopped_;
    }

    // Waits `d` or until stopped; false when stopped.
    bool pause(std::chrono::milliseconds d) {
        pollfd p{wake_[0], POLLIN, 0};
        ::poll(&p, 1, static_cast<int>(d.count()));
        return !stopping();
    }

    void run() {
        auto delay = initial_;
        while (!stopping()) {
            int fd = b_.open();
            {
                std::lock_guard lock(mu_);
                ++attempts_;
                connected_ = fd >= 0;
            }
            cv_.notify_all();
            if (fd < 0) {
                {
                    std::lock_guard lock(mu_);
                    lost_ = true;
                }
                if (!pause(delay)) break;
                delay = std::min(delay * 2, max_);
                continue;
            }
            delay = initial_;
            bool lost = false;
            {
                std::lock_guard lock(mu_);
                std::swap(lost, lost_);
            }
            if (lost) hub_.deliver_lost();
            bool ok = b_.read();  // what arrived with the subscription's reply
            while (ok && !stopping()) {
                pollfd p[2] = {{fd, POLLIN, 0}, {wake_[0], POLLIN, 0}};
                if (::poll(p, 2, -1) < 0 && errno != EINTR) break;
                if (p[1].revents != 0) break;
                if (p[0].revents != 0) ok = b_.read();
            }
            b_.close();
            {
                std::lock_guard lock(mu_);
                connected_ = false;
                if (!stopped_) lost_ = true;
            }
            if (!ok && b_.log) b_.log("channel listener: connection lost; reconnecting");
        }
        b_.close();
    }

    backend b_;
    channel_hub& hub_;
    std::chrono::milliseconds initial_, max_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::thread thread_;
    int wake_[2] = {-1, -1};
    bool stopped_ = false;    // guarded by mu_
    bool connected_ = false;  // guarded by mu_
    bool lost_ = false;       // a message may have been missed; guarded by mu_
    unsigned attempts_ = 0;   // connection attempts; guarded by mu_
};

// subscribe() of a networked model: adds the handler to `hub`, then starts
// the listener and waits up to `wait` for it (errc::unavailable when it is
// not there yet; the subscription stands).
inline subscription subscribe_listening(channel_hub& hub, channel_listener& listener, std::string_view channel,
                                        message_handler handler, std::chrono::milliseconds wait, std::error_code& ec) {
    auto sub = hub.subscribe(channel, std::move(handler), ec);
    if (ec) return sub;
    if (!listener.start_and_wait(wait)) ec = errc::unavailable;
    return sub;
}

}  // namespace polymcp::storage::detail

#endif
