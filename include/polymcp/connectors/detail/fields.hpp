#ifndef POLYMCP_CONNECTORS_DETAIL_FIELDS_HPP
#define POLYMCP_CONNECTORS_DETAIL_FIELDS_HPP

// Reading request bodies and stored records field by field, with errors that
// name the field (connector_error, errc::invalid_request).

#include <polymcp/connectors/error.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace polymcp::connectors::detail {

[[noreturn]] inline void bad_field(std::string_view field, std::string_view expected) {
    throw connector_error(errc::invalid_request,
                          "the field '" + std::string(field) + "' must be " + std::string(expected));
}

/// Reads `j[field]` as a string into `out` when present (null counts as
/// absent); its length must be within [min, max] bytes.
inline bool read_string(const nlohmann::json& j, std::string_view field, std::string& out, std::size_t min = 0,
                        std::size_t max = 4096) {
    auto it = j.find(std::string(field));
    if (it == j.end() || it->is_null()) return false;
    if (!it->is_string())
        bad_field(field, "a string");
    const auto& s = it->get_ref<const std::string&>();
    if (s.size() < min || s.size() > max)
        bad_field(field, "a string of " + std::to_string(min) + " to " + std::to_string(max) + " bytes");
    out = s;
    return true;
}

/// As read_string, and the field must be present.
inline void require_string(const nlohmann::json& j, std::string_view field, std::string& out, std::size_t min = 1,
                           std::size_t max = 4096) {
    if (!read_string(j, field, out, min, max)) bad_field(field, "present (a string)");
}

inline bool read_bool(const nlohmann::json& j, std::string_view field, bool& out) {
    auto it = j.find(std::string(field));
    if (it == j.end() || it->is_null()) return false;
    if (!it->is_boolean()) bad_field(field, "true or false");
    out = it->get<bool>();
    return true;
}

/// A stored string field, "" when absent or of another type (records are ours).
inline std::string str(const nlohmann::json& j, const char* field) {
    auto it = j.find(field);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
inline std::int64_t num(const nlohmann::json& j, const char* field) {
    auto it = j.find(field);
    return it != j.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}
inline bool flag(const nlohmann::json& j, const char* field, bool dflt) {
    auto it = j.find(field);
    return it != j.end() && it->is_boolean() ? it->get<bool>() : dflt;
}

/// Rejects members of `j` not in `allowed` (a typo must not pass silently).
inline void only_fields(const nlohmann::json& j, std::initializer_list<std::string_view> allowed) {
    if (!j.is_object()) throw connector_error(errc::invalid_request, "the request body must be a JSON object");
    for (auto it = j.begin(); it != j.end(); ++it) {
        bool ok = false;
        for (auto a : allowed) ok = ok || it.key() == a;
        if (!ok) {
            std::string list;
            for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
            throw connector_error(errc::invalid_request,
                                  "unknown field '" + it.key() + "'; the fields are " + list);
        }
    }
}

}  // namespace polymcp::connectors::detail

#endif
