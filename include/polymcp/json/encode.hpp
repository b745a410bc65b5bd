#ifndef POLYMCP_JSON_ENCODE_HPP
#define POLYMCP_JSON_ENCODE_HPP

/// @file polymcp/json/encode.hpp
/// C++ values to JSON, mirroring schema.hpp: reflected structs become objects
/// (a `std::nullopt` member is omitted), named enums their wire strings.

#include <polymcp/json/describe.hpp>
#include <polymcp/json/type_traits.hpp>
#include <polymcp/json/schema.hpp>

namespace polymcp {

/// Encodes `v` as JSON. Never throws except `std::bad_alloc`.
template <class T>
nlohmann::json encode(const T& v) {
    static_assert(schema_type<T>, "polymcp::encode<T>: T has no JSON mapping (see polymcp/json/schema.hpp)");
    using nlohmann::json;
    if constexpr (named_enum<T>) {
        return std::string(enum_to_string(v));
    } else if constexpr (json_detail::is_optional<T>::value) {
        return v ? encode(*v) : json(nullptr);
    } else if constexpr (json_detail::is_vector<T>::value) {
        json a = json::array();
        for (const auto& e : v) a.push_back(encode(e));
        return a;
    } else if constexpr (json_detail::is_string_map<T>::value) {
        json o = json::object();
        for (const auto& [k, e] : v) o[k] = encode(e);
        return o;
    } else if constexpr (json_detail::reflected<T>) {
        json o = json::object();
        json_detail::for_each_member<T>([&](const char* name, auto accessor) {
            using M = json_detail::member_t<T, decltype(accessor)>;
            const auto& m = accessor(const_cast<T&>(v));
            if constexpr (json_detail::is_optional<M>::value) {
                if (!m) return;
            }
            o[name] = encode(m);
        });
        return o;
    } else {
        return json(v);
    }
}

}  // namespace polymcp

#endif
