#ifndef POLYMCP_HTTP_IMPL_SERVER_IPP
#define POLYMCP_HTTP_IMPL_SERVER_IPP

// Definitions for polymcp/http/server.hpp.

#include <polymcp/http/detail/connection.hpp>
#include <polymcp/http/server.hpp>

#include <asio/post.hpp>
#include <asio/strand.hpp>

#include <vector>

namespace polymcp::http {

server::server(asio::io_context& io, server_options options, handler_type handler)
    : io_(io), acceptor_(std::make_shared<asio::ip::tcp::acceptor>(asio::make_strand(io))),
      state_(std::make_shared<detail::server_state>()) {
    state_->options = std::move(options);
    state_->handler = std::move(handler);
}

server::~server() {
    std::error_code ec;
    acceptor_->close(ec);  // the io_context no longer runs handlers for this server
    stop();
}

void server::listen(std::error_code& ec) {
    ec = {};
    auto address = asio::ip::make_address(state_->options.address, ec);
    if (ec) return;
    asio::ip::tcp::endpoint ep(address, state_->options.port);
    acceptor_->open(ep.protocol(), ec);
    if (ec) return;
    acceptor_->set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
    if (ec) return;
    acceptor_->bind(ep, ec);
    if (ec) {
        std::error_code ignored;
        acceptor_->close(ignored);
        return;
    }
    acceptor_->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return;
    do_accept();
}

void server::listen() {
    std::error_code ec;
    listen(ec);
    if (ec)
        throw std::system_error(ec, "polymcp::http::server: cannot listen on " + state_->options.address + ":" +
                                        std::to_string(state_->options.port));
}

asio::ip::tcp::endpoint server::local_endpoint() const {
    std::error_code ec;
    return acceptor_->local_endpoint(ec);
}

void server::do_accept() {
    acceptor_->async_accept(asio::make_strand(io_), [this, acceptor = acceptor_, state = state_](
                                                      std::error_code ec, asio::ip::tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
        if (!ec) {
            auto strand = socket.get_executor();
            const unsigned reject = state->count.load() >= state->options.max_connections ? 503 : 0;
            std::unique_ptr<detail::byte_stream> stream;
            if (state->options.tls && !reject) stream = state->options.tls->wrap(std::move(socket));
            else stream = std::make_unique<detail::tcp_stream>(std::move(socket));
            auto c = std::make_shared<detail::connection>(std::move(stream), strand, state, reject);
            asio::post(strand, [c] { c->start(); });
        } else {
            state->diag("accept failed: " + ec.message());
        }
        do_accept();
    });
}

void server::stop() {
    asio::post(acceptor_->get_executor(), [acceptor = acceptor_] {
        std::error_code ec;
        acceptor->close(ec);
    });
    std::vector<std::shared_ptr<detail::connection>> open;
    {
        std::lock_guard lock(state_->mutex);
        for (auto& [id, w] : state_->live)
            if (auto c = w.lock()) open.push_back(std::move(c));
    }
    for (auto& c : open) c->stop();
}

std::size_t server::connections() const noexcept { return state_->count.load(); }

const server_options& server::options() const noexcept { return state_->options; }

}  // namespace polymcp::http

#endif
