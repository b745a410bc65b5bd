#ifndef POLYMCP_SERVER_CONTEXT_HPP
#define POLYMCP_SERVER_CONTEXT_HPP

/// @file polymcp/server/context.hpp
/// `polymcp::request_context`: what a handler knows about the request it
/// serves and how it talks back while running: progress
/// (MCP 2025-11-25 "Utilities" > "Progress"), logging ("Server Utilities" >
/// "Logging") and cancellation ("Utilities" > "Cancellation").

#include <polymcp/core/config.hpp>
#include <polymcp/protocol/jsonrpc.hpp>
#include <polymcp/protocol/revision.hpp>
#include <polymcp/protocol/types.hpp>
#include <polymcp/server/outbound.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/cancellation_signal.hpp>

#include <atomic>
#include <memory>
#include <optional>
#include <string>

namespace polymcp {

namespace detail {
/// State a session shares with the contexts of its requests.
struct session_shared {
    std::shared_ptr<polymcp::outbound> out;
    std::atomic<int> min_log_level{static_cast<int>(logging_level::info)};
    std::atomic<revision> protocol{latest_revision};
};
}  // namespace detail

/// The per-request context passed to handlers that declare a
/// `polymcp::request_context&` parameter.
///
/// Lifetime: valid until the handler returns (for a coroutine, until its
/// awaitable completes). Thread-safety: every member may be called from any
/// thread, including a thread-pool thread running a blocking handler.
class request_context {
public:
    /// Made by the session; users receive it, they do not construct it.
    POLYMCP_DECL request_context(std::shared_ptr<detail::session_shared> s, jsonrpc::request_id id,
                                 nlohmann::json meta, asio::any_io_executor ex, asio::any_io_executor blocking_ex);

    /// The JSON-RPC id of the request being served.
    const jsonrpc::request_id& request_id() const noexcept { return id_; }
    /// The MCP revision negotiated for this session.
    revision protocol_version() const noexcept { return s_->protocol.load(); }
    /// The request's `params._meta` object (null when absent).
    const nlohmann::json& meta() const noexcept { return meta_; }
    /// The session's executor (a strand); coroutine handlers run on it.
    const asio::any_io_executor& get_executor() const noexcept { return ex_; }
    /// The thread pool's executor, for handlers marked `blocking()`.
    const asio::any_io_executor& blocking_executor() const noexcept { return blocking_ex_; }

    /// True once the client cancelled the request (`notifications/cancelled`)
    /// or the server is shutting down. Blocking handlers should poll it; a
    /// coroutine is also stopped through Asio cancellation (its pending
    /// operation completes with `asio::error::operation_aborted`). A cancelled
    /// request gets no response.
    bool cancelled() const noexcept { return cancelled_.load(std::memory_order_acquire); }

    /// True when the client asked for progress (`_meta.progressToken`).
    bool wants_progress() const noexcept { return !progress_token_.is_null(); }

    /// Sends `notifications/progress` for this request when the client gave
    /// a progressToken; does nothing otherwise.
    /// @param progress work done so far; should increase with every call
    /// @param total total work when known
    /// @param message optional human-readable status
    POLYMCP_DECL void report_progress(double progress, std::optional<double> total = std::nullopt,
                                      std::string message = {}) const;

    /// Sends `notifications/message` when `level` is at or above the level the
    /// client set with `logging/setLevel` (default `info`).
    /// @param data any JSON (usually a string or an object)
    /// @param logger optional logger name
    POLYMCP_DECL void log(logging_level level, nlohmann::json data, std::string logger = {}) const;

    /// The slot a coroutine handler is bound to (used by the framework).
    asio::cancellation_slot cancellation_slot() noexcept { return signal_.slot(); }

    /// Marks the request cancelled and emits terminal cancellation. Must be
    /// called on the session's executor (the framework does).
    POLYMCP_DECL void cancel();

private:
    std::shared_ptr<detail::session_shared> s_;
    jsonrpc::request_id id_;
    nlohmann::json meta_;
    nlohmann::json progress_token_;
    asio::any_io_executor ex_;
    asio::any_io_executor blocking_ex_;
    asio::cancellation_signal signal_;
    std::atomic<bool> cancelled_{false};
};

}  // namespace polymcp

#if POLYMCP_HEADER_ONLY
#include <polymcp/server/impl/context.ipp>
#endif

#endif
