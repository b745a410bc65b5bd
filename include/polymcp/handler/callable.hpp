#ifndef POLYMCP_HANDLER_CALLABLE_HPP
#define POLYMCP_HANDLER_CALLABLE_HPP

/// @file polymcp/handler/callable.hpp
/// Signature analysis of tool handlers: which arguments struct, whether a
/// request_context is wanted, and whether the handler is a coroutine.

#include <polymcp/json/type_traits.hpp>
#include <polymcp/handler/context.hpp>

#include <asio/awaitable.hpp>

#include <tuple>
#include <type_traits>

namespace polymcp::handler {

template <class F>
struct callable_traits : callable_traits<decltype(&F::operator())> {};

#define POLYMCP_DETAIL_CALLABLE(QUALS)                                  \
    template <class C, class R, class... A>                             \
    struct callable_traits<R (C::*)(A...) QUALS> {                      \
        using result = R;                                               \
        using args = std::tuple<A...>;                                  \
    };
POLYMCP_DETAIL_CALLABLE()
POLYMCP_DETAIL_CALLABLE(const)
POLYMCP_DETAIL_CALLABLE(noexcept)
POLYMCP_DETAIL_CALLABLE(const noexcept)
#undef POLYMCP_DETAIL_CALLABLE

template <class R, class... A>
struct callable_traits<R (*)(A...)> { using result = R; using args = std::tuple<A...>; };
template <class R, class... A>
struct callable_traits<R (*)(A...) noexcept> { using result = R; using args = std::tuple<A...>; };
template <class R, class... A>
struct callable_traits<R(A...)> { using result = R; using args = std::tuple<A...>; };

template <class T> struct awaitable_value { static constexpr bool is_coroutine = false; using type = T; };
template <class T, class E>
struct awaitable_value<asio::awaitable<T, E>> { static constexpr bool is_coroutine = true; using type = T; };

/// An empty arguments type for handlers that take none.
struct no_arguments {};

template <class T>
inline constexpr bool is_context_v = std::is_same_v<std::remove_cvref_t<T>, request_context>;

/// What a handler's signature tells: `Args` (no_arguments when it takes
/// none), whether it takes a context, and its value type (awaitable unwrapped).
template <class F>
struct handler_traits {
    using traits = callable_traits<std::decay_t<F>>;
    using params = typename traits::args;
    static constexpr std::size_t arity = std::tuple_size_v<params>;
    static_assert(arity <= 2,
                  "polymcp::tool: a handler takes at most (Args, polymcp::request_context&)");

    template <std::size_t I>
    using param = std::remove_cvref_t<std::tuple_element_t<I, params>>;

    static constexpr bool first_is_context = [] {
        if constexpr (arity >= 1) return is_context_v<std::tuple_element_t<0, params>>;
        else return false;
    }();
    static constexpr bool takes_context = [] {
        if constexpr (arity == 2) return is_context_v<std::tuple_element_t<1, params>>;
        else return first_is_context;
    }();
    static_assert(arity < 2 || takes_context,
                  "polymcp::tool: the second parameter of a handler must be polymcp::request_context&");
    static_assert(arity < 2 || !first_is_context,
                  "polymcp::tool: the request_context comes after the arguments struct");

    using args = decltype([] {
        if constexpr (arity == 0 || first_is_context) return no_arguments{};
        else return param<0>{};
    }());
    static constexpr bool has_args = !std::is_same_v<args, no_arguments>;
    static_assert(!has_args || reflected<args>,
                  "polymcp::tool: the handler's first parameter must be a struct reflected with "
                  "BOOST_HANA_DEFINE_STRUCT or BOOST_HANA_ADAPT_STRUCT (it becomes the inputSchema)");

    using result = typename traits::result;
    static constexpr bool is_coroutine = awaitable_value<result>::is_coroutine;
    using value = typename awaitable_value<result>::type;
};

/// Calls `f` with the parameters its signature asks for.
template <class F, class Args>
decltype(auto) invoke(F& f, Args& a, request_context& ctx) {
    using H = handler_traits<F>;
    if constexpr (H::arity == 0) return f();
    else if constexpr (H::arity == 2) return f(std::move(a), ctx);
    else if constexpr (H::first_is_context) return f(ctx);
    else return f(std::move(a));
}

}  // namespace polymcp::handler

#endif
