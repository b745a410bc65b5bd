#ifndef POLYMCP_CONNECTORS_IMPL_TYPES_IPP
#define POLYMCP_CONNECTORS_IMPL_TYPES_IPP

// Definitions for polymcp/connectors/types.hpp.

#include <polymcp/connectors/bodies.hpp>
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
    using detail::has_nul;
    if (!j.is_object()) throw connector_error(errc::invalid_request, "the server description must be a JSON object");
    endpoint_fields f;
    decode_error err;
    if (!polymcp::decode(j, f, err)) throw connector_error(errc::invalid_request, err.what());
    auto refuse = [](std::string pointer, std::string expected) -> void {
        throw connector_error(errc::invalid_request, pointer + ": expected " + expected);
    };
    endpoint e;
    auto kind = parse_transport(f.transport.value_or("streamable_http"));
    if (!kind) refuse("/transport", "one of \"stdio\", \"sse\", \"streamable_http\", got " + json(*f.transport).dump());
    e.transport = *kind;
    auto string_map = [&](const char* member, const std::optional<std::map<std::string, std::string>>& in,
                          std::map<std::string, std::string>& out) {
        if (!in) return;
        for (const auto& [name, value] : *in) {
            std::string pointer = std::string("/") + member;
            if (name.empty()) refuse(pointer, "an object with non-empty names");
            if (has_nul(name) || has_nul(value)) refuse(pointer, "an object of strings without NUL bytes");
            out[name] = value;
        }
    };
    auto string_list = [&](const char* member, const std::optional<std::vector<std::string>>& in,
                           std::vector<std::string>& out) {
        if (!in) return;
        for (const auto& s : *in) {
            if (has_nul(s)) refuse(std::string("/") + member, "an array of strings without NUL bytes");
            out.push_back(s);
        }
    };
    if (e.transport == transport_kind::stdio) {
        if (!f.command) refuse("/command", "a program (required for transport \"stdio\")");
        e.command = *f.command;
        if (has_nul(e.command)) refuse("/command", "a program without NUL bytes");
        string_list("args", f.args, e.args);
        string_map("env", f.env, e.env);
        for (const auto& [name, value] : e.env)
            if (!valid_env_name(name)) {
                std::string pointer = "/env";
                append_pointer_token(pointer, name);
                refuse(pointer, "a variable named by 1 to 128 characters of A-Z a-z 0-9 _, not starting with a digit");
            }
        string_list("credential_env", f.credential_env, e.credential_env);
        for (const auto& name : e.credential_env) {
            if (!strict) break;
            if (auto why = credential_env_refusal(name); !why.empty())
                throw connector_error(errc::invalid_request, "/credential_env: cannot name '" + name + "': " + why);
            if (e.env.count(name))
                throw connector_error(errc::invalid_request, "/credential_env: names '" + name +
                                                                 "', which /env sets already; a variable is one or the other");
        }
    } else {
        if (!f.url) refuse("/url", "the server's URL (required for transport \"" + std::string(to_string(e.transport)) + "\")");
        e.url = *f.url;
        if (has_nul(e.url)) refuse("/url", "a URL without NUL bytes");
        const auto scheme = e.url.find("://");
        if (strict && scheme != std::string::npos) {
            const auto end = e.url.find_first_of("/?#\\", scheme + 3);
            const auto authority = e.url.substr(scheme + 3, end == std::string::npos ? std::string::npos : end - scheme - 3);
            if (authority.find('@') != std::string::npos)
                throw connector_error(errc::invalid_request,
                                      "/url: carries a user name or password; credentials belong in the sealed "
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
                        throw connector_error(errc::invalid_request, "/url: its query: " + why);
                    i = amp + 1;
                }
            }
        }
        string_map("headers", f.headers, e.headers);
        for (const auto& [name, value] : e.headers) {
            if (name.find_first_of(":\r\n \t") != std::string::npos || value.find_first_of("\r\n") != std::string::npos)
                refuse("/headers", "header names without ':' or white space and values without line breaks");
            if (!strict) continue;
            if (detail::reserved_header(name))
                throw connector_error(errc::invalid_request, "/headers: the header '" + name +
                                                                 "' is set by the gateway itself (HTTP framing or MCP); "
                                                                 "remove it");
            if (auto why = secret_field_refusal(name); !why.empty())
                throw connector_error(errc::invalid_request, "/headers: " + why);
        }
        auto query_pair = [&](const std::string& name, const std::string& value) {
            if (has_nul(name) || has_nul(value)) refuse("/query", "names and values without NUL bytes");
            if (auto why = secret_field_refusal(name); strict && !why.empty())
                throw connector_error(errc::invalid_request, "/query: " + why);
            e.query.emplace_back(name, value);
        };
        if (f.query && !f.query->is_null()) {
            const auto& q = *f.query;
            // An object of strings, or an array of [name, value] pairs: decoded as one or the other.
            std::map<std::string, std::string> named;
            std::vector<std::vector<std::string>> pairs;
            decode_error qerr;
            if (q.is_object()) {
                if (!polymcp::decode(q, named, qerr)) throw connector_error(errc::invalid_request, "/query" + qerr.what());
                for (const auto& [name, value] : named) query_pair(name, value);
            } else if (q.is_array() && polymcp::decode(q, pairs, qerr)) {
                for (const auto& p : pairs) {
                    if (p.size() != 2) refuse("/query", "an object of strings or an array of [name, value] string pairs");
                    query_pair(p[0], p[1]);
                }
            } else {
                refuse("/query", "an object of strings or an array of [name, value] string pairs");
            }
        }
    }
    return e;
}

