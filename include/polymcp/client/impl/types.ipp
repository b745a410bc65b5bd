#ifndef POLYMCP_CLIENT_IMPL_TYPES_IPP
#define POLYMCP_CLIENT_IMPL_TYPES_IPP

// Definitions for polymcp/client/types.hpp.

#include <polymcp/client/types.hpp>

namespace polymcp::client {

namespace detail {

[[noreturn]] inline void bad_shape(std::string_view path, std::string_view what) {
    throw client_error(errc::invalid_mcp_server,
                       "the server's answer is not a valid MCP result: " + std::string(path) + " " + std::string(what));
}

inline const json& require_object(const json& j, std::string_view path) {
    if (!j.is_object()) bad_shape(path, "must be an object");
    return j;
}

/// A required string member.
inline std::string req_string(const json& j, const char* key, std::string_view path) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) bad_shape(std::string(path) + "." + key, "must be a string");
    return it->get<std::string>();
}

/// An optional string member: empty when absent or null.
inline std::string opt_string(const json& j, const char* key, std::string_view path) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return {};
    if (!it->is_string()) bad_shape(std::string(path) + "." + key, "must be a string");
    return it->get<std::string>();
}

inline json opt_member(const json& j, const char* key) {
    auto it = j.find(key);
    return it == j.end() ? json() : *it;
}

inline std::vector<icon> icons_from(const json& j, std::string_view path) {
    std::vector<icon> out;
    auto it = j.find("icons");
    if (it == j.end() || it->is_null()) return out;
    if (!it->is_array()) bad_shape(std::string(path) + ".icons", "must be an array");
    for (std::size_t i = 0; i < it->size(); ++i) {
        const json& e = (*it)[i];
        std::string p = std::string(path) + ".icons[" + std::to_string(i) + "]";
        require_object(e, p);
        icon ic;
        ic.src = req_string(e, "src", p);
        ic.mime_type = opt_string(e, "mimeType", p);
        ic.theme = opt_string(e, "theme", p);
        if (auto s = e.find("sizes"); s != e.end() && s->is_array())
            for (const auto& v : *s)
                if (v.is_string()) ic.sizes.push_back(v.get<std::string>());
        out.push_back(std::move(ic));
    }
    return out;
}

inline std::optional<bool> opt_bool(const json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_boolean()) return std::nullopt;
    return it->get<bool>();
}

}  // namespace detail

json elicitation_defaults(const json& requested_schema) {
    json out = json::object();
    if (!requested_schema.is_object()) return out;
    auto props = requested_schema.find("properties");
    if (props == requested_schema.end() || !props->is_object()) return out;
    for (const auto& [name, prop] : props->items())
        if (prop.is_object() && prop.contains("default")) out[name] = prop["default"];
    return out;
}

implementation implementation_from_json(const json& j, std::string_view path) {
    detail::require_object(j, path);
    implementation i;
    i.name = detail::req_string(j, "name", path);
    i.version = detail::req_string(j, "version", path);
    i.title = detail::opt_string(j, "title", path);
    i.description = detail::opt_string(j, "description", path);
    i.website_url = detail::opt_string(j, "websiteUrl", path);
    i.icons = detail::icons_from(j, path);
    return i;
}

initialize_result initialize_result_from_json(const json& j) {
    detail::require_object(j, "result");
    initialize_result r;
    r.protocol_version = detail::req_string(j, "protocolVersion", "result");
    const json& caps = j.contains("capabilities") ? j["capabilities"] : json();
    detail::require_object(caps, "result.capabilities");
    auto& c = r.capabilities;
    c.raw = caps;
    auto has = [&](const char* k) { return caps.contains(k) && caps[k].is_object(); };
    auto sub = [&](const char* k, const char* f) { return has(k) && caps[k].value(f, false) == true; };
    c.tools = has("tools");
    c.tools_list_changed = sub("tools", "listChanged");
    c.resources = has("resources");
    c.resources_subscribe = sub("resources", "subscribe");
    c.resources_list_changed = sub("resources", "listChanged");
    c.prompts = has("prompts");
    c.prompts_list_changed = sub("prompts", "listChanged");
    c.logging = has("logging");
    c.completions = has("completions");
    if (!j.contains("serverInfo")) detail::bad_shape("result.serverInfo", "is missing");
    r.server_info = implementation_from_json(j["serverInfo"], "result.serverInfo");
    r.instructions = detail::opt_string(j, "instructions", "result");
    r.raw = j;
    return r;
}

