#ifndef POLYMCP_CONNECTORS_IMPL_AUTH_CONFIG_IPP
#define POLYMCP_CONNECTORS_IMPL_AUTH_CONFIG_IPP

// Definitions for polymcp/connectors/auth_config.hpp.

#include <polymcp/connectors/auth_config.hpp>
#include <polymcp/connectors/bodies.hpp>
#include <polymcp/connectors/detail/fields.hpp>
#include <polymcp/connectors/environment.hpp>

#include <algorithm>
#include <cctype>

namespace polymcp::connectors {

namespace detail {

[[noreturn]] inline void bad_auth(std::string_view member, std::string_view expected) {
    std::string pointer = "/auth_config";
    if (!member.empty()) append_pointer_token(pointer, member);
    throw connector_error(errc::invalid_request, pointer + ": expected " + std::string(expected));
}

// A secret travels in one header or variable: one line, no NUL byte.
inline void one_line(std::string_view member, const std::string& v) {
    if (v.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) bad_auth(member, "a single line without NUL bytes");
}

// An api_key's destination: `header` or `query` for HTTP, `env` for stdio.
// `declared` null: any variable the refusal list allows (a server's own
// credentials, chosen by its administrator); else one of them.
inline void api_key_destination(const auth_api_key& a, const endpoint& ep, const std::vector<std::string>* declared) {
    const std::string header = a.header.value_or(""), query = a.query.value_or(""), env = a.env.value_or("");
    if (ep.transport == transport_kind::stdio) {
        if (!header.empty() || !query.empty())
            bad_auth(header.empty() ? "query" : "header",
                     "no such member for a stdio server (its credential goes in an environment variable)");
        if (declared) {
            std::string names;
            for (const auto& n : *declared) names += (names.empty() ? "" : ", ") + n;
            if (declared->empty())
                throw connector_error(errc::invalid_request,
                                      "this stdio server takes no credential from users (it declares no credential_env); "
                                      "use {\"type\": \"none\"}, or ask an administrator to declare one");
            if (env.empty()) bad_auth("env", "the environment variable to pass the key in, one of: " + names);
            if (std::find(declared->begin(), declared->end(), env) == declared->end())
                bad_auth("env", "one of the variables the server declares for a credential: " + names);
        } else if (env.empty()) {
            bad_auth("env", "the environment variable to pass the key in (stdio)");
        }
        if (auto why = credential_env_refusal(env); !why.empty())
            throw connector_error(errc::invalid_request, "/auth_config/env: cannot be '" + env + "': " + why);
    } else {
        if (!env.empty()) bad_auth("env", "no such member for an HTTP server (use 'header' or 'query')");
        if (!header.empty() && !query.empty()) bad_auth("", "'header' or 'query', not both");
        if (!header.empty()) {
            for (char c : header)
                if (!(std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos))
                    bad_auth("header", "a header name (an RFC 9110 token)");
            if (detail::reserved_header(header))
                bad_auth("header", "a header the gateway does not set itself (not HTTP framing or MCP)");
        }
        if (query.find_first_of("&=#\r\n") != std::string::npos) bad_auth("query", "a query parameter name");
    }
}

// The `type` of an auth_config object (checked: a string of 1 to 32 bytes).
inline std::string auth_type_of(const nlohmann::json& config) {
    if (!config.is_object()) bad_auth("", "an object with a 'type'");
    auth_type_field t;
    decode_error err;
    if (!polymcp::decode(config, t, err))
        bad_auth("type", "a string: one of none, bearer, api_key, oauth, oauth_sign_in, token_endpoint");
    if (!t.type || t.type->empty() || t.type->size() > 32)
        bad_auth("type", "present: one of none, bearer, api_key, oauth, oauth_sign_in, token_endpoint");
    return *t.type;
}

inline bool http_url(const std::string& u) { return u.rfind("https://", 0) == 0 || u.rfind("http://", 0) == 0; }

}  // namespace detail

std::string validate_auth_config(const nlohmann::json& config, const endpoint& ep) {
    using detail::bad_auth;
    using detail::one_line;
    if (config.is_null()) return "none";
    const std::string type = detail::auth_type_of(config);
    if (ep.transport == transport_kind::stdio && type != "none" && type != "api_key")
        throw connector_error(errc::invalid_request,
                              "/auth_config/type: a stdio server takes a credential as {\"type\": \"api_key\", "
                              "\"key\": ...} in one of the environment variables it declares (credential_env), "
                              "or none");
    if (type == "none") {
        auth_none a;
        decode_object("/auth_config", config, a);
    } else if (type == "bearer") {
        auth_bearer a;
        decode_object("/auth_config", config, a);
        one_line("token", a.token);
    } else if (type == "api_key") {
        auth_api_key a;
        decode_object("/auth_config", config, a);
        one_line("key", a.key);
        detail::api_key_destination(a, ep, &ep.credential_env);
    } else if (type == "oauth") {
        auth_oauth a;
        decode_object("/auth_config", config, a);
        one_line("access_token", a.access_token);
        if (a.refresh_token && (!a.token_endpoint || !a.client_id))
            bad_auth("", "'token_endpoint' and 'client_id' with a 'refresh_token'");
        if (a.token_endpoint && !detail::http_url(*a.token_endpoint)) bad_auth("token_endpoint", "an http(s) URL");
    } else if (type == "oauth_sign_in") {
        auth_oauth_sign_in a;
        decode_object("/auth_config", config, a);
        if (a.client_id) one_line("client_id", *a.client_id);
        if (a.client_secret && !a.client_id) bad_auth("", "'client_id' with a 'client_secret'");
    } else if (type == "token_endpoint") {
        auth_token_endpoint a;
        if (config.is_object() && (!config.contains("authorization") || config["authorization"].is_null()))
            bad_auth("authorization",
                     "present: a token endpoint must itself require authentication (the gateway sends this "
                     "value as its Authorization header)");
        decode_object("/auth_config", config, a);
        if (!detail::http_url(a.url)) bad_auth("url", "an http(s) URL");
        one_line("authorization", a.authorization);
    } else {
        bad_auth("type", "one of none, bearer, api_key, oauth, oauth_sign_in, token_endpoint");
    }
    return type;
}

nlohmann::json sign_in_request(const nlohmann::json& config) {
    if (!config.is_object() || detail::str(config, "type") != "oauth_sign_in") return config;
    nlohmann::json out = nlohmann::json::object();
    auto r = config.find("registered_client");  // set by the gateway, not the user
    const bool registered = r != config.end() && r->is_boolean() && r->get<bool>();
    for (const char* k : {"type", "client_id", "client_secret", "scope"})
        if (auto it = config.find(k); it != config.end() && !(registered && k[0] == 'c')) out[k] = *it;
    return out;
}

std::string validate_server_auth_config(const nlohmann::json& config, const endpoint& ep) {
    using detail::bad_auth;
    if (config.is_null()) return "none";
    const std::string type = detail::auth_type_of(config);
    if (type == "none") {
        auth_none a;
        decode_object("/auth_config", config, a);
    } else if (type == "bearer" && ep.transport != transport_kind::stdio) {
        auth_bearer a;
        decode_object("/auth_config", config, a);
        detail::one_line("token", a.token);
    } else if (type == "api_key") {
        auth_api_key a;
        decode_object("/auth_config", config, a);
        detail::one_line("key", a.key);
        detail::api_key_destination(a, ep, nullptr);
        if (ep.transport == transport_kind::stdio) {
            const auto env = a.env.value_or("");
            if (std::find(ep.credential_env.begin(), ep.credential_env.end(), env) != ep.credential_env.end() || ep.env.count(env))
                bad_auth("env", "a variable neither in 'env' nor in 'credential_env'");
        }
    } else if (type == "oauth_client" && ep.transport != transport_kind::stdio) {
        auth_oauth_client a;
        decode_object("/auth_config", config, a);
        detail::one_line("client_id", a.client_id);
    } else {
        bad_auth("type", ep.transport == transport_kind::stdio ? "none or api_key (for a stdio server)"
                                                                : "one of none, bearer, api_key, oauth_client");
    }
    return type;
}

nlohmann::json with_default_env(nlohmann::json config, const endpoint& ep) {
    if (ep.transport == transport_kind::stdio && config.is_object() && detail::str(config, "type") == "api_key" &&
        !config.contains("env") && ep.credential_env.size() == 1)
        config["env"] = ep.credential_env.front();
    return config;
}

upstream_credentials static_credentials(const nlohmann::json& config) {
    upstream_credentials c;
    if (!config.is_object()) return c;
    const auto type = detail::str(config, "type");
    if (type == "bearer") {
        c.auth = std::make_shared<client::bearer_token>(detail::str(config, "token"));
    } else if (type == "oauth" || (type == "oauth_sign_in" && !detail::str(config, "access_token").empty())) {
        c.auth = std::make_shared<client::bearer_token>(detail::str(config, "access_token"));
    } else if (type == "api_key") {
        auto env = detail::str(config, "env");
        auto query = detail::str(config, "query");
        if (!env.empty()) c.env[env] = detail::str(config, "key");
        else if (!query.empty()) c.query.emplace_back(query, detail::str(config, "key"));
        else {
            auto header = detail::str(config, "header");
            c.headers[header.empty() ? "X-API-Key" : header] = detail::str(config, "key");
        }
    }
    return c;
}

}  // namespace polymcp::connectors

#endif
