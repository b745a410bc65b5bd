#ifndef POLYMCP_CORE_RANDOM_HPP
#define POLYMCP_CORE_RANDOM_HPP

/// @file polymcp/core/random.hpp
/// Unguessable identifiers (session ids, sign-in ids) from the kernel's
/// CSPRNG.

#include <polymcp/core/config.hpp>

#include <cstddef>
#include <string>

namespace polymcp {

/// `bytes` random bytes from getrandom(2) (the kernel CSPRNG) as lower-case
/// hex (2 × `bytes` characters). Thread-safe.
/// @throws std::system_error when the kernel has none to give.
POLYMCP_DECL std::string random_hex_id(std::size_t bytes = 16);

}  // namespace polymcp

#if POLYMCP_HEADER_ONLY
#include <polymcp/core/impl/random.ipp>
#endif

#endif
