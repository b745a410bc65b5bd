#ifndef POLYMCP_JSON_TYPE_NAME_HPP
#define POLYMCP_JSON_TYPE_NAME_HPP

/// @file polymcp/json/type_name.hpp
/// The JSON Schema name of a JSON value's type, for error messages.

#include <nlohmann/json.hpp>

#include <string_view>

namespace polymcp::json_detail {

/// "null", "boolean", "integer", "number", "string", "array", "object" (or "binary").
inline std::string_view type_name(const nlohmann::json& j) noexcept {
    using t = nlohmann::json::value_t;
    switch (j.type()) {
        case t::null: return "null";
        case t::boolean: return "boolean";
        case t::number_integer:
        case t::number_unsigned: return "integer";
        case t::number_float: return "number";
        case t::string: return "string";
        case t::array: return "array";
        case t::object: return "object";
        default: return "binary";
    }
}

}  // namespace polymcp::json_detail

namespace polymcp {

/// The JSON Schema name of `j`'s type: "null", "boolean", "integer",
/// "number", "string", "array", "object" (or "binary"), for error messages
/// such as "expected string, got integer". Thread-safe (pure).
inline std::string_view json_type_name(const nlohmann::json& j) noexcept { return json_detail::type_name(j); }

}  // namespace polymcp

#endif
