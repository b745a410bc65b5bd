#ifndef POLYMCP_CLIENT_IMPL_STREAMABLE_HTTP_IPP
#define POLYMCP_CLIENT_IMPL_STREAMABLE_HTTP_IPP

// Definitions for polymcp/client/streamable_http.hpp.

#include <polymcp/core/utf8.hpp>
#include <polymcp/client/curl_multi.hpp>
#include <polymcp/client/http_exchange.hpp>
#include <polymcp/client/detail/sse_parser.hpp>
#include <polymcp/client/streamable_http.hpp>
#include <polymcp/protocol/revision.hpp>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

namespace polymcp::client {

namespace detail {

/// One logical response stream: a POST's (ended by the response to
/// `request_id`) or the GET stream; survives reconnections.
struct stream_context {
    std::optional<json> request_id;
    bool saw_response = false;
    std::string last_event_id;
    std::optional<long> retry_ms;
};

struct exchange_result {
    /// delivered_error: a 4xx whose JSON-RPC error body was handed to the session
    enum kind_t { none, json_body, event_stream, other, delivered_error } kind = none;
    long status = 0;
    std::string content_type;
    std::string body;             ///< JSON body, or the first bytes of another body
    bool interrupted = false;     ///< an event stream that broke off (the caller may resume)
};

inline std::string excerpt_of(const std::string& s) { return utf8_excerpt(s, 200); }

/// The header fields of one POST beyond the transport's own.
struct post_headers {
    std::vector<std::string> lines;  ///< "Name: value" (encoded)
    /// The message names a stateless revision in its `_meta` (MCP
    /// 2026-07-28): sent with that MCP-Protocol-Version and no session.
    std::string stateless_version;
};

/// The revision a message's `_meta` names, when it is a stateless one (MCP
/// 2026-07-28 "Request Metadata"); empty otherwise.
inline std::string stateless_version_of(const json& msg) {
    if (!msg.is_object()) return {};
    auto p = msg.find("params");
    if (p == msg.end() || !p->is_object()) return {};
    auto m = p->find("_meta");
    if (m == p->end() || !m->is_object()) return {};
    auto v = m->find("io.modelcontextprotocol/protocolVersion");
    if (v == m->end() || !v->is_string()) return {};
    auto rev = parse_revision(v->get<std::string>());
    return !rev || is_stateless(*rev) ? v->get<std::string>() : std::string();
}

/// The standard request headers (MCP 2026-07-28 "Standard Request Headers")
/// and the session's extra ones, encoded.
inline post_headers headers_for(const json& msg, const message_headers& extra) {
    post_headers h;
    h.stateless_version = stateless_version_of(msg);
    if (msg.is_object() && msg.contains("method") && msg["method"].is_string()) {
        const auto& method = msg["method"].get_ref<const std::string&>();
        h.lines.push_back(header_line("Mcp-Method", encode_header_value(method)));
        const char* member = method == "tools/call" || method == "prompts/get" ? "name"
                             : method == "resources/read"                      ? "uri"
                                                                               : nullptr;
        if (member && msg.contains("params") && msg["params"].is_object())
            if (auto v = msg["params"].find(member); v != msg["params"].end() && v->is_string())
                h.lines.push_back(header_line("Mcp-Name", encode_header_value(v->get<std::string>())));
    }
    for (const auto& [name, value] : extra) h.lines.push_back(header_line(name, encode_header_value(value)));
    return h;
}

struct streamable_http_state : std::enable_shared_from_this<streamable_http_state> {
    streamable_http_state(asio::any_io_executor e, http_options o)
        : ex(std::move(e)), options(std::move(o)), multi(std::make_shared<curl_multi>(ex)) {}

    asio::any_io_executor ex;
    http_options options;
    std::shared_ptr<curl_multi> multi;
    transport_handlers handlers;
    std::string url;
    std::string session_id;
    std::string protocol_version;
    bool started = false;
    bool closed = false;
    asio::cancellation_signal get_cancel;
    // The GET stream's coroutine exists: only then may get_cancel be emitted
    // (an io_context destroyed with the coroutine pending frees what the
    // slot's handler points to).
    bool get_running = false;
    void cancel_get() {
        if (get_running) get_cancel.emit(asio::cancellation_type::terminal);
    }

