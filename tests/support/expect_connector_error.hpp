// Runs a coroutine that must fail with a polymcp::connectors::connector_error
// and returns it (the test fails when it completes or throws anything else).
#pragma once

#include <polymcp/connectors/error.hpp>

#include "support/run_coro.hpp"

#include <catch2/catch.hpp>

#include <functional>
#include <optional>
#include <stdexcept>

namespace polymcp::test {

inline connectors::connector_error expect_connector_error(asio::io_context& io,
                                                          std::function<asio::awaitable<void>()> body) {
    std::optional<connectors::connector_error> out;
    ::test::run_coro(io, [&]() -> asio::awaitable<void> {
        try {
            co_await body();
        } catch (const connectors::connector_error& e) {
            out = e;
        }
    });
    if (!out) FAIL("no connector_error was thrown");
    return *out;
}

/// The connector_error a plain function must throw.
inline connectors::connector_error expect_connector_error_sync(const std::function<void()>& body) {
    try {
        body();
    } catch (const connectors::connector_error& e) {
        return e;
    }
    FAIL("no connector_error was thrown");
    throw std::logic_error("unreachable");
}

}  // namespace polymcp::test
