#ifndef POLYMCP_CRYPTO_NONE_HPP
#define POLYMCP_CRYPTO_NONE_HPP

/// @file polymcp/crypto/none.hpp
/// `polymcp::crypto::no_cipher`: the explicit "no cipher" choice of a
/// composition, and `cipher_or_none`, the concept the composed server checks.

#include <polymcp/crypto/concepts.hpp>

#include <concepts>

namespace polymcp::crypto {

/// The cipher parameter of a composition that seals nothing with a key: the
/// default of `polymcp::server<Transport, Auth, Storage, Cipher>`. What a
/// cipher would seal is then kept in the server's storage policy under
/// unguessable handles (`storage_request_state_codec`,
/// polymcp/server/request_state.hpp), so it never leaves the deployment.
/// Not a *Cipher*: it has no operations.
struct no_cipher {};

/// Satisfied by a *Cipher* (polymcp/crypto/concepts.hpp) and by `no_cipher`.
template <class C>
concept cipher_or_none = cipher<C> || std::same_as<C, no_cipher>;

}  // namespace polymcp::crypto

#endif
