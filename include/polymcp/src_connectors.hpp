#ifndef POLYMCP_SRC_CONNECTORS_HPP
#define POLYMCP_SRC_CONNECTORS_HPP

/// @file polymcp/src_connectors.hpp
/// A compiled part of polymcp for separate compilation, beside polymcp/src.hpp:
/// the connector manager's non-template parts (polymcp/connectors/). CMake: `polymcp::connectors_compiled`.
/// Include it in exactly one translation unit of a program that also
/// compiles polymcp/src.hpp; every translation unit defines
/// `POLYMCP_SEPARATE_COMPILATION`.

#include <polymcp/core/config.hpp>

#if POLYMCP_HEADER_ONLY
#  error "polymcp/src_connectors.hpp is for separate compilation: define POLYMCP_SEPARATE_COMPILATION for the whole program"
#endif

#include <polymcp/connectors/impl/aggregator.ipp>
#include <polymcp/connectors/impl/auth_config.ipp>
#include <polymcp/connectors/impl/environment.ipp>
#include <polymcp/connectors/impl/error.ipp>
#include <polymcp/connectors/impl/ssrf.ipp>
#include <polymcp/connectors/impl/types.ipp>
#include <polymcp/connectors/impl/upstream.ipp>
#include <polymcp/connectors/impl/validator.ipp>

#endif
