#ifndef POLYMCP_AUTH_IMPL_RESOURCE_SERVER_IPP
#define POLYMCP_AUTH_IMPL_RESOURCE_SERVER_IPP

// Definitions for polymcp/auth/resource_server.hpp.

#include <polymcp/auth/resource_server.hpp>

#include <algorithm>
#include <stdexcept>

namespace polymcp::auth {

oauth_resource_server::oauth_resource_server(protected_resource_options options, jwt_verifier verifier,
                                             bearer_options bearer)
    : options_(std::move(options)), verifier_(std::move(verifier)), bearer_(std::move(bearer)) {
    const std::string& r = options_.resource;
    auto bad = [](const std::string& why) {
        throw std::invalid_argument("polymcp::auth::oauth_resource_server: " + why);
    };
    std::string_view rest;
    if (r.rfind("https://", 0) == 0) rest = std::string_view(r).substr(8);
    else if (r.rfind("http://", 0) == 0) rest = std::string_view(r).substr(7);
    else bad("the resource must be an absolute https URI, e.g. https://mcp.example.com/mcp");
    if (r.find('#') != std::string::npos) bad("the resource URI must not have a fragment (RFC 8707 section 2)");
    if (r.find('?') != std::string::npos) bad("the resource URI should not have a query (RFC 9728 section 1.2)");
    auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    if (authority.empty()) bad("the resource URI has no host");
    if (r.rfind("http://", 0) == 0) {
        std::string_view host = authority;
        if (!host.empty() && host.front() == '[') host = host.substr(0, host.find(']') + 1);
        else host = host.substr(0, host.rfind(':'));
        if (host != "localhost" && host != "[::1]" && host.rfind("127.", 0) != 0)
            bad("a plain http resource URI is allowed only on a loopback host; use https (MCP 2025-11-25, "
                "Communication Security)");
    }
    origin_ = r.substr(0, r.size() - rest.size() + authority.size());
    path_ = slash == std::string_view::npos ? std::string() : std::string(rest.substr(slash));
    if (path_ == "/") path_.clear();
    metadata_url_ = origin_ + "/.well-known/oauth-protected-resource" + path_;
    if (options_.authorization_servers.empty()) bad("name at least one authorization server");
    const auto& o = verifier_.options();
    if (!o.verify_audience || std::find(o.audiences.begin(), o.audiences.end(), r) == o.audiences.end())
        bad("the verifier must accept only tokens whose audience is the resource (RFC 8707): set "
            "jwt_options::audiences = {resource}");
}

auth_result oauth_resource_server::authenticate(const auth_request& r) const {
    std::string_view token;
    std::string detail;
    if (auto ec = find_bearer_token(r, bearer_, token, detail)) {
        auto rej = make_rejection(ec, detail, options_.required_scopes);
        return auth_result::reject(std::move(rej));
    }
    principal p;
    if (auto ec = verifier_.verify(token, p, &detail))
        return auth_result::reject(make_rejection(ec, detail, options_.required_scopes));
    auto missing = p.missing_scopes(options_.required_scopes);
    if (!missing.empty()) {
        std::string list;
        for (const auto& s : missing) list += (list.empty() ? "" : " ") + s;
        return auth_result::reject(make_rejection(errc::insufficient_scope, "missing " + list, options_.required_scopes));
    }
    return auth_result::accept(std::move(p));
}

std::string oauth_resource_server::challenge(const auth_rejection& rej) const {
    // The scopes every request needs come first, then those of this request:
    // a client that steps up to exactly this set keeps what it already
    // needed (MCP 2025-11-25 "Runtime Insufficient Scope Errors").
    auto copy = rej;
    copy.scopes = options_.required_scopes;
    for (const auto& s : rej.scopes)
        if (std::find(copy.scopes.begin(), copy.scopes.end(), s) == copy.scopes.end()) copy.scopes.push_back(s);
    return bearer_challenge(copy, {}, metadata_url_);
}

nlohmann::json oauth_resource_server::metadata() const {
    nlohmann::json m = {{"resource", options_.resource},
                        {"authorization_servers", options_.authorization_servers},
                        {"bearer_methods_supported", {"header"}}};
    if (!options_.scopes_supported.empty()) m["scopes_supported"] = options_.scopes_supported;
    if (!options_.resource_name.empty()) m["resource_name"] = options_.resource_name;
    if (!options_.resource_documentation.empty()) m["resource_documentation"] = options_.resource_documentation;
    return m;
}

std::vector<well_known_document> oauth_resource_server::documents() const {
    const std::string body = metadata().dump();
    std::vector<well_known_document> docs;
    docs.push_back({"/.well-known/oauth-protected-resource" + path_, body});
    if (!path_.empty()) docs.push_back({"/.well-known/oauth-protected-resource", body});
    return docs;
}

}  // namespace polymcp::auth

#endif