namespace detail {

// The records the connector manager writes, as reflected structs: reading
// one back goes through the typed decoder, and a record that does not
// decode names its member (a corrupt or foreign record is an error, never
// silently a default). The endpoint members are read by `endpoint_fields`.
struct stored_server {
    BOOST_HANA_DEFINE_STRUCT(stored_server,
                             (std::optional<std::string>, name),
                             (std::optional<std::string>, description),
                             (std::optional<bool>, requires_oauth),
                             (std::optional<std::string>, tenant),
                             (std::optional<std::string>, owner),
                             (std::optional<bool>, enabled),
                             (std::optional<std::string>, category_id),
                             (std::optional<std::int64_t>, created_at),
                             (std::optional<std::int64_t>, updated_at),
                             (std::optional<std::string>, auth_type),
                             (std::optional<std::string>, auth_sealed));
};
struct stored_category {
    BOOST_HANA_DEFINE_STRUCT(stored_category,
                             (std::optional<std::string>, name),
                             (std::optional<std::string>, icon),
                             (std::optional<std::string>, color),
                             (std::optional<std::string>, description),
                             (std::optional<std::int64_t>, created_at),
                             (std::optional<std::int64_t>, updated_at));
};
struct stored_connector {
    BOOST_HANA_DEFINE_STRUCT(stored_connector,
                             (std::optional<std::string>, tenant),
                             (std::optional<std::string>, user),
                             (std::optional<std::string>, name),
                             (std::optional<std::string>, description),
                             (std::optional<std::string>, server_id),
                             (std::optional<std::string>, transport),
                             (std::optional<std::string>, auth_type),
                             (std::optional<bool>, enabled),
                             (std::optional<nlohmann::json>, tools),
                             (std::optional<nlohmann::json>, server_info),
                             (std::optional<std::string>, protocol_version),
                             (std::optional<bool>, needs_sign_in),
                             (std::optional<std::int64_t>, created_at),
                             (std::optional<std::int64_t>, updated_at));
};

template <class Stored>
Stored read_stored(const storage::record& r, std::string_view kind) {
    Stored out;
    decode_error err;
    if (!r.data.is_object()) err = {"", "expected object, got " + describe_json_value(r.data)};
    if (!err.message.empty() || !polymcp::decode(r.data, out, err))
        throw connector_error(errc::storage_unavailable, "the stored " + std::string(kind) + " '" + excerpt(r.id) +
                                                             "' does not read (" + err.what() +
                                                             "); the record was altered outside polymcp");
    return out;
}

}  // namespace detail

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
    const auto d = detail::read_stored<detail::stored_server>(r, "server");
    server_record s;
    s.id = r.id;
    s.name = d.name.value_or("");
    s.description = d.description.value_or("");
    s.server = endpoint::from_stored(r.data);
    s.requires_oauth = d.requires_oauth.value_or(false);
    s.tenant = d.tenant.value_or("");
    s.owner = d.owner.value_or("");
    if (auto p = r.data.find("public"); p != r.data.end() && p->is_boolean()) s.is_public = p->get<bool>();  // a C++ keyword
    s.enabled = d.enabled.value_or(true);
    s.category_id = d.category_id.value_or("");
    s.created_at = d.created_at.value_or(0);
    s.updated_at = d.updated_at.value_or(0);
    s.version = r.version;
    s.auth_sealed = d.auth_sealed.value_or("");
    if (d.auth_type && !d.auth_type->empty()) s.auth_type = *d.auth_type;
    return s;
}

json category::to_json() const {
    return {{"id", id},         {"name", name},           {"icon", icon},          {"color", color},
            {"description", description}, {"created_at", created_at}, {"updated_at", updated_at}};
}

category category::from_record(const storage::record& r) {
    const auto d = detail::read_stored<detail::stored_category>(r, "category");
    category c;
    c.id = r.id;
    c.name = d.name.value_or("");
    c.icon = d.icon.value_or("");
    c.color = d.color.value_or("");
    c.description = d.description.value_or("");
    c.created_at = d.created_at.value_or(0);
    c.updated_at = d.updated_at.value_or(0);
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
              {"needs_sign_in", needs_sign_in},
              {"created_at", created_at},
              {"updated_at", updated_at}};
    if (server_id.empty()) j.update(server.to_json());
    else j["transport"] = to_string(server.transport);
    return j;
}

connector connector::from_record(const storage::record& r) {
    const auto d = detail::read_stored<detail::stored_connector>(r, "connector");
    connector c;
    c.id = r.id;
    c.tenant = d.tenant.value_or("");
    c.user = d.user.value_or("");
    c.name = d.name.value_or("");
    c.description = d.description.value_or("");
    c.server_id = d.server_id.value_or("");
    if (c.server_id.empty()) {
        c.server = endpoint::from_stored(r.data);
    } else if (auto t = parse_transport(d.transport.value_or(""))) {
        c.server.transport = *t;  // the endpoint itself is the catalog server's, read when used
    }
    c.auth_type = d.auth_type.value_or("");
    c.enabled = d.enabled.value_or(true);
    if (d.tools && d.tools->is_array()) c.tools = *d.tools;
    if (d.server_info) c.server_info = *d.server_info;
    c.protocol_version = d.protocol_version.value_or("");
    c.needs_sign_in = d.needs_sign_in.value_or(false);
    c.created_at = d.created_at.value_or(0);
    c.updated_at = d.updated_at.value_or(0);
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
        if (http_status) j["status"] = http_status;
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
    r.http_status = e.http_status;
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
