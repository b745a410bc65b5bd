#ifndef POLYMCP_SERVER_HPP
#define POLYMCP_SERVER_HPP

/// @file polymcp/server.hpp
/// `polymcp::server<Transport>`: a server composed at compile time from a
/// transport policy, options and a tool registry.
///
/// @code
/// int main() {
///     polymcp::server srv({.info = {.name = "hello", .version = "1.0.0"}},
///                         polymcp::tools(echo, add));
///     return srv.run() ? 1 : 0;   // stdio by default
/// }
/// @endcode

#include <polymcp/server/core.hpp>
#include <polymcp/tools/registry.hpp>
#include <polymcp/transport/concepts.hpp>
#include <polymcp/transport/stdio.hpp>

#include <memory>
#include <system_error>

namespace polymcp {

/// An MCP server. `Transport` must satisfy `polymcp::transport`
/// (transport/concepts.hpp); the default serves stdio.
/// Not copyable or movable; `run` is called from one thread at a time.
template <transport Transport = stdio_transport>
class server {
public:
    /// A server over a fixed, compile-time checked tool set.
    /// @throws std::invalid_argument for a `describe` trait naming a non-member.
    template <class... Tools>
    server(server_options options, const tool_set<Tools...>& tools, Transport t = Transport{})
        : core_(std::move(options), tools.make_registry()), transport_(std::move(t)) {}

    /// A server over a shared (possibly dynamic) registry.
    server(server_options options, std::shared_ptr<tool_registry> tools, Transport t = Transport{})
        : core_(std::move(options), std::move(tools)), transport_(std::move(t)) {}

    /// A server with tools, resources and prompts (see `polymcp::features`).
    server(server_options options, server_features features, Transport t = Transport{})
        : core_(std::move(options), std::move(features)), transport_(std::move(t)) {}

    /// Serves until the transport ends (for stdio: end of input or
    /// SIGTERM/SIGINT), then returns after a graceful shutdown.
    /// @return the transport's error (e.g. `errc::transport_closed`), or success.
    std::error_code run() { return transport_.run(core_); }

    /// The transport-independent core (io_context, options, tools).
    server_core& core() noexcept { return core_; }
    /// The tool registry (add or remove tools when it is dynamic).
    const std::shared_ptr<tool_registry>& tools() const noexcept { return core_.tools(); }
    /// The transport (e.g. to ask a Streamable HTTP transport for its port).
    Transport& transport() noexcept { return transport_; }

private:
    server_core core_;
    Transport transport_;
};

template <class... Tools>
server(server_options, const tool_set<Tools...>&) -> server<stdio_transport>;
server(server_options, std::shared_ptr<tool_registry>) -> server<stdio_transport>;
server(server_options, server_features) -> server<stdio_transport>;

}  // namespace polymcp

#endif