    /// Delivers the messages of one JSON text (an object or a batch array).
    bool deliver(const std::string& text, stream_context& sc, std::optional<client_error>& error) {
        json j = json::parse(text, nullptr, false);
        if (j.is_discarded()) {
            error = client_error(errc::invalid_mcp_server, url + " sent something that is not JSON: " + excerpt_of(text));
            return false;
        }
        auto one = [&](json m) {
            if (sc.request_id && m.is_object() && m.contains("id") && m["id"] == *sc.request_id &&
                (m.contains("result") || m.contains("error")))
                sc.saw_response = true;
            if (handlers.on_message) handlers.on_message(std::move(m));
        };
        if (j.is_array()) {
            for (auto& m : j) one(std::move(m));
        } else {
            one(std::move(j));
        }
        return true;
    }

    asio::awaitable<void> sleep(std::chrono::milliseconds d) {
        asio::steady_timer t(ex);
        t.expires_after(d);
        co_await t.async_wait(asio::use_awaitable);  // throws when cancelled
    }

    /// One HTTP exchange, retried after the auth provider obtained new
    /// credentials. Returns for 2xx; throws the typed error otherwise.
    asio::awaitable<exchange_result> exchange(const char* method, const std::string& body, stream_context& sc,
                                              bool capture_session, const post_headers* extra = nullptr) {
        auto self = shared_from_this();
        const bool get = std::string_view(method) == "GET";
        for (int attempt = 0;; ++attempt) {
            std::string authz;
            if (options.auth) authz = co_await options.auth->authorization(url);
            auto t = make_transfer(ex, options, url, method, body, authz);
            t->add_header(get ? "Accept: text/event-stream" : "Accept: application/json, text/event-stream");
            const bool stateless = extra && !extra->stateless_version.empty();
            if (!session_id.empty() && !stateless) t->add_header("Mcp-Session-Id: " + session_id);
            if (stateless) t->add_header("MCP-Protocol-Version: " + extra->stateless_version);
            else if (!protocol_version.empty()) t->add_header("MCP-Protocol-Version: " + protocol_version);
            if (extra)
                for (const auto& line : extra->lines) t->add_header(line);
            if (get && !sc.last_event_id.empty()) t->add_header("Last-Event-ID: " + sc.last_event_id);

            exchange_result r;
            sse_parser parser(options.max_message_size);
            bool truncated = false;
            curl_transfer* tp = t.get();
            t->on_headers = [&r, tp, this, capture_session] {
                r.status = tp->status;
                // Before any event is delivered: the session may send its next
                // message as soon as it has the initialize response.
                if (capture_session && r.status >= 200 && r.status < 300) {
                    auto sid = tp->header("mcp-session-id");
                    if (!sid.empty()) session_id = sid;
                }
                r.content_type = media_type(tp->header("content-type"));
                if (r.status >= 200 && r.status < 300) {
                    if (r.content_type == "application/json") r.kind = exchange_result::json_body;
                    else if (r.content_type == "text/event-stream") r.kind = exchange_result::event_stream;
                    else if (!r.content_type.empty()) r.kind = exchange_result::other;
                }
            };
            t->on_body = [&, tp](std::string_view d) -> bool {
                if (r.kind == exchange_result::event_stream) {
                    bool ok = parser.feed(d, [&](const sse_event& e) {
                        if (tp->abort_error || e.data.empty()) return;  // empty data: a priming event
                        if (e.type != "message") return;
                        deliver(e.data, sc, tp->abort_error);
                    });
                    if (!parser.last_event_id().empty()) sc.last_event_id = parser.last_event_id();
                    if (parser.retry_ms()) sc.retry_ms = parser.retry_ms();
                    if (!ok && !tp->abort_error)
                        tp->abort_error = client_error(errc::message_too_large,
                                                       url + " sent an event over the " +
                                                           std::to_string(options.max_message_size) + "-byte limit");
                    return !tp->abort_error;
                }
                if (r.kind == exchange_result::json_body) {
                    if (r.body.size() + d.size() > options.max_message_size) {
                        tp->abort_error = client_error(errc::message_too_large,
                                                       url + " sent a message over the " +
                                                           std::to_string(options.max_message_size) + "-byte limit");
                        return false;
                    }
                    r.body.append(d);
                    return true;
                }
                // An error page or another media type: keep its beginning for the message.
                r.body.append(d.substr(0, std::min<std::size_t>(d.size(), 4096 - std::min<std::size_t>(r.body.size(), 4096))));
                if (r.body.size() >= 4096) {
                    truncated = true;
                    return false;
                }
                return true;
            };
            CURLcode rc = co_await multi->perform(t);
            if (t->abort_error) throw *t->abort_error;
            if (!t->headers_done) r.status = t->status;
            if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && truncated)) {
                if (r.kind == exchange_result::event_stream && !closed) {
                    r.interrupted = true;
                    co_return r;
                }
                if (closed) throw client_error(errc::connection_closed, "the transport to " + url + " was closed");
                throw curl_error(rc, t->error_buffer, url);
            }
            if (r.status >= 200 && r.status < 300) co_return r;
            if ((r.status == 401 || r.status == 403) && options.auth && attempt < options.max_auth_retries) {
                auto challenge = parse_bearer_challenge(t->header("www-authenticate"));
                bool step_up = r.status == 403 && challenge && challenge->error == "insufficient_scope";
                if (r.status == 401 || step_up) {
                    bool retry = co_await options.auth->on_unauthorized(url, static_cast<int>(r.status), challenge, authz);
                    if (retry) continue;
                }
            }
            // A stateless request's protocol errors come as 4xx with the
            // JSON-RPC error for it (MCP 2026-07-28 "Server Validation",
            // "Protocol Version Header"): the session decides what they mean.
            if (stateless && sc.request_id && r.status >= 400 && r.status < 500) {
                auto j = json::parse(r.body, nullptr, false);
                if (j.is_object() && j.contains("error") && j["error"].is_object() && j.contains("id") &&
                    j["id"] == *sc.request_id) {
                    std::optional<client_error> error;
                    deliver(r.body, sc, error);
                    r.kind = exchange_result::delivered_error;
                    co_return r;
                }
            }
            auto err = status_error(*t, r.body, url, !session_id.empty() && !stateless);
            if (err.value() == errc::session_expired) session_id.clear();
            throw err;
        }
    }

