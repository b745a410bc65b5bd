#ifndef POLYMCP_CLIENT_IMPL_OAUTH_IPP
#define POLYMCP_CLIENT_IMPL_OAUTH_IPP

// Definitions for polymcp/client/oauth.hpp.

#include <polymcp/core/utf8.hpp>
#include <polymcp/client/curl_multi.hpp>
#include <polymcp/client/http_exchange.hpp>
#include <polymcp/client/oauth.hpp>
#include <polymcp/core/random.hpp>
#include <polymcp/crypto/openssl.hpp>

#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>

namespace polymcp::client {

namespace detail {

namespace oauth_impl {

[[noreturn]] inline void fail(const std::string& message) { throw client_error(errc::auth_required, message); }

/// The string member `name` of `j`, a document a server sent (`what` names
/// it in the error): `dflt` when absent or null; an `auth_required` error
/// naming the member when it has another type (RFC 6749, 7591 and 8414 define
/// these members as strings).
inline std::string member_string(const json& j, const char* name, std::string dflt, std::string_view what) {
    auto it = j.find(name);
    if (it == j.end() || it->is_null()) return dflt;
    if (!it->is_string())
        fail(std::string(what) + " has a '" + name + "' that is not a string: " + utf8_excerpt(it->dump(), 64));
    return it->get<std::string>();
}

/// The boolean member `name` of `j` (a document a server sent, `what`):
/// false when absent or null; an `auth_required` error when of another type.
inline bool member_bool(const json& j, const char* name, std::string_view what) {
    auto it = j.find(name);
    if (it == j.end() || it->is_null()) return false;
    if (!it->is_boolean())
        fail(std::string(what) + " has a '" + name + "' that is not a boolean: " + utf8_excerpt(it->dump(), 64));
    return it->get<bool>();
}

inline std::string unpadded_base64url(std::span<const unsigned char> data) {
    std::string s = polymcp::crypto::base64url_encode(data);
    while (!s.empty() && s.back() == '=') s.pop_back();
    return s;
}

inline std::string sha256_base64url(const std::string& text) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_Digest(text.data(), text.size(), md, &n, EVP_sha256(), nullptr) != 1) fail("SHA-256 failed");
    return unpadded_base64url({md, n});
}

/// An RFC 7636 code verifier: 32 random bytes, base64url (43 characters).
inline std::string make_verifier() {
    unsigned char b[32];
    if (!polymcp::crypto::random_bytes(b)) fail("the random number generator failed");
    return unpadded_base64url(b);
}

inline std::string form_escape(const std::string& v) {
    char* e = curl_easy_escape(nullptr, v.c_str(), static_cast<int>(v.size()));
    std::string s = e ? e : "";
    curl_free(e);
    return s;
}

inline std::string form_unescape(const std::string& v) {
    std::string plus = v;
    std::replace(plus.begin(), plus.end(), '+', ' ');
    int n = 0;
    char* d = curl_easy_unescape(nullptr, plus.c_str(), static_cast<int>(plus.size()), &n);
    std::string s = d ? std::string(d, static_cast<std::size_t>(n)) : "";
    curl_free(d);
    return s;
}

inline std::string form(const std::vector<std::pair<std::string, std::string>>& params) {
    std::string out;
    for (const auto& [k, v] : params) {
        if (!out.empty()) out += '&';
        out += form_escape(k) + "=" + form_escape(v);
    }
    return out;
}

/// The query parameters of a URL (the last value of a repeated name wins).
inline std::map<std::string, std::string> query_of(const std::string& url) {
    std::map<std::string, std::string> out;
    auto q = url.find('?');
    if (q == std::string::npos) return out;
    auto end = url.find('#', q);
    std::string query = url.substr(q + 1, end == std::string::npos ? std::string::npos : end - q - 1);
    std::size_t i = 0;
    while (i <= query.size()) {
        auto amp = query.find('&', i);
        std::string part = query.substr(i, amp == std::string::npos ? std::string::npos : amp - i);
        if (!part.empty()) {
            auto eq = part.find('=');
            out[form_unescape(part.substr(0, eq))] = eq == std::string::npos ? "" : form_unescape(part.substr(eq + 1));
        }
        if (amp == std::string::npos) break;
        i = amp + 1;
    }
    return out;
}

struct url_parts {
    std::string origin;  ///< scheme://host[:port], as written (lower-case scheme and host)
    std::string path;    ///< without a trailing slash; empty for "/"
    std::string host;
    std::string scheme;
};

inline url_parts split_url(const std::string& url) {
    CURLU* h = curl_url();
    url_parts p;
    auto get = [&](CURLUPart part) {
        char* out = nullptr;
        std::string s;
        if (curl_url_get(h, part, &out, 0) == CURLUE_OK && out) s = out;
        curl_free(out);
        return s;
    };
    if (!h || curl_url_set(h, CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
        curl_url_cleanup(h);
        fail("\"" + url + "\" is not a URL");
    }
    p.scheme = get(CURLUPART_SCHEME);
    p.host = get(CURLUPART_HOST);
    std::string port = get(CURLUPART_PORT);
    p.origin = p.scheme + "://" + p.host + (port.empty() ? "" : ":" + port);
    p.path = get(CURLUPART_PATH);
    while (!p.path.empty() && p.path.back() == '/') p.path.pop_back();
    curl_url_cleanup(h);
    std::transform(p.scheme.begin(), p.scheme.end(), p.scheme.begin(), [](unsigned char c) { return std::tolower(c); });
    return p;
}

inline bool is_loopback_host(const std::string& host) {
    return host == "localhost" || host == "127.0.0.1" || host == "[::1]" || host == "::1" ||
           host.rfind("127.", 0) == 0;
}

inline std::set<std::string> scope_set(const std::string& s) {
    std::set<std::string> out;
    std::istringstream in(s);
    std::string w;
    while (in >> w) out.insert(w);
    return out;
}

/// Issuer identifiers compared as RFC 8414 section 3.3 asks (identical),
/// except that an empty path and "/" are the same URL.
inline bool same_issuer(std::string a, std::string b) {
    auto trim = [](std::string& x) {
        auto scheme = x.find("://");
        if (scheme != std::string::npos && x.size() > scheme + 3 && x.back() == '/' &&
            x.find('/', scheme + 3) == x.size() - 1)
            x.pop_back();
    };
    trim(a);
    trim(b);
    return !a.empty() && a == b;
}

inline std::string join(const std::set<std::string>& s) {
    std::string out;
    for (const auto& w : s) out += (out.empty() ? "" : " ") + w;
    return out;
}

inline std::int64_t now_s() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace oauth_impl

struct oauth_state : std::enable_shared_from_this<oauth_state> {
    oauth_state(asio::any_io_executor e, std::string url, oauth_options o)
        : ex(std::move(e)), server_url(std::move(url)), options(std::move(o)), multi(std::make_shared<curl_multi>(ex)) {
        if (!options.store) options.store = std::make_shared<memory_token_store>();
        resource = canonical_resource_uri(server_url);
    }

    asio::any_io_executor ex;
    std::string server_url;
    oauth_options options;
    std::shared_ptr<curl_multi> multi;
    std::string resource;       ///< the `resource` parameter (RFC 8707)
    json prm;                   ///< protected resource metadata (RFC 9728), once fetched
    std::string issuer;
    json as_meta;               ///< authorization server metadata (RFC 8414)
    std::optional<oauth_client_registration> registration;
    std::optional<oauth_tokens> tokens;
    bool loaded = false;        ///< the store was read for this user and server
    bool refresh_tried = false; ///< a 401 already led to a refresh of the current token
    bool busy = false;          ///< a refresh or authorization is in progress

    std::string key(const char* kind) const {
        return std::string("polymcp.oauth\x1f") + kind + "\x1f" + options.user + "\x1f" + resource + "\x1f" + issuer;
    }

    /// Which issuer serves this user and server (read before discovery).
    std::string issuer_index_key() const {
        return std::string("polymcp.oauth\x1fissuer\x1f") + options.user + "\x1f" + server_url;
    }

    void check_endpoint(const std::string& url, const char* what) const {
        auto p = oauth_impl::split_url(url);
        if (p.scheme == "https") return;
        if (p.scheme == "http" && (options.allow_insecure_http || oauth_impl::is_loopback_host(p.host))) return;
        oauth_impl::fail(std::string("the ") + what + " " + url + " is not https; refusing to send credentials there");
    }

    /// GET a JSON object; nullopt for a non-2xx answer or a body that is not an object.
    asio::awaitable<std::optional<json>> get_json(const std::string& url, const char* what) {
        check_endpoint(url, what);
        std::vector<std::string> headers{"Accept: application/json"};
        std::string no_body;
        auto r = co_await fetch(multi, options.http, "GET", url, no_body, headers);
        if (r.status < 200 || r.status >= 300) co_return std::nullopt;
        json j = json::parse(r.body, nullptr, false);
        if (!j.is_object()) co_return std::nullopt;
        co_return j;
    }

    /// RFC 9728 discovery: the challenge's `resource_metadata`, else the
    /// well-known locations with the server's path, then at the root.
    asio::awaitable<void> discover_resource(const std::optional<bearer_challenge>& challenge) {
        auto server = oauth_impl::split_url(server_url);
        std::vector<std::string> candidates;
        if (challenge && !challenge->resource_metadata.empty()) {
            candidates.push_back(challenge->resource_metadata);
        } else {
            if (!server.path.empty())
                candidates.push_back(server.origin + "/.well-known/oauth-protected-resource" + server.path);
            candidates.push_back(server.origin + "/.well-known/oauth-protected-resource");
        }
        for (const auto& url : candidates) {
            auto j = co_await get_json(url, "protected resource metadata URL");
            if (!j || !j->contains("authorization_servers") || !(*j)["authorization_servers"].is_array() ||
                (*j)["authorization_servers"].empty() || !(*j)["authorization_servers"][0].is_string())
                continue;
            if (auto r = j->find("resource"); r != j->end() && r->is_string()) {
                // RFC 9728 section 3.3: the metadata must be for this server.
                auto declared = canonical_resource_uri(r->get<std::string>());
                auto d = oauth_impl::split_url(declared);
                bool same_origin = d.origin == oauth_impl::split_url(resource).origin;
                bool covers = server.path.rfind(d.path, 0) == 0 &&
                              (server.path.size() == d.path.size() || server.path[d.path.size()] == '/');
                if (!same_origin || !covers)
                    oauth_impl::fail(url + " describes the resource " + declared + ", not " + resource);
                resource = declared;
            }
            prm = *j;
            issuer = prm["authorization_servers"][0].get<std::string>();
            co_return;
        }
        // MCP 2025-03-26 servers have no resource metadata: their origin is the authorization server.
        prm = json::object();
        issuer = server.origin;
    }

    /// RFC 8414 / OpenID Connect discovery in the order of MCP "Authorization
    /// Server Metadata Discovery".
    asio::awaitable<void> discover_authorization_server() {
        auto p = oauth_impl::split_url(issuer);
        std::vector<std::string> candidates;
        if (!p.path.empty()) {
            candidates = {p.origin + "/.well-known/oauth-authorization-server" + p.path,
                          p.origin + "/.well-known/openid-configuration" + p.path,
                          p.origin + p.path + "/.well-known/openid-configuration"};
        } else {
            candidates = {p.origin + "/.well-known/oauth-authorization-server",
                          p.origin + "/.well-known/openid-configuration"};
        }
        std::string mismatch;
        for (const auto& url : candidates) {
            auto j = co_await get_json(url, "authorization server metadata URL");
            if (!j || !j->contains("authorization_endpoint") || !j->contains("token_endpoint")) continue;
            // RFC 8414 section 3.3: the metadata's issuer must be the issuer
            // its URL was made from, or the metadata must not be used.
            auto declared = j->value("issuer", json()).is_string() ? (*j)["issuer"].get<std::string>() : std::string();
            if (!oauth_impl::same_issuer(declared, issuer)) {
                mismatch = url + " declares the issuer \"" + declared + "\"";
                continue;
            }
            as_meta = *j;
            break;
        }
        if (as_meta.is_null())
            oauth_impl::fail("no authorization server metadata for " + issuer + " (tried " + candidates.front() +
                             " and the OpenID Connect locations" +
                             (mismatch.empty() ? std::string(")") : "; " + mismatch + ", which is not " + issuer + ")"));
        // MCP "Authorization Code Protection": PKCE S256 is required.
        auto methods = as_meta.value("code_challenge_methods_supported", json::array());
        if (!methods.is_array() || std::find(methods.begin(), methods.end(), "S256") == methods.end())
            oauth_impl::fail("the authorization server " + issuer +
                             " does not advertise PKCE S256 (code_challenge_methods_supported); refusing to authorize");
        for (const char* e : {"authorization_endpoint", "token_endpoint"}) {
            if (!as_meta[e].is_string()) oauth_impl::fail("the authorization server metadata of " + issuer + " has no " + e);
            check_endpoint(as_meta[e].get<std::string>(), e);
        }
    }

    /// The first of client_secret_basic, client_secret_post the server supports.
    std::string preferred_secret_method() const {
        auto supported = as_meta.value("token_endpoint_auth_methods_supported", json::array({"client_secret_basic"}));
        for (const char* m : {"client_secret_basic", "client_secret_post"})
            if (supported.is_array() && std::find(supported.begin(), supported.end(), m) != supported.end()) return m;
        return "client_secret_basic";
    }

    std::string preferred_auth_method() const {
        auto supported = as_meta.value("token_endpoint_auth_methods_supported", json::array({"client_secret_basic"}));
        for (const char* m : {"none", "client_secret_basic", "client_secret_post"})
            if (supported.is_array() && std::find(supported.begin(), supported.end(), m) != supported.end()) return m;
        return "client_secret_basic";
    }

    /// Pre-registration, then a stored registration, then a Client ID
    /// Metadata Document, then Dynamic Client Registration (RFC 7591).
    asio::awaitable<void> identify_client() {
        auto pre = options.preregistered.find(issuer);
        if (pre == options.preregistered.end()) pre = options.preregistered.find("");
        if (pre != options.preregistered.end()) {
            registration = pre->second;
            if (registration->token_endpoint_auth_method.empty())  // "choose from the server's metadata"
                registration->token_endpoint_auth_method =
                    registration->client_secret.empty() ? "none" : preferred_secret_method();
            co_return;
        }
        const std::string registration_key = key("registration");
        if (auto stored = co_await options.store->load(registration_key)) {
            registration = oauth_client_registration::from_json(*stored);
            co_return;
        }
        const std::string meta = "the authorization server metadata of " + issuer;
        if (oauth_impl::member_bool(as_meta, "client_id_metadata_document_supported", meta) &&
            !options.client_id_metadata_url.empty()) {
            registration = oauth_client_registration{options.client_id_metadata_url, "", "none"};
            co_return;
        }
        auto endpoint = as_meta.find("registration_endpoint");
        if (endpoint == as_meta.end() || !endpoint->is_string())
            oauth_impl::fail("no client registration for " + issuer +
                             ": no pre-registered client, no Client ID Metadata Document support, and no "
                             "registration_endpoint");
        std::string url = endpoint->get<std::string>();
        check_endpoint(url, "registration endpoint");
        std::string method = preferred_auth_method();
        json request = {{"client_name", options.client_name},
                        {"redirect_uris", {options.redirect_uri}},
                        {"grant_types", {"authorization_code", "refresh_token"}},
                        {"response_types", {"code"}},
                        {"token_endpoint_auth_method", method},
                        {"application_type", "native"}};
        std::string body = request.dump();
        std::vector<std::string> headers{"Accept: application/json"};
        auto r = co_await fetch(multi, options.http, "POST", url, body, headers);
        json j = json::parse(r.body, nullptr, false);
        if (r.status < 200 || r.status >= 300 || !j.is_object() || !j.contains("client_id"))
            oauth_impl::fail("dynamic client registration at " + url + " failed (HTTP " + std::to_string(r.status) +
                             "): " + utf8_excerpt(r.body, 300));
        oauth_client_registration reg;
        reg.client_id = j["client_id"].is_string() ? j["client_id"].get<std::string>() : j["client_id"].dump();
        const std::string what = "the client registration response of " + url;
        reg.client_secret = oauth_impl::member_string(j, "client_secret", "", what);
        reg.token_endpoint_auth_method = oauth_impl::member_string(j, "token_endpoint_auth_method", method, what);
        if (reg.client_secret.empty()) reg.token_endpoint_auth_method = "none";
        registration = reg;
        json stored = reg.to_json();
        co_await options.store->save(registration_key, stored);
    }

    /// Sends a token request with the registration's client authentication.
    asio::awaitable<oauth_tokens> token_request(std::vector<std::pair<std::string, std::string>> params,
                                                const std::string& requested_scope) {
        const auto& reg = *registration;
        std::vector<std::string> headers{"Accept: application/json"};
        if (reg.token_endpoint_auth_method == "client_secret_basic") {
            // RFC 6749 section 2.3.1: form-encode, then base64 "id:secret".
            std::string creds = oauth_impl::form_escape(reg.client_id) + ":" + oauth_impl::form_escape(reg.client_secret);
            std::string b64 = polymcp::crypto::base64url_encode(
                {reinterpret_cast<const unsigned char*>(creds.data()), creds.size()});
            std::replace(b64.begin(), b64.end(), '-', '+');
            std::replace(b64.begin(), b64.end(), '_', '/');
            headers.push_back("Authorization: Basic " + b64);
        } else if (reg.token_endpoint_auth_method == "client_secret_post") {
            params.emplace_back("client_id", reg.client_id);
            params.emplace_back("client_secret", reg.client_secret);
        } else {
            params.emplace_back("client_id", reg.client_id);
        }
        std::string url = as_meta["token_endpoint"].get<std::string>();
        std::string body = oauth_impl::form(params);
        auto r = co_await fetch(multi, options.http, "POST", url, body, headers, "application/x-www-form-urlencoded");
        json j = json::parse(r.body, nullptr, false);
        if (r.status < 200 || r.status >= 300 || !j.is_object() || !j.contains("access_token") ||
            !j["access_token"].is_string()) {
            // RFC 6749 section 5.2: error and error_description are strings; anything else is quoted.
            auto quoted = [&](const char* m) {
                auto it = j.find(m);
                return it == j.end() || it->is_null() ? std::string()
                       : it->is_string()             ? utf8_excerpt(it->get<std::string>(), 200)
                                                     : utf8_excerpt(it->dump(), 200);
            };
            std::string why = j.is_object() ? quoted("error") + (j.contains("error_description")
                                                                      ? ": " + quoted("error_description")
                                                                      : std::string())
                                            : utf8_excerpt(r.body, 200);
            oauth_impl::fail("the token endpoint " + url + " refused (HTTP " + std::to_string(r.status) + "): " + why);
        }
        oauth_tokens t;
        t.access_token = j["access_token"].get<std::string>();
        const std::string what = "the token response of " + url;
        t.token_type = oauth_impl::member_string(j, "token_type", "Bearer", what);
        t.refresh_token = oauth_impl::member_string(j, "refresh_token", "", what);
        t.scope = oauth_impl::member_string(j, "scope", requested_scope, what);
        if (auto e = j.find("expires_in"); e != j.end() && e->is_number()) t.expires_at = oauth_impl::now_s() + e->get<std::int64_t>();
        co_return t;
    }

    asio::awaitable<void> keep(oauth_tokens t) {
        tokens = std::move(t);
        refresh_tried = false;
        const std::string tokens_key = key("tokens");
        json stored = tokens->to_json();
        co_await options.store->save(tokens_key, stored);
        const std::string index_key = issuer_index_key();
        json index = {{"issuer", issuer}, {"resource", resource}};
        co_await options.store->save(index_key, index);
    }

    asio::awaitable<void> forget_tokens() {
        tokens.reset();
        const std::string tokens_key = key("tokens");
        co_await options.store->erase(tokens_key);
    }

    asio::awaitable<bool> refresh() {
        if (!tokens || tokens->refresh_token.empty() || !registration || as_meta.is_null()) co_return false;
        std::vector<std::pair<std::string, std::string>> params{
            {"grant_type", "refresh_token"}, {"refresh_token", tokens->refresh_token}, {"resource", resource}};
        std::optional<oauth_tokens> fresh;
        try {
            fresh = co_await token_request(std::move(params), tokens->scope);
        } catch (const client_error&) {
        }
        if (!fresh) {
            co_await forget_tokens();  // the grant is gone: authorize again
            co_return false;
        }
        if (fresh->refresh_token.empty()) fresh->refresh_token = tokens->refresh_token;  // RFC 6749 section 6
        co_await keep(std::move(*fresh));
        co_return true;
    }

    /// The authorization request of the code flow with PKCE (RFC 7636),
    /// state and resource (RFC 8707): {URL, state, verifier}.
    struct authorization_request_parts {
        std::string url, state, verifier;
    };
    authorization_request_parts authorization_request(const std::string& scope) const {
        const std::string verifier = oauth_impl::make_verifier();
        const std::string state = polymcp::random_hex_id(16);
        std::vector<std::pair<std::string, std::string>> q{{"response_type", "code"},
                                                           {"client_id", registration->client_id},
                                                           {"redirect_uri", options.redirect_uri},
                                                           {"code_challenge", oauth_impl::sha256_base64url(verifier)},
                                                           {"code_challenge_method", "S256"},
                                                           {"state", state},
                                                           {"resource", resource}};
        if (!scope.empty()) q.emplace_back("scope", scope);
        std::string endpoint = as_meta["authorization_endpoint"].get<std::string>();
        std::string url = endpoint + (endpoint.find('?') == std::string::npos ? "?" : "&") + oauth_impl::form(q);
        return {std::move(url), state, verifier};
    }

    /// The authorization code flow with PKCE (RFC 7636), state, iss (RFC 9207) and resource (RFC 8707).
    asio::awaitable<void> authorize(const std::string& scope) {
        if (!options.authorize) oauth_impl::fail(server_url + " requires authorization and no redirect handler is set");
        auto request = authorization_request(scope);
        std::string redirect = co_await options.authorize(request.url);
        auto t = co_await finish_authorization(redirect, request.state, request.verifier, scope);
        co_await keep(std::move(t));
    }

    /// Checks the redirect (`error`, `state`, RFC 9207 `iss`) and exchanges its code.
    asio::awaitable<oauth_tokens> finish_authorization(const std::string& redirect, const std::string& state,
                                                       const std::string& verifier, const std::string& scope) {
        auto params = oauth_impl::query_of(redirect);
        if (auto e = params.find("error"); e != params.end())
            oauth_impl::fail("the authorization server refused: " + e->second +
                             (params.count("error_description") ? " (" + params["error_description"] + ")" : ""));
        if (params["state"] != state) oauth_impl::fail("the authorization response's state does not match the request");
        // RFC 9207: when the server supports it, iss is required; when present, it must be this issuer.
        const std::string what = "the authorization server metadata of " + issuer;
        const bool iss_supported =
            oauth_impl::member_bool(as_meta, "authorization_response_iss_parameter_supported", what);
        auto iss = params.find("iss");
        if (iss_supported && iss == params.end())
            oauth_impl::fail("the authorization response lacks the iss parameter the server advertises");
        if (iss != params.end()) {
            std::string expected = oauth_impl::member_string(as_meta, "issuer", issuer, what);
            if (iss->second != expected)
                oauth_impl::fail("the authorization response comes from issuer " + iss->second + ", not " + expected);
        }
        auto code = params.find("code");
        if (code == params.end() || code->second.empty()) oauth_impl::fail("the authorization response has no code");
        std::vector<std::pair<std::string, std::string>> tp{{"grant_type", "authorization_code"},
                                                            {"code", code->second},
                                                            {"redirect_uri", options.redirect_uri},
                                                            {"code_verifier", verifier},
                                                            {"resource", resource}};
        co_return co_await token_request(std::move(tp), scope);
    }

    /// The scope to ask for: the challenge's, else every `scopes_supported` of the resource.
    std::string scope_for(const std::optional<bearer_challenge>& challenge) const {
        if (challenge && !challenge->scope.empty()) return challenge->scope;
        std::set<std::string> all;
        if (auto sup = prm.find("scopes_supported"); sup != prm.end() && sup->is_array())
            for (const auto& x : *sup)
                if (x.is_string()) all.insert(x.get<std::string>());
        return oauth_impl::join(all);
    }

    asio::awaitable<void> ensure_discovered(const std::optional<bearer_challenge>& challenge) {
        if (!as_meta.is_null() && registration) co_return;
        co_await discover_resource(challenge);
        co_await discover_authorization_server();
        co_await identify_client();
    }

    /// Before authorizing afresh: reads the protected resource metadata
    /// again, and when it names another authorization server (SEP-2352: the
    /// server moved), forgets everything bound to the old one (metadata,
    /// client registration, tokens) and discovers and registers with the new.
    asio::awaitable<void> rediscover(const std::optional<bearer_challenge>& challenge) {
        const std::string before = issuer;
        co_await discover_resource(challenge);
        if (issuer != before) {
            as_meta = nullptr;
            registration.reset();
            tokens.reset();
            refresh_tried = false;
        }
        if (as_meta.is_null()) co_await discover_authorization_server();
        if (!registration) co_await identify_client();
    }

    asio::awaitable<void> load() {
        if (loaded) co_return;
        loaded = true;
        const std::string index_key = issuer_index_key();
        auto idx = co_await options.store->load(index_key);
        if (!idx || !idx->contains("issuer")) co_return;
        issuer = (*idx)["issuer"].get<std::string>();
        resource = idx->value("resource", resource);
        const std::string tokens_key = key("tokens");
        if (auto t = co_await options.store->load(tokens_key)) tokens = oauth_tokens::from_json(*t);
    }
};

// Clears `busy` when the refresh or authorization that set it ends, however it ends.
struct busy_guard {
    oauth_state& st;
    ~busy_guard() { st.busy = false; }
};

}  // namespace detail

json oauth_client_registration::to_json() const {
    json j = {{"client_id", client_id}, {"token_endpoint_auth_method", token_endpoint_auth_method}};
    if (!client_secret.empty()) j["client_secret"] = client_secret;
    return j;
}

oauth_client_registration oauth_client_registration::from_json(const json& j) {
    if (!j.is_object() || !j.contains("client_id") || !j["client_id"].is_string())
        throw client_error(errc::invalid_mcp_server, "a stored client registration has no client_id");
    const std::string_view what = "a stored client registration";
    return {j["client_id"].get<std::string>(), detail::oauth_impl::member_string(j, "client_secret", "", what),
            detail::oauth_impl::member_string(j, "token_endpoint_auth_method", "", what)};
}

json oauth_tokens::to_json() const {
    return {{"access_token", access_token}, {"token_type", token_type}, {"refresh_token", refresh_token},
            {"scope", scope},               {"expires_at", expires_at}};
}

oauth_tokens oauth_tokens::from_json(const json& j) {
    oauth_tokens t;
    if (!j.is_object()) return t;
    const std::string_view what = "stored OAuth tokens";
    t.access_token = detail::oauth_impl::member_string(j, "access_token", "", what);
    t.token_type = detail::oauth_impl::member_string(j, "token_type", "Bearer", what);
    t.refresh_token = detail::oauth_impl::member_string(j, "refresh_token", "", what);
    t.scope = detail::oauth_impl::member_string(j, "scope", "", what);
    if (auto e = j.find("expires_at"); e != j.end() && !e->is_null()) {
        if (!e->is_number_integer())
            detail::oauth_impl::fail("stored OAuth tokens have an 'expires_at' that is not an integer");
        t.expires_at = e->get<std::int64_t>();
    }
    return t;
}

std::string canonical_resource_uri(const std::string& server_url) {
    auto p = detail::oauth_impl::split_url(server_url);
    std::string host = p.origin;
    std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return std::tolower(c); });
    return host + p.path;
}

