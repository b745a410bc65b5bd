#ifndef POLYMCP_SERVER_CORE_HPP
#define POLYMCP_SERVER_CORE_HPP

/// @file polymcp/server/core.hpp
/// `polymcp::server_core`: what a transport needs from a server: the
/// io_context, the thread pool for blocking handlers, and a factory of
/// sessions.

#include <polymcp/core/config.hpp>
#include <polymcp/server/options.hpp>
#include <polymcp/server/session.hpp>
#include <polymcp/tools/registry.hpp>

#include <asio/io_context.hpp>
#include <asio/strand.hpp>
#include <asio/thread_pool.hpp>

#include <memory>

namespace polymcp {

/// The transport-independent part of a server. Not copyable or movable.
class server_core {
public:
    /// @param options configuration (copied)
    /// @param features the tools, resources and prompts sessions serve
    POLYMCP_DECL server_core(server_options options, server_features features);
    /// A core on an application's own I/O context, which must outlive it:
    /// objects the application makes before the server (a connector manager,
    /// clients, timers) share its executor, and the transport's `run` runs it
    /// on `options.io_threads` threads. Run nothing else on `io` while a
    /// transport runs, or stop that work before the transport's `run` is
    /// expected to return: it returns when `io` has no work left.
    POLYMCP_DECL server_core(asio::io_context& io, server_options options, server_features features);
    /// A server with tools only.
    server_core(server_options options, std::shared_ptr<tool_registry> tools)
        : server_core(std::move(options), server_features{std::move(tools), nullptr, nullptr}) {}
    POLYMCP_DECL ~server_core();
    server_core(const server_core&) = delete;
    server_core& operator=(const server_core&) = delete;

    /// The thread pool's executor (for work that may block, such as an auth
    /// policy that fetches keys).
    asio::any_io_executor blocking_executor() noexcept { return pool_.get_executor(); }
    /// The I/O context transports and sessions run on: the core's own, or
    /// the one given to the constructor.
    asio::io_context& io() noexcept { return *io_; }
    /// The server's options.
    const server_options& options() const noexcept { return shared_->options; }
    /// The tool registry.
    const std::shared_ptr<tool_registry>& tools() const noexcept { return shared_->tools; }
    /// The resource registry (null when the server has no resources).
    const std::shared_ptr<resource_registry>& resources() const noexcept { return shared_->resources; }
    /// The prompt registry (null when the server has no prompts).
    const std::shared_ptr<prompt_registry>& prompts() const noexcept { return shared_->prompts; }
    /// The OAuth scopes a message needs before it may be dispatched: those
    /// of the tool a `tools/call` names, or of the resource a
    /// `resources/read` names; empty for anything else (or an unknown
    /// name, which the session answers). Lets a transport answer 403
    /// `insufficient_scope` up front. Thread-safe.
    POLYMCP_DECL std::vector<std::string> required_scopes(const nlohmann::json& message) const;
    /// Creates a session on a new strand of `io()` that writes to `out`.
    POLYMCP_DECL std::shared_ptr<session> make_session(std::shared_ptr<outbound> out);

private:
    POLYMCP_DECL void init(server_options options, server_features features);

    std::unique_ptr<asio::io_context> own_io_;
    asio::io_context* io_;
    asio::thread_pool pool_;
    std::shared_ptr<const server_shared> shared_;
};

}  // namespace polymcp

#if POLYMCP_HEADER_ONLY
#include <polymcp/server/impl/core.ipp>
#endif

#endif
