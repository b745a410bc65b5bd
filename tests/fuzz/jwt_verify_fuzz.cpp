// libFuzzer target for the bearer-token path: bytes as an Authorization
// header value, through find_bearer_token and jwt_verifier (JWS parsing,
// strict base64url, duplicate-member JSON, key selection, HMAC and ECDSA
// verification, claim checks), with a symmetric and an asymmetric key set.
//
// Invariants checked: nothing crashes or hangs; every failure is one of the
// documented auth::errc codes and maps to 400, 401 or 403; an accepted
// token's principal has the subject the claims say.
//
// Build: clang++ with -fsanitize=fuzzer,address,undefined (CMake option
// POLYMCP_BUILD_FUZZERS with clang); run with -max_total_time=30.

#include <polymcp/auth/bearer.hpp>
#include <polymcp/auth/jwt.hpp>

#include <cstdint>
#include <cstdlib>
#include <string>

namespace {

using namespace polymcp::auth;

const jwt_verifier& hs_verifier() {
    static const jwt_verifier v = [] {
        jwt_options o;
        o.algorithms = {jws_algorithm::HS256, jws_algorithm::HS512};
        o.issuer = "https://as.example";
        o.audiences = {"https://rs.example/mcp"};
        o.now = [] { return 1700000000.0; };
        return jwt_verifier(o, std::make_shared<static_keys>(nlohmann::json{
                                   {"keys", {{{"kty", "oct"}, {"kid", "h1"}, {"k", std::string(86, 'A')}}}}}));
    }();
    return v;
}

const jwt_verifier& ec_verifier() {
    static const jwt_verifier v = [] {
        jwt_options o;
        o.algorithms = {jws_algorithm::ES256, jws_algorithm::RS256};
        o.audiences = {"https://rs.example/mcp"};
        o.now = [] { return 1700000000.0; };
        nlohmann::json k = {{"kty", "EC"}, {"crv", "P-256"}, {"kid", "e1"},
                            {"x", "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"},
                            {"y", "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}};
        return jwt_verifier(o, std::make_shared<static_keys>(nlohmann::json{{"keys", {k}}}));
    }();
    return v;
}

void check(const jwt_verifier& v, std::string_view token) {
    principal p;
    std::string why;
    auto ec = v.verify(token, p, &why);
    if (!ec) {
        if (p.subject != p.claims.value("sub", std::string())) std::abort();
        return;
    }
    if (&ec.category() != &error_category() || ec.value() <= 0 || ec.value() > static_cast<int>(errc::key_fetch_failed))
        std::abort();
    auto rej = make_rejection(ec, why);
    if (rej.status != 400 && rej.status != 401 && rej.status != 403) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string value(reinterpret_cast<const char*>(data), size);
    polymcp::http::fields f;
    f.add("Authorization", value);
    auth_request r;
    r.headers = &f;
    r.target = "/mcp";
    std::string_view token;
    std::string detail;
    auto ec = find_bearer_token(r, {}, token, detail);
    if (!ec && token.size() > value.size()) std::abort();
    // The raw bytes as a token too, so that the JWS path sees every input.
    check(hs_verifier(), value);
    check(ec_verifier(), value);
    if (!ec) {
        check(hs_verifier(), token);
        check(ec_verifier(), token);
    }
    return 0;
}