oauth_client::oauth_client(asio::any_io_executor ex, std::string server_url, oauth_options options)
    : state_(std::make_shared<detail::oauth_state>(std::move(ex), std::move(server_url), std::move(options))) {}

oauth_client::~oauth_client() { state_->multi->abort_all(); }

asio::awaitable<std::string> oauth_client::authorization(const std::string&) {
    auto s = state_;
    co_await s->load();
    if (!s->tokens) co_return std::string();
    if (s->tokens->expires_at != 0 && !s->tokens->refresh_token.empty() &&
        detail::oauth_impl::now_s() + s->options.refresh_margin.count() >= s->tokens->expires_at) {
        // Refreshing needs the server metadata: discover it from the well-known locations.
        if (s->as_meta.is_null()) {
            std::optional<bearer_challenge> none;
            try {
                co_await s->ensure_discovered(none);
            } catch (const client_error&) {
            }
        }
        co_await s->refresh();
        if (!s->tokens) co_return std::string();
    }
    co_return "Bearer " + s->tokens->access_token;
}

asio::awaitable<bool> oauth_client::on_unauthorized(const std::string&, int status,
                                                    const std::optional<bearer_challenge>& challenge,
                                                    const std::string& sent_authorization) {
    auto s = state_;
    co_await s->load();
    // Single flight: requests refused together (a token that just expired)
    // wait for the one refresh or authorization in progress, and a request
    // sent with a token that has since been replaced is retried with the new
    // one, instead of each starting its own.
    asio::steady_timer t(s->ex);
    while (s->busy) {
        t.expires_after(std::chrono::milliseconds(10));
        co_await t.async_wait(asio::use_awaitable);
    }
    if (status == 401 && s->tokens && "Bearer " + s->tokens->access_token != sent_authorization) co_return true;
    s->busy = true;
    detail::busy_guard guard{*s};
    if (status == 401) {
        // Once per token: refresh; then authorize afresh.
        if (s->tokens && !s->refresh_tried && !s->tokens->refresh_token.empty()) {
            s->refresh_tried = true;
            co_await s->ensure_discovered(challenge);
            if (co_await s->refresh()) co_return true;
        }
        co_await s->rediscover(challenge);
        co_await s->authorize(s->scope_for(challenge));
        co_return true;
    }
    if (status == 403 && challenge && challenge->error == "insufficient_scope") {
        // Step up: what was granted plus what is challenged (SEP-2350).
        co_await s->ensure_discovered(challenge);
        auto want = detail::oauth_impl::scope_set(challenge->scope);
        if (s->tokens)
            for (const auto& x : detail::oauth_impl::scope_set(s->tokens->scope)) want.insert(x);
        co_await s->authorize(detail::oauth_impl::join(want));
        co_return true;
    }
    co_return false;
}

