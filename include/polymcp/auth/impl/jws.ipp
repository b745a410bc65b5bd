#ifndef POLYMCP_AUTH_IMPL_JWS_IPP
#define POLYMCP_AUTH_IMPL_JWS_IPP

// Definitions for polymcp/auth/jws.hpp.

#include <polymcp/auth/detail/jose.hpp>
#include <polymcp/auth/jws.hpp>

#include <algorithm>

namespace polymcp::auth {

std::error_code verify_jws(std::string_view compact, const jwk_set& keys, const jws_options& options,
                           verified_jws& out, std::string* why) {
    auto fail = [why](errc e, std::string text) -> std::error_code {
        if (why) *why = std::move(text);
        return e;
    };
    if (compact.size() > options.max_token_bytes)
        return fail(errc::token_too_large, "the token exceeds " + std::to_string(options.max_token_bytes) + " bytes");
    const auto d1 = compact.find('.');
    const auto d2 = d1 == std::string_view::npos ? d1 : compact.find('.', d1 + 1);
    if (d2 == std::string_view::npos || compact.find('.', d2 + 1) != std::string_view::npos)
        return fail(errc::malformed_token, "a compact JWS has exactly three dot-separated parts");
    const auto h64 = compact.substr(0, d1), p64 = compact.substr(d1 + 1, d2 - d1 - 1), s64 = compact.substr(d2 + 1);
    std::vector<unsigned char> hbytes, pbytes, sig;
    if (h64.empty() || !detail::strict_base64url_decode(h64, hbytes))
        return fail(errc::malformed_token, "the JWS header is not unpadded base64url");
    nlohmann::json header;
    if (!detail::parse_strict_object(std::string_view(reinterpret_cast<const char*>(hbytes.data()), hbytes.size()),
                                     header))
        return fail(errc::malformed_token, "the JWS header is not a JSON object with unique member names");
    auto alg_it = header.find("alg");
    if (alg_it == header.end() || !alg_it->is_string())
        return fail(errc::malformed_token, "the JWS header has no 'alg' string");
    const auto& alg_name = alg_it->get_ref<const std::string&>();
    auto alg = parse_jws_algorithm(alg_name);
    if (!alg || std::find(options.algorithms.begin(), options.algorithms.end(), *alg) == options.algorithms.end())
        return fail(errc::algorithm_not_allowed, "the algorithm '" + detail::printable(alg_name, 16) + "' is not allowed");
    if (auto crit = header.find("crit"); crit != header.end()) {
        // RFC 7515 section 4.1.11: no extension is understood here, and an
        // empty list is itself an error.
        return fail(errc::unsupported_critical_header,
                    crit->is_array() && !crit->empty() ? "the token requires a critical header extension this server does not implement"
                                                       : "'crit' must be a non-empty array");
    }
    if (!detail::strict_base64url_decode(p64, pbytes) || s64.empty() || !detail::strict_base64url_decode(s64, sig))
        return fail(errc::malformed_token, "the JWS payload and signature are unpadded base64url, the signature not empty");
    std::string kid;
    if (auto k = header.find("kid"); k != header.end()) {
        if (!k->is_string()) return fail(errc::malformed_token, "the JWS header's 'kid' is not a string");
        kid = k->get<std::string>();
    }
    std::error_code ec;
    std::string reason;
    const jwk* key = keys.select(kid, *alg, ec, &reason);
    if (!key) return fail(static_cast<errc>(ec.value()), reason);
    const std::string_view signing_input = compact.substr(0, d2);
    if (!key->verify(*alg, signing_input, sig)) return fail(errc::invalid_signature, "the signature does not verify");
    out.header = std::move(header);
    out.payload.assign(reinterpret_cast<const char*>(pbytes.data()), pbytes.size());
    out.algorithm = *alg;
    out.kid = key->kid();
    return {};
}

}  // namespace polymcp::auth

#endif
