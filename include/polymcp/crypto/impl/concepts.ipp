#ifndef POLYMCP_CRYPTO_IMPL_CONCEPTS_IPP
#define POLYMCP_CRYPTO_IMPL_CONCEPTS_IPP

// Definitions for polymcp/crypto/concepts.hpp.

#include <polymcp/crypto/concepts.hpp>

namespace polymcp::crypto::detail {

std::uint64_t unix_time_now() noexcept {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
}

// Python's checks: expired iff timestamp + ttl < now; too far ahead iff
// now + skew < timestamp. In 128-bit arithmetic so that no value overflows.
std::error_code check_lifetime(std::uint64_t timestamp, const decrypt_options& opt) noexcept {
    if (!opt.ttl) return {};
    __int128 now = static_cast<__int128>(opt.now ? *opt.now : unix_time_now());
    __int128 ts = static_cast<__int128>(timestamp);
    if (ts + static_cast<__int128>(opt.ttl->count()) < now) return errc::expired;
    if (now + static_cast<__int128>(opt.max_clock_skew.count()) < ts) return errc::not_yet_valid;
    return {};
}
}  // namespace polymcp::crypto::detail

#endif
