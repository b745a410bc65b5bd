// Runs a coroutine to completion on a fresh io_context and rethrows what it
// threw (so that Catch2 assertions inside coroutines report as usual).
#pragma once

#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

#include <exception>
#include <functional>

namespace test {

inline void run_coro(asio::io_context& io, std::function<asio::awaitable<void>()> f) {
    std::exception_ptr failure;
    bool finished = false;
    asio::co_spawn(io, [f = std::move(f)]() -> asio::awaitable<void> { co_await f(); },
                   [&](std::exception_ptr e) {
                       failure = e;
                       finished = true;
                   });
    io.restart();
    while (!finished && io.run_one() > 0) {
    }
    if (failure) std::rethrow_exception(failure);
}

}  // namespace test
