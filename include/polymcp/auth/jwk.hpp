#ifndef POLYMCP_AUTH_JWK_HPP
#define POLYMCP_AUTH_JWK_HPP

/// @file polymcp/auth/jwk.hpp
/// JSON Web Keys (RFC 7517) for verifying JWS signatures (RFC 7515) with the
/// algorithms of RFC 7518 section 3.1, on OpenSSL (target `polymcp::crypto`).
///
/// A key is checked when it is parsed and refused (`errc::invalid_key`, with
/// a reason) when it must not verify anything: `use` other than "sig",
/// `key_ops` without "verify", an `alg` that is not a JWS algorithm or does
/// not fit the key type or curve, an HMAC key shorter than its hash, an RSA
/// modulus under 2048 bits (or over 16384), a public exponent that is even
/// or 1, a modulus with the ROCA fingerprint (CVE-2017-15361), an EC point
/// not on its curve or coordinates of the wrong length. Only public members
/// are read: a private JWK verifies as its public half.

#include <polymcp/auth/error.hpp>
#include <polymcp/core/config.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace polymcp::auth {

/// The JWS algorithms polymcp verifies (RFC 7518 section 3.1). `none` is
/// not one of them, by design.
enum class jws_algorithm { HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512 };

/// The algorithm named `name` (case-sensitive, as RFC 7515 requires), or nothing.
POLYMCP_DECL std::optional<jws_algorithm> parse_jws_algorithm(std::string_view name) noexcept;
/// The registered name of `a`, e.g. "RS256".
POLYMCP_DECL std::string_view to_string(jws_algorithm a) noexcept;

namespace detail {
struct key_material;
}

/// One verification key. Immutable and cheap to copy (copies share the
/// key); thread-safe.
class jwk {
public:
    /// Parses and checks one JWK (see this header's notes).
    /// @param j the JWK object
    /// @param out the key, on success
    /// @param why on failure, the reason (never key material)
    /// @return `errc::invalid_key` on failure
    POLYMCP_DECL static std::error_code parse(const nlohmann::json& j, jwk& out, std::string* why = nullptr);

    /// `kid` ("" when absent).
    const std::string& kid() const noexcept { return kid_; }
    /// `kty`: "oct", "RSA" or "EC".
    const std::string& kty() const noexcept { return kty_; }
    /// The algorithm the key is bound to by its `alg` member, if any.
    std::optional<jws_algorithm> alg() const noexcept { return alg_; }
    /// True for "oct" keys.
    bool symmetric() const noexcept { return kty_ == "oct"; }

    /// Whether this key may verify `a`: the key type (and curve, and HMAC
    /// key length) fits, and the key's `alg`, when present, is `a`.
    POLYMCP_DECL bool allows(jws_algorithm a) const noexcept;

    /// Verifies `signature` over `signing_input` with algorithm `a`.
    /// ECDSA signatures are the fixed-size R||S of RFC 7518 section 3.4 (DER
    /// is refused); HMAC tags are compared in constant time.
    /// Precondition: `allows(a)`. Returns false on any mismatch or error.
    POLYMCP_DECL bool verify(jws_algorithm a, std::string_view signing_input,
                             std::span<const unsigned char> signature) const noexcept;

private:
    std::string kid_, kty_;
    std::optional<jws_algorithm> alg_;
    std::shared_ptr<const detail::key_material> m_;
};

/// A JWK Set (RFC 7517 section 5): the keys a verifier trusts.
///
/// Parsing keeps the keys that pass the checks and remembers why the others
/// were refused, so a token naming a refused key is told why. A set mixing
/// symmetric ("oct") and asymmetric keys is refused whole: it invites
/// algorithm confusion. A `kid` shared by several keys is ambiguous: a token
/// naming it is refused.
class jwk_set {
public:
    jwk_set() = default;

    /// Parses `{"keys": [...]}` (or a single JWK object).
    /// @param j the document
    /// @param out the keys, on success
    /// @param why on failure, the reason
    /// @return `errc::invalid_key` when the document is not a JWK Set or
    ///         mixes symmetric and asymmetric keys
    POLYMCP_DECL static std::error_code parse(const nlohmann::json& j, jwk_set& out, std::string* why = nullptr);

    /// Adds a checked key. @throws std::invalid_argument when it would mix
    /// symmetric and asymmetric keys.
    POLYMCP_DECL void add(jwk k);

    /// Chooses the key for a token with `kid` (empty: the token has none)
    /// and algorithm `a`: the key with that `kid`; without `kid`, the only
    /// key allowing `a`. Never tries keys one after another.
    /// @param kid the token's `kid`, or empty
    /// @param a the token's `alg`
    /// @param ec the failure (see the return value)
    /// @param why on failure, the reason
    /// @return the key, or null with `ec` = `unknown_key` (none, or several
    ///         without a `kid`), `invalid_key` (the `kid` is ambiguous or its
    ///         key was refused at parsing), `algorithm_not_allowed` (the key
    ///         does not allow `a`)
    POLYMCP_DECL const jwk* select(std::string_view kid, jws_algorithm a, std::error_code& ec,
                                   std::string* why = nullptr) const;

    /// Keys kept.
    std::size_t size() const noexcept { return keys_.size(); }
    const std::vector<jwk>& keys() const noexcept { return keys_; }  ///< the keys kept, in document order
    /// Keys refused at parsing: kid (or "#index") → reason.
    const std::map<std::string, std::string>& refused() const noexcept { return refused_; }

private:
    std::vector<jwk> keys_;
    std::map<std::string, std::string> refused_;
};

}  // namespace polymcp::auth

#if POLYMCP_HEADER_ONLY
#include <polymcp/auth/impl/jwk.ipp>
#endif

#endif
