#ifndef POLYMCP_CORE_FIXED_STRING_HPP
#define POLYMCP_CORE_FIXED_STRING_HPP

/// @file polymcp/core/fixed_string.hpp
/// A string usable as a C++20 class-type non-type template parameter, so that
/// names such as tool names are known at compile time (`polymcp::tool<"echo">`).

#include <cstddef>
#include <string_view>

namespace polymcp {

/// A compile-time string literal of `N - 1` characters (N counts the terminating NUL).
///
/// Used as a template argument: `tool<"echo">(...)`. Comparison is by content.
template <std::size_t N>
struct fixed_string {
    char data[N]{};  ///< the characters and the terminating NUL

    /// Copies the literal `s` (including its terminating NUL).
    constexpr fixed_string(const char (&s)[N]) noexcept {
        for (std::size_t i = 0; i < N; ++i) data[i] = s[i];
    }

    /// The characters without the terminating NUL.
    constexpr std::string_view view() const noexcept { return {data, N - 1}; }
    /// Number of characters (without the NUL).
    static constexpr std::size_t size() noexcept { return N - 1; }

    /// Whether both hold the same characters.
    template <std::size_t M>
    constexpr bool operator==(const fixed_string<M>& o) const noexcept {
        return view() == o.view();
    }
};

}  // namespace polymcp

#endif
