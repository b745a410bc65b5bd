#ifndef POLYMCP_SERVER_HPP
#define POLYMCP_SERVER_HPP

/// @file polymcp/server.hpp
/// `polymcp::server<Transport, Auth, Storage, Cipher>`: an MCP server
/// composed at compile time from the four policy kinds (docs/composition.md).
///
/// | parameter | concept | default | role |
/// |---|---|---|---|
/// | `Transport` | `polymcp::transport` (transport/concepts.hpp) | `stdio_transport` | moves messages; maps typed errors to statuses |
/// | `Auth` | `auth::auth_policy` (auth/concepts.hpp) | `auth::no_auth` | authenticates every request (Streamable HTTP) or the process once (stdio) |
/// | `Storage` | `storage::storage` (storage/concepts.hpp) | `storage::memory_storage` | holds the server's own state that outlives a request: 2025-11-25 sessions (`session_store`, so that any instance serves any session) and the `requestState` of multi round-trip requests when there is no cipher (with `memory_storage`, the server's own memory) |
/// | `Cipher` | `crypto::cipher` (crypto/concepts.hpp) or `crypto::no_cipher` | `crypto::no_cipher` | seals what leaves the process: the `requestState` of multi round-trip requests, and the session records and SSE events kept in the storage |
///
/// The defaults give the smallest server: stdio, no auth, in-memory storage,
/// no cipher. A policy that does not meet its concept stops the build with
/// one sentence naming the parameter and the header of its requirements.
///
/// @code
/// // The smallest server: stdio, no auth, memory, no cipher.
/// polymcp::server srv({.info = {.name = "hello", .version = "1.0.0"}}, polymcp::tools(echo, add));
/// return srv.run() ? 1 : 0;
///
/// // Streamable HTTP, JWT bearer tokens, request states in Redis: every
/// // instance on that Redis resumes any multi round-trip request.
/// polymcp::server srv(options, polymcp::tools(echo),
///                     polymcp::streamable_http_transport(http),
///                     polymcp::auth::jwt_auth(verifier),
///                     std::make_shared<polymcp::storage::redis_storage>(redis));
/// // its type: polymcp::server<polymcp::streamable_http_transport, polymcp::auth::jwt_auth,
/// //                           polymcp::storage::redis_storage>
/// @endcode

#include <polymcp/auth/concepts.hpp>
#include <polymcp/auth/none.hpp>
#include <polymcp/crypto/none.hpp>
#include <polymcp/server/core.hpp>
#include <polymcp/server/features.hpp>
#include <polymcp/server/request_state.hpp>
#include <polymcp/server/session_store.hpp>
#include <polymcp/storage/concepts.hpp>
#include <polymcp/tools/registry.hpp>
#include <polymcp/transport/concepts.hpp>
#include <polymcp/transport/stdio.hpp>

#include <memory>
#include <stdexcept>
#include <system_error>
#include <type_traits>
#include <utility>

namespace polymcp::storage {
class memory_storage;  // polymcp/storage/memory.hpp: not needed unless one is given
}  // namespace polymcp::storage

namespace polymcp {

/// An MCP server composed from a transport, an auth policy, a storage and a
/// cipher (see the table of this header). The typed front end checks the
/// policies and hands off to the compiled `server_core`.
///
/// Not copyable or movable; `run` is called from one thread at a time; the
/// accessors are thread-safe.
template <class Transport = stdio_transport, class Auth = auth::no_auth, class Storage = storage::memory_storage,
          class Cipher = crypto::no_cipher>
class server {
    static_assert(polymcp::transport<Transport>,
                  "polymcp::server<Transport, ...>: Transport is not a transport policy: it needs a member "
                  "`std::error_code run(polymcp::server_core&)` (see polymcp/transport/concepts.hpp)");
    static_assert(auth::auth_policy<Auth>,
                  "polymcp::server<Transport, Auth, ...>: Auth is not an auth policy: it needs a const member "
                  "`polymcp::auth::auth_result authenticate(const polymcp::auth::auth_request&)` and copies (see "
                  "polymcp/auth/concepts.hpp)");
    static constexpr bool in_memory = std::is_same_v<Storage, storage::memory_storage>;
    static_assert(in_memory || storage::storage<Storage>,
                  "polymcp::server<Transport, Auth, Storage, ...>: Storage is not a storage policy (see the "
                  "requirement table in polymcp/storage/concepts.hpp)");
    static_assert(crypto::cipher_or_none<Cipher>,
                  "polymcp::server<Transport, Auth, Storage, Cipher>: Cipher is neither a cipher policy nor "
                  "polymcp::crypto::no_cipher (see polymcp/crypto/concepts.hpp)");

public:
    using transport_type = Transport;  ///< the transport policy
    using auth_type = Auth;            ///< the auth policy
    using storage_type = Storage;      ///< the storage policy
    using cipher_type = Cipher;        ///< the cipher policy (or `crypto::no_cipher`)

    /// A server on its own I/O context.
    /// @param options identity and limits; `options.auth` must be left
    ///        anonymous (the `Auth` policy is the server's auth), and
    ///        `options.request_state`, when set, overrides what `Storage`
    ///        and `Cipher` would do with request states
    /// @param features tools, resources and prompts: a `server_features`
    ///        (`polymcp::features(...)`), a `tool_set` (`polymcp::tools(...)`)
    ///        or a `std::shared_ptr<tool_registry>`
    /// @param transport the transport policy object
    /// @param auth the auth policy object
    /// @param storage the storage object, shared with the application; null
    ///        makes a default-constructed one when `Storage` has a default
    ///        constructor; with `memory_storage` (the default) null means
    ///        none, and request states stay in the core's memory either way
    /// @param cipher the cipher, ignored for `crypto::no_cipher`
    /// @throws std::invalid_argument when `options.auth` is set while
    ///         `Auth` is `auth::no_auth`, or `storage` is null and `Storage`
    ///         cannot be default-constructed; std::invalid_argument for a
    ///         `describe` trait naming a non-member
    template <class Features>
    server(server_options options, const Features& features, Transport transport = Transport{}, Auth auth = Auth{},
           std::shared_ptr<Storage> storage = nullptr, Cipher cipher = Cipher{})
        : transport_(std::move(transport)),
          auth_(std::move(auth)),
          storage_(storage_or_default(std::move(storage))),
          cipher_(std::move(cipher)),
          core_(compose(std::move(options)), to_features(features)) {}