std::map<std::string, std::string> authorization_response_parameters(const std::string& redirect_url) {
    return detail::oauth_impl::query_of(redirect_url);
}

authorization_handler headless_authorization(asio::any_io_executor ex, http_options options) {
    auto multi = std::make_shared<client::curl_multi>(std::move(ex));
    return [multi, options](std::string url) -> asio::awaitable<std::string> {
        std::vector<std::string> headers;
        std::string no_body;
        auto r = co_await client::fetch(multi, options, "GET", url, no_body, headers);
        if (r.status < 300 || r.status >= 400 || r.location.empty())
            throw client_error(errc::auth_required, "the authorization endpoint answered HTTP " + std::to_string(r.status) +
                                                        " instead of redirecting: it needs a user (use a browser)");
        co_return client::resolve_url(url, r.location);
    };
}

asio::awaitable<oauth_authorization_request> begin_authorization(asio::any_io_executor ex, std::string server_url,
                                                                  oauth_options options,
                                                                  std::optional<bearer_challenge> challenge) {
    auto s = std::make_shared<detail::oauth_state>(std::move(ex), std::move(server_url), std::move(options));
    co_await s->discover_resource(challenge);
    co_await s->discover_authorization_server();
    co_await s->identify_client();
    const std::string scope = s->scope_for(challenge);
    auto parts = s->authorization_request(scope);
    oauth_authorization_request out;
    out.authorization_url = std::move(parts.url);
    out.state = parts.state;
    out.pending = {{"server_url", s->server_url},
                   {"resource", s->resource},
                   {"issuer", s->issuer},
                   {"authorization_server", s->as_meta},
                   {"registration", s->registration->to_json()},
                   {"redirect_uri", s->options.redirect_uri},
                   {"scope", scope},
                   {"state", parts.state},
                   {"code_verifier", parts.verifier}};
    co_return out;
}