tool_info tool_info_from_json(const json& j) {
    detail::require_object(j, "tool");
    tool_info t;
    t.name = detail::req_string(j, "name", "tool");
    std::string path = "tool \"" + t.name + "\"";
    t.title = detail::opt_string(j, "title", path);
    t.description = detail::opt_string(j, "description", path);
    if (!j.contains("inputSchema")) detail::bad_shape(path + ".inputSchema", "is missing");
    t.input_schema = detail::require_object(j["inputSchema"], path + ".inputSchema");
    if (auto o = detail::opt_member(j, "outputSchema"); !o.is_null())
        t.output_schema = detail::require_object(o, path + ".outputSchema");
    if (auto a = j.find("annotations"); a != j.end() && a->is_object()) {
        t.annotations.title = detail::opt_string(*a, "title", path + ".annotations");
        t.annotations.read_only_hint = detail::opt_bool(*a, "readOnlyHint");
        t.annotations.destructive_hint = detail::opt_bool(*a, "destructiveHint");
        t.annotations.idempotent_hint = detail::opt_bool(*a, "idempotentHint");
        t.annotations.open_world_hint = detail::opt_bool(*a, "openWorldHint");
    }
    t.icons = detail::icons_from(j, path);
    t.meta = detail::opt_member(j, "_meta");
    t.raw = j;
    return t;
}

std::optional<content_block> content_block_from_json(const json& j, std::string_view path) {
    detail::require_object(j, path);
    std::string type = detail::req_string(j, "type", path);
    json ann = detail::opt_member(j, "annotations");
    json meta = detail::opt_member(j, "_meta");
    if (type == "text") return text_content{detail::req_string(j, "text", path), ann, meta};
    if (type == "image")
        return image_content{detail::req_string(j, "data", path), detail::req_string(j, "mimeType", path), ann, meta};
    if (type == "audio")
        return audio_content{detail::req_string(j, "data", path), detail::req_string(j, "mimeType", path), ann, meta};
    if (type == "resource_link") {
        resource_link l;
        l.uri = detail::req_string(j, "uri", path);
        l.name = detail::req_string(j, "name", path);
        l.title = detail::opt_string(j, "title", path);
        l.description = detail::opt_string(j, "description", path);
        l.mime_type = detail::opt_string(j, "mimeType", path);
        if (auto s = j.find("size"); s != j.end() && s->is_number_unsigned()) l.size = s->get<std::uint64_t>();
        l.annotations = ann;
        l.meta = meta;
        return l;
    }
    if (type == "resource") {
        std::string rp = std::string(path) + ".resource";
        if (!j.contains("resource")) detail::bad_shape(rp, "is missing");
        const json& r = detail::require_object(j["resource"], rp);
        embedded_resource e;
        e.uri = detail::req_string(r, "uri", rp);
        e.mime_type = detail::opt_string(r, "mimeType", rp);
        if (r.contains("text")) e.text = detail::req_string(r, "text", rp);
        else if (r.contains("blob")) e.blob = detail::req_string(r, "blob", rp);
        else detail::bad_shape(rp, "must have \"text\" or \"blob\"");
        e.annotations = ann;
        e.meta = meta;
        return e;
    }
    return std::nullopt;
}

call_tool_result call_tool_result_from_json(const json& j) {
    detail::require_object(j, "result");
    call_tool_result r;
    auto c = j.find("content");
    if (c == j.end() || !c->is_array()) detail::bad_shape("result.content", "must be an array");
    for (std::size_t i = 0; i < c->size(); ++i)
        if (auto b = content_block_from_json((*c)[i], "result.content[" + std::to_string(i) + "]"))
            r.content.push_back(std::move(*b));
    if (auto s = detail::opt_member(j, "structuredContent"); !s.is_null())
        r.structured_content = detail::require_object(s, "result.structuredContent");
    if (auto e = j.find("isError"); e != j.end() && !e->is_null()) {
        if (!e->is_boolean()) detail::bad_shape("result.isError", "must be a boolean");
        r.is_error = e->get<bool>();
    }
    r.meta = detail::opt_member(j, "_meta");
    r.raw = j;
    return r;
}

resource_info resource_info_from_json(const json& j) {
    detail::require_object(j, "resource");
    resource_info r;
    r.uri = detail::req_string(j, "uri", "resource");
    std::string path = "resource \"" + r.uri + "\"";
    r.name = detail::req_string(j, "name", path);
    r.title = detail::opt_string(j, "title", path);
    r.description = detail::opt_string(j, "description", path);
    r.mime_type = detail::opt_string(j, "mimeType", path);
    if (auto s = j.find("size"); s != j.end() && s->is_number_unsigned()) r.size = s->get<std::uint64_t>();
    r.annotations = detail::opt_member(j, "annotations");
    r.icons = detail::icons_from(j, path);
    r.meta = detail::opt_member(j, "_meta");
    r.raw = j;
    return r;
}

