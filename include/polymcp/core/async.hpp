#ifndef POLYMCP_CORE_ASYNC_HPP
#define POLYMCP_CORE_ASYNC_HPP

/// @file polymcp/core/async.hpp
/// The Asio-style form of polymcp's coroutine operations: `diagnostics`, and
/// `async_from_awaitable`, which runs an operation written as a coroutine
/// and completes any completion token with `void(std::error_code, T)` (or
/// `void(std::error_code)`), the message of a failure in a `diagnostics`.
///
/// The client and the connector manager offer every asynchronous operation
/// both ways: `co_await s.call_tool(...)` throws on failure;
/// `s.async_call_tool(..., diag, token)` never throws for an operation's
/// failure and works with callbacks, `asio::use_future`,
/// `asio::use_awaitable`, `asio::experimental::as_tuple`, ...
///
/// @code
/// polymcp::diagnostics diag;
/// s.async_call_tool("echo", {{"text", "hi"}}, {}, diag, [&](std::error_code ec, polymcp::client::call_tool_result r) {
///     if (ec) std::cerr << ec.message() << ": " << diag.message << "\n";
/// });
/// @endcode

#include <polymcp/core/completion.hpp>
#include <polymcp/core/error.hpp>

#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/awaitable.hpp>
#include <asio/bind_executor.hpp>
#include <asio/co_spawn.hpp>

#include <exception>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>

namespace polymcp {

/// What an `error_code` alone cannot say about a failed operation: the
/// message its throwing form's exception carries (a peer's error message,
/// which field of a body is wrong, ...). Cleared when an operation starts;
/// set only when it fails. Must outlive the operation; not thread-safe (one
/// operation at a time per object).
struct diagnostics {
    /// A message for a person; empty on success.
    std::string message{};
    /// Empties it.
    void clear() noexcept { message.clear(); }
};

namespace core_detail {
// The code and message of what an operation threw: a std::system_error's own
// code (client_error, connector_error, ...), else errc::internal_error.
inline std::error_code code_of(std::exception_ptr e, diagnostics& diag) {
    try {
        std::rethrow_exception(e);
    } catch (const std::system_error& x) {
        diag.message = x.what();
        return x.code();
    } catch (const std::exception& x) {
        diag.message = x.what();
    } catch (...) {
        diag.message = "an unknown exception";
    }
    return make_error_code(errc::internal_error);
}
}  // namespace core_detail

/// Starts the coroutine `make()` (returning `asio::awaitable<T>`) on `ex`
/// and completes `token` with `(error_code, T)` — `(error_code)` for `void`
/// — on the executor associated with the completion handler (else `ex`).
/// A failure completes with the code of what the coroutine threw (a
/// `std::system_error`'s own code, else `polymcp::errc::internal_error`),
/// a default-constructed `T`, and the exception's message in `diag`.
/// @param ex where the coroutine runs
/// @param diag receives the failure's message (cleared at start); must outlive the operation
/// @param make a callable returning the `asio::awaitable<T>`; called once, on initiation
/// @param token any Asio completion token
template <class T, class Executor, class Factory, class CompletionToken>
auto async_from_awaitable(Executor ex, diagnostics& diag, Factory make, CompletionToken&& token) {
    return asio::async_initiate<CompletionToken, completion_signature<T>>(
        [ex, &diag](auto handler, Factory m) {
            diag.clear();
            auto where = asio::get_associated_executor(handler, ex);
            if constexpr (std::is_void_v<T>) {
                asio::co_spawn(ex, std::move(m)(),
                               asio::bind_executor(where, [h = std::move(handler), &diag](std::exception_ptr e) mutable {
                                   std::error_code ec;
                                   if (e) ec = core_detail::code_of(e, diag);
                                   std::move(h)(ec);
                               }));
            } else {
                asio::co_spawn(ex, std::move(m)(),
                               asio::bind_executor(where, [h = std::move(handler), &diag](std::exception_ptr e, T v) mutable {
                                   std::error_code ec;
                                   if (e) {
                                       ec = core_detail::code_of(e, diag);
                                       v = T{};
                                   }
                                   std::move(h)(ec, std::move(v));
                               }));
            }
        },
        token, std::move(make));
}

}  // namespace polymcp

#endif
