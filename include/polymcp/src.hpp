#ifndef POLYMCP_SRC_HPP
#define POLYMCP_SRC_HPP

/// @file polymcp/src.hpp
/// The compiled part of polymcp for separate compilation (see
/// polymcp/core/config.hpp): include this file in exactly one translation
/// unit of a program whose translation units all define
/// `POLYMCP_SEPARATE_COMPILATION`. The CMake target `polymcp::compiled` is
/// such a translation unit, ready to link.

#include <polymcp/core/config.hpp>

#if POLYMCP_HEADER_ONLY
#  error "polymcp/src.hpp is for separate compilation: define POLYMCP_SEPARATE_COMPILATION for the whole program"
#endif

#include <polymcp/auth/detail/impl/jose.ipp>
#include <polymcp/auth/impl/api_key.ipp>
#include <polymcp/auth/impl/bearer.ipp>
#include <polymcp/auth/impl/error.ipp>
#include <polymcp/auth/impl/jwk.ipp>
#include <polymcp/auth/impl/jws.ipp>
#include <polymcp/auth/impl/jwt.ipp>
#include <polymcp/auth/impl/resource_server.ipp>
#include <polymcp/client/impl/error.ipp>
#include <polymcp/client/impl/session.ipp>
#include <polymcp/client/impl/stdio.ipp>
#include <polymcp/client/impl/types.ipp>
#include <polymcp/connectors/impl/aggregator.ipp>
#include <polymcp/connectors/impl/auth_config.ipp>
#include <polymcp/connectors/impl/environment.ipp>
#include <polymcp/connectors/impl/error.ipp>
#include <polymcp/connectors/impl/ssrf.ipp>
#include <polymcp/connectors/impl/types.ipp>
#include <polymcp/core/impl/error.ipp>
#include <polymcp/core/impl/random.ipp>
#include <polymcp/crypto/impl/openssl.ipp>
#include <polymcp/crypto/impl/aes_gcm.ipp>
#include <polymcp/crypto/impl/concepts.ipp>
#include <polymcp/crypto/impl/error.ipp>
#include <polymcp/crypto/impl/fernet.ipp>
#include <polymcp/http/detail/impl/connection.ipp>
#include <polymcp/http/detail/impl/request_parser.ipp>
#include <polymcp/http/impl/message.ipp>
#include <polymcp/http/impl/server.ipp>
#include <polymcp/json/impl/decode.ipp>
#include <polymcp/json/impl/schema.ipp>
#include <polymcp/protocol/impl/content.ipp>
#include <polymcp/protocol/impl/jsonrpc.ipp>
#include <polymcp/protocol/impl/types.ipp>
#include <polymcp/prompts/impl/prompt.ipp>
#include <polymcp/prompts/impl/registry.ipp>
#include <polymcp/resources/impl/registry.ipp>
#include <polymcp/resources/impl/resource.ipp>
#include <polymcp/resources/impl/uri_template.ipp>
#include <polymcp/handler/impl/catalog.ipp>
#include <polymcp/handler/impl/run_handler.ipp>
#include <polymcp/handler/impl/context.ipp>
#include <polymcp/server/impl/core.ipp>
#include <polymcp/server/impl/session.ipp>
#include <polymcp/storage/impl/error.ipp>
#include <polymcp/storage/impl/memory.ipp>
#include <polymcp/protocol/impl/header_params.ipp>
#include <polymcp/tools/impl/registry.ipp>
#include <polymcp/tools/impl/tool.ipp>
#include <polymcp/tools/impl/tool_entry.ipp>
#include <polymcp/transport/detail/impl/fd_writer.ipp>
#include <polymcp/transport/detail/impl/line_reader.ipp>
#include <polymcp/transport/impl/stdio.ipp>
#include <polymcp/transport/detail/impl/http_checks.ipp>
#include <polymcp/transport/impl/streamable_http.ipp>

// The MCP client's HTTP transports need libcurl (CMake: defined when found).
#if defined(POLYMCP_WITH_CURL_CLIENT)
#include <polymcp/client/impl/curl_multi.ipp>
#include <polymcp/client/impl/http_exchange.ipp>
#include <polymcp/client/impl/legacy_sse.ipp>
#include <polymcp/client/impl/oauth.ipp>
#include <polymcp/client/impl/oauth_loopback.ipp>
#include <polymcp/client/impl/streamable_http.ipp>
#include <polymcp/connectors/impl/upstream.ipp>
#include <polymcp/connectors/impl/validator.ipp>
#endif

#endif
