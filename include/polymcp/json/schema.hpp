#ifndef POLYMCP_JSON_SCHEMA_HPP
#define POLYMCP_JSON_SCHEMA_HPP

/// @file polymcp/json/schema.hpp
/// JSON Schema 2020-12 generated from C++ types, for a tool's `inputSchema`
/// and `outputSchema` (MCP 2025-11-25 "Tools" > "Tool"; JSON Schema
/// 2020-12 Validation vocabulary).
///
/// | C++                                   | schema                                         |
/// |---------------------------------------|------------------------------------------------|
/// | `bool`                                | `{"type":"boolean"}`                           |
/// | integral types                        | `{"type":"integer"}` with the type's bounds when they fit in 32 bits, `minimum: 0` when unsigned |
/// | `float`, `double`                     | `{"type":"number"}`                            |
/// | `std::string`                         | `{"type":"string"}`                            |
/// | `std::optional<T>` member             | schema of T, member not in `required`          |
/// | `std::vector<T>`                      | `{"type":"array","items":...}`                 |
/// | `std::map<std::string,T>`             | `{"type":"object","additionalProperties":...}` |
/// | enum with `enum_names`                | `{"type":"string","enum":[...]}`               |
/// | reflected struct                      | `{"type":"object","properties":...,"required":[...]}` |
/// | `nlohmann::json`                      | `{}` (any value)                               |
///
/// Member docs and constraints come from `polymcp::describe<T>` (describe.hpp).

#include <polymcp/core/config.hpp>
#include <polymcp/json/describe.hpp>
#include <polymcp/json/type_traits.hpp>

#include <limits>
#include <stdexcept>
#include <string>

namespace polymcp {

/// True for the C++ types `schema_of` knows; used to give one readable error.
template <class T>
concept schema_type =
    std::is_same_v<T, bool> || std::is_arithmetic_v<T> || std::is_same_v<T, std::string> ||
    std::is_same_v<T, nlohmann::json> || named_enum<T> || json_detail::reflected<T> ||
    json_detail::is_optional<T>::value || json_detail::is_vector<T>::value ||
    json_detail::is_string_map<T>::value;

namespace json_detail {
POLYMCP_DECL void apply_doc(nlohmann::json& s, const field_doc& d);
}  // namespace json_detail

/// The JSON Schema of type `T` (see the table in this header).
/// @throws std::invalid_argument when `describe<S>::fields()` of a struct S
///         inside T names a member S does not have (a typo caught at startup).
template <class T>
nlohmann::json schema_of() {
    static_assert(schema_type<T>,
                  "polymcp::schema_of<T>: T has no JSON Schema mapping. Use bool, a number, "
                  "std::string, std::optional, std::vector, std::map<std::string, U>, an enum with "
                  "POLYMCP_ENUM, nlohmann::json, or a struct reflected with BOOST_HANA_DEFINE_STRUCT.");
    using nlohmann::json;
    if constexpr (std::is_same_v<T, bool>) {
        return {{"type", "boolean"}};
    } else if constexpr (json_detail::integer<T>) {
        json s = {{"type", "integer"}};
        if constexpr (sizeof(T) <= 4) {
            s["minimum"] = static_cast<std::int64_t>(std::numeric_limits<T>::min());
            s["maximum"] = static_cast<std::int64_t>(std::numeric_limits<T>::max());
        } else if constexpr (std::is_unsigned_v<T>) {
            s["minimum"] = 0;
        }
        return s;
    } else if constexpr (std::is_floating_point_v<T>) {
        return {{"type", "number"}};
    } else if constexpr (std::is_same_v<T, std::string>) {
        return {{"type", "string"}};
    } else if constexpr (std::is_same_v<T, json>) {
        return json::object();
    } else if constexpr (named_enum<T>) {
        json e = json::array();
        for (const auto& [v, n] : enum_names<T>::values) e.push_back(std::string(n));
        return {{"type", "string"}, {"enum", std::move(e)}};
    } else if constexpr (json_detail::is_optional<T>::value) {
        return schema_of<typename json_detail::is_optional<T>::type>();
    } else if constexpr (json_detail::is_vector<T>::value) {
        return {{"type", "array"}, {"items", schema_of<typename json_detail::is_vector<T>::type>()}};
    } else if constexpr (json_detail::is_string_map<T>::value) {
        return {{"type", "object"},
                {"additionalProperties", schema_of<typename json_detail::is_string_map<T>::type>()}};
    } else {
        json props = json::object();
        json required = json::array();
        json_detail::for_each_member<T>([&](const char* name, auto accessor) {
            using M = json_detail::member_t<T, decltype(accessor)>;
            json s = schema_of<M>();
            if (const field_doc* d = detail::doc_of<T>(name)) json_detail::apply_doc(s, *d);
            props[name] = std::move(s);
            if constexpr (!json_detail::is_optional<M>::value) required.push_back(name);
        });
        for (const auto& [field, doc] : detail::docs_of<T>())
            if (!props.contains(field))
                throw std::invalid_argument("polymcp::describe: field_docs name '" + field +
                                            "', which is not a member of the struct");
        json s = {{"type", "object"}, {"properties", std::move(props)}};
        if (!required.empty()) s["required"] = std::move(required);
        if constexpr (detail::has_type_description<T>)
            s["description"] = std::string(describe<T>::description);
        return s;
    }
}

}  // namespace polymcp

#if POLYMCP_HEADER_ONLY
#include <polymcp/json/impl/schema.ipp>
#endif

#endif
