#ifndef POLYMCP_AUTH_IMPL_JWT_IPP
#define POLYMCP_AUTH_IMPL_JWT_IPP

// Definitions for polymcp/auth/jwt.hpp.

#include <polymcp/auth/detail/jose.hpp>
#include <polymcp/auth/jwt.hpp>

#include <stdexcept>

namespace polymcp::auth {

static_keys::static_keys(const nlohmann::json& jwks) {
    jwk_set set;
    std::string why;
    if (jwk_set::parse(jwks, set, &why)) throw std::invalid_argument("polymcp::auth::static_keys: " + why);
    keys_ = std::make_shared<const jwk_set>(std::move(set));
}

jwt_verifier::jwt_verifier(jwt_options options, std::shared_ptr<key_source> keys)
    : options_(std::move(options)), keys_(std::move(keys)) {
    if (options_.algorithms.empty())
        throw std::invalid_argument("polymcp::auth::jwt_verifier: the algorithm allow-list is empty");
    if (options_.verify_audience && options_.audiences.empty())
        throw std::invalid_argument("polymcp::auth::jwt_verifier: no audience configured; an MCP server accepts "
                                    "only tokens issued for its canonical URI (RFC 8707)");
    if (!keys_) throw std::invalid_argument("polymcp::auth::jwt_verifier: no key source");
}

namespace detail {
inline bool ieq(std::string_view a, std::string_view b) { return http::iequals(a, b); }
}  // namespace detail

std::error_code jwt_verifier::verify(std::string_view token, principal& out, std::string* why) const {
    auto fail = [why](errc e, std::string text) -> std::error_code {
        if (why) *why = std::move(text);
        return e;
    };
    jws_options jo{options_.algorithms, options_.max_token_bytes};
    verified_jws v;
    auto keys = keys_->current();
    auto ec = verify_jws(token, *keys, jo, v, why);
    if (ec == errc::unknown_key) {
        std::string kid;
        // The header is re-read only to learn the kid for a refresh; nothing
        // in it is trusted before the signature verifies.
        auto d = token.find('.');
        std::vector<unsigned char> h;
        nlohmann::json hj;
        if (d != std::string_view::npos && detail::strict_base64url_decode(token.substr(0, d), h) &&
            detail::parse_strict_object(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()), hj) &&
            hj.contains("kid") && hj["kid"].is_string())
            kid = hj["kid"].get<std::string>();
        if (auto fresh = keys_->refresh_for(kid)) ec = verify_jws(token, *fresh, jo, v, why);
    }
    if (ec) return ec;

    if (auto typ = v.header.find("typ"); typ != v.header.end()) {
        if (!typ->is_string()) return fail(errc::invalid_claims, "the header 'typ' is not a string");
        if (options_.require_access_token_type && !detail::ieq(typ->get_ref<const std::string&>(), "at+jwt") &&
            !detail::ieq(typ->get_ref<const std::string&>(), "application/at+jwt"))
            return fail(errc::invalid_claims, "the token's typ is not at+jwt (RFC 9068 section 4)");
    } else if (options_.require_access_token_type) {
        return fail(errc::invalid_claims, "the token has no typ; at+jwt is required (RFC 9068 section 4)");
    }

    nlohmann::json claims;
    if (!detail::parse_strict_object(v.payload, claims))
        return fail(errc::invalid_claims, "the JWT claims are not a JSON object with unique member names");

    const double now = options_.now ? options_.now()
                                    : std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    const double leeway = static_cast<double>(options_.leeway.count());
    auto numeric_date = [&](const char* name, double& value, bool& present) -> bool {
        present = false;
        auto it = claims.find(name);
        if (it == claims.end()) return true;
        if (!it->is_number()) return false;
        value = it->get<double>();
        present = true;
        return true;
    };
    double exp = 0, nbf = 0, iat = 0;
    bool has_exp = false, has_nbf = false, has_iat = false;
    if (!numeric_date("exp", exp, has_exp)) return fail(errc::invalid_claims, "'exp' is not a NumericDate (a JSON number)");
    if (!numeric_date("nbf", nbf, has_nbf)) return fail(errc::invalid_claims, "'nbf' is not a NumericDate (a JSON number)");
    if (!numeric_date("iat", iat, has_iat)) return fail(errc::invalid_claims, "'iat' is not a NumericDate (a JSON number)");
    if (!has_exp && options_.require_expiration) return fail(errc::invalid_claims, "the token has no 'exp' (RFC 9068 section 2.2)");
    if (has_exp && !(now < exp + leeway)) return fail(errc::expired, "the token expired; obtain a new one");
    if (has_nbf && now + leeway < nbf) return fail(errc::not_yet_valid, "the token is not valid yet (nbf)");
    if (has_iat && now + leeway < iat) return fail(errc::issued_in_future, "the token's iat is in the future");

