#ifndef POLYMCP_CLIENT_HPP
#define POLYMCP_CLIENT_HPP

/// @file polymcp/client.hpp
/// The MCP client: `polymcp::client::session` and the stdio transport.
/// The HTTP transports (libcurl) are in polymcp/client/streamable_http.hpp.

#include <polymcp/client/error.hpp>
#include <polymcp/client/session.hpp>
#include <polymcp/client/stdio.hpp>
#include <polymcp/client/transport.hpp>
#include <polymcp/client/types.hpp>

#endif
