#ifndef POLYMCP_CLIENT_IMPL_LEGACY_SSE_IPP
#define POLYMCP_CLIENT_IMPL_LEGACY_SSE_IPP

// Definitions for polymcp/client/legacy_sse.hpp.

#include <polymcp/core/utf8.hpp>
#include <polymcp/client/curl_multi.hpp>
#include <polymcp/client/http_exchange.hpp>
#include <polymcp/client/detail/sse_parser.hpp>
#include <polymcp/client/legacy_sse.hpp>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

namespace polymcp::client {

namespace detail {

struct sse_state : std::enable_shared_from_this<sse_state> {
    sse_state(asio::any_io_executor e, http_options o)
        : ex(std::move(e)), options(std::move(o)), multi(std::make_shared<curl_multi>(ex)), endpoint_event(ex) {}

    asio::any_io_executor ex;
    http_options options;
    std::shared_ptr<curl_multi> multi;
    transport_handlers handlers;
    std::string url;
    std::string endpoint;
    bool started = false;
    bool closed = false;
    std::optional<client_error> start_error;  ///< why the stream failed before its endpoint event
    asio::steady_timer endpoint_event;        ///< cancelled when the endpoint or start_error is known
    asio::cancellation_signal stream_cancel;
    // The stream's coroutine exists: only then may stream_cancel be emitted
    // (an io_context destroyed with it pending frees what the slot's handler points to).
    bool stream_running = false;
    void cancel_stream() {
        if (stream_running) stream_cancel.emit(asio::cancellation_type::terminal);
    }

    static std::string excerpt(const std::string& s) { return utf8_excerpt(s, 200); }

    void on_event(const sse_event& e, std::optional<client_error>& error) {
        if (e.type == "endpoint") {
            if (!endpoint.empty()) return;  // only the first counts
            try {
                std::string resolved = resolve_url(url, e.data);
                if (origin_of(resolved) != origin_of(url)) {
                    error = client_error(errc::invalid_mcp_server, url + " named an endpoint on another origin (" +
                                                                       resolved + "); refused");
                    return;
                }
                endpoint = resolved;
                endpoint_event.cancel();
            } catch (const client_error& x) {
                error = client_error(errc::invalid_mcp_server, url + " sent an unusable endpoint: " + x.what());
            }
            return;
        }
        if (e.type != "message" || e.data.empty()) return;
        json j = json::parse(e.data, nullptr, false);
        if (j.is_discarded()) {
            error = client_error(errc::invalid_mcp_server, url + " sent an event that is not JSON: " + excerpt(e.data));
            return;
        }
        if (endpoint.empty()) return;  // messages before the endpoint: nobody asked yet
        if (handlers.on_message) handlers.on_message(std::move(j));
    }

    asio::awaitable<void> stream() {
        auto self = shared_from_this();
        struct running_mark {
            std::weak_ptr<sse_state> s;
            ~running_mark() {
                if (auto p = s.lock()) p->stream_running = false;
            }
        } mark{self};
        stream_running = true;
        std::optional<client_error> failure;
        for (int attempt = 0;; ++attempt) {
            std::string authz;
            if (options.auth) authz = co_await options.auth->authorization(url);
            auto t = make_transfer(ex, options, url, "GET", {}, authz);
            t->add_header("Accept: text/event-stream");
            curl_transfer* tp = t.get();
            bool is_stream = false;
            std::string body;
            sse_parser parser(options.max_message_size);
            t->on_headers = [&is_stream, tp] {
                is_stream = tp->status >= 200 && tp->status < 300 &&
                            media_type(tp->header("content-type")) == "text/event-stream";
            };
            t->on_body = [&, tp](std::string_view d) -> bool {
                if (!is_stream) {
                    body.append(d.substr(0, std::min<std::size_t>(d.size(), 4096)));
                    return body.size() < 4096;
                }
                bool ok = parser.feed(d, [&](const sse_event& e) {
                    if (!tp->abort_error) on_event(e, tp->abort_error);
                });
                if (!ok && !tp->abort_error)
                    tp->abort_error = client_error(errc::message_too_large,
                                                   url + " sent an event over the " +
                                                       std::to_string(options.max_message_size) + "-byte limit");
                return !tp->abort_error;
            };
            CURLcode rc = CURLE_OK;
            try {
                rc = co_await multi->perform(t);
            } catch (const client_error& e) {
                failure = e;  // cancelled: closing
                break;
            }
            if (t->abort_error) {
                failure = *t->abort_error;
            } else if (rc != CURLE_OK && !is_stream && body.size() < 4096) {
                failure = curl_error(rc, t->error_buffer, url);
            } else if (!is_stream && tp->status >= 200 && tp->status < 300) {
                failure = client_error(errc::invalid_mcp_server,
                                       url + " answered with Content-Type " + tp->header("content-type") +
                                           ", not an event stream: " + excerpt(body));
            } else if (!is_stream) {
                if ((tp->status == 401 || tp->status == 403) && options.auth && endpoint.empty() &&
                    attempt < options.max_auth_retries) {
                    auto challenge = parse_bearer_challenge(tp->header("www-authenticate"));
                    if (co_await options.auth->on_unauthorized(url, static_cast<int>(tp->status), challenge, authz)) continue;
                }
                failure = status_error(*t, body, url, false);
            } else if (endpoint.empty()) {
                failure = client_error(errc::invalid_mcp_server,
                                       url + " ended its event stream without naming an endpoint (not an HTTP+SSE MCP server?)");
            } else {
                failure = client_error(errc::connection_closed, url + " ended the event stream");
            }
            break;
        }
        if (endpoint.empty()) {
            start_error = failure;
            endpoint_event.cancel();
            co_return;
        }
        if (!closed && handlers.on_close && failure) handlers.on_close(*failure);
    }

