#ifndef POLYMCP_SRC_CLIENT_HTTP_HPP
#define POLYMCP_SRC_CLIENT_HTTP_HPP

/// @file polymcp/src_client_http.hpp
/// A compiled part of polymcp for separate compilation, beside polymcp/src.hpp:
/// the MCP client's HTTP transports and OAuth client, on libcurl. CMake: `polymcp::client_http_compiled`.
/// Include it in exactly one translation unit of a program that also
/// compiles polymcp/src.hpp; every translation unit defines
/// `POLYMCP_SEPARATE_COMPILATION`.

#include <polymcp/core/config.hpp>

#if POLYMCP_HEADER_ONLY
#  error "polymcp/src_client_http.hpp is for separate compilation: define POLYMCP_SEPARATE_COMPILATION for the whole program"
#endif

#include <polymcp/client/impl/curl_multi.ipp>
#include <polymcp/client/impl/http_exchange.ipp>
#include <polymcp/client/impl/legacy_sse.ipp>
#include <polymcp/client/impl/oauth.ipp>
#include <polymcp/client/impl/oauth_loopback.ipp>
#include <polymcp/client/impl/streamable_http.ipp>

#endif
