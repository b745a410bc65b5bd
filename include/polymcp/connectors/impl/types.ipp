#ifndef POLYMCP_CONNECTORS_IMPL_TYPES_IPP
#define POLYMCP_CONNECTORS_IMPL_TYPES_IPP

// Definitions for polymcp/connectors/types.hpp.

#include <polymcp/connectors/detail/fields.hpp>
#include <polymcp/connectors/environment.hpp>
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
        j["credential_env"] = credential_env;
    } else {
        j["url"] = url;
        j["headers"] = headers;
        json q = json::array();
        for (const auto& [k, v] : query) q.push_back(json::array({k, v}));
        j["query"] = std::move(q);
    }
    return j;
}

namespace detail {

// The scheme and authority of an absolute URL without its userinfo
// ("https://h:8443/a?b" gives "https://h:8443"), or "" when there is none.
inline std::string url_origin(const std::string& url) {
    auto scheme = url.find("://");
    if (scheme == std::string::npos) return {};
    auto end = url.find_first_of("/?#\\", scheme + 3);
    std::string authority = url.substr(scheme + 3, end == std::string::npos ? std::string::npos : end - scheme - 3);
    if (auto at = authority.rfind('@'); at != std::string::npos) authority = authority.substr(at + 1);
    return url.substr(0, scheme + 3) + authority;
}

inline bool contains_ci(std::string_view hay, std::string_view needle) {
    if (needle.size() > hay.size()) return false;
    for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
        bool eq = true;
        for (std::size_t k = 0; k < needle.size() && eq; ++k) {
            char a = hay[i + k];
            if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
            eq = a == needle[k];
        }
        if (eq) return true;
    }
    return false;
}

inline bool has_nul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

}  // namespace detail

std::string secret_field_refusal(std::string_view name) {
    static constexpr std::string_view words[] = {"authorization", "cookie", "key",     "token",      "secret",
                                                 "passw",         "auth",   "session", "credential", "signature"};
    for (auto w : words)
        if (detail::contains_ci(name, w))
            return "'" + std::string(name) +
                   "' carries a credential; credentials belong in the sealed auth_config (e.g. {\"type\": \"api_key\", "
                   "\"header\": \"" + std::string(name) + "\", \"key\": ...}), which no API returns";
    return {};
}

std::string_view first_endpoint_member(const json& body) {
    if (body.is_object())
        for (auto k : endpoint_members)
            if (body.contains(k)) return k;
    return {};
}

bool merge_endpoint_members(json& endpoint_json, const json& patch) {
    bool any = false;
    if (patch.is_object())
        for (auto k : endpoint_members)
            if (auto it = patch.find(k); it != patch.end()) {
                endpoint_json[std::string(k)] = *it;
                any = true;
            }
    return any;
}

json endpoint::to_public_json() const {
    json j = {{"transport", to_string(transport)}};
    if (transport == transport_kind::stdio) {
        j["command"] = command;
        j["credential_env"] = credential_env;
    } else {
        j["url"] = detail::url_origin(url);
    }
    return j;
}

namespace detail {
inline endpoint parse_endpoint(const json& j, bool strict);
}

endpoint endpoint::from_json(const json& j) { return detail::parse_endpoint(j, true); }
endpoint endpoint::from_stored(const json& j) { return detail::parse_endpoint(j, false); }

