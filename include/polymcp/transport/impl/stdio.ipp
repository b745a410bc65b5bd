#ifndef POLYMCP_TRANSPORT_IMPL_STDIO_IPP
#define POLYMCP_TRANSPORT_IMPL_STDIO_IPP

// Definitions of the non-template functions declared in polymcp/transport/stdio.hpp.

#include <polymcp/transport/stdio.hpp>
#include <polymcp/transport/detail/fd_writer.hpp>
#include <polymcp/transport/detail/line_reader.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/post.hpp>
#include <asio/signal_set.hpp>
#include <csignal>

namespace polymcp {

std::error_code stdio_transport::run(server_core& core) {
    std::signal(SIGPIPE, SIG_IGN);
    // The client of a stdio server is the process that started it: its
    // credentials come from the environment, once (MCP 2025-11-25
    // "Authorization": stdio implementations retrieve them from the environment).
    std::shared_ptr<const auth::principal> who;
    {
        auth::auth_request ar;
        ar.transport = auth::auth_request::transport_kind::stdio;
        auto result = core.options().auth.authenticate(ar);
        if (!result) {
            const auto& rej = result.rejection();
            core.options().diagnostics("refusing to serve: auth policy '" + std::string(core.options().auth.name()) +
                                       "' rejected the environment's credentials: " + rej.description);
            return rej.reason ? rej.reason : make_error_code(errc::internal_error);
        }
        who = std::make_shared<const auth::principal>(std::move(result.who()));
    }
    auto& io = core.io();
    auto writer = std::make_shared<transport_detail::fd_writer>(opts_.output_fd);
    auto sess = core.make_session(writer);
    asio::post(sess->get_executor(), [sess, who] { sess->set_principal(who); });
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
            if (opts_.on_shutdown) opts_.on_shutdown();
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

}  // namespace polymcp

#endif
