#ifndef POLYMCP_STORAGE_DETAIL_RECONNECT_HPP
#define POLYMCP_STORAGE_DETAIL_RECONNECT_HPP

// When a networked backend (Redis, PostgreSQL) may try to connect again after
// a failure: exponential backoff with jitter. While the gate is closed
// operations fail at once with errc::unavailable instead of each waiting for
// its own connect timeout; when it opens, each pooled connection may try.

#include <polymcp/storage/error.hpp>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <random>

namespace polymcp::storage::detail {

class reconnect_gate {
public:
    using clock = std::chrono::steady_clock;

    /// @param initial first delay after a failed attempt (ms)
    /// @param max     the delay doubles after each failure up to this (ms)
    reconnect_gate(std::chrono::milliseconds initial, std::chrono::milliseconds max)
        : initial_(std::max(initial, std::chrono::milliseconds(1))), max_(std::max(max, initial_)), delay_(initial_) {}

    /// Whether the caller may attempt a connection now. When true, the
    /// caller must report the outcome with succeeded() or failed().
    bool try_begin() {
        std::lock_guard lock(mu_);
        return clock::now() >= next_;
    }
    void succeeded() {
        std::lock_guard lock(mu_);
        delay_ = initial_;
        next_ = clock::time_point{};
    }
    void failed() {
        std::lock_guard lock(mu_);
        // Full jitter on the upper half, so that many clients do not retry in step.
        std::uniform_int_distribution<long long> half(delay_.count() / 2, delay_.count());
        next_ = clock::now() + std::chrono::milliseconds(half(rng_));
        delay_ = std::min(delay_ * 2, max_);
    }
    /// Failures since the last success were reported (for logs and tests).
    bool backing_off() const {
        std::lock_guard lock(mu_);
        return next_ != clock::time_point{};
    }

private:
    mutable std::mutex mu_;
    std::chrono::milliseconds initial_, max_, delay_;
    clock::time_point next_{};
    std::minstd_rand rng_{std::random_device{}()};
};

/// Makes a lent connection usable: keeps it when `c.healthy()`, else drops
/// it and, when the gate allows, calls `connect(c)`. `ec` is
/// `errc::unavailable` when the connection could not be (re)opened.
template <class Connection, class Connect>
void ensure_connected(Connection& c, reconnect_gate& gate, Connect&& connect, std::error_code& ec) {
    if (c.healthy()) return;
    c.drop();
    if (!gate.try_begin()) {
        ec = errc::unavailable;
        return;
    }
    if (connect(c)) {
        gate.succeeded();
    } else {
        gate.failed();
        ec = errc::unavailable;
    }
}

}  // namespace polymcp::storage::detail

#endif
