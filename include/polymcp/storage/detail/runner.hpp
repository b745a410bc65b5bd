#ifndef POLYMCP_STORAGE_DETAIL_RUNNER_HPP
#define POLYMCP_STORAGE_DETAIL_RUNNER_HPP

// How a storage backend turns its blocking operations into Asio
// asynchronous operations that never block the caller's I/O thread:
// - inline_runner: for operations that take microseconds (memory): run at
//   once, complete through the handler's executor;
// - blocking_runner: a bounded pool of worker threads runs the operation,
//   and a watchdog completes it with errc::timeout when the deadline passes
//   first (the late result is then dropped).

#include <polymcp/core/completion.hpp>

#include <polymcp/storage/error.hpp>

#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/bind_executor.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/thread_pool.hpp>

#include <atomic>
#include <cstddef>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>

namespace polymcp::storage::detail {

using polymcp::completion_signature;

// Delivers a result to a handler on the handler's associated executor;
// `keep` (a work guard) is released there too.
template <class R, class Handler, class KeepAlive = std::nullptr_t>
void deliver(Handler handler, std::error_code ec, std::conditional_t<std::is_void_v<R>, int, R> value,
             KeepAlive keep = {}) {
    auto ex = asio::get_associated_executor(handler);
    asio::post(ex, [h = std::move(handler), ec, v = std::move(value), keep = std::move(keep)]() mutable {
        auto released_here = std::move(keep);  // on the handler's executor, never after its context is gone
        (void)released_here;
        if constexpr (std::is_void_v<R>) {
            (void)v;
            std::move(h)(ec);
        } else {
            std::move(h)(ec, std::move(v));
        }
    });
}

template <class R, class Fn>
auto invoke_storage(Fn& fn, std::error_code& ec) {
    if constexpr (std::is_void_v<R>) {
        fn(ec);
        return 0;
    } else {
        return fn(ec);
    }
}

/// Runs the operation in the calling thread and completes through the
/// handler's associated executor (never inside the initiating call).
class inline_runner {
public:
    template <class R, class Fn, class Token>
    auto run(Fn fn, Token&& token) {
        return asio::async_initiate<Token, completion_signature<R>>(
            [](auto handler, Fn f) {
                std::error_code ec;
                auto v = invoke_storage<R>(f, ec);
                deliver<R>(std::move(handler), ec, std::move(v));
            },
            token, std::move(fn));
    }
};

/// A bounded pool of `threads` workers for blocking backend calls, with a
/// deadline of `timeout` on every operation (zero: no deadline).
class blocking_runner {
public:
    blocking_runner(std::size_t threads, std::chrono::milliseconds timeout)
        : workers_(threads == 0 ? 1 : threads),
          guard_(asio::make_work_guard(watchdog_)),
          watchdog_thread_([this] { watchdog_.run(); }),
          timeout_(timeout) {}
    blocking_runner(const blocking_runner&) = delete;
    blocking_runner& operator=(const blocking_runner&) = delete;
    ~blocking_runner() { stop(); }

    /// Completes every queued operation with `errc::shut_down`, waits for
    /// the running ones and stops the threads. Idempotent.
    void stop() {
        std::call_once(stopped_, [this] {
            stopping_ = true;
            workers_.join();
            guard_.reset();
            watchdog_.stop();
            if (watchdog_thread_.joinable()) watchdog_thread_.join();
        });
    }

    std::chrono::milliseconds timeout() const noexcept { return timeout_; }

    template <class R, class Fn, class Token>
    auto run(Fn fn, Token&& token) {
        return asio::async_initiate<Token, completion_signature<R>>(
            [this](auto handler, Fn f) { this->template start<R>(std::move(handler), std::move(f)); }, token, std::move(fn));
    }

private:
    template <class R, class Handler>
    struct op_state {
        using value_type = std::conditional_t<std::is_void_v<R>, int, R>;
        op_state(Handler h, asio::io_context& wd)
            : handler(std::move(h)),
              work(asio::make_work_guard(asio::get_associated_executor(handler))),
              timer(wd) {}
        std::atomic<bool> done{false};
        Handler handler;
        decltype(asio::make_work_guard(std::declval<asio::associated_executor_t<Handler>>())) work;
        asio::steady_timer timer;

        void complete(std::error_code ec, value_type v) {
            if (done.exchange(true)) return;
            // The work guard travels with the handler and is released on the
            // handler's executor: resetting it here, on a worker thread, could
            // race with the destruction of an io_context that the handler
            // completion let finish.
            deliver<R>(std::move(handler), ec, std::move(v), std::move(work));
        }
    };

    template <class R, class Handler, class Fn>
    void start(Handler handler, Fn fn) {
        using state = op_state<R, Handler>;
        auto st = std::make_shared<state>(std::move(handler), watchdog_);
        if (stopping_) {
            st->complete(errc::shut_down, {});
            return;
        }
        if (timeout_.count() > 0) {
            // Armed on the watchdog thread: timer objects are not thread-safe.
            asio::post(watchdog_, [st, t = timeout_] {
                st->timer.expires_after(t);
                st->timer.async_wait([st](std::error_code e) {
                    if (!e) st->complete(errc::timeout, {});
                });
            });
        }
        asio::post(workers_, [this, st, f = std::move(fn)]() mutable {
            if (st->done) return;  // timed out while queued: leave the backend alone
            if (stopping_) {
                st->complete(errc::shut_down, {});
            } else {
                std::error_code ec;
                auto v = invoke_storage<R>(f, ec);
                st->complete(ec, std::move(v));
            }
            asio::post(watchdog_, [st] { st->timer.cancel(); });
        });
    }

    std::atomic<bool> stopping_{false};
    std::once_flag stopped_;
    asio::thread_pool workers_;
    asio::io_context watchdog_;
    asio::executor_work_guard<asio::io_context::executor_type> guard_;
    std::thread watchdog_thread_;
    std::chrono::milliseconds timeout_;
};

}  // namespace polymcp::storage::detail

#endif
