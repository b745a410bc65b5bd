#ifndef POLYMCP_TRANSPORT_STDIO_HPP
#define POLYMCP_TRANSPORT_STDIO_HPP

/// @file polymcp/transport/stdio.hpp
/// The stdio transport (MCP 2025-11-25 "Transports" > "stdio"): one session;
/// newline-delimited JSON-RPC messages on stdin and stdout; nothing but
/// protocol messages on stdout, diagnostics on stderr.
///
/// Shutdown: at end of input, or on SIGTERM/SIGINT, reading stops, requests
/// already read are still handled, in-flight requests get up to
/// `server_options::shutdown_grace` to finish (then a -32000 error), and every
/// response is written and flushed before `run` returns.

#include <polymcp/core/config.hpp>
#include <polymcp/core/error.hpp>
#include <polymcp/server/core.hpp>

#include <functional>
#include <memory>
#include <system_error>

namespace polymcp {

/// Serves one MCP session over a pair of file descriptors (stdin/stdout by
/// default). Meets the Transport requirement (transport/concepts.hpp).
class stdio_transport {
public:
    /// Transport settings.
    struct options {
        int input_fd = 0;             ///< where messages are read
        int output_fd = 1;            ///< where messages are written
        bool handle_signals = true;   ///< shut down gracefully on SIGTERM and SIGINT
        /// Called once during shutdown, on the session's strand, after the
        /// session has ended: stop the application's own asynchronous work
        /// on the server's io_context, since `run` returns only when it has
        /// none left. Null: nothing to stop.
        std::function<void()> on_shutdown{};
    };

    stdio_transport() = default;  ///< stdin and stdout, default options
    explicit stdio_transport(options o) : opts_(o) {}  ///< stdin and stdout, with `o`

    /// Serves until end of input or a signal, then shuts down as described in
    /// this header. Blocks the calling thread, which runs the server's
    /// io_context. Ignores SIGPIPE for the process (a vanished reader is
    /// reported, not fatal).
    /// Before reading anything, authenticates the environment with
    /// `server_options::auth` (`auth_request::transport_kind::stdio`).
    /// @return the policy's `auth::errc` when it rejects the environment's
    ///         credentials (nothing is served); `errc::transport_closed` when
    ///         the output could not be written (the client went away);
    ///         otherwise success.
    POLYMCP_DECL std::error_code run(server_core& core);

private:
    options opts_;
};

}  // namespace polymcp

#if POLYMCP_HEADER_ONLY
#include <polymcp/transport/impl/stdio.ipp>
#endif

#endif
