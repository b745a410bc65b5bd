#ifndef POLYMCP_JSON_IMPL_SCHEMA_IPP
#define POLYMCP_JSON_IMPL_SCHEMA_IPP

// Definitions of the non-template functions declared in polymcp/json/schema.hpp.

#include <polymcp/json/schema.hpp>

namespace polymcp::json_detail {

void apply_doc(nlohmann::json& s, const field_doc& d) {
    if (!d.title.empty()) s["title"] = d.title;
    if (!d.description.empty()) s["description"] = d.description;
    auto number = [](double v) -> nlohmann::json {
        if (v > -9e15 && v < 9e15 && v == static_cast<double>(static_cast<std::int64_t>(v)))
            return static_cast<std::int64_t>(v);
        return v;
    };
    if (d.minimum) s["minimum"] = number(*d.minimum);
    if (d.maximum) s["maximum"] = number(*d.maximum);
    if (d.exclusive_minimum) s["exclusiveMinimum"] = number(*d.exclusive_minimum);
    if (d.exclusive_maximum) s["exclusiveMaximum"] = number(*d.exclusive_maximum);
    if (d.min_length) s["minLength"] = *d.min_length;
    if (d.max_length) s["maxLength"] = *d.max_length;
    if (!d.pattern.empty()) s["pattern"] = d.pattern;
    if (d.min_items) s["minItems"] = *d.min_items;
    if (d.max_items) s["maxItems"] = *d.max_items;
    if (!d.format.empty()) s["format"] = d.format;
    if (!d.default_value.is_null()) s["default"] = d.default_value;
    if (!d.examples.is_null()) s["examples"] = d.examples;
    if (!d.header.empty()) s["x-mcp-header"] = d.header;
}

}  // namespace polymcp::json_detail

#endif
