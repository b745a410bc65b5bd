#ifndef POLYMCP_SRC_HTTP_HPP
#define POLYMCP_SRC_HTTP_HPP

/// @file polymcp/src_http.hpp
/// A compiled part of polymcp for separate compilation, beside polymcp/src.hpp:
/// the HTTP/1.1 server (polymcp/http/) and the Streamable HTTP transport, on http-parser (and libcrypto through src_crypto.hpp). CMake: `polymcp::http_compiled`.
/// Include it in exactly one translation unit of a program that also
/// compiles polymcp/src.hpp; every translation unit defines
/// `POLYMCP_SEPARATE_COMPILATION`.

#include <polymcp/core/config.hpp>

#if POLYMCP_HEADER_ONLY
#  error "polymcp/src_http.hpp is for separate compilation: define POLYMCP_SEPARATE_COMPILATION for the whole program"
#endif

#include <polymcp/http/detail/impl/connection.ipp>
#include <polymcp/http/detail/impl/request_parser.ipp>
#include <polymcp/http/impl/message.ipp>
#include <polymcp/http/impl/server.ipp>
#include <polymcp/transport/detail/impl/http_checks.ipp>
#include <polymcp/transport/impl/streamable_http.ipp>

#endif
