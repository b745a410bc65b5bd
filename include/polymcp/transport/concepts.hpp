#ifndef POLYMCP_TRANSPORT_CONCEPTS_HPP
#define POLYMCP_TRANSPORT_CONCEPTS_HPP

/// @file polymcp/transport/concepts.hpp
/// The *Transport* named requirement, checked by the `polymcp::transport`
/// concept; its page in the API reference is docs/api/transport.md.
///
/// *Transport*: a type `T` whose objects `t` support, with `core` a
/// `server_core&`:
///
/// | expression | returns | semantics |
/// |---|---|---|
/// | `T(std::move(t))` | `T` | move construction: the server takes the transport by value |
/// | `t.run(core)` | `std::error_code` | serves until the transport ends (end of input, a signal, or a stop request), creating sessions with `core.make_session(out)` and handing each received message to the session's `receive` on the session's strand; before it returns, every session was shut down (`session::shutdown`) and every message it sent was written |
///
/// The `outbound` a transport gives a session meets the requirements
/// documented in `polymcp/handler/outbound.hpp` (thread-safe, ordered,
/// non-throwing).

#include <polymcp/server/core.hpp>

#include <concepts>
#include <system_error>

namespace polymcp {

/// Satisfied by transports: see the named requirement in this header.
template <class T>
concept transport = std::move_constructible<T> && requires(T& t, server_core& core) {
    { t.run(core) } -> std::same_as<std::error_code>;
};

}  // namespace polymcp

#endif
