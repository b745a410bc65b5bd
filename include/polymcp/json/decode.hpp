#ifndef POLYMCP_JSON_DECODE_HPP
#define POLYMCP_JSON_DECODE_HPP

/// @file polymcp/json/decode.hpp
/// JSON to C++ values with validation against the schema that schema.hpp
/// generates for the same type, including the constraints of
/// `polymcp::describe<T>`. A failure names the JSON Pointer (RFC 6901) of the
/// offending value and what was expected, e.g.
/// `/b: expected number, got string "x"`.

#include <polymcp/core/config.hpp>
#include <polymcp/json/describe.hpp>
#include <polymcp/json/type_name.hpp>
#include <polymcp/json/type_traits.hpp>
#include <polymcp/json/schema.hpp>

#include <cmath>
#include <limits>
#include <string>

namespace polymcp {

/// Where and why decoding failed.
struct decode_error {
    std::string pointer;  ///< RFC 6901 JSON Pointer into the decoded document ("" is the root)
    std::string message{};  ///< what was expected and what was found
    /// "pointer: message", the form polymcp puts in tool errors.
    std::string what() const { return (pointer.empty() ? std::string("(root)") : pointer) + ": " + message; }
};

namespace json_detail {

/// A value for an error message: its type, and for scalars the value itself
/// (at most 40 characters), e.g. `string "x"`.
POLYMCP_DECL std::string describe_value(const nlohmann::json& j);

/// Appends `/token` to a JSON Pointer, escaping `~` and `/` (RFC 6901 section 3).
POLYMCP_DECL void append_token(std::string& path, std::string_view token);

/// The number of Unicode code points in UTF-8 text (what `minLength` counts).
POLYMCP_DECL std::size_t code_points(const std::string& s);

/// Checks `describe` constraints of one member against its JSON value.
/// @return false with `err` set (at `path`) when a constraint fails.
/// @throws std::regex_error for an invalid `pattern`.
POLYMCP_DECL bool check_doc(const nlohmann::json& j, const field_doc& d, const std::string& path,
                                   decode_error& err);

template <class T>
bool decode_at(const nlohmann::json& j, T& out, std::string& path, decode_error& err) {
    static_assert(schema_type<T>, "polymcp::decode<T>: T has no JSON mapping (see polymcp/json/schema.hpp)");
    using nlohmann::json;
    auto fail = [&](std::string expected) {
        err = {path, "expected " + expected + ", got " + describe_value(j)};
        return false;
    };
    if constexpr (std::is_same_v<T, bool>) {
        if (!j.is_boolean()) return fail("boolean");
        out = j.get<bool>();
    } else if constexpr (integer<T>) {
        const std::string expected = std::string("integer") +
            " in [" + std::to_string(std::numeric_limits<T>::min()) + ", " +
            std::to_string(std::numeric_limits<T>::max()) + "]";
        if (j.is_number_unsigned()) {
            auto v = j.get<std::uint64_t>();
            if (v > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) return fail(expected);
            out = static_cast<T>(v);
        } else if (j.is_number_integer()) {
            auto v = j.get<std::int64_t>();
            if constexpr (std::is_unsigned_v<T>) {
                if (v < 0 || static_cast<std::uint64_t>(v) > std::numeric_limits<T>::max()) return fail(expected);
            } else {
                if (v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max()) return fail(expected);
            }
            out = static_cast<T>(v);
        } else if (j.is_number_float()) {
            // JSON Schema: an integer is any number with a zero fractional part (1.0 is one).
            double v = j.get<double>();
            if (std::floor(v) != v || v < static_cast<double>(std::numeric_limits<T>::min()) ||
                v >= static_cast<double>(std::numeric_limits<T>::max()) + 1.0)
                return fail(expected);
            out = static_cast<T>(v);
        } else {
            return fail("integer");
        }
    } else if constexpr (std::is_floating_point_v<T>) {
        if (!j.is_number()) return fail("number");
        out = j.get<T>();
    } else if constexpr (std::is_same_v<T, std::string>) {
        if (!j.is_string()) return fail("string");
        out = j.get_ref<const std::string&>();
    } else if constexpr (std::is_same_v<T, json>) {
        out = j;
    } else if constexpr (named_enum<T>) {
        std::string allowed;
        for (const auto& [v, n] : enum_names<T>::values) allowed += (allowed.empty() ? "\"" : ", \"") + std::string(n) + "\"";
        if (!j.is_string()) return fail("one of " + allowed);
        auto v = enum_from_string<T>(j.get_ref<const std::string&>());
        if (!v) return fail("one of " + allowed);
        out = *v;
    } else if constexpr (is_optional<T>::value) {
        if (j.is_null()) { out.reset(); return true; }
        typename is_optional<T>::type v{};
        if (!decode_at(j, v, path, err)) return false;
        out = std::move(v);
    } else if constexpr (is_vector<T>::value) {
        if (!j.is_array()) return fail("array");
        out.clear();
        out.reserve(j.size());
        for (std::size_t i = 0; i < j.size(); ++i) {
            auto len = path.size();
            path += '/';
            path += std::to_string(i);
            typename is_vector<T>::type v{};
            if (!decode_at(j[i], v, path, err)) return false;
            out.push_back(std::move(v));
            path.resize(len);
        }
    } else if constexpr (is_string_map<T>::value) {
        if (!j.is_object()) return fail("object");
        out.clear();
        for (auto it = j.begin(); it != j.end(); ++it) {
            auto len = path.size();
            append_token(path, it.key());
            typename is_string_map<T>::type v{};
            if (!decode_at(it.value(), v, path, err)) return false;
            out.emplace(it.key(), std::move(v));
            path.resize(len);
        }
    } else {
        if (!j.is_object()) return fail("object");
        bool ok = true;
        for_each_member<T>([&](const char* name, auto accessor) {
            if (!ok) return;
            using M = member_t<T, decltype(accessor)>;
            auto len = path.size();
            append_token(path, name);
            auto it = j.find(name);
            if (it == j.end()) {
                if constexpr (!is_optional<M>::value) {
                    err = {path, "required property \"" + std::string(name) + "\" is missing"};
                    ok = false;
                    return;
                }
            } else {
                if (!decode_at(*it, accessor(out), path, err)) { ok = false; return; }
                if (const field_doc* d = detail::doc_of<T>(name))
                    if (!it->is_null() && !check_doc(*it, *d, path, err)) { ok = false; return; }
            }
            path.resize(len);
        });
        return ok;
    }
    return true;
}

}  // namespace json_detail

/// Appends `/token` to the JSON Pointer `path`, escaping `~` and `/` (RFC
/// 6901 section 3): how decoding errors name a member. Thread-safe.
inline void append_pointer_token(std::string& path, std::string_view token) { json_detail::append_token(path, token); }

/// A JSON value as an error message quotes it: its type, and for scalars
/// the value itself (at most 40 characters), e.g. `string "x"`. Thread-safe.
inline std::string describe_json_value(const nlohmann::json& j) { return json_detail::describe_value(j); }

/// Decodes `j` into `out`, validating types and `describe` constraints.
/// Unknown object members are ignored. A JSON `null` or a missing member
/// leaves a `std::optional` empty.
/// @return true on success; on failure `err` says where (JSON Pointer) and why.
/// Never throws except `std::bad_alloc` (or `std::regex_error` for an invalid
/// `pattern` in a `describe` trait).
template <class T>
bool decode(const nlohmann::json& j, T& out, decode_error& err) {
    std::string path;
    return json_detail::decode_at(j, out, path, err);
}

}  // namespace polymcp

#if POLYMCP_HEADER_ONLY
#include <polymcp/json/impl/decode.ipp>
#endif

#endif
