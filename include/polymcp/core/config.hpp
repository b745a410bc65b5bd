#ifndef POLYMCP_CORE_CONFIG_HPP
#define POLYMCP_CORE_CONFIG_HPP

/// @file polymcp/core/config.hpp
/// Build-mode switches, in the style of Asio's `ASIO_SEPARATE_COMPILATION`.
///
/// polymcp is header-only by default: every function is defined in the
/// headers (non-template ones in `impl/*.ipp` files the headers include).
///
/// **Separate compilation.** Define `POLYMCP_SEPARATE_COMPILATION` for every
/// translation unit of a program and compile `#include <polymcp/src.hpp>` in
/// exactly one of them (or link the CMake target `polymcp::compiled`, which
/// does both). The non-template parts of polymcp (JSON-RPC, the session, the
/// transports, the registry, constraint checks) are then compiled once
/// instead of in every translation unit, and a translation unit that declares
/// tools compiles only what depends on its own types: see docs/compile-time.md
/// for the measured effect.

#if defined(POLYMCP_SEPARATE_COMPILATION)
/// Declares a non-template function that is defined in polymcp/src.hpp.
#  define POLYMCP_DECL
/// 1 when the `impl/*.ipp` definitions are included by the headers.
#  define POLYMCP_HEADER_ONLY 0
#else
#  define POLYMCP_DECL inline
#  define POLYMCP_HEADER_ONLY 1
#endif

#endif
