#ifndef POLYMCP_SERVER_OUTBOUND_HPP
#define POLYMCP_SERVER_OUTBOUND_HPP

/// @file polymcp/server/outbound.hpp
/// Where a session's outgoing messages go: the seam between the protocol core
/// (which never does I/O) and a transport.

#include <string>

namespace polymcp {

/// A sink for serialized JSON-RPC messages leaving the server.
///
/// Named requirement for transports: `send` is thread-safe (progress and log
/// notifications may come from thread-pool handlers), never blocks on the
/// peer for long, preserves the order of calls from one thread, and never
/// throws; a message sent after the peer has gone is dropped.
class outbound {
public:
    virtual ~outbound() = default;
    /// Queues one message: compact JSON without a trailing newline.
    virtual void send(std::string message) = 0;
};

}  // namespace polymcp

#endif