    /// Resumes a POST's event stream with GET + Last-Event-ID until the response arrived.
    asio::awaitable<void> resume(stream_context& sc) {
        for (int attempt = 0; !sc.saw_response; ++attempt) {
            if (closed) throw client_error(errc::connection_closed, "the transport to " + url + " was closed");
            if (sc.last_event_id.empty())
                throw client_error(errc::connection_closed, url + " ended the event stream before answering the request "
                                                                  "(and sent no event id to resume from)");
            if (attempt >= options.max_reconnect_attempts)
                throw client_error(errc::connection_closed, url + " ended the event stream before answering the request, "
                                                                  "and resuming it failed " +
                                                                  std::to_string(attempt) + " times");
            co_await sleep(sc.retry_ms ? std::chrono::milliseconds(*sc.retry_ms) : options.reconnect_delay);
            std::string empty;
            auto r = co_await exchange("GET", empty, sc, false);
            if (r.kind != exchange_result::event_stream)
                throw client_error(errc::invalid_mcp_server, url + " answered the resumption GET with " +
                                                                 (r.content_type.empty() ? "no body" : r.content_type) +
                                                                 ", not an event stream");
        }
    }

    asio::awaitable<void> send(json msg, const message_headers& extra) {
        auto self = shared_from_this();
        if (!started) throw client_error(errc::not_initialized, "the HTTP transport is not started");
        if (closed) throw client_error(errc::connection_closed, "the transport to " + url + " was closed");
        stream_context sc;
        const bool is_request = msg.is_object() && msg.contains("method") && msg.contains("id");
        if (is_request) sc.request_id = msg["id"];
        const bool is_initialize = is_request && msg["method"] == "initialize";
        std::string body = msg.dump(-1, ' ', false, json::error_handler_t::replace);
        const auto headers = headers_for(msg, extra);
        auto r = co_await exchange("POST", body, sc, is_initialize, &headers);
        if (!is_request) co_return;
        switch (r.kind) {
            case exchange_result::delivered_error:
                co_return;
            case exchange_result::json_body: {
                std::optional<client_error> error;
                if (!deliver(r.body, sc, error)) throw *error;
                if (!sc.saw_response)
                    throw client_error(errc::invalid_mcp_server,
                                       url + " answered the request with JSON that is not its response: " +
                                           excerpt_of(r.body));
                co_return;
            }
            case exchange_result::event_stream:
                if (!sc.saw_response) co_await resume(sc);
                co_return;
            case exchange_result::none:
                throw client_error(errc::invalid_mcp_server, url + " answered a request with HTTP " +
                                                                 std::to_string(r.status) + " and no response");
            case exchange_result::other:
                throw client_error(errc::invalid_mcp_server,
                                   url + " answered with Content-Type " + r.content_type +
                                       ", not JSON or an event stream: " + excerpt_of(r.body));
        }
    }

