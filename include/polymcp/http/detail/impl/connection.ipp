#ifndef POLYMCP_HTTP_DETAIL_IMPL_CONNECTION_IPP
#define POLYMCP_HTTP_DETAIL_IMPL_CONNECTION_IPP

// Definitions for polymcp/http/detail/connection.hpp and polymcp/http/responder.hpp.

#include <polymcp/http/detail/connection.hpp>
#include <polymcp/http/responder.hpp>

#include <asio/post.hpp>

#include <cstdio>
#include <exception>

namespace polymcp::http {

// ---- responder ----------------------------------------------------------------

responder::responder(std::shared_ptr<detail::connection> c, std::uint64_t exchange)
    : conn_(std::move(c)), exchange_(exchange) {}

responder::~responder() {
    if (!ended_.load()) {
        auto c = conn_;
        auto x = exchange_;
        asio::post(c->get_executor(), [c, x] { c->abandoned(x); });
    }
}

void responder::respond(response r) {
    if (ended_.exchange(true)) return;
    asio::post(conn_->get_executor(), [c = conn_, x = exchange_, r = std::move(r)]() mutable {
        c->respond(x, std::move(r));
    });
}

void responder::begin_stream(response head) {
    if (ended_.load()) return;
    asio::post(conn_->get_executor(), [c = conn_, x = exchange_, h = std::move(head)]() mutable {
        c->begin_stream(x, std::move(h));
    });
}

void responder::write(std::string data) {
    if (ended_.load()) return;
    asio::post(conn_->get_executor(), [c = conn_, x = exchange_, d = std::move(data)]() mutable {
        c->write_chunk(x, std::move(d));
    });
}

void responder::end_stream() {
    if (ended_.exchange(true)) return;
    asio::post(conn_->get_executor(), [c = conn_, x = exchange_] { c->end_stream(x, false); });
}

void responder::close() {
    if (ended_.exchange(true)) return;
    connected_.store(false, std::memory_order_release);
    asio::post(conn_->get_executor(), [c = conn_, x = exchange_] { c->end_stream(x, true); });
}

void responder::on_disconnect(std::function<void()> f) {
    asio::post(conn_->get_executor(), [c = conn_, x = exchange_, f = std::move(f)]() mutable {
        c->set_disconnect(x, std::move(f));
    });
}

namespace detail {

// ---- connection -----------------------------------------------------------------

connection::connection(std::unique_ptr<byte_stream> stream, asio::any_io_executor strand,
                       std::shared_ptr<server_state> state, unsigned reject_status)
    : stream_(std::move(stream)), strand_(std::move(strand)), state_(std::move(state)),
      reject_status_(reject_status), parser_(state_->options), timer_(strand_) {
    state_->count.fetch_add(1);
}

connection::~connection() {
    state_->count.fetch_sub(1);
    std::lock_guard lock(state_->mutex);
    state_->live.erase(id_);
}

void connection::start() {
    {
        std::lock_guard lock(state_->mutex);
        id_ = ++state_->next_id;
        state_->live.emplace(id_, weak_from_this());
    }
    if (reject_status_) {
        state_->diag(stream_->remote() + ": " + std::to_string(reject_status_) +
                     ": too many open connections (http::server_options::max_connections)");
        response r = response::error(reject_status_, "too many open connections");
        enqueue(head(r, false, true) + r.body, false);
        close_after_write_ = true;
        return;
    }
    arm(deadline::header);  // a TLS handshake must not take longer than a header
    stream_->async_handshake([self = shared_from_this()](std::error_code ec) {
        asio::post(self->strand_, [self, ec] {
            if (self->closed_) return;
            if (ec) return self->shut("TLS handshake failed: " + ec.message());
            self->handshaken_ = true;
            self->arm(deadline::idle);
            self->do_read();
        });
    });
}

void connection::stop() {
    asio::post(strand_, [self = shared_from_this()] { self->shut({}); });
}

void connection::shut(std::string_view why) {
    if (closed_) return;
    closed_ = true;
    if (!why.empty()) state_->diag(stream_->remote() + ": connection closed: " + std::string(why));
    timer_.cancel();
    stream_->close();
    if (auto r = responder_.lock()) r->connected_.store(false, std::memory_order_release);
    if (busy_ && on_disconnect_) {
        auto f = std::move(on_disconnect_);
        on_disconnect_ = nullptr;
        f();
    }
    pending_.clear();
    queued_bytes_ = 0;
}

// RFC 9112 section 9.6: close in two steps, so that a client still sending
// (a body over the limit, pipelined requests) reads the final response
// instead of losing it to a TCP reset.
void connection::linger() {
    if (closed_ || lingering_) return;
    if (peer_eof_) return shut({});
    lingering_ = true;
    stream_->shutdown_send();
    in_.clear();
    arm(deadline::linger);
    do_read();
}

void connection::do_read() {
    if (reading_ || closed_ || peer_eof_) return;
    // While an exchange is in progress, read only a bounded amount ahead
    // (pipelined requests), enough to notice the client going away.
    if (busy_ && !lingering_ && in_.size() >= 64 * 1024) return;
    reading_ = true;
    stream_->async_read_some(asio::buffer(read_buf_),
                             [self = shared_from_this()](std::error_code ec, std::size_t n) {
                                 self->on_read(ec, n);
                             });
}

void connection::on_read(std::error_code ec, std::size_t n) {
    reading_ = false;
    if (closed_) return;
    if (ec) {
        if (ec != asio::error::eof || lingering_) return shut({});
        peer_eof_ = true;
        // A client that half-closes after its request still gets the response;
        // a streamed response to a client that is gone ends here.
        if (!busy_ || streaming_) return shut({});
        return;
    }
    if (lingering_) return do_read();  // discard
    in_.append(read_buf_.data(), n);
    if (!busy_) process();
    do_read();
}

void connection::process() {
    while (!busy_ && !closed_ && !in_.empty()) {
        const bool was_started = parser_.started();
        auto r = parser_.feed(in_.data(), in_.size());
        in_.erase(0, r.consumed);
        if (r.st == request_parser::state::error) return reject(parser_.error_status(), parser_.error_detail());
        if (r.st == request_parser::state::complete) {
            dispatch(parser_.take());
            continue;
        }
        // need_more
        if (parser_.header_complete()) {
            if (parser_.expects_continue() && !continue_sent_) {
                continue_sent_ = true;
                enqueue("HTTP/1.1 100 Continue\r\n\r\n", false);
            }
            if (deadline_ != deadline::body) arm(deadline::body);
        } else if (!was_started || deadline_ == deadline::idle) {
            arm(deadline::header);
        }
        break;
    }
    if (!busy_ && !closed_ && in_.empty() && !parser_.started() && deadline_ != deadline::idle) arm(deadline::idle);
    if (!busy_ && peer_eof_ && !closed_) {
        // No complete request left and the client sent everything it will.
        if (parser_.started()) return reject(400, "the connection ended in the middle of a request");
        close_after_write_ = true;
        if (!write_active_ && pending_.empty()) shut({});
    }
}

void connection::dispatch(request req) {
    busy_ = true;
    ++exchange_;
    streaming_ = false;
    continue_sent_ = false;
    keep_alive_ = req.keep_alive;
    head_request_ = req.method == "HEAD";
    request_version_ = req.version;
    on_disconnect_ = nullptr;
    arm(deadline::none);
    req.remote = stream_->remote();
    auto r = std::make_shared<responder>(shared_from_this(), exchange_);
    responder_ = r;
    try {
        state_->handler(std::move(req), std::move(r));
    } catch (const std::exception& e) {
        state_->diag(stream_->remote() + ": request handler threw: " + e.what());
        // The responder was moved into the handler; if it was dropped, abandoned() answers 500.
    }
}

void connection::reject(unsigned status, const std::string& detail) {
    state_->diag(stream_->remote() + ": " + std::to_string(status) + " " +
                 std::string(reason_phrase(status)) + ": " + detail);
    arm(deadline::none);
    in_.clear();
    response r = response::error(status, detail);
    std::string wire = head(r, false, true);
    wire += r.body;
    enqueue(std::move(wire), false);
    close_after_write_ = true;
    busy_ = true;  // nothing more is read or parsed on this connection
}

void connection::respond(std::uint64_t exchange, response r) {
    if (closed_ || !busy_ || exchange != exchange_ || streaming_) return;
    const bool close = !keep_alive_ || peer_eof_;
    std::string wire = head(r, false, close);
    if (!head_request_) wire += r.body;
    enqueue(std::move(wire), false);
    finish_exchange(close);
}

void connection::begin_stream(std::uint64_t exchange, response h) {
    if (closed_ || !busy_ || exchange != exchange_ || streaming_) return;
    streaming_ = true;
    chunked_ = request_version_ >= 11;
    if (!chunked_) keep_alive_ = false;  // HTTP/1.0: the body ends when the connection does
    enqueue(head(h, true, !keep_alive_), false);
    if (peer_eof_) shut({});
}

void connection::write_chunk(std::uint64_t exchange, std::string data) {
    if (closed_ || !busy_ || exchange != exchange_ || !streaming_ || data.empty()) return;
    if (chunked_) {
        char size[20];
        int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
        data.insert(0, size, static_cast<std::size_t>(n));
        data += "\r\n";
    }
    enqueue(std::move(data), true);
}

void connection::end_stream(std::uint64_t exchange, bool close_connection) {
    if (closed_ || !busy_ || exchange != exchange_) return;
    if (!streaming_) return finish_exchange(true);  // nothing was sent: nothing to frame, just close
    if (chunked_ && !close_connection) enqueue("0\r\n\r\n", false);
    finish_exchange(close_connection || !keep_alive_);
}

void connection::set_disconnect(std::uint64_t exchange, std::function<void()> f) {
    if (exchange != exchange_ || !busy_) return;
    if (closed_) {
        if (f) f();
        return;
    }
    on_disconnect_ = std::move(f);
}

void connection::abandoned(std::uint64_t exchange) {
    if (closed_ || !busy_ || exchange != exchange_) return;
    state_->diag(stream_->remote() + ": the request handler dropped its responder without answering");
    if (streaming_) return end_stream(exchange, true);
    respond(exchange, response::error(500, "the server did not produce a response"));
}

void connection::finish_exchange(bool close_connection) {
    busy_ = false;
    streaming_ = false;
    on_disconnect_ = nullptr;
    responder_.reset();
    if (close_connection) {
        close_after_write_ = true;
        if (!write_active_ && pending_.empty()) linger();
        return;
    }
    process();
    do_read();
}

void connection::enqueue(std::string data, bool bounded) {
    if (closed_) return;
    if (bounded && queued_bytes_ + data.size() > state_->options.max_output_bytes) {
        return shut("the client is not reading: more than " +
                    std::to_string(state_->options.max_output_bytes) +
                    " bytes queued (http::server_options::max_output_bytes)");
    }
    queued_bytes_ += data.size();
    pending_.push_back(std::move(data));
    do_write();
}

void connection::do_write() {
    if (write_active_ || closed_ || pending_.empty()) return;
    write_active_ = true;
    writing_.swap(pending_);
    std::vector<asio::const_buffer> bufs;
    bufs.reserve(writing_.size());
    for (const auto& s : writing_) bufs.push_back(asio::buffer(s));
    stream_->async_write(std::move(bufs), [self = shared_from_this()](std::error_code ec, std::size_t) {
        self->write_active_ = false;
        if (self->closed_) return;
        if (ec) return self->shut({});
        for (const auto& s : self->writing_) self->queued_bytes_ -= s.size();
        self->writing_.clear();
        if (!self->pending_.empty()) return self->do_write();
        if (self->close_after_write_) self->linger();
    });
}

void connection::arm(deadline d) {
    deadline_ = d;
    ++timer_generation_;
    if (d == deadline::none) {
        timer_.cancel();
        return;
    }
    const auto& o = state_->options;
    timer_.expires_after(d == deadline::idle     ? o.idle_timeout
                         : d == deadline::header ? o.header_timeout
                         : d == deadline::body   ? o.body_timeout
                                                 : std::chrono::milliseconds(2000));  // linger
    timer_.async_wait([self = shared_from_this(), g = timer_generation_](std::error_code ec) {
        if (!ec) self->on_timer(g);
    });
}

void connection::on_timer(std::uint64_t generation) {
    if (closed_ || generation != timer_generation_) return;
    switch (deadline_) {
        case deadline::idle:
        case deadline::linger:
            return shut({});
        case deadline::header:
            if (!handshaken_)
                return shut("TLS handshake failed: it did not finish within " +
                            std::to_string(state_->options.header_timeout.count()) +
                            " ms (http::server_options::header_timeout)");
            return reject(408, "the request header did not arrive within " +
                                   std::to_string(state_->options.header_timeout.count()) +
                                   " ms (http::server_options::header_timeout)");
        case deadline::body:
            return reject(408, "the request body did not arrive within " +
                                   std::to_string(state_->options.body_timeout.count()) +
                                   " ms (http::server_options::body_timeout)");
        case deadline::none:
            return;
    }
}

std::string connection::head(const response& r, bool streamed, bool close) const {
    std::string h = "HTTP/1.1 " + std::to_string(r.status) + " ";
    h += reason_phrase(r.status);
    h += "\r\n";
    for (const auto& [name, value] : r.fields) {
        if (iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") || iequals(name, "Connection"))
            continue;  // framing is the server's
        h += name;
        h += ": ";
        for (char c : value)
            if (c != '\r' && c != '\n') h += c;  // no header injection through values
        h += "\r\n";
    }
    if (streamed) {
        if (chunked_) h += "Transfer-Encoding: chunked\r\n";
    } else if (r.status >= 200 && r.status != 204 && r.status != 304) {
        h += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
    }
    if (close) h += "Connection: close\r\n";
    h += "\r\n";
    return h;
}

}  // namespace detail
}  // namespace polymcp::http

#endif
