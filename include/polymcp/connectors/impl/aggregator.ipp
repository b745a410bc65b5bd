#ifndef POLYMCP_CONNECTORS_IMPL_AGGREGATOR_IPP
#define POLYMCP_CONNECTORS_IMPL_AGGREGATOR_IPP

// Definitions for polymcp/connectors/aggregator.hpp.

#include <polymcp/connectors/aggregator.hpp>

#include <openssl/evp.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace polymcp::connectors {

namespace detail {
inline std::string short_hash(const std::string& connector_id, const std::string& tool) {
    std::string in = connector_id + '\n' + tool;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(in.data(), in.size(), md, &n, EVP_sha256(), nullptr);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (int i = 0; i < 4; ++i) {
        out += hex[md[i] >> 4];
        out += hex[md[i] & 15];
    }
    return out;
}

// `base` shortened to leave room for "_" + suffix within `max`.
inline std::string with_suffix(const std::string& base, const std::string& suffix, std::size_t max) {
    std::size_t keep = max > suffix.size() + 1 ? max - suffix.size() - 1 : 0;
    return base.substr(0, std::min(base.size(), keep)) + "_" + suffix;
}
}  // namespace detail

const aggregated_tool* aggregation::find(std::string_view name) const noexcept {
    auto it = std::lower_bound(tools.begin(), tools.end(), name,
                               [](const aggregated_tool& t, std::string_view n) { return t.name < n; });
    return it != tools.end() && it->name == name ? &*it : nullptr;
}

std::string sanitize_name(std::string_view s) {
    std::string out;
    for (char c : s) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        out.push_back(ok ? c : '_');
    }
    return out.empty() ? "_" : out;
}

nlohmann::json normalize_schema(nlohmann::json schema) {
    if (!schema.is_object() || (schema.contains("type") && schema["type"] != "object"))
        return {{"type", "object"}, {"properties", nlohmann::json::object()}};
    schema["type"] = "object";
    if (!schema.contains("properties") || !schema["properties"].is_object()) schema["properties"] = nlohmann::json::object();
    if (auto r = schema.find("required"); r != schema.end()) {
        nlohmann::json kept = nlohmann::json::array();
        if (r->is_array())
            for (const auto& n : *r)
                if (n.is_string() && schema["properties"].contains(n.get<std::string>())) kept.push_back(n);
        if (kept.empty()) schema.erase("required");
        else schema["required"] = std::move(kept);
    }
    return schema;
}

aggregation aggregate(const std::vector<connection_state>& connected, const aggregation_options& o) {
    struct candidate {
        const connection_state* conn;
        const nlohmann::json* tool;
        std::string tool_name;
    };
    std::vector<candidate> all;
    for (const auto& c : connected) {
        if (c.status != connection_status::connected || !c.tools.is_array()) continue;
        for (const auto& t : c.tools)
            if (t.is_object() && t.contains("name") && t["name"].is_string())
                all.push_back({&c, &t, t["name"].get<std::string>()});
    }
    std::sort(all.begin(), all.end(), [](const candidate& a, const candidate& b) {
        return std::tie(a.conn->name, a.conn->connector_id, a.tool_name) <
               std::tie(b.conn->name, b.conn->connector_id, b.tool_name);
    });
    aggregation out;
    std::map<std::string, const candidate*> taken;
    for (const auto& c : all) {
        std::string base = sanitize_name(c.conn->name) + o.separator + sanitize_name(c.tool_name);
        const std::string hash = detail::short_hash(c.conn->connector_id, c.tool_name);
        std::string name = base.size() > o.max_name_length ? detail::with_suffix(base, hash, o.max_name_length) : base;
        if (auto clash = taken.find(name); clash != taken.end()) {
            std::string renamed = detail::with_suffix(base, hash, o.max_name_length);
            for (int n = 2; taken.count(renamed); ++n)  // a hash clash too: count on
                renamed = detail::with_suffix(base, hash + std::to_string(n), o.max_name_length);
            out.collisions.push_back("the tool '" + c.tool_name + "' of connector '" + c.conn->name + "' (" +
                                     c.conn->connector_id + ") is listed as '" + renamed + "': '" + name +
                                     "' is the tool '" + clash->second->tool_name + "' of connector '" +
                                     clash->second->conn->name + "' (" + clash->second->conn->connector_id + ")");
            name = renamed;
        }
        taken.emplace(name, &c);
        aggregated_tool t;
        t.name = name;
        t.connector_id = c.conn->connector_id;
        t.connector_name = c.conn->name;
        t.tool_name = c.tool_name;
        t.descriptor = *c.tool;
        t.descriptor["name"] = name;
        if (o.normalize_schemas) t.descriptor["inputSchema"] = normalize_schema(t.descriptor.value("inputSchema", nlohmann::json()));
        out.tools.push_back(std::move(t));
    }
    std::sort(out.tools.begin(), out.tools.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return out;
}

}  // namespace polymcp::connectors

#endif
