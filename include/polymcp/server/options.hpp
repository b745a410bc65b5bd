#ifndef POLYMCP_SERVER_OPTIONS_HPP
#define POLYMCP_SERVER_OPTIONS_HPP

/// @file polymcp/server/options.hpp
/// Everything a server is configured with: identity and explicit limits.

#include <polymcp/auth/any_auth.hpp>
#include <polymcp/protocol/types.hpp>
#include <polymcp/server/gate.hpp>

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace polymcp {

class tool_provider;

/// Server configuration. Every limit is explicit; the defaults suit a local
/// stdio server.
struct server_options {
    /// `serverInfo` in the `initialize` result.
    implementation info{};
    /// `instructions` in the `initialize` result (omitted when empty).
    std::string instructions{};
    /// Largest accepted message, in bytes (stdio: one line without its newline).
    /// A larger one gets a -32600 error and is skipped; the server goes on.
    std::size_t max_message_bytes = 4 * 1024 * 1024;
    /// Items per page of `tools/list`, `resources/list`,
    /// `resources/templates/list` and `prompts/list`.
    std::size_t page_size = 100;
    /// Resources one session may subscribe to (`resources/subscribe`); more
    /// get -32602.
    std::size_t max_resource_subscriptions = 1000;
    /// After end of input or SIGTERM/SIGINT, how long in-flight requests may
    /// still run, in ms; those still running then get a -32000 error response.
    std::chrono::milliseconds shutdown_grace{5000};
    /// How long a handler waits for the client to answer a request it made
    /// (`sampling/createMessage`, `elicitation/create`, `roots/list`), in ms,
    /// unless the call gives its own timeout. Elicitation waits for a person:
    /// keep it generous.
    std::chrono::milliseconds client_request_timeout{300'000};
    /// Threads that run the I/O context (Streamable HTTP); stdio uses one.
    std::size_t io_threads = 1;
    /// Threads of the pool that runs handlers marked `blocking()`.
    std::size_t blocking_threads = 4;
    /// Bytes read but not yet handled at which a transport stops reading
    /// (back-pressure); at least `max_message_bytes` is always accepted.
    std::size_t max_pending_input_bytes = 16 * 1024 * 1024;
    /// Who may call, and as whom: any *AuthPolicy* (polymcp/auth/concepts.hpp,
    /// docs/auth.md): `auth::no_auth` (the default), `auth::api_key_auth`,
    /// `auth::jwt_auth`, `auth::oauth_resource_server`, or your own.
    /// Streamable HTTP applies it to every request; stdio once at start,
    /// from the environment.
    auth::any_auth auth{};
    /// A per-session gate on tool calls, resource reads and `tools/list`
    /// (polymcp/server/gate.hpp), e.g. tool-level authentication
    /// (`auth::tool_auth`). Null: none.
    std::shared_ptr<call_gate> gate{};
    /// Tools that depend on the caller, listed after the registry's and
    /// called like them (polymcp/server/tool_provider.hpp); e.g. a gateway's
    /// aggregated upstream tools. Null: none.
    std::shared_ptr<tool_provider> per_caller_tools{};
    /// Where diagnostics go (never stdout). Default: one line on stderr.
    /// Called from any thread; must be thread-safe.
    std::function<void(std::string_view)> diagnostics = [](std::string_view s) {
        std::fprintf(stderr, "polymcp: %.*s\n", static_cast<int>(s.size()), s.data());
    };
};

}  // namespace polymcp

#endif
