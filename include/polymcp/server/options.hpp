#ifndef POLYMCP_SERVER_OPTIONS_HPP
#define POLYMCP_SERVER_OPTIONS_HPP

/// @file polymcp/server/options.hpp
/// Everything a server is configured with: identity and explicit limits.

#include <polymcp/auth/any_auth.hpp>
#include <polymcp/protocol/types.hpp>
#include <polymcp/server/gate.hpp>
#include <polymcp/server/request_state.hpp>

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace polymcp {

class tool_provider;
class session_store;  // polymcp/server/session_store.hpp

/// A caching hint of MCP 2026-07-28 (`CacheableResult`, SEP-2549): how long
/// a client may reuse a result and who may share it.
struct cache_hint {
    /// `ttlMs`: how long the result stays fresh, in ms; 0 means stale at
    /// once (re-fetch every time).
    std::chrono::milliseconds ttl{0};
    /// `cacheScope`: false is "private" (reusable only within the same
    /// authorization context), true is "public" (shared caches may serve it
    /// to anyone). Keep results that vary per caller private.
    bool shared = false;
};

/// The caching hints per kind of result (stateless requests only; session
/// requests carry none).
struct cache_hints {
    cache_hint discover{};                 ///< `server/discover`
    cache_hint tools_list{};               ///< `tools/list`
    cache_hint resources_list{};           ///< `resources/list`
    cache_hint resource_templates_list{};  ///< `resources/templates/list`
    cache_hint resources_read{};           ///< `resources/read`
    cache_hint prompts_list{};             ///< `prompts/list`
};

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
    /// Who may call, and as whom: the compiled core's view of the auth
    /// policy, set by `polymcp::server` from its `Auth` parameter (leave it
    /// alone there; set it when using `server_core` directly): any
    /// *AuthPolicy* (polymcp/auth/concepts.hpp, docs/auth.md), type-erased.
    /// Streamable HTTP applies it to every request; stdio once at start,
    /// from the environment.
    auth::any_auth auth{};
    /// A per-session gate on tool calls, resource reads and `tools/list`
    /// (polymcp/server/gate.hpp), e.g. tool-level authentication
    /// (`tool_auth::sign_in`, polymcp/tool_auth/sign_in.hpp). Null: none.
    std::shared_ptr<call_gate> gate{};
    /// Tools that depend on the caller, listed after the registry's and
    /// called like them (polymcp/server/tool_provider.hpp); e.g. a gateway's
    /// aggregated upstream tools. Null: none.
    std::shared_ptr<tool_provider> per_caller_tools{};
    /// Caching hints (`ttlMs`, `cacheScope`) on the results of stateless
    /// (2026-07-28) list and read requests. Default: 0 ms, private.
    cache_hints cache{};
    /// Seals the `requestState` of multi round-trip requests (2026-07-28;
    /// polymcp/server/request_state.hpp). Null: `polymcp::server` picks one
    /// from its cipher and storage policies (docs/composition.md); a
    /// `server_core` used directly keeps states in its memory.
    std::shared_ptr<const request_state_codec> request_state{};
    /// How long a `requestState` stays valid, in seconds: the client must
    /// retry within it (the input may need a person: keep it generous).
    std::chrono::seconds request_state_ttl{600};
    /// Where 2025-11-25 sessions live between requests, so that any instance
    /// sharing it serves any session (polymcp/server/session_store.hpp).
    /// Null: only in this process's memory. `polymcp::server` sets it from a
    /// storage policy other than the default `memory_storage`.
    std::shared_ptr<const session_store> sessions{};
    /// Where diagnostics go (never stdout). Default: one line on stderr.
    /// Called from any thread; must be thread-safe.
    std::function<void(std::string_view)> diagnostics = [](std::string_view s) {
        std::fprintf(stderr, "polymcp: %.*s\n", static_cast<int>(s.size()), s.data());
    };
};

}  // namespace polymcp

#endif
