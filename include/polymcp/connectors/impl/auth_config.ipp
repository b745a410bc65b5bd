#ifndef POLYMCP_CONNECTORS_IMPL_AUTH_CONFIG_IPP
#define POLYMCP_CONNECTORS_IMPL_AUTH_CONFIG_IPP

// Definitions for polymcp/connectors/auth_config.hpp.

#include <polymcp/connectors/auth_config.hpp>
#include <polymcp/connectors/detail/fields.hpp>
#include <polymcp/connectors/environment.hpp>

#include <algorithm>
#include <cctype>

namespace polymcp::connectors {

namespace detail {

inline void secret(const nlohmann::json& config, const char* member) {
    std::string v;
    detail::require_string(config, member, v, 1, 16384);
    if (v.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos)
        detail::bad_field(std::string("auth_config.") + member, "a single line without NUL bytes");
}

// An api_key's destination: `header` or `query` for HTTP, `env` for stdio.
// `declared` null: any variable the refusal list allows (a server's own
// credentials, chosen by its administrator); else one of them.
inline void api_key_destination(const nlohmann::json& config, const endpoint& ep, const std::vector<std::string>* declared) {
    using detail::bad_field;
    std::string header, query, env;
    detail::read_string(config, "header", header, 1, 256);
    detail::read_string(config, "query", query, 1, 256);
    detail::read_string(config, "env", env, 1, 256);
    if (ep.transport == transport_kind::stdio) {
        if (!header.empty() || !query.empty())
            bad_field(header.empty() ? "auth_config.query" : "auth_config.header",
                      "absent for a stdio server (its credential goes in an environment variable)");
        if (declared) {
            std::string names;
            for (const auto& n : *declared) names += (names.empty() ? "" : ", ") + n;
            if (declared->empty())
                throw connector_error(errc::invalid_request,
                                      "this stdio server takes no credential from users (it declares no credential_env); "
                                      "use {\"type\": \"none\"}, or ask an administrator to declare one");
            if (env.empty())
                bad_field("auth_config.env", "the environment variable to pass the key in, one of: " + names);
            if (std::find(declared->begin(), declared->end(), env) == declared->end())
                throw connector_error(errc::invalid_request,
                                      "the field 'auth_config.env' must be one of the variables the server declares for a "
                                      "credential: " + names);
        } else if (env.empty()) {
            bad_field("auth_config.env", "the environment variable to pass the key in (stdio)");
        }
        if (auto why = credential_env_refusal(env); !why.empty())
            throw connector_error(errc::invalid_request, "the field 'auth_config.env' cannot be '" + env + "': " + why);
    } else {
        if (!env.empty()) bad_field("auth_config.env", "absent for an HTTP server (use 'header' or 'query')");
        if (!header.empty() && !query.empty()) bad_field("auth_config", "given 'header' or 'query', not both");
        if (!header.empty()) {
            for (char c : header)
                if (!(std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos))
                    bad_field("auth_config.header", "a header name (an RFC 9110 token)");
            if (detail::reserved_header(header))
                bad_field("auth_config.header", "a header the gateway does not set itself (not HTTP framing or MCP)");
        }
        if (query.find_first_of("&=#\r\n") != std::string::npos) bad_field("auth_config.query", "a query parameter name");
    }
}

}  // namespace detail

std::string validate_auth_config(const nlohmann::json& config, const endpoint& ep) {
    using detail::bad_field;
    using detail::secret;
    if (config.is_null()) return "none";
    if (!config.is_object()) bad_field("auth_config", "an object with a 'type'");
    std::string type;
    detail::require_string(config, "type", type, 1, 32);
    if (ep.transport == transport_kind::stdio && type != "none" && type != "api_key")
        throw connector_error(errc::invalid_request,
                              "a stdio server takes a credential as {\"type\": \"api_key\", \"key\": ...} in one of the "
                              "environment variables it declares (credential_env), or none");
    if (type == "none") {
        detail::only_fields(config, {"type"});
    } else if (type == "bearer") {
        detail::only_fields(config, {"type", "token"});
        secret(config, "token");
    } else if (type == "api_key") {
        detail::only_fields(config, {"type", "key", "header", "query", "env"});
        secret(config, "key");
        detail::api_key_destination(config, ep, &ep.credential_env);
    } else if (type == "oauth") {
        detail::only_fields(config, {"type", "access_token", "refresh_token", "expires_at", "token_endpoint",
                                     "client_id", "client_secret", "scope"});
        secret(config, "access_token");
        std::string refresh, endpoint, client_id, client_secret, scope;
        detail::read_string(config, "refresh_token", refresh, 1, 16384);
        detail::read_string(config, "token_endpoint", endpoint, 1, 8192);
        detail::read_string(config, "client_id", client_id, 1, 1024);
        detail::read_string(config, "client_secret", client_secret, 1, 16384);
        detail::read_string(config, "scope", scope, 0, 4096);
        if (auto e = config.find("expires_at"); e != config.end() && !e->is_null() && !e->is_number_integer())
            bad_field("auth_config.expires_at", "a Unix time in seconds");
        if (!refresh.empty() && (endpoint.empty() || client_id.empty()))
            bad_field("auth_config", "given 'token_endpoint' and 'client_id' with a 'refresh_token'");
        if (!endpoint.empty() && endpoint.rfind("https://", 0) != 0 && endpoint.rfind("http://", 0) != 0)
            bad_field("auth_config.token_endpoint", "an http(s) URL");
    } else if (type == "token_endpoint") {
        detail::only_fields(config, {"type", "url", "authorization", "token_field", "expires_field"});
        std::string url, f;
        detail::require_string(config, "url", url, 1, 8192);
        if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0)
            bad_field("auth_config.url", "an http(s) URL");
        if (!config.contains("authorization") || config["authorization"].is_null())
            bad_field("auth_config.authorization",
                      "present: a token endpoint must itself require authentication (the gateway sends this "
                      "value as its Authorization header)");
        secret(config, "authorization");
        detail::read_string(config, "token_field", f, 1, 128);
        detail::read_string(config, "expires_field", f, 1, 128);
    } else {
        bad_field("auth_config.type", "one of none, bearer, api_key, oauth, token_endpoint");
    }
    return type;
}

