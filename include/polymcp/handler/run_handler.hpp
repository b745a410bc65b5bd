#ifndef POLYMCP_HANDLER_RUN_HANDLER_HPP
#define POLYMCP_HANDLER_RUN_HANDLER_HPP

/// @file polymcp/handler/run_handler.hpp
/// Runs a typed handler (plain, blocking on the thread pool, or a coroutine)
/// whose value becomes a JSON-RPC result, and whose exceptions become JSON-RPC
/// errors. Used by prompts and resources; tools have their own runner because
/// their failures are results (`isError`), not errors.

#include <polymcp/protocol/jsonrpc.hpp>
#include <polymcp/handler/context.hpp>
#include <polymcp/handler/callable.hpp>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/co_spawn.hpp>
#include <asio/post.hpp>

#include <exception>
#include <functional>
#include <memory>
#include <optional>

namespace polymcp {

/// What a handler of `resources/read` or `prompts/get` produced: a result
/// object or a JSON-RPC error.
struct handler_outcome {
    nlohmann::json result{};              ///< set on success
    std::optional<jsonrpc::error> error{};  ///< set on failure
};

namespace handler {

/// Turns an exception from a handler into a JSON-RPC error:
/// `jsonrpc::exception` keeps its code, anything else is -32603 with what().
POLYMCP_DECL handler_outcome outcome_from_exception(std::exception_ptr e, std::string_view what_failed);

/// Runs a plain handler `f` with `a` and `ctx`, and `convert`s its value;
/// an exception becomes the outcome's error (`what` names the operation).
template <class F, class Args, class Convert>
handler_outcome run_plain_outcome(F& f, Args& a, request_context& ctx, Convert& convert, std::string_view what) {
    try {
        return handler_outcome{convert(handler::invoke(f, a, ctx)), std::nullopt};
    } catch (...) {
        return outcome_from_exception(std::current_exception(), what);
    }
}

/// Awaits a coroutine handler `f` with `a` and `ctx`, and `convert`s its
/// value; an exception becomes the outcome's error (`what` names the operation).
template <class F, class Args, class Convert>
asio::awaitable<handler_outcome> run_coroutine_outcome(F f, Args a, std::shared_ptr<request_context> ctx,
                                                       Convert convert, std::string what) {
    // The awaited value is held in a named local (docs/portability.md).
    handler_outcome out;
    try {
        auto value = co_await handler::invoke(f, a, *ctx);
        out.result = convert(std::move(value));
    } catch (...) {
        out = outcome_from_exception(std::current_exception(), what);
    }
    co_return out;
}

/// Runs `f` with `args` and the context, converts its value with `convert`
/// and calls `done` once, on any thread.
template <class F, class Args, class Convert>
void run_handler(const F& fn, Args args, std::shared_ptr<request_context> ctx, bool blocking, Convert convert,
                 std::string what, std::function<void(handler_outcome)> done) {
    using traits = handler::handler_traits<F>;
    if constexpr (traits::is_coroutine) {
        auto slot = ctx->cancellation_slot();
        auto ex = ctx->get_executor();
        asio::co_spawn(ex,
                       run_coroutine_outcome(fn, std::move(args), std::move(ctx), std::move(convert), what),
                       asio::bind_cancellation_slot(
                           slot, [done = std::move(done), what](std::exception_ptr e, handler_outcome r) mutable {
                               done(e ? outcome_from_exception(e, what) : std::move(r));
                           }));
    } else if (blocking) {
        auto ex = ctx->blocking_executor();
        asio::post(ex, [fn, args = std::move(args), ctx = std::move(ctx), convert = std::move(convert),
                        what = std::move(what), done = std::move(done)]() mutable {
            done(run_plain_outcome(fn, args, *ctx, convert, what));
        });
    } else {
        F f = fn;
        done(run_plain_outcome(f, args, *ctx, convert, what));
    }
}

}  // namespace handler
}  // namespace polymcp

#if POLYMCP_HEADER_ONLY
#include <polymcp/handler/impl/run_handler.ipp>
#endif

#endif
