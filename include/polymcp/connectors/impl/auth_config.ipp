#ifndef POLYMCP_CONNECTORS_IMPL_AUTH_CONFIG_IPP
#define POLYMCP_CONNECTORS_IMPL_AUTH_CONFIG_IPP

// Definitions for polymcp/connectors/auth_config.hpp.

#include <polymcp/connectors/auth_config.hpp>
#include <polymcp/connectors/detail/fields.hpp>

namespace polymcp::connectors {

std::string validate_auth_config(const nlohmann::json& config, transport_kind t) {
    using detail::bad_field;
    if (config.is_null()) return "none";
    if (!config.is_object()) bad_field("auth_config", "an object with a 'type'");
    std::string type;
    detail::require_string(config, "type", type, 1, 32);
    auto secret = [&](const char* member) {
        std::string v;
        detail::require_string(config, member, v, 1, 16384);
        if (v.find_first_of("\r\n") != std::string::npos)
            bad_field(std::string("auth_config.") + member, "a single line");
    };
    if (type == "none") {
        detail::only_fields(config, {"type"});
    } else if (type == "bearer") {
        detail::only_fields(config, {"type", "token"});
        secret("token");
    } else if (type == "api_key") {
        detail::only_fields(config, {"type", "key", "header", "env"});
        secret("key");
        std::string header, env;
        detail::read_string(config, "header", header, 1, 256);
        detail::read_string(config, "env", env, 1, 256);
        if (t == transport_kind::stdio) {
            if (env.empty()) bad_field("auth_config.env", "the environment variable to pass the key in (stdio)");
            if (!header.empty()) bad_field("auth_config.header", "absent for a stdio server (use 'env')");
        } else {
            if (!env.empty()) bad_field("auth_config.env", "absent for an HTTP server (use 'header')");
            if (header.find_first_of(":\r\n ") != std::string::npos) bad_field("auth_config.header", "a header name");
        }
    } else if (type == "oauth") {
        detail::only_fields(config, {"type", "access_token", "refresh_token", "expires_at", "token_endpoint",
                                     "client_id", "client_secret", "scope"});
        secret("access_token");
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
        secret("authorization");
        detail::read_string(config, "token_field", f, 1, 128);
        detail::read_string(config, "expires_field", f, 1, 128);
    } else {
        bad_field("auth_config.type", "one of none, bearer, api_key, oauth, token_endpoint");
    }
    return type;
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
        if (!env.empty()) c.env[env] = detail::str(config, "key");
        else {
            auto header = detail::str(config, "header");
            c.headers[header.empty() ? "X-API-Key" : header] = detail::str(config, "key");
        }
    }
    return c;
}

}  // namespace polymcp::connectors

#endif
