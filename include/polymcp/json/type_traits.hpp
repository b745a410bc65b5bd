#ifndef POLYMCP_JSON_TYPE_TRAITS_HPP
#define POLYMCP_JSON_TYPE_TRAITS_HPP

/// @file polymcp/json/type_traits.hpp
/// The C++ types the JSON codec and schema generator recognise: optionals,
/// vectors, string-keyed maps and structs reflected with Boost.Hana
/// (`reflected`), and a walk over a reflected struct's members. Used by
/// polymcp/json/ and by the handler signature analysis
/// (polymcp/handler/callable.hpp). Thread-safe (compile time only).

#include <boost/hana/accessors.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/concept/struct.hpp>
#include <boost/hana/first.hpp>
#include <boost/hana/second.hpp>
#include <boost/hana/string.hpp>
#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

namespace polymcp::json_detail {

template <class T> struct is_optional : std::false_type {};
template <class T> struct is_optional<std::optional<T>> : std::true_type { using type = T; };

template <class T> struct is_vector : std::false_type {};
template <class T, class A> struct is_vector<std::vector<T, A>> : std::true_type { using type = T; };

template <class T> struct is_string_map : std::false_type {};
template <class T, class C, class A>
struct is_string_map<std::map<std::string, T, C, A>> : std::true_type { using type = T; };
template <class T, class H, class E, class A>
struct is_string_map<std::unordered_map<std::string, T, H, E, A>> : std::true_type { using type = T; };

/// A struct reflected with BOOST_HANA_DEFINE_STRUCT / BOOST_HANA_ADAPT_STRUCT.
template <class T>
concept reflected = boost::hana::Struct<T>::value;

template <class T>
concept integer = std::is_integral_v<T> && !std::is_same_v<T, bool>;

/// Calls `f(name, member_pointer_like_accessor)` for each reflected member.
template <reflected T, class F>
void for_each_member(F&& f) {
    boost::hana::for_each(boost::hana::accessors<T>(), [&](auto pair) {
        f(boost::hana::to<const char*>(boost::hana::first(pair)), boost::hana::second(pair));
    });
}

template <class T, class Accessor>
using member_t = std::decay_t<decltype(std::declval<Accessor>()(std::declval<T&>()))>;

}  // namespace polymcp::json_detail

namespace polymcp {

/// A struct reflected with `BOOST_HANA_DEFINE_STRUCT` or
/// `BOOST_HANA_ADAPT_STRUCT` (or a hand-written `boost::hana::accessors_impl`):
/// what the typed JSON codec reads and writes as an object.
template <class T>
concept reflected = json_detail::reflected<T>;

/// Whether `T` is a `std::map` or `std::unordered_map` with string keys (a
/// JSON object of values).
template <class T>
inline constexpr bool is_string_map_v = json_detail::is_string_map<T>::value;

/// Calls `f(name, accessor)` for each member of the reflected struct `T`, in
/// declaration order: `name` is the JSON member name (`const char*`),
/// `accessor(t)` the member of a `T& t`. Compile-time walk; thread-safe.
template <reflected T, class F>
void for_each_member(F&& f) {
    json_detail::for_each_member<T>(std::forward<F>(f));
}

}  // namespace polymcp

#endif
