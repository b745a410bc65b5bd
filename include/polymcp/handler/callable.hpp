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

/// @cond INTERNAL
// callable_traits<F>: the signature of a callable F: `result`, its return
// type, and `args`, a std::tuple of its parameter types. Defined for
// function types, function pointers, member function pointers (any const /
// noexcept) and class types with one non-template operator() (lambdas).
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
/// @endcond

/// Whether `T` is an `asio::awaitable` (`is_coroutine`) and the value it
/// produces (`type`: `T` itself when it is not one).
template <class T> struct awaitable_value {
    static constexpr bool is_coroutine = false;  ///< whether `T` is an `asio::awaitable`
    using type = T;                              ///< what `co_await` on it gives (`T` itself when not awaitable)
};
/// @cond INTERNAL
template <class T, class E>
struct awaitable_value<asio::awaitable<T, E>> { static constexpr bool is_coroutine = true; using type = T; };
/// @endcond

/// An empty arguments type for handlers that take none.
struct no_arguments {};

/// Whether `T` is `request_context`, with any `const`, `volatile` and reference.
template <class T>
inline constexpr bool is_context_v = std::is_same_v<std::remove_cvref_t<T>, request_context>;

/// @cond INTERNAL
// The arguments struct of a handler with parameter tuple Params: its first
// parameter, unless it has none (None).
template <class Params, bool None>
struct arguments_of { using type = no_arguments; };
template <class Params>
struct arguments_of<Params, false> { using type = std::remove_cvref_t<std::tuple_element_t<0, Params>>; };
/// @endcond

/// What a handler's signature tells: `Args` (no_arguments when it takes
/// none), whether it takes a context, and its value type (awaitable unwrapped).
template <class F>
struct handler_traits {
    using traits = callable_traits<std::decay_t<F>>;  ///< the raw signature: `result` and `args` (a tuple)
    using params = typename traits::args;              ///< the parameter types, as a tuple
    static constexpr std::size_t arity = std::tuple_size_v<params>;  ///< 0, 1 or 2 parameters
    static_assert(arity <= 2,
                  "polymcp::tool: a handler takes at most (Args, polymcp::request_context&)");

    /// Whether the first (and then only) parameter is the `request_context`.
    static constexpr bool first_is_context = [] {
        if constexpr (arity >= 1) return is_context_v<std::tuple_element_t<0, params>>;
        else return false;
    }();
    /// Whether the handler takes a `request_context&`.
    static constexpr bool takes_context = [] {
        if constexpr (arity == 2) return is_context_v<std::tuple_element_t<1, params>>;
        else return first_is_context;
    }();
    static_assert(arity < 2 || takes_context,
                  "polymcp::tool: the second parameter of a handler must be polymcp::request_context&");
    static_assert(arity < 2 || !first_is_context,
                  "polymcp::tool: the request_context comes after the arguments struct");

    /// The arguments struct (`no_arguments` when it takes none).
    using args = typename arguments_of<params, arity == 0 || first_is_context>::type;
    static constexpr bool has_args = !std::is_same_v<args, no_arguments>;  ///< whether it takes an arguments struct
    static_assert(!has_args || reflected<args>,
                  "polymcp::tool: the handler's first parameter must be a struct reflected with "
                  "BOOST_HANA_DEFINE_STRUCT or BOOST_HANA_ADAPT_STRUCT (it becomes the inputSchema)");

    using result = typename traits::result;                                      ///< the return type
    static constexpr bool is_coroutine = awaitable_value<result>::is_coroutine;  ///< whether it returns an `asio::awaitable`
    using value = typename awaitable_value<result>::type;                        ///< the value it produces
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
