#ifndef POLYMCP_JSON_DESCRIBE_HPP
#define POLYMCP_JSON_DESCRIBE_HPP

/// @file polymcp/json/describe.hpp
/// Optional traits that add documentation and constraints to reflected types:
/// `polymcp::describe<T>` for structs (per-field description, bounds, lengths,
/// patterns) and `polymcp::enum_names<E>` for enums (their wire strings).
///
/// Example:
/// @code
/// struct add_args { BOOST_HANA_DEFINE_STRUCT(add_args, (double, a), (double, b)); };
/// template <> struct polymcp::describe<add_args> {
///     static constexpr const char* description = "Two addends";        // optional
///     static polymcp::field_docs fields() {
///         return {{"a", {.description = "First addend"}},
///                 {"b", {.description = "Second addend", .minimum = 0}}};
///     }
/// };
/// enum class color { red, green };
/// POLYMCP_ENUM(color, red, green)   // at namespace scope; gives "red", "green"
/// @endcode

#include <boost/preprocessor/seq/for_each.hpp>
#include <boost/preprocessor/stringize.hpp>
#include <boost/preprocessor/variadic/to_seq.hpp>
#include <nlohmann/json.hpp>

#include <array>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace polymcp {

/// Documentation and JSON Schema 2020-12 constraints of one struct member.
/// Every member is optional; those set are emitted in the schema and checked
/// when arguments are decoded.
struct field_doc {
    std::string description{};                    ///< `description`
    std::optional<double> minimum{};              ///< `minimum` (numbers)
    std::optional<double> maximum{};              ///< `maximum` (numbers)
    std::optional<double> exclusive_minimum{};    ///< `exclusiveMinimum` (numbers)
    std::optional<double> exclusive_maximum{};    ///< `exclusiveMaximum` (numbers)
    std::optional<std::size_t> min_length{};      ///< `minLength`, in Unicode code points (strings)
    std::optional<std::size_t> max_length{};      ///< `maxLength`, in Unicode code points (strings)
    std::string pattern{};                        ///< `pattern`, an ECMA-262 regex searched in strings
    std::optional<std::size_t> min_items{};       ///< `minItems` (arrays)
    std::optional<std::size_t> max_items{};       ///< `maxItems` (arrays)
    std::string format{};                         ///< `format` annotation (not validated), e.g. "uri"
    std::string title{};                          ///< `title`
    nlohmann::json default_value{};               ///< `default` (annotation only), null when absent
    nlohmann::json examples{};                    ///< `examples` (an array), null when absent
    /// `x-mcp-header`: the name of the HTTP header `Mcp-Param-{header}` that
    /// mirrors this parameter in a 2026-07-28 `tools/call` over Streamable
    /// HTTP (a token; string, integer or boolean fields of the top-level
    /// struct or of nested structs only). See polymcp/protocol/header_params.hpp.
    std::string header{};
};

/// Field name → documentation. Names must be members of the struct; an unknown
/// name makes tool registration throw `std::invalid_argument`.
using field_docs = std::map<std::string, field_doc, std::less<>>;

/// Specialize for a reflected struct to document it. Members (all optional):
/// `static constexpr const char* description;` and `static field_docs fields();`.
template <class T>
struct describe {};

/// Specialize (or use `POLYMCP_ENUM`) to give an enum its wire strings:
/// `static constexpr std::array<std::pair<E, std::string_view>, N> values`.
template <class E>
struct enum_names;

namespace detail {
template <class T>
concept has_field_docs = requires { { describe<T>::fields() } -> std::convertible_to<field_docs>; };
template <class T>
concept has_type_description = requires { describe<T>::description; };

/// The (cached, thread-safe) field docs of T; empty when T is undocumented.
template <class T>
const field_docs& docs_of() {
    if constexpr (has_field_docs<T>) {
        static const field_docs docs = describe<T>::fields();
        return docs;
    } else {
        static const field_docs none;
        return none;
    }
}
/// The doc of one field, or nullptr.
template <class T>
const field_doc* doc_of(std::string_view field) {
    const auto& d = docs_of<T>();
    auto it = d.find(field);
    return it == d.end() ? nullptr : &it->second;
}
}  // namespace detail

/// True when `E` is an enum with `polymcp::enum_names<E>` defined.
template <class E>
concept named_enum = std::is_enum_v<E> && requires { enum_names<E>::values; };

/// The wire string of an enum value; empty when the value has no name.
template <named_enum E>
constexpr std::string_view enum_to_string(E e) noexcept {
    for (const auto& [v, n] : enum_names<E>::values)
        if (v == e) return n;
    return {};
}

/// The enum value of a wire string, or `std::nullopt`.
template <named_enum E>
constexpr std::optional<E> enum_from_string(std::string_view s) noexcept {
    for (const auto& [v, n] : enum_names<E>::values)
        if (n == s) return v;
    return std::nullopt;
}

}  // namespace polymcp

#define POLYMCP_DETAIL_ENUM_ENTRY(r, E, v) std::pair<E, std::string_view>{E::v, BOOST_PP_STRINGIZE(v)},

/// Gives enum `E` (a fully qualified name) wire strings equal to its
/// enumerator names. Use at global namespace scope:
/// `POLYMCP_ENUM(shop::color, red, green, blue)`.
#define POLYMCP_ENUM(E, ...)                                                                    \
    template <>                                                                                 \
    struct polymcp::enum_names<E> {                                                             \
        static constexpr std::array values{                                                     \
            BOOST_PP_SEQ_FOR_EACH(POLYMCP_DETAIL_ENUM_ENTRY, E, BOOST_PP_VARIADIC_TO_SEQ(__VA_ARGS__))}; \
    }

#endif
