// Test support: awaits a client call that must fail and returns its
// client_error (failing the test when it does not fail).
#pragma once

#include <polymcp/client/error.hpp>

#include <catch2/catch.hpp>

#include <asio/awaitable.hpp>

#include <functional>
#include <stdexcept>

namespace polymcp::test {

inline asio::awaitable<polymcp::client::client_error> expect_error(std::function<asio::awaitable<void>()> f) {
    try {
        co_await f();
    } catch (const polymcp::client::client_error& e) {
        co_return e;
    }
    FAIL("expected a client_error");
    throw std::logic_error("unreachable");
}

}  // namespace polymcp::test
