#ifndef POLYMCP_PROTOCOL_IMPL_HEADER_PARAMS_IPP
#define POLYMCP_PROTOCOL_IMPL_HEADER_PARAMS_IPP

// Definitions of the functions declared in polymcp/protocol/header_params.hpp.

#include <polymcp/protocol/header_params.hpp>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <set>
#include <stdexcept>

namespace polymcp {

namespace protocol_detail {

// RFC 9110 section 5.6.2: token = 1*tchar.
inline bool is_token(std::string_view s) noexcept {
    if (s.empty()) return false;
    for (unsigned char c : s) {
        if (std::isalnum(c)) continue;
        if (std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) == std::string_view::npos) return false;
    }
    return true;
}

inline std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

inline std::string pointer(const std::vector<std::string>& path) {
    std::string p;
    for (const auto& k : path) p += "/properties/" + k;
    return p.empty() ? "/" : p;
}

// Counts every `x-mcp-header` keyword in a schema, wherever it is; values of
// keywords that hold instances (const, enum, default, examples) are not
// schemas and are skipped, and the keys of `properties` are names, not keywords.
inline std::size_t count_annotations(const nlohmann::json& schema) {
    std::size_t n = 0;
    if (schema.is_array()) {
        for (const auto& v : schema) n += count_annotations(v);
        return n;
    }
    if (!schema.is_object()) return 0;
    for (auto it = schema.begin(); it != schema.end(); ++it) {
        const auto& k = it.key();
        if (k == "x-mcp-header") ++n;
        else if (k == "const" || k == "enum" || k == "default" || k == "examples") continue;
        else if ((k == "properties" || k == "patternProperties" || k == "$defs" || k == "definitions" ||
                  k == "dependentSchemas") &&
                 it->is_object()) {
            for (const auto& v : *it) n += count_annotations(v);
        } else {
            n += count_annotations(*it);
        }
    }
    return n;
}

inline bool permitted_type(const nlohmann::json& t, std::string& type) {
    auto ok = [](const std::string& s) { return s == "string" || s == "integer" || s == "boolean"; };
    if (t.is_string()) {
        type = t.get<std::string>();
        return ok(type);
    }
    if (!t.is_array()) return false;
    // ["string", "null"]: an optional primitive.
    std::string found;
    for (const auto& e : t) {
        if (!e.is_string()) return false;
        auto s = e.get<std::string>();
        if (s == "null") continue;
        if (!found.empty() || !ok(s)) return false;
        found = s;
    }
    type = found;
    return !found.empty();
}

inline bool collect(const nlohmann::json& schema, std::vector<std::string>& path, std::vector<header_param>& out,
                    std::set<std::string>& seen, std::string& error) {
    auto props = schema.find("properties");
    if (props == schema.end() || !props->is_object()) return true;
    for (auto it = props->begin(); it != props->end(); ++it) {
        if (!it->is_object()) continue;
        path.push_back(it.key());
        if (auto a = it->find("x-mcp-header"); a != it->end()) {
            if (!a->is_string() || !is_token(a->get_ref<const std::string&>())) {
                error = "x-mcp-header at " + pointer(path) + " must be a non-empty HTTP token (RFC 9110 tchar), got " +
                        a->dump();
                return false;
            }
            const auto& name = a->get_ref<const std::string&>();
            if (!seen.insert(lower(name)).second) {
                error = "x-mcp-header '" + name + "' at " + pointer(path) +
                        " is used twice (names are unique case-insensitively)";
                return false;
            }
            std::string type;
            if (!permitted_type(it->value("type", nlohmann::json()), type)) {
                error = "x-mcp-header '" + name + "' at " + pointer(path) +
                        " is on a parameter whose type is not string, integer or boolean";
                return false;
            }
            out.push_back({name, path, type});
        }
        if (!collect(*it, path, out, seen, error)) return false;
        path.pop_back();
    }
    return true;
}

inline const nlohmann::json* at(const nlohmann::json& arguments, const std::vector<std::string>& path) {
    const nlohmann::json* v = &arguments;
    for (const auto& k : path) {
        if (!v->is_object()) return nullptr;
        auto it = v->find(k);
        if (it == v->end()) return nullptr;
        v = &*it;
    }
    return v;
}

inline std::optional<double> number(std::string_view s) {
    if (s.empty() || std::isspace(static_cast<unsigned char>(s.front()))) return std::nullopt;
    std::string copy(s);
    errno = 0;
    char* end = nullptr;
    double d = std::strtod(copy.c_str(), &end);
    if (errno != 0 || end != copy.c_str() + copy.size() || !std::isfinite(d)) return std::nullopt;
    return d;
}

}  // namespace protocol_detail

bool header_params_of(const nlohmann::json& input_schema, std::vector<header_param>& out, std::string& error) {
    using namespace protocol_detail;
    out.clear();
    error.clear();
    if (!input_schema.is_object()) return true;
    std::vector<std::string> path;
    std::set<std::string> seen;
    if (!collect(input_schema, path, out, seen, error)) return false;
    if (count_annotations(input_schema) != out.size()) {
        error = "x-mcp-header is only allowed on a property reachable from the schema root through properties "
                "(not inside items, allOf/anyOf/oneOf/not, if/then/else, $ref or $defs)";
        return false;
    }
    return true;
}

std::vector<header_param> header_params_of(const nlohmann::json& input_schema) {
    std::vector<header_param> out;
    std::string error;
    if (!header_params_of(input_schema, out, error)) throw std::invalid_argument(error);
    return out;
}

std::optional<std::string> header_param_text(const header_param& p, const nlohmann::json& arguments) {
    const auto* v = protocol_detail::at(arguments, p.path);
    if (!v || v->is_null()) return std::nullopt;
    if (v->is_string()) return v->get<std::string>();
    if (v->is_boolean()) return v->get<bool>() ? "true" : "false";
    if (v->is_number()) return v->dump();
    return std::nullopt;
}

std::optional<std::string> param_header_mismatch(const std::vector<header_param>& params,
                                                 const nlohmann::json& arguments,
                                                 const received_param_headers& headers) {
    using namespace protocol_detail;
    for (const auto& p : params) {
        const std::string header = "Mcp-Param-" + p.name;
        auto body = header_param_text(p, arguments);
        auto h = headers.find(lower(p.name));
        if (!body) {
            if (h != headers.end())
                return "Header mismatch: the " + header + " header is present but the body has no value for the parameter '" +
                       p.path.back() + "'";
            continue;
        }
        if (h == headers.end())
            return "Header mismatch: the " + header + " header is required: the body has a value for the parameter '" +
                   p.path.back() + "' (x-mcp-header)";
        if (!h->second.value)
            return "Header mismatch: the " + header + " header value '" + h->second.raw +
                   "' is not valid =?base64?...?= text (standard Base64 alphabet with '=' padding)";
        const auto& got = *h->second.value;
        bool same = got == *body;
        if (!same) {
            const auto* v = at(arguments, p.path);
            if (v && v->is_number()) {
                auto a = number(got), b = number(*body);
                same = a && b && *a == *b;
            }
        }
        if (!same)
            return "Header mismatch: " + header + " header value '" + h->second.raw + "' does not match body value '" +
                   *body + "'";
    }
    return std::nullopt;
}

}  // namespace polymcp

#endif