    /// A server on the application's I/O context `io` (which must outlive
    /// it): what the application made before the server on that context
    /// shares the server's threads (see `server_core`). Parameters and
    /// errors as above.
    template <class Features>
    server(asio::io_context& io, server_options options, const Features& features, Transport transport = Transport{},
           Auth auth = Auth{}, std::shared_ptr<Storage> storage = nullptr, Cipher cipher = Cipher{})
        : transport_(std::move(transport)),
          auth_(std::move(auth)),
          storage_(storage_or_default(std::move(storage))),
          cipher_(std::move(cipher)),
          core_(io, compose(std::move(options)), to_features(features)) {}

    server(const server&) = delete;
    server& operator=(const server&) = delete;

    /// Serves until the transport ends (for stdio: end of input or
    /// SIGTERM/SIGINT; for Streamable HTTP: `transport().stop()` or a
    /// signal), then returns after a graceful shutdown.
    /// @return the transport's error (e.g. `errc::transport_closed`, address
    ///         in use), or success.
    std::error_code run() { return transport_.run(core_); }

    /// The compiled core (I/O context, options, registries).
    server_core& core() noexcept { return core_; }
    /// The tool registry (add or remove tools when it is dynamic).
    const std::shared_ptr<tool_registry>& tools() const noexcept { return core_.tools(); }
    /// The transport (e.g. to ask a Streamable HTTP transport for its port).
    Transport& transport() noexcept { return transport_; }
    /// The auth policy.
    const Auth& auth() const noexcept { return auth_; }
    /// The storage (null for the default `memory_storage` when none was given).
    const std::shared_ptr<Storage>& storage() const noexcept { return storage_; }
    /// The cipher (`crypto::no_cipher` when there is none).
    const Cipher& cipher() const noexcept { return cipher_; }

private:
    static std::shared_ptr<Storage> storage_or_default(std::shared_ptr<Storage> s) {
        if (s) return s;
        if constexpr (in_memory) return s;
        else if constexpr (std::is_default_constructible_v<Storage>) return std::make_shared<Storage>();
        else throw std::invalid_argument("polymcp::server: give the storage object (this Storage has no default)");
    }

    server_options compose(server_options o) const {
        if constexpr (std::is_same_v<Auth, auth::no_auth>) {
            if (!o.auth.anonymous())
                throw std::invalid_argument(
                    "polymcp::server: server_options::auth is set but the server's Auth policy is auth::no_auth; "
                    "give the policy as the server's Auth (polymcp::server<Transport, Auth>, docs/composition.md)");
        } else {
            if (!o.auth.anonymous())
                throw std::invalid_argument(
                    "polymcp::server: both server_options::auth and the server's Auth policy are set; keep one, the "
                    "Auth policy (docs/composition.md)");
            o.auth = auth_;
        }
        // Request states: sealed by the cipher; without one, kept in the
        // storage, or (memory_storage) in the core's own memory.
        if (!o.request_state) {
            if constexpr (!std::is_same_v<Cipher, crypto::no_cipher>)
                o.request_state = request_state_with(cipher_);
            else if constexpr (!in_memory)
                o.request_state = std::make_shared<const storage_request_state_codec<Storage>>(storage_, o.request_state_ttl);
        }
        // 2025-11-25 sessions: in the storage, where every instance on its
        // backend finds them; without a storage object, in this process.
        if (!o.sessions && storage_) {
            if constexpr (!in_memory)
                o.sessions = std::make_shared<const storage_session_store<Storage, Cipher>>(storage_, cipher_);
        }
        return o;
    }

    static server_features to_features(const server_features& f) { return f; }
    template <class F>
    static server_features to_features(const F& f) {
        return polymcp::features(f);
    }

    Transport transport_;
    Auth auth_;
    std::shared_ptr<Storage> storage_;
    Cipher cipher_;
    server_core core_;
};

// Deduction: the policies from the objects given, the defaults for the rest.
/// @cond INTERNAL
template <class F>
server(server_options, const F&) -> server<>;
template <class F, class T>
server(server_options, const F&, T) -> server<T>;
template <class F, class T, class A>
server(server_options, const F&, T, A) -> server<T, A>;
template <class F, class T, class A, class S>
server(server_options, const F&, T, A, std::shared_ptr<S>) -> server<T, A, S>;
template <class F, class T, class A, class S, class C>
server(server_options, const F&, T, A, std::shared_ptr<S>, C) -> server<T, A, S, C>;
template <class F>
server(asio::io_context&, server_options, const F&) -> server<>;
template <class F, class T>
server(asio::io_context&, server_options, const F&, T) -> server<T>;
template <class F, class T, class A>
server(asio::io_context&, server_options, const F&, T, A) -> server<T, A>;
template <class F, class T, class A, class S>
server(asio::io_context&, server_options, const F&, T, A, std::shared_ptr<S>) -> server<T, A, S>;
template <class F, class T, class A, class S, class C>
server(asio::io_context&, server_options, const F&, T, A, std::shared_ptr<S>, C) -> server<T, A, S, C>;
/// @endcond

}  // namespace polymcp

#endif