asio::awaitable<oauth_grant> complete_authorization(asio::any_io_executor ex, json pending, std::string redirect_url,
                                                    oauth_options options) {
    if (!pending.is_object() || !pending.contains("server_url") || !pending["authorization_server"].is_object() ||
        !pending.contains("registration") || !pending["state"].is_string() || !pending["code_verifier"].is_string())
        detail::oauth_impl::fail("the pending authorization is incomplete; start the sign-in again");
    const std::string_view what = "the pending authorization";
    options.redirect_uri = detail::oauth_impl::member_string(pending, "redirect_uri", options.redirect_uri, what);
    auto s = std::make_shared<detail::oauth_state>(std::move(ex), pending["server_url"].get<std::string>(),
                                                   std::move(options));
    s->resource = detail::oauth_impl::member_string(pending, "resource", s->resource, what);
    s->issuer = detail::oauth_impl::member_string(pending, "issuer", "", what);
    s->as_meta = pending["authorization_server"];
    s->registration = oauth_client_registration::from_json(pending["registration"]);
    for (const char* e : {"authorization_endpoint", "token_endpoint"}) {
        if (!s->as_meta[e].is_string()) detail::oauth_impl::fail(std::string("the pending authorization has no ") + e);
        s->check_endpoint(s->as_meta[e].get<std::string>(), e);
    }
    const std::string scope = detail::oauth_impl::member_string(pending, "scope", "", what);
    oauth_grant g;
    g.tokens = co_await s->finish_authorization(redirect_url, pending["state"].get<std::string>(),
                                                pending["code_verifier"].get<std::string>(), scope);
    g.registration = *s->registration;
    g.issuer = s->issuer;
    g.token_endpoint = s->as_meta["token_endpoint"].get<std::string>();
    g.resource = s->resource;
    co_return g;
}

std::optional<oauth_tokens> oauth_client::tokens() const { return state_->tokens; }

std::string oauth_client::issuer() const { return state_->issuer; }

}  // namespace polymcp::client

#endif
