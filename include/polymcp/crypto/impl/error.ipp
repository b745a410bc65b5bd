#ifndef POLYMCP_CRYPTO_IMPL_ERROR_IPP
#define POLYMCP_CRYPTO_IMPL_ERROR_IPP

// Definitions for polymcp/crypto/error.hpp.

#include <polymcp/crypto/error.hpp>

namespace polymcp::crypto {

namespace detail {
class crypto_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "polymcp.crypto"; }
    std::string message(int ev) const override {
        switch (static_cast<errc>(ev)) {
            case errc::success: return "success";
            case errc::invalid_token: return "invalid token: not a token of this cipher's format";
            case errc::expired: return "token expired: older than the allowed time to live";
            case errc::not_yet_valid: return "token timestamp is too far in the future (clock skew)";
            case errc::authentication_failed:
                return "token authentication failed: made under another key, altered, or bound to other associated data";
            case errc::wrong_key: return "token was made under a key this cipher does not hold";
            case errc::associated_data_unsupported:
                return "this cipher's token format cannot bind associated data";
            case errc::missing_key: return "no encryption key configured";
            case errc::malformed_key: return "malformed key: not URL-safe base64 of the expected length";
            case errc::crypto_failure: return "the cryptographic library failed";
        }
        return "unknown polymcp.crypto error";
    }
};
}  // namespace detail

const std::error_category& error_category() noexcept {
    static const detail::crypto_category_impl cat;
    return cat;
}

}  // namespace polymcp::crypto

#endif
