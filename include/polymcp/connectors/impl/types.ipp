#ifndef POLYMCP_CONNECTORS_IMPL_TYPES_IPP
#define POLYMCP_CONNECTORS_IMPL_TYPES_IPP

// Definitions for polymcp/connectors/types.hpp.

#include <polymcp/connectors/detail/fields.hpp>
#include <polymcp/connectors/types.hpp>
#include <polymcp/core/random.hpp>

#include <chrono>

namespace polymcp::connectors {

std::string_view to_string(transport_kind t) noexcept {
    switch (t) {
        case transport_kind::stdio: return "stdio";
        case transport_kind::sse: return "sse";
        case transport_kind::streamable_http: return "streamable_http";
    }
    return "streamable_http";
}

std::optional<transport_kind> parse_transport(std::string_view s) noexcept {
    if (s == "stdio") return transport_kind::stdio;
    if (s == "sse") return transport_kind::sse;
    if (s == "streamable_http" || s == "streamable-http" || s == "http") return transport_kind::streamable_http;
    return std::nullopt;
}

json endpoint::to_json() const {
    json j = {{"transport", to_string(transport)}};
    if (transport == transport_kind::stdio) {
        j["command"] = command;
        j["args"] = args;
        j["env"] = env;
    } else {
        j["url"] = url;
        j["headers"] = headers;
        json q = json::array();
        for (const auto& [k, v] : query) q.push_back(json::array({k, v}));
        j["query"] = std::move(q);
    }
    return j;
}

endpoint endpoint::from_json(const json& j) {
    using detail::bad_field;
    if (!j.is_object()) throw connector_error(errc::invalid_request, "the server description must be a JSON object");
    endpoint e;
    std::string t = "streamable_http";
    detail::read_string(j, "transport", t, 1, 32);
    auto kind = parse_transport(t);
    if (!kind) bad_field("transport", "\"stdio\", \"sse\" or \"streamable_http\"");
    e.transport = *kind;
    auto string_map = [&](const char* field, std::map<std::string, std::string>& out) {
        auto it = j.find(field);
        if (it == j.end() || it->is_null()) return;
        if (!it->is_object()) bad_field(field, "an object of strings");
        for (auto m = it->begin(); m != it->end(); ++m) {
            if (!m->is_string()) bad_field(std::string(field) + "." + m.key(), "a string");
            if (m.key().empty()) bad_field(field, "an object with non-empty names");
            out[m.key()] = m->get<std::string>();
        }
    };
    if (e.transport == transport_kind::stdio) {
        detail::require_string(j, "command", e.command, 1, 4096);
        if (auto a = j.find("args"); a != j.end() && !a->is_null()) {
            if (!a->is_array()) bad_field("args", "an array of strings");
            for (const auto& s : *a) {
                if (!s.is_string()) bad_field("args", "an array of strings");
                e.args.push_back(s.get<std::string>());
            }
        }
        string_map("env", e.env);
    } else {
        detail::require_string(j, "url", e.url, 1, 8192);
        string_map("headers", e.headers);
        for (const auto& [name, value] : e.headers) {
            if (name.find_first_of(":\r\n") != std::string::npos || value.find_first_of("\r\n") != std::string::npos)
                bad_field("headers", "header names without ':' and values without line breaks");
        }
        if (auto q = j.find("query"); q != j.end() && !q->is_null()) {
            if (q->is_object()) {
                for (auto m = q->begin(); m != q->end(); ++m) {
                    if (!m->is_string()) bad_field("query." + m.key(), "a string");
                    e.query.emplace_back(m.key(), m->get<std::string>());
                }
            } else if (q->is_array()) {
                for (const auto& p : *q) {
                    if (!p.is_array() || p.size() != 2 || !p[0].is_string() || !p[1].is_string())
                        bad_field("query", "an object of strings or an array of [name, value] string pairs");
                    e.query.emplace_back(p[0].get<std::string>(), p[1].get<std::string>());
                }
            } else {
                bad_field("query", "an object of strings or an array of [name, value] string pairs");
            }
        }
    }
    return e;
}

caller caller::of(const auth::principal& p, std::string_view admin_scope) {
    return caller{p.tenant, p.subject, !admin_scope.empty() && p.has_scope(admin_scope)};
}

json server_record::to_json() const {
    json j = {{"id", id},
              {"name", name},
              {"description", description},
              {"requires_oauth", requires_oauth},
              {"tenant", tenant},
              {"owner", owner},
              {"public", is_public},
              {"enabled", enabled},
              {"category_id", category_id.empty() ? json() : json(category_id)},
              {"created_at", created_at},
              {"updated_at", updated_at}};
    j.update(server.to_json());
    return j;
}

server_record server_record::from_record(const storage::record& r) {
    const auto& d = r.data;
    server_record s;
    s.id = r.id;
    s.name = detail::str(d, "name");
    s.description = detail::str(d, "description");
    s.server = endpoint::from_json(d);
    s.requires_oauth = detail::flag(d, "requires_oauth", false);
    s.tenant = detail::str(d, "tenant");
    s.owner = detail::str(d, "owner");
    s.is_public = detail::flag(d, "public", false);
    s.enabled = detail::flag(d, "enabled", true);
    s.category_id = detail::str(d, "category_id");
    s.created_at = detail::num(d, "created_at");
    s.updated_at = detail::num(d, "updated_at");
    s.version = r.version;
    return s;
}

json category::to_json() const {
    return {{"id", id},         {"name", name},           {"icon", icon},          {"color", color},
            {"description", description}, {"created_at", created_at}, {"updated_at", updated_at}};
}

category category::from_record(const storage::record& r) {
    const auto& d = r.data;
    category c;
    c.id = r.id;
    c.name = detail::str(d, "name");
    c.icon = detail::str(d, "icon");
    c.color = detail::str(d, "color");
    c.description = detail::str(d, "description");
    c.created_at = detail::num(d, "created_at");
    c.updated_at = detail::num(d, "updated_at");
    c.version = r.version;
    return c;
}

json connector::to_json() const {
    json j = {{"id", id},
              {"tenant", tenant},
              {"user", user},
              {"name", name},
              {"description", description},
              {"server_id", server_id.empty() ? json() : json(server_id)},
              {"auth_type", auth_type},
              {"enabled", enabled},
              {"tools", tools},
              {"server_info", server_info},
              {"protocol_version", protocol_version},
              {"created_at", created_at},
              {"updated_at", updated_at}};
    j.update(server.to_json());
    return j;
}

connector connector::from_record(const storage::record& r) {
    const auto& d = r.data;
    connector c;
    c.id = r.id;
    c.tenant = detail::str(d, "tenant");
    c.user = detail::str(d, "user");
    c.name = detail::str(d, "name");
    c.description = detail::str(d, "description");
    c.server_id = detail::str(d, "server_id");
    c.server = endpoint::from_json(d);
    c.auth_type = detail::str(d, "auth_type");
    c.enabled = detail::flag(d, "enabled", true);
    if (auto t = d.find("tools"); t != d.end() && t->is_array()) c.tools = *t;
    if (auto s = d.find("server_info"); s != d.end()) c.server_info = *s;
    c.protocol_version = detail::str(d, "protocol_version");
    c.created_at = detail::num(d, "created_at");
    c.updated_at = detail::num(d, "updated_at");
    c.version = r.version;
    return c;
}

json validation_result::to_json() const {
    json j = {{"success", success}, {"elapsed_ms", elapsed_ms}};
    if (success) {
        j["server_info"] = server_info;
        j["protocol_version"] = protocol_version;
        j["tools"] = tools;
        if (!note.empty()) j["note"] = note;
    } else {
        j["error"] = code_name(error);
        j["message"] = message;
        if (upstream_status) j["status"] = upstream_status;
        if (!resource_metadata.empty()) j["resource_metadata"] = resource_metadata;
        if (!scope.empty()) j["scope"] = scope;
        if (!protected_resource.is_null()) j["protected_resource"] = protected_resource;
    }
    return j;
}

validation_result validation_result::failure(const connector_error& e, std::int64_t elapsed_ms) {
    validation_result r;
    r.success = false;
    r.error = e.value();
    r.message = e.what();
    r.upstream_status = e.upstream_status;
    r.resource_metadata = e.resource_metadata;
    r.scope = e.scope;
    r.elapsed_ms = elapsed_ms;
    return r;
}

std::string make_id(std::string_view prefix) { return std::string(prefix) + random_hex_id(8); }

std::int64_t unix_now() noexcept {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace polymcp::connectors

#endif
