#ifndef POLYMCP_CRYPTO_SEALED_HPP
#define POLYMCP_CRYPTO_SEALED_HPP

/// @file polymcp/crypto/sealed.hpp
/// `polymcp::crypto::sealer<Cipher>`: JSON values sealed with a *Cipher* and
/// bound to what they belong to. Every secret polymcp keeps at rest — a
/// connector's or a catalog server's credentials, OAuth tokens and client
/// registrations, tenants' API credentials — is sealed this one way.
///
/// **Binding.** A sealed value belongs to a *purpose* (which kind of secret:
/// "polymcp.connector", "polymcp.oauth", ...) and an ordered list of *ids*
/// (whose: tenant, user, connector id, ...). Its canonical form,
/// `seal_binding(purpose, ids)`, is
///
///     "polymcp.sealed.v1" LF field*      field = decimal-length ":" bytes LF
///
/// with the purpose as the first field and the ids after it: every field
/// length-prefixed, so that no choice of purpose and ids spells another.
///
/// **Token.** The cipher encrypts the plaintext `{"b": binding, "v": value}`
/// (compact JSON); ciphers that authenticate associated data
/// (`Cipher::binds_associated_data`: AES-256-GCM) also get the binding as
/// associated data, others (Fernet) rely on the copy inside. `open` refuses
/// a token whose binding differs: a sealed value copied onto another
/// owner's record, or sealed for another purpose, does not open.
///
/// **Errors.** `crypto::errc`: the cipher's own (`authentication_failed` for
/// a wrong key or an altered token, `invalid_token`, ...), and
/// `authentication_failed` for a token that opens but is bound elsewhere or
/// is not an envelope. The `error_code` forms never throw for bad tokens;
/// the others throw `std::system_error` with the code. No error text holds a
/// plaintext, a key or a token. Intermediate plaintext buffers are cleansed.
///
/// @code
/// polymcp::crypto::sealer<polymcp::crypto::fernet> s(polymcp::crypto::fernet(key));
/// auto token = s.seal("polymcp.connector", {tenant, user, id}, auth_config);
/// std::error_code ec;
/// auto back = s.open("polymcp.connector", {tenant, user, id}, token, ec);
/// @endcode
///
/// Thread-safety: `const` members may be called from many threads at once.

#include <polymcp/crypto/concepts.hpp>
#include <polymcp/crypto/openssl.hpp>

#include <nlohmann/json.hpp>

#include <initializer_list>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace polymcp::crypto {

/// The ids a sealed value is bound to, in order: an `std::initializer_list`
/// of string views at a call site (`{tenant, user, id}`), or a vector of
/// strings kept by a caller.
class seal_ids {
public:
    /// `{tenant, user, id}`.
    seal_ids(std::initializer_list<std::string_view> ids) : ids_(ids.begin(), ids.end()) {}  // NOLINT(google-explicit-constructor)
    /// Ids a caller keeps (viewed: they must outlive this object).
    seal_ids(const std::vector<std::string>& ids) : ids_(ids.begin(), ids.end()) {}  // NOLINT(google-explicit-constructor)
    auto begin() const noexcept { return ids_.begin(); }  ///< the first id
    auto end() const noexcept { return ids_.end(); }      ///< past the last id

private:
    std::vector<std::string_view> ids_;
};

/// The canonical binding of `purpose` and `ids` (see the file comment): the
/// associated data of a sealed value, and the `"b"` member of its plaintext.
inline std::string seal_binding(std::string_view purpose, const seal_ids& ids) {
    std::string out = "polymcp.sealed.v1\n";
    auto field = [&out](std::string_view f) {
        out += std::to_string(f.size());
        out.push_back(':');
        out.append(f);
        out.push_back('\n');
    };
    field(purpose);
    for (auto id : ids) field(id);
    return out;
}

/// Seals and opens JSON values bound to a purpose and ids, with `Cipher`
/// (see the file comment).
template <cipher Cipher>
class sealer {
public:
    /// @param c the cipher (copied): a key, or a key ring for rotation
    explicit sealer(Cipher c) : cipher_(std::move(c)) {}

    /// A token for `value` bound to `purpose` and `ids`; "" and `ec` on failure.
    std::string seal(std::string_view purpose, const seal_ids& ids, const nlohmann::json& value,
                     std::error_code& ec) const {
        const auto binding = seal_binding(purpose, ids);
        std::string text = nlohmann::json{{"b", binding}, {"v", value}}.dump();
        auto token = cipher_.encrypt(text, associated(binding), ec);
        detail::cleanse(text);
        return token;
    }

    /// As above. @throws std::system_error with the cipher's code
    std::string seal(std::string_view purpose, const seal_ids& ids,
                     const nlohmann::json& value) const {
        std::error_code ec;
        auto token = seal(purpose, ids, value, ec);
        if (ec) throw std::system_error(ec, "sealing a " + std::string(purpose) + " value");
        return token;
    }

    /// The value `token` seals when it authenticates and is bound to
    /// `purpose` and `ids`; null and `ec` otherwise.
    nlohmann::json open(std::string_view purpose, const seal_ids& ids, std::string_view token,
                        std::error_code& ec) const {
        const auto binding = seal_binding(purpose, ids);
        auto plain = cipher_.decrypt(token, associated(binding), ec);
        if (ec) return nullptr;
        auto envelope = nlohmann::json::parse(plain, nullptr, false);
        detail::cleanse(plain);
        auto b = envelope.is_object() ? envelope.find("b") : envelope.end();
        if (!envelope.is_object() || b == envelope.end() || !b->is_string() || *b != binding || !envelope.contains("v")) {
            ec = errc::authentication_failed;
            return nullptr;
        }
        return std::move(envelope["v"]);
    }

    /// As above. @throws std::system_error with the code
    nlohmann::json open(std::string_view purpose, const seal_ids& ids,
                        std::string_view token) const {
        std::error_code ec;
        auto v = open(purpose, ids, token, ec);
        if (ec) throw std::system_error(ec, "opening a " + std::string(purpose) + " value");
        return v;
    }

    /// The cipher.
    const Cipher& cipher() const noexcept { return cipher_; }

private:
    static std::string associated(const std::string& binding) {
        if constexpr (Cipher::binds_associated_data) return binding;
        else return {};
    }

    Cipher cipher_;
};

}  // namespace polymcp::crypto

#endif