    asio::awaitable<void> get_loop() {
        auto self = shared_from_this();
        struct running_mark {
            std::weak_ptr<streamable_http_state> s;
            ~running_mark() {
                if (auto p = s.lock()) p->get_running = false;
            }
        } mark{self};
        get_running = true;
        stream_context sc;
        int failures = 0;
        std::string empty;
        while (!closed) {
            try {
                auto r = co_await exchange("GET", empty, sc, false);
                if (r.kind != exchange_result::event_stream) co_return;  // not a stream: nothing to wait for
                failures = 0;
            } catch (const client_error& e) {
                // 405: the server offers no stream; other refusals end it too.
                if (closed || e.value() != errc::connection_closed || ++failures > options.max_reconnect_attempts)
                    co_return;
            }
            try {
                co_await sleep(sc.retry_ms ? std::chrono::milliseconds(*sc.retry_ms) : options.reconnect_delay);
            } catch (const std::exception&) {
                co_return;  // closed
            }
        }
    }

    asio::awaitable<void> close() {
        auto self = shared_from_this();
        if (closed) co_return;
        closed = true;
        cancel_get();
        if (started && !session_id.empty()) {
            // MCP "Session Management": end the session; 405 (not allowed) is fine.
            try {
                std::string authz;
                if (options.auth) authz = co_await options.auth->authorization(url);
                auto t = make_transfer(ex, options, url, "DELETE", {}, authz);
                t->add_header("Mcp-Session-Id: " + session_id);
                if (!protocol_version.empty()) t->add_header("MCP-Protocol-Version: " + protocol_version);
                curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS, 5000L);
                co_await multi->perform(t);
            } catch (const std::exception&) {
            }
        }
        multi->abort_all();
    }
};

}  // namespace detail

streamable_http_transport::streamable_http_transport(asio::any_io_executor ex, http_options options)
    : state_(std::make_shared<detail::streamable_http_state>(std::move(ex), std::move(options))) {}

streamable_http_transport::~streamable_http_transport() {
    state_->closed = true;
    state_->cancel_get();
    state_->multi->abort_all();
}

asio::any_io_executor streamable_http_transport::get_executor() const { return state_->ex; }

asio::awaitable<void> streamable_http_transport::async_start(transport_handlers handlers) {
    auto s = state_;
    s->url = client::build_url(s->options);
    s->handlers = std::move(handlers);
    s->started = true;
    co_return;
}

asio::awaitable<void> streamable_http_transport::async_send(json message) {
    auto s = state_;
    co_await s->send(std::move(message), {});
}

asio::awaitable<void> streamable_http_transport::async_send(json message, message_headers headers) {
    auto s = state_;
    co_await s->send(std::move(message), headers);
}

void streamable_http_transport::on_initialized(std::string_view protocol_version) {
    auto s = state_;
    // A stateless revision (2026-07-28): each message names its own version;
    // there is no session, and no GET stream.
    if (auto rev = parse_revision(protocol_version); rev && is_stateless(*rev)) return;
    s->protocol_version = std::string(protocol_version);
    if (s->options.open_get_stream && !s->closed)
        asio::co_spawn(s->ex, [s]() { return s->get_loop(); },
                       asio::bind_cancellation_slot(s->get_cancel.slot(), asio::detached));
}

asio::awaitable<void> streamable_http_transport::async_close() {
    auto s = state_;
    co_await s->close();
}

std::string streamable_http_transport::describe() const { return state_->options.url; }

const std::string& streamable_http_transport::session_id() const noexcept { return state_->session_id; }

}  // namespace polymcp::client

#endif
