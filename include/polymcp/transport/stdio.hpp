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

#include <polymcp/core/error.hpp>
#include <polymcp/server/core.hpp>
#include <polymcp/transport/detail/fd_writer.hpp>
#include <polymcp/transport/detail/line_reader.hpp>

#include <asio/executor_work_guard.hpp>
#include <asio/post.hpp>
#include <asio/signal_set.hpp>

#include <csignal>
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
    };

    stdio_transport() = default;
    explicit stdio_transport(options o) : opts_(o) {}

    /// Serves until end of input or a signal, then shuts down as described in
    /// this header. Blocks the calling thread, which runs the server's
    /// io_context. Ignores SIGPIPE for the process (a vanished reader is
    /// reported, not fatal).
    /// @return `errc::transport_closed` when the output could not be written
    ///         (the client went away), otherwise success.
    std::error_code run(server_core& core) {
        std::signal(SIGPIPE, SIG_IGN);
        auto& io = core.io();
        auto writer = std::make_shared<transport_detail::fd_writer>(opts_.output_fd);
        auto sess = core.make_session(writer);
        auto work = asio::make_work_guard(io);
        bool shutdown_started = false;
        std::unique_ptr<transport_detail::line_reader> reader;
        asio::signal_set signals(io);

        // Runs on the session strand via posts below.
        auto begin_shutdown = [&] {
            if (shutdown_started) return;
            shutdown_started = true;
            sess->shutdown([&] {
                signals.cancel();
                work.reset();
            });
        };

        auto& opts = core.options();
        reader = std::make_unique<transport_detail::line_reader>(
            opts_.input_fd, opts.max_message_bytes,
            std::max(opts.max_pending_input_bytes, opts.max_message_bytes),
            [&, sess](std::vector<transport_detail::input_event> events) {
                asio::post(sess->get_executor(), [&, sess, events = std::move(events)] {
                    std::size_t bytes = 0;
                    for (auto& e : events) {
                        switch (e.kind) {
                            case transport_detail::input_event::line:
                                bytes += e.text.size();
                                sess->receive(e.text);
                                break;
                            case transport_detail::input_event::oversized:
                                sess->receive_oversized(e.bytes);
                                break;
                            case transport_detail::input_event::eof:
                                begin_shutdown();
                                break;
                        }
                    }
                    reader->consumed(bytes);
                });
            });

        if (opts_.handle_signals) {
            signals.add(SIGTERM);
            signals.add(SIGINT);
            signals.async_wait([&](std::error_code ec, int sig) {
                if (ec) return;
                core.options().diagnostics(std::string("received signal ") + std::to_string(sig) +
                                           ", shutting down");
                asio::post(sess->get_executor(), begin_shutdown);
            });
        }

        io.run();
        reader->stop();
        writer->close();
        io.restart();
        return writer->broken() ? make_error_code(errc::transport_closed) : std::error_code{};
    }

private:
    options opts_;
};

}  // namespace polymcp

#endif