    asio::awaitable<void> start(transport_handlers h) {
        auto self = shared_from_this();
        if (started) throw client_error(errc::not_initialized, "the SSE transport was already started");
        url = build_url(options);
        handlers = std::move(h);
        started = true;
        endpoint_event.expires_after(options.connect_timeout);
        asio::co_spawn(ex, [self]() { return self->stream(); },
                       asio::bind_cancellation_slot(stream_cancel.slot(), asio::detached));
        auto cs = co_await asio::this_coro::cancellation_state;
        while (endpoint.empty() && !start_error) {
            auto [ec] = co_await endpoint_event.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
            if (!endpoint.empty() || start_error) break;
            if (!ec) {
                cancel_stream();
                throw client_error(errc::timeout, url + " sent no endpoint event within " +
                                                      std::to_string(options.connect_timeout.count()) + " ms");
            }
            if (cs.cancelled() != asio::cancellation_type::none) {
                cancel_stream();
                throw client_error(errc::cancelled, "connecting to " + url + " was cancelled");
            }
        }
        if (start_error) throw *start_error;
    }

    asio::awaitable<void> send(json msg) {
        auto self = shared_from_this();
        if (endpoint.empty()) throw client_error(errc::not_initialized, "the SSE transport is not started");
        if (closed) throw client_error(errc::connection_closed, "the transport to " + url + " was closed");
        std::string body = msg.dump(-1, ' ', false, json::error_handler_t::replace);
        for (int attempt = 0;; ++attempt) {
            std::string authz;
            if (options.auth) authz = co_await options.auth->authorization(endpoint);
            auto t = make_transfer(ex, options, endpoint, "POST", body, authz);
            std::string reply;
            t->on_body = [&reply](std::string_view d) {
                if (reply.size() < 4096) reply.append(d.substr(0, 4096 - reply.size()));
                return true;
            };
            CURLcode rc = co_await multi->perform(t);
            if (rc != CURLE_OK) throw curl_error(rc, t->error_buffer, endpoint);
            if (t->status >= 200 && t->status < 300) co_return;
            if ((t->status == 401 || t->status == 403) && options.auth && attempt < options.max_auth_retries) {
                auto challenge = parse_bearer_challenge(t->header("www-authenticate"));
                if (co_await options.auth->on_unauthorized(endpoint, static_cast<int>(t->status), challenge, authz)) continue;
            }
            throw status_error(*t, reply, endpoint, false);
        }
    }

    void shutdown() {
        closed = true;
        cancel_stream();
        multi->abort_all();
    }
};

}  // namespace detail

sse_transport::sse_transport(asio::any_io_executor ex, http_options options)
    : state_(std::make_shared<detail::sse_state>(std::move(ex), std::move(options))) {}

sse_transport::~sse_transport() { state_->shutdown(); }

asio::any_io_executor sse_transport::get_executor() const { return state_->ex; }

asio::awaitable<void> sse_transport::async_start(transport_handlers handlers) {
    auto s = state_;
    co_await s->start(std::move(handlers));
}

asio::awaitable<void> sse_transport::async_send(json message) {
    auto s = state_;
    co_await s->send(std::move(message));
}

asio::awaitable<void> sse_transport::async_close() {
    state_->shutdown();
    co_return;
}

std::string sse_transport::describe() const { return state_->options.url; }

const std::string& sse_transport::endpoint() const noexcept { return state_->endpoint; }

}  // namespace polymcp::client

#endif