inline endpoint detail::parse_endpoint(const json& j, bool strict) {
    using detail::bad_field;
    using detail::has_nul;
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
            if (has_nul(m.key()) || has_nul(m->get_ref<const std::string&>()))
                bad_field(field, "an object of strings without NUL bytes");
            out[m.key()] = m->get<std::string>();
        }
    };
    auto string_list = [&](const char* field, std::vector<std::string>& out) {
        auto a = j.find(field);
        if (a == j.end() || a->is_null()) return;
        if (!a->is_array()) bad_field(field, "an array of strings");
        for (const auto& s : *a) {
            if (!s.is_string() || has_nul(s.get_ref<const std::string&>()))
                bad_field(field, "an array of strings without NUL bytes");
            out.push_back(s.get<std::string>());
        }
    };
    if (e.transport == transport_kind::stdio) {
        detail::require_string(j, "command", e.command, 1, 4096);
        if (has_nul(e.command)) bad_field("command", "a program without NUL bytes");
        string_list("args", e.args);
        string_map("env", e.env);
        for (const auto& [name, value] : e.env)
            if (!valid_env_name(name))
                bad_field("env." + name, "named by 1 to 128 characters of A-Z a-z 0-9 _, not starting with a digit");
        string_list("credential_env", e.credential_env);
        for (const auto& name : e.credential_env) {
            if (!strict) break;
            if (auto why = credential_env_refusal(name); !why.empty())
                throw connector_error(errc::invalid_request,
                                      "the field 'credential_env' cannot name '" + name + "': " + why);
            if (e.env.count(name))
                throw connector_error(errc::invalid_request, "the field 'credential_env' names '" + name +
                                                                 "', which 'env' sets already; a variable is one or the other");
        }
    } else {
        detail::require_string(j, "url", e.url, 1, 8192);
        if (has_nul(e.url)) bad_field("url", "a URL without NUL bytes");
        const auto scheme = e.url.find("://");
        if (strict && scheme != std::string::npos) {
            const auto end = e.url.find_first_of("/?#\\", scheme + 3);
            const auto authority = e.url.substr(scheme + 3, end == std::string::npos ? std::string::npos : end - scheme - 3);
            if (authority.find('@') != std::string::npos)
                throw connector_error(errc::invalid_request,
                                      "the field 'url' carries a user name or password; credentials belong in the sealed "
                                      "auth_config (e.g. {\"type\": \"bearer\", \"token\": ...}), which no API returns");
            if (auto q = e.url.find('?', scheme); q != std::string::npos) {
                std::string rest = e.url.substr(q + 1, e.url.find('#', q) == std::string::npos ? std::string::npos
                                                                                               : e.url.find('#', q) - q - 1);
                std::size_t i = 0;
                while (i <= rest.size()) {
                    auto amp = rest.find('&', i);
                    if (amp == std::string::npos) amp = rest.size();
                    auto name = rest.substr(i, std::min(amp, rest.find('=', i)) - i);
                    if (auto why = secret_field_refusal(name); !why.empty() && !name.empty())
                        throw connector_error(errc::invalid_request, "the query of the field 'url': " + why);
                    i = amp + 1;
                }
            }
        }
        string_map("headers", e.headers);
        for (const auto& [name, value] : e.headers) {
            if (name.find_first_of(":\r\n \t") != std::string::npos || value.find_first_of("\r\n") != std::string::npos)
                bad_field("headers", "header names without ':' or white space and values without line breaks");
            if (!strict) continue;
            if (detail::reserved_header(name))
                    throw connector_error(errc::invalid_request, "the header '" + name +
                                                                     "' is set by the gateway itself (HTTP framing or MCP); "
                                                                     "remove it from 'headers'");
            if (auto why = secret_field_refusal(name); !why.empty())
                throw connector_error(errc::invalid_request, "the field 'headers': " + why);
        }
        auto query_pair = [&](const std::string& name, const std::string& value) {
            if (has_nul(name) || has_nul(value)) bad_field("query", "names and values without NUL bytes");
            if (auto why = secret_field_refusal(name); strict && !why.empty())
                throw connector_error(errc::invalid_request, "the field 'query': " + why);
            e.query.emplace_back(name, value);
        };
        if (auto q = j.find("query"); q != j.end() && !q->is_null()) {
            if (q->is_object()) {
                for (auto m = q->begin(); m != q->end(); ++m) {
                    if (!m->is_string()) bad_field("query." + m.key(), "a string");
                    query_pair(m.key(), m->get<std::string>());
                }
            } else if (q->is_array()) {
                for (const auto& p : *q) {
                    if (!p.is_array() || p.size() != 2 || !p[0].is_string() || !p[1].is_string())
                        bad_field("query", "an object of strings or an array of [name, value] string pairs");
                    query_pair(p[0].get<std::string>(), p[1].get<std::string>());
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

json server_record::to_json(bool full) const {
    json j = {{"id", id},
              {"name", name},
              {"description", description},
              {"requires_oauth", requires_oauth},
              {"tenant", tenant},
              {"owner", owner},
              {"public", is_public},
              {"enabled", enabled},
              {"category_id", category_id.empty() ? json() : json(category_id)},
              {"auth_type", auth_type},
              {"created_at", created_at},
              {"updated_at", updated_at}};
    j.update(full ? server.to_json() : server.to_public_json());
    return j;
}

server_record server_record::from_record(const storage::record& r) {
    const auto& d = r.data;
    server_record s;
    s.id = r.id;
    s.name = detail::str(d, "name");
    s.description = detail::str(d, "description");
    s.server = endpoint::from_stored(d);
    s.requires_oauth = detail::flag(d, "requires_oauth", false);
    s.tenant = detail::str(d, "tenant");
    s.owner = detail::str(d, "owner");
    s.is_public = detail::flag(d, "public", false);
    s.enabled = detail::flag(d, "enabled", true);
    s.category_id = detail::str(d, "category_id");
    s.created_at = detail::num(d, "created_at");
    s.updated_at = detail::num(d, "updated_at");
    s.version = r.version;
    s.auth_sealed = detail::str(d, "auth_sealed");
    if (auto a = detail::str(d, "auth_type"); !a.empty()) s.auth_type = a;
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
    if (server_id.empty()) j.update(server.to_json());
    else j["transport"] = to_string(server.transport);
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
    if (c.server_id.empty()) {
        c.server = endpoint::from_stored(d);
    } else if (auto t = parse_transport(detail::str(d, "transport"))) {
        c.server.transport = *t;  // the endpoint itself is the catalog server's, read when used
    }
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