std::string validate_server_auth_config(const nlohmann::json& config, const endpoint& ep) {
    using detail::bad_field;
    if (config.is_null()) return "none";
    if (!config.is_object()) bad_field("auth_config", "an object with a 'type'");
    std::string type;
    detail::require_string(config, "type", type, 1, 32);
    if (type == "none") {
        detail::only_fields(config, {"type"});
    } else if (type == "bearer" && ep.transport != transport_kind::stdio) {
        detail::only_fields(config, {"type", "token"});
        detail::secret(config, "token");
    } else if (type == "api_key") {
        detail::only_fields(config, {"type", "key", "header", "query", "env"});
        detail::secret(config, "key");
        detail::api_key_destination(config, ep, nullptr);
        if (ep.transport == transport_kind::stdio) {
            const auto env = detail::str(config, "env");
            if (std::find(ep.credential_env.begin(), ep.credential_env.end(), env) != ep.credential_env.end() || ep.env.count(env))
                bad_field("auth_config.env", "a variable neither in 'env' nor in 'credential_env'");
        }
    } else {
        bad_field("auth_config.type", ep.transport == transport_kind::stdio ? "none or api_key (for a stdio server)"
                                                                             : "one of none, bearer, api_key");
    }
    return type;
}

nlohmann::json with_default_env(nlohmann::json config, const endpoint& ep) {
    if (ep.transport == transport_kind::stdio && config.is_object() && config.value("type", "") == "api_key" &&
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
    } else if (type == "oauth") {
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