resource_template_info resource_template_info_from_json(const json& j) {
    detail::require_object(j, "resourceTemplate");
    resource_template_info r;
    r.uri_template = detail::req_string(j, "uriTemplate", "resourceTemplate");
    std::string path = "resource template \"" + r.uri_template + "\"";
    r.name = detail::req_string(j, "name", path);
    r.title = detail::opt_string(j, "title", path);
    r.description = detail::opt_string(j, "description", path);
    r.mime_type = detail::opt_string(j, "mimeType", path);
    r.annotations = detail::opt_member(j, "annotations");
    r.icons = detail::icons_from(j, path);
    r.meta = detail::opt_member(j, "_meta");
    r.raw = j;
    return r;
}

read_resource_result read_resource_result_from_json(const json& j) {
    detail::require_object(j, "result");
    read_resource_result r;
    auto c = j.find("contents");
    if (c == j.end() || !c->is_array()) detail::bad_shape("result.contents", "must be an array");
    for (std::size_t i = 0; i < c->size(); ++i) {
        std::string p = "result.contents[" + std::to_string(i) + "]";
        const json& e = detail::require_object((*c)[i], p);
        resource_contents rc;
        rc.uri = detail::req_string(e, "uri", p);
        rc.mime_type = detail::opt_string(e, "mimeType", p);
        if (e.contains("text")) rc.text = detail::req_string(e, "text", p);
        else if (e.contains("blob")) rc.blob = detail::req_string(e, "blob", p);
        else detail::bad_shape(p, "must have \"text\" or \"blob\"");
        rc.meta = detail::opt_member(e, "_meta");
        r.contents.push_back(std::move(rc));
    }
    r.raw = j;
    return r;
}

prompt_info prompt_info_from_json(const json& j) {
    detail::require_object(j, "prompt");
    prompt_info p;
    p.name = detail::req_string(j, "name", "prompt");
    std::string path = "prompt \"" + p.name + "\"";
    p.title = detail::opt_string(j, "title", path);
    p.description = detail::opt_string(j, "description", path);
    if (auto a = j.find("arguments"); a != j.end() && !a->is_null()) {
        if (!a->is_array()) detail::bad_shape(path + ".arguments", "must be an array");
        for (std::size_t i = 0; i < a->size(); ++i) {
            std::string ap = path + ".arguments[" + std::to_string(i) + "]";
            const json& e = detail::require_object((*a)[i], ap);
            prompt_argument_info arg;
            arg.name = detail::req_string(e, "name", ap);
            arg.title = detail::opt_string(e, "title", ap);
            arg.description = detail::opt_string(e, "description", ap);
            arg.required = detail::opt_bool(e, "required").value_or(false);
            p.arguments.push_back(std::move(arg));
        }
    }
    p.icons = detail::icons_from(j, path);
    p.meta = detail::opt_member(j, "_meta");
    p.raw = j;
    return p;
}

get_prompt_result get_prompt_result_from_json(const json& j) {
    detail::require_object(j, "result");
    get_prompt_result r;
    r.description = detail::opt_string(j, "description", "result");
    auto m = j.find("messages");
    if (m == j.end() || !m->is_array()) detail::bad_shape("result.messages", "must be an array");
    for (std::size_t i = 0; i < m->size(); ++i) {
        std::string p = "result.messages[" + std::to_string(i) + "]";
        const json& e = detail::require_object((*m)[i], p);
        std::string role = detail::req_string(e, "role", p);
        if (!e.contains("content")) detail::bad_shape(p + ".content", "is missing");
        if (auto b = content_block_from_json(e["content"], p + ".content"))
            r.messages.push_back({std::move(role), std::move(*b)});
    }
    r.raw = j;
    return r;
}

complete_result complete_result_from_json(const json& j) {
    detail::require_object(j, "result");
    auto c = j.find("completion");
    if (c == j.end()) detail::bad_shape("result.completion", "is missing");
    detail::require_object(*c, "result.completion");
    complete_result r;
    auto v = c->find("values");
    if (v == c->end() || !v->is_array()) detail::bad_shape("result.completion.values", "must be an array");
    for (const auto& s : *v) {
        if (!s.is_string()) detail::bad_shape("result.completion.values", "must hold strings");
        r.values.push_back(s.get<std::string>());
    }
    if (auto t = c->find("total"); t != c->end() && t->is_number_unsigned()) r.total = t->get<std::uint64_t>();
    r.has_more = detail::opt_bool(*c, "hasMore").value_or(false);
    r.raw = j;
    return r;
}

}  // namespace polymcp::client

#endif
