#ifndef POLYMCP_HANDLER_OUTBOUND_HPP
#define POLYMCP_HANDLER_OUTBOUND_HPP

/// @file polymcp/handler/outbound.hpp
/// Where a session's outgoing messages go: the seam between the protocol core
/// (which never does I/O) and a transport.

#include <polymcp/protocol/header_params.hpp>
#include <polymcp/protocol/jsonrpc.hpp>

#include <memory>
#include <string>

namespace polymcp {

/// A sink for serialized JSON-RPC messages leaving the server.
///
/// Named requirement for transports: `send` is thread-safe (progress and log
/// notifications may come from thread-pool handlers), never blocks on the
/// peer for long, preserves the order of calls from one thread, and never
/// throws; a message sent after the peer has gone is dropped (or kept for a
/// resuming peer, as Streamable HTTP does).
class outbound {
public:
    virtual ~outbound() = default;
    /// Queues one message: compact JSON without a trailing newline.
    virtual void send(std::string message) = 0;
};

/// The answer channel of one received message: what the session sends *about*
/// it (progress, log messages, server-to-client requests made by its handler)
/// goes to `send`; its response goes to `finish`. Streamable HTTP maps one
/// POST to one reply_stream (MCP 2025-11-25 "Transports" > "Sending Messages
/// to the Server"): `application/json` when `finish` comes first, an SSE
/// stream when `send` does.
///
/// The session calls `finish` exactly once per received message, with an
/// empty reply when nothing answers it (a notification, a response, a
/// cancelled request). The reply is typed: a transport serializes it and
/// chooses its status from `reply::kind()` and the error's code. Same
/// thread-safety rules as `outbound`.
class reply_stream : public outbound {
public:
    /// Sends the last message of this channel (the response, or the array of
    /// a 2025-03-26 batch's responses) and ends it; an empty reply ends it
    /// without one.
    virtual void finish(jsonrpc::reply last) = 0;

    /// The `Mcp-Param-*` headers that came with the message, when its
    /// transport mirrors tool parameters into headers (Streamable HTTP for a
    /// 2026-07-28 request, "Custom Headers from Tool Parameters"); null
    /// otherwise. When non-null the server checks a `tools/call` against the
    /// tool's `x-mcp-header` parameters (-32020 on a mismatch).
    virtual const received_param_headers* param_headers() const noexcept { return nullptr; }
};

/// A reply_stream that forwards everything to one outbound (stdio: there is
/// only one channel).
class forwarding_reply_stream final : public reply_stream {
public:
    /// Sends every message of the request through `out`.
    explicit forwarding_reply_stream(std::shared_ptr<outbound> out) : out_(std::move(out)) {}
    void send(std::string message) override { out_->send(std::move(message)); }
    void finish(jsonrpc::reply last) override {
        if (!last.empty()) out_->send(last.serialize());
    }

private:
    std::shared_ptr<outbound> out_;
};

}  // namespace polymcp

#endif
