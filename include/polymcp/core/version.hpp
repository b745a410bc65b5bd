#ifndef POLYMCP_CORE_VERSION_HPP
#define POLYMCP_CORE_VERSION_HPP

/// @file polymcp/core/version.hpp
/// The library's own version, as a number and as a string.

/// polymcp version as MAJOR * 10000 + MINOR * 100 + PATCH.
#define POLYMCP_VERSION 100  // 0.1.0

namespace polymcp {

/// The library version as "MAJOR.MINOR.PATCH"; used as the default `serverInfo.version`.
inline constexpr const char* version_string = "0.1.0";

}  // namespace polymcp

#endif