    std::string iss;
    if (auto it = claims.find("iss"); it != claims.end()) {
        if (!it->is_string()) return fail(errc::invalid_claims, "'iss' is not a string");
        iss = it->get<std::string>();
    }
    if (!options_.issuer.empty() && iss != options_.issuer)
        return fail(errc::wrong_issuer, "the token was issued by another authorization server");

    if (options_.verify_audience) {
        auto it = claims.find("aud");
        bool match = false;
        auto ours = [&](const nlohmann::json& a) {
            if (!a.is_string()) return false;
            for (const auto& x : options_.audiences)
                if (a.get_ref<const std::string&>() == x) return true;
            return false;
        };
        if (it != claims.end()) {
            if (it->is_string()) match = ours(*it);
            else if (it->is_array())
                for (const auto& a : *it) match = match || ours(a);
        }
        if (!match) return fail(errc::wrong_audience, "the token was not issued for this server (aud)");
    }

    principal p;
    if (auto it = claims.find("sub"); it != claims.end()) {
        if (!it->is_string() || it->get_ref<const std::string&>().empty())
            return fail(errc::invalid_claims, "'sub' is not a non-empty string");
        p.subject = it->get<std::string>();
    } else if (options_.require_subject) {
        return fail(errc::invalid_claims, "the token has no 'sub' (RFC 9068 section 2.2)");
    }
    if (!options_.tenant_claim.empty())
        if (auto it = claims.find(options_.tenant_claim); it != claims.end()) {
            if (!it->is_string()) return fail(errc::invalid_claims, "the tenant claim is not a string");
            p.tenant = it->get<std::string>();
        }
    for (const char* c : {"client_id", "azp"})
        if (auto it = claims.find(c); it != claims.end() && p.client_id.empty()) {
            if (!it->is_string()) return fail(errc::invalid_claims, std::string("'") + c + "' is not a string");
            p.client_id = it->get<std::string>();
        }
    auto split = [&p](std::string_view s) {
        while (!s.empty()) {
            auto sp = s.find(' ');
            if (sp != 0) p.scopes.emplace_back(s.substr(0, sp));
            if (sp == std::string_view::npos) break;
            s.remove_prefix(sp + 1);
        }
    };
    if (auto it = claims.find("scope"); it != claims.end()) {
        if (!it->is_string()) return fail(errc::invalid_claims, "'scope' is not a space-separated string (RFC 9068)");
        split(it->get_ref<const std::string&>());
    } else if (auto scp = claims.find("scp"); scp != claims.end()) {
        if (scp->is_string()) {
            split(scp->get_ref<const std::string&>());
        } else if (scp->is_array()) {
            for (const auto& s : *scp) {
                if (!s.is_string()) return fail(errc::invalid_claims, "'scp' holds a non-string");
                p.scopes.push_back(s.get<std::string>());
            }
        } else {
            return fail(errc::invalid_claims, "'scp' is neither a string nor an array of strings");
        }
    }
    p.issuer = iss.empty() ? "jwt" : iss;
    p.claims = std::move(claims);
    out = std::move(p);
    return {};
}

auth_result jwt_auth::authenticate(const auth_request& r) const {
    std::string_view token;
    std::string detail;
    if (auto ec = find_bearer_token(r, bearer_, token, detail)) return auth_result::reject(ec, detail);
    principal p;
    if (auto ec = verifier_.verify(token, p, &detail)) return auth_result::reject(ec, detail);
    return auth_result::accept(std::move(p));
}

}  // namespace polymcp::auth

#endif
