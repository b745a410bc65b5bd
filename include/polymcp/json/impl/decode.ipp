#ifndef POLYMCP_JSON_IMPL_DECODE_IPP
#define POLYMCP_JSON_IMPL_DECODE_IPP

// Definitions of the non-template functions declared in polymcp/json/decode.hpp.

#include <polymcp/json/decode.hpp>
#include <cmath>
#include <regex>
#include <unordered_map>

namespace polymcp::json_detail {

std::string describe_value(const nlohmann::json& j) {
    std::string type(type_name(j));
    if (j.is_object() || j.is_array()) return type;
    std::string v = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (v.size() > 40) v = v.substr(0, 37) + "...";
    return type + " " + v;
}

void append_token(std::string& path, std::string_view token) {
    path += '/';
    for (char c : token) {
        if (c == '~') path += "~0";
        else if (c == '/') path += "~1";
        else path += c;
    }
}

std::size_t code_points(const std::string& s) {
    std::size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
}

// Compiled patterns, per thread (std::regex objects are not shared across threads).
inline const std::regex& cached_regex(const std::string& pattern) {
    thread_local std::unordered_map<std::string, std::regex> cache;
    auto it = cache.find(pattern);
    if (it == cache.end()) it = cache.emplace(pattern, std::regex(pattern, std::regex::ECMAScript)).first;
    return it->second;
}

// A bound for an error message: integral values without a fraction.
inline std::string num(double d) {
    nlohmann::json j = d;
    if (d == std::floor(d) && std::abs(d) < 1e15) j = static_cast<std::int64_t>(d);
    return j.dump();
}

bool check_doc(const nlohmann::json& j, const field_doc& d, const std::string& path,
               decode_error& err) {
    auto fail = [&](std::string m) { err = {path, std::move(m)}; return false; };
    if (j.is_number()) {
        double v = j.get<double>();
        if (d.minimum && v < *d.minimum) return fail("expected a number >= " + num(*d.minimum) + ", got " + describe_value(j));
        if (d.maximum && v > *d.maximum) return fail("expected a number <= " + num(*d.maximum) + ", got " + describe_value(j));
        if (d.exclusive_minimum && v <= *d.exclusive_minimum) return fail("expected a number > " + num(*d.exclusive_minimum) + ", got " + describe_value(j));
        if (d.exclusive_maximum && v >= *d.exclusive_maximum) return fail("expected a number < " + num(*d.exclusive_maximum) + ", got " + describe_value(j));
    } else if (j.is_string()) {
        const auto& s = j.get_ref<const std::string&>();
        std::size_t n = code_points(s);
        if (d.min_length && n < *d.min_length) return fail("expected a string of at least " + std::to_string(*d.min_length) + " characters, got " + std::to_string(n));
        if (d.max_length && n > *d.max_length) return fail("expected a string of at most " + std::to_string(*d.max_length) + " characters, got " + std::to_string(n));
        if (!d.pattern.empty() && !std::regex_search(s, cached_regex(d.pattern)))
            return fail("expected a string matching the pattern " + nlohmann::json(d.pattern).dump() + ", got " + describe_value(j));
    } else if (j.is_array()) {
        if (d.min_items && j.size() < *d.min_items) return fail("expected an array of at least " + std::to_string(*d.min_items) + " items, got " + std::to_string(j.size()));
        if (d.max_items && j.size() > *d.max_items) return fail("expected an array of at most " + std::to_string(*d.max_items) + " items, got " + std::to_string(j.size()));
    }
    return true;
}

}  // namespace polymcp::json_detail

#endif
