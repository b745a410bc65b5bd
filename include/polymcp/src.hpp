#ifndef POLYMCP_SRC_HPP
#define POLYMCP_SRC_HPP

/// @file polymcp/src.hpp
/// The compiled core of polymcp for separate compilation (see
/// polymcp/core/config.hpp): everything a server, a client over stdio and
/// the in-memory storage need, and nothing that needs OpenSSL, http-parser
/// or libcurl. Include this file in exactly one translation unit of a
/// program whose translation units all define `POLYMCP_SEPARATE_COMPILATION`;
/// the CMake target `polymcp::compiled` is that translation unit, ready to
/// link. The optional parts have one file each, compiled by their own
/// target: src_crypto.hpp (`polymcp::crypto_compiled`), src_http.hpp
/// (`polymcp::http_compiled`), src_client_http.hpp
/// (`polymcp::client_http_compiled`), src_connectors.hpp
/// (`polymcp::connectors_compiled`).

#include <polymcp/core/config.hpp>

#if POLYMCP_HEADER_ONLY
#  error "polymcp/src.hpp is for separate compilation: define POLYMCP_SEPARATE_COMPILATION for the whole program"
#endif

#include <polymcp/auth/impl/bearer.ipp>
#include <polymcp/auth/impl/error.ipp>
#include <polymcp/client/impl/error.ipp>
#include <polymcp/client/impl/session.ipp>
#include <polymcp/client/impl/stdio.ipp>
#include <polymcp/client/impl/types.ipp>
#include <polymcp/core/impl/error.ipp>
#include <polymcp/core/impl/random.ipp>
#include <polymcp/json/impl/decode.ipp>
#include <polymcp/json/impl/schema.ipp>
#include <polymcp/protocol/impl/content.ipp>
#include <polymcp/protocol/impl/jsonrpc.ipp>
#include <polymcp/protocol/impl/types.ipp>
#include <polymcp/protocol/impl/header_params.ipp>
#include <polymcp/handler/impl/catalog.ipp>
#include <polymcp/handler/impl/run_handler.ipp>
#include <polymcp/handler/impl/context.ipp>
#include <polymcp/tools/impl/registry.ipp>
#include <polymcp/tools/impl/tool.ipp>
#include <polymcp/tools/impl/tool_entry.ipp>
#include <polymcp/prompts/impl/prompt.ipp>
#include <polymcp/prompts/impl/registry.ipp>
#include <polymcp/resources/impl/registry.ipp>
#include <polymcp/resources/impl/resource.ipp>
#include <polymcp/resources/impl/uri_template.ipp>
#include <polymcp/server/impl/core.ipp>
#include <polymcp/server/impl/dispatcher.ipp>
#include <polymcp/server/impl/session.ipp>
#include <polymcp/server/impl/stateless.ipp>
#include <polymcp/storage/impl/error.ipp>
#include <polymcp/storage/impl/memory.ipp>
#include <polymcp/transport/detail/impl/fd_writer.ipp>
#include <polymcp/transport/detail/impl/line_reader.ipp>
#include <polymcp/transport/impl/stdio.ipp>

#endif
