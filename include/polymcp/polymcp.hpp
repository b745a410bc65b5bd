#ifndef POLYMCP_POLYMCP_HPP
#define POLYMCP_POLYMCP_HPP

/// @file polymcp/polymcp.hpp
/// Umbrella header: everything needed to declare typed tools and run an MCP
/// server over stdio.

#include <polymcp/core/error.hpp>
#include <polymcp/core/fixed_string.hpp>
#include <polymcp/core/version.hpp>
#include <polymcp/json/decode.hpp>
#include <polymcp/json/describe.hpp>
#include <polymcp/json/encode.hpp>
#include <polymcp/json/schema.hpp>
#include <polymcp/protocol/content.hpp>
#include <polymcp/protocol/jsonrpc.hpp>
#include <polymcp/protocol/revision.hpp>
#include <polymcp/protocol/types.hpp>
#include <polymcp/prompts/prompt.hpp>
#include <polymcp/prompts/registry.hpp>
#include <polymcp/resources/registry.hpp>
#include <polymcp/resources/resource.hpp>
#include <polymcp/resources/uri_template.hpp>
#include <polymcp/handler/completion.hpp>
#include <polymcp/server/features.hpp>
#include <polymcp/handler/context.hpp>
#include <polymcp/server/core.hpp>
#include <polymcp/server/options.hpp>
#include <polymcp/handler/outbound.hpp>
#include <polymcp/server.hpp>
#include <polymcp/server/session.hpp>
#include <polymcp/tools/registry.hpp>
#include <polymcp/tools/tool.hpp>
#include <polymcp/tools/tool_entry.hpp>
#include <polymcp/transport/concepts.hpp>
#include <polymcp/transport/stdio.hpp>

#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <boost/hana/define_struct.hpp>
#include <boost/hana/adapt_struct.hpp>

#endif
