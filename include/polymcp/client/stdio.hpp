#ifndef POLYMCP_CLIENT_STDIO_HPP
#define POLYMCP_CLIENT_STDIO_HPP

/// @file polymcp/client/stdio.hpp
/// `polymcp::client::stdio_transport`: the client side of the MCP stdio
/// transport (MCP 2025-11-25 "Transports" > "stdio"). It spawns the server
/// as a child process, writes newline-delimited JSON-RPC to its stdin, reads
/// its stdout, collects its stderr, and on close ends it the way the spec's
/// "Lifecycle" > "Shutdown" says: close stdin, wait, SIGTERM, wait, SIGKILL.
///
/// The child runs in its own process group, so that terminating it also
/// ends what it started (`npx` starting `node`, a shell script's children).
/// It is always reaped: no zombie is left, whether the session is closed,
/// the transport destroyed, or the child exits by itself.
///
/// Linux and other POSIX systems (posix_spawn, pidfd where available).

#include <polymcp/client/transport.hpp>
#include <polymcp/core/config.hpp>

#include <asio/any_io_executor.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace polymcp::client {

/// How to start and talk to a stdio server.
struct stdio_options {
    /// The program: a path, or a name looked up in `PATH` (like `execvp`).
    std::string command{};
    /// Its arguments (without argv[0]).
    std::vector<std::string> args{};
    /// Variables set for the child, over the inherited ones.
    std::map<std::string, std::string> env{};
    /// Whether the child starts from this process's environment (else only `env`).
    bool inherit_environment = true;
    /// The child's working directory; empty: this process's.
    std::string working_directory{};
    /// The longest line accepted on the child's stdout, in bytes. A longer
    /// one ends the connection with `errc::message_too_large`.
    std::size_t max_message_size = 16 * 1024 * 1024;
    /// How much of the child's stderr is kept for error messages, in bytes.
    std::size_t stderr_tail_size = 8 * 1024;
    /// Each line the child writes to stderr (its log), without the newline.
    std::function<void(std::string_view line)> on_stderr{};
    /// Lines on stdout that are not JSON, once the child has sent a valid
    /// message (before that, such a line ends the connection with
    /// `errc::invalid_mcp_server`).
    std::function<void(std::string_view problem)> diagnostics{};
    /// How long `async_close` waits after closing stdin, and again after
    /// SIGTERM, before the next step, in ms.
    std::chrono::milliseconds shutdown_grace{2000};
};

namespace detail {
struct stdio_state;
}

/// A client transport over a child process's stdin and stdout (see the file comment).
class stdio_transport final : public transport {
public:
    /// @param ex the executor for the pipes and timers (one thread or a strand)
    /// @param options what to run
    POLYMCP_DECL stdio_transport(asio::any_io_executor ex, stdio_options options);
    /// Kills the child's process group with SIGKILL and reaps it if it still runs.
    POLYMCP_DECL ~stdio_transport() override;

    POLYMCP_DECL asio::any_io_executor get_executor() const override;
    /// Spawns the child. @throws client_error `connection_failed` when it cannot be started
    /// (the message says why: not found, not executable), `invalid_url` for an empty command.
    POLYMCP_DECL asio::awaitable<void> async_start(transport_handlers handlers) override;
    /// Writes one line. @throws client_error `connection_closed` when the child closed its stdin.
    POLYMCP_DECL asio::awaitable<void> async_send(json message) override;
    using transport::async_send;  // the overload with header fields: ignored here
    /// Closes stdin, waits `shutdown_grace`, sends SIGTERM to the group,
    /// waits again, sends SIGKILL; always reaps the child.
    POLYMCP_DECL asio::awaitable<void> async_close() override;
    /// `"stdio: <command> <args...>"`.
    POLYMCP_DECL std::string describe() const override;

    /// The child's process id, or -1 before start.
    POLYMCP_DECL int pid() const noexcept;
    /// The last `stderr_tail_size` bytes the child wrote to stderr.
    POLYMCP_DECL std::string stderr_tail() const;
    /// Once the child ended: its exit code, or minus the signal that killed it.
    POLYMCP_DECL std::optional<int> exit_status() const noexcept;

private:
    std::shared_ptr<detail::stdio_state> state_;
};

}  // namespace polymcp::client

#if POLYMCP_HEADER_ONLY
#include <polymcp/client/impl/stdio.ipp>
#endif

#endif
