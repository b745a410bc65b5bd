#ifndef POLYMCP_TRANSPORT_IMPL_STREAMABLE_HTTP_IPP
#define POLYMCP_TRANSPORT_IMPL_STREAMABLE_HTTP_IPP

// Definitions of the non-template functions declared in
// polymcp/transport/streamable_http.hpp.

#include <polymcp/transport/streamable_http.hpp>
#include <polymcp/http/server.hpp>
#include <polymcp/protocol/jsonrpc.hpp>
#include <polymcp/server/session_store.hpp>
#include <polymcp/transport/detail/http_checks.hpp>

#include <asio/executor_work_guard.hpp>
#include <asio/post.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

namespace polymcp {
namespace transport_detail {

// The head of an SSE response, with `extra` fields.
inline http::response sse_head(const http::fields& extra) {
    http::response h;
    h.status = 200;
    h.fields.set("Content-Type", "text/event-stream");
    h.fields.set("Cache-Control", "no-cache, no-transform");
    h.fields.set("X-Accel-Buffering", "no");  // nginx: do not buffer the stream
    for (const auto& [n, v] : extra) h.fields.set(n, v);
    return h;
}

struct sse_stream {
    std::shared_ptr<http::responder> res;  // the connection now carrying it, if any
    bool finished = false;                 // its last message was stored
    std::uint64_t last_seq = 0;            // seq of its last stored event
    bool held = false;                     // begun, its priming event not yet in the session store
    bool close_when_primed = false;        // the server closed the connection while it was held
};

struct stored_event {
    std::uint64_t stream;
    std::uint64_t seq;
    std::string data;
};

// One MCP session over HTTP: the protocol session plus its SSE streams and
// the bounded store of events for Last-Event-ID. Stream state is guarded by
// `mu`; responders are thread-safe and called under it to keep order.
struct http_session : std::enable_shared_from_this<http_session> {
    std::string id;
    std::shared_ptr<session> core;
    // The principal that opened the session; later requests must come from
    // the same caller (MCP security best practices, "Session Hijacking").
    std::shared_ptr<const auth::principal> owner;
    const streamable_http_options* opts = nullptr;

    std::mutex mu;
    std::chrono::steady_clock::time_point last_seen = std::chrono::steady_clock::now();
    std::map<std::uint64_t, sse_stream> streams{{0, {}}};  // 0: the standalone GET stream
    std::deque<stored_event> events;
    std::size_t event_bytes = 0;
    std::uint64_t next_seq = 0;
    std::uint64_t next_stream = 1;
    std::size_t open_posts = 0;
    bool ended = false;
    // The session_store (null: none), the tag of this instance's event ids
    // in it, the record_version() last stored, and when the record's TTL was
    // last renewed.
    std::shared_ptr<const session_store> store;
    std::string tag;
    std::atomic<std::uint64_t> saved_version{0};
    std::chrono::steady_clock::time_point last_touch = std::chrono::steady_clock::now();
    // The standalone stream's latest messages written here (when, hash of
    // the text): a copy forwarded by another instance that also wrote it
    // is not written twice.
    std::deque<std::pair<std::chrono::steady_clock::time_point, std::size_t>> recent_standalone;

    // "<stream>_<seq>"; with a session store "<tag>-<stream>_<seq>", the
    // tag naming this instance, so that ids of all instances differ.
    std::string event_id(std::uint64_t stream, std::uint64_t seq) const {
        return stream_name(stream) + "_" + std::to_string(seq);
    }
    std::string stream_name(std::uint64_t stream) const {
        return tag.empty() ? std::to_string(stream) : tag + "-" + std::to_string(stream);
    }

    bool wants_priming() const { return core->protocol_version() >= revision::v2025_11_25; }

    // The priming event of a stream that answers no request this instance
    // must let others answer for (`begin_held_locked` writes those).
    std::string priming_locked(std::uint64_t stream) { return priming_frame(stream, ++next_seq); }
    std::string priming_frame(std::uint64_t stream, std::uint64_t seq) const {
        return "id: " + event_id(stream, seq) + "\nretry: " + std::to_string(opts->sse_retry.count()) + "\ndata: \n\n";
    }

    // Begins a POST's stream on `res` once the session store has its priming
    // event, which names the request it answers (`answers`, JSON text): a
    // client never holds an event id of a request that another instance
    // could not answer for, were this one to stop before the store had it.
    // Until then the stream is held: its events are kept (`events`) and
    // stored as usual, and they follow the priming event once it is written.
    // Before 2025-11-25 the priming event is stored, not sent.
    void begin_held_locked(std::uint64_t stream, const std::string& answers, std::shared_ptr<http::responder> res,
                           http::fields extra) {
        const auto seq = ++next_seq;
        streams[stream].held = true;
        store->async_store_event(
            id, stream_name(stream), {seq, {}, false, answers}, opts->session_idle_timeout, core->get_executor(),
            [self = shared_from_this(), stream, seq, res = std::move(res), extra = std::move(extra)](std::error_code) {
                // Stored or not (a store error leaves only this instance able to answer), the stream begins.
                std::lock_guard lock(self->mu);
                res->begin_stream(sse_head(extra));
                if (self->wants_priming()) res->write(self->priming_frame(stream, seq));
                for (const auto& ev : self->events)
                    if (ev.stream == stream) res->write(frame(self->event_id(ev.stream, ev.seq), ev.data));
                auto it = self->streams.find(stream);
                if (it != self->streams.end()) it->second.held = false;
                // Ended meanwhile (answered, closed by the server, the session ended): as a stream begun at once
                // would have been, all of it written, kept for a resume while its events are.
                if (self->ended || it == self->streams.end() || it->second.finished || it->second.close_when_primed)
                    return res->end_stream();
                it->second.res = res;
                self->watch_locked(stream, res);
            });
    }

    static std::string frame(const std::string& id, const std::string& data) {
        std::string f;
        f.reserve(data.size() + id.size() + 16);
        f += "id: ";
        f += id;
        f += "\ndata: ";
        f += data;
        f += "\n\n";
        return f;
    }

    // Writes one event to its stream's connection, if any, and stores it for
    // a resume (here, and in the session store); `last`: it ends the stream.
    void write_event_locked(std::uint64_t stream, std::string data, bool last = false) {
        auto& st = streams[stream];
        const auto seq = ++next_seq;
        st.last_seq = seq;
        if (st.res) st.res->write(frame(event_id(stream, seq), data));
        if (store)
            store->async_store_event(id, stream_name(stream), {seq, data, last, {}}, opts->session_idle_timeout,
                                     core->get_executor(), [](std::error_code) {});
        event_bytes += data.size();
        events.push_back({stream, seq, std::move(data)});
        while (!events.empty() &&
               (events.size() > opts->max_stored_events || event_bytes > opts->max_stored_event_bytes)) {
            auto& ev = events.front();
            auto it = streams.find(ev.stream);
            if (it != streams.end() && it->first != 0 && it->second.finished && !it->second.res &&
                it->second.last_seq == ev.seq)
                streams.erase(it);
            event_bytes -= ev.data.size();
            if (store)
                store->async_drop_event(id, stream_name(ev.stream), ev.seq, core->get_executor(), [](std::error_code) {});
            events.pop_front();
        }
    }

    // A message of the standalone stream written here, remembered for a
    // second so that the same message forwarded by another instance is not
    // written twice.
    void write_standalone_locked(std::string data) {
        const auto now = std::chrono::steady_clock::now();
        while (!recent_standalone.empty() &&
               (recent_standalone.size() >= 32 || now - recent_standalone.front().first > std::chrono::seconds(1)))
            recent_standalone.pop_front();
        recent_standalone.emplace_back(now, std::hash<std::string>{}(data));
        write_event_locked(0, std::move(data));
    }

    // A standalone message another instance forwarded: written when the
    // client's standalone stream is open here and this instance did not
    // write the same message within the last second.
    void write_forwarded_locked(std::string data) {
        auto it = streams.find(0);
        if (ended || it == streams.end() || !it->second.res) return;
        const auto now = std::chrono::steady_clock::now();
        const auto h = std::hash<std::string>{}(data);
        for (const auto& [at, seen] : recent_standalone)
            if (seen == h && now - at <= std::chrono::seconds(1)) return;
        write_event_locked(0, std::move(data));
    }

    // Called when `res` goes away; the stream lives on for a resume.
    void watch_locked(std::uint64_t stream, const std::shared_ptr<http::responder>& res) {
        std::weak_ptr<http_session> weak = weak_from_this();
        res->on_disconnect([weak, stream, raw = res.get()] {
            auto self = weak.lock();
            if (!self) return;
            std::lock_guard lock(self->mu);
            auto it = self->streams.find(stream);
            if (it != self->streams.end() && it->second.res.get() == raw) it->second.res = nullptr;
        });
    }

    void end_locked() {
        ended = true;
        for (auto& [k, st] : streams)
            if (st.res) {
                st.res->end_stream();
                st.res = nullptr;
            }
    }
};

// Messages not about a request: to the standalone stream (stored for
// replay). With a session store, when the client's standalone stream is not
// open on this instance, the message is also handed to the other instances
// (`forward`): the one holding the stream writes it there.
class standalone_outbound final : public outbound {
public:
    using forward_fn = std::function<void(const std::string& session, std::string message)>;
    explicit standalone_outbound(std::weak_ptr<http_session> s, forward_fn forward = {})
        : s_(std::move(s)), forward_(std::move(forward)) {}
    void send(std::string message) override {
        auto s = s_.lock();
        if (!s) return;
        bool elsewhere = false;
        std::string copy;
        {
            std::lock_guard lock(s->mu);
            if (s->ended) return;
            auto it = s->streams.find(0);
            elsewhere = forward_ && (it == s->streams.end() || !it->second.res);
            if (elsewhere) copy = message;
            s->write_standalone_locked(std::move(message));
        }
        if (elsewhere) forward_(s->id, std::move(copy));
    }

private:
    std::weak_ptr<http_session> s_;
    forward_fn forward_;
};

// Receives the "answers" to notifications and responses: nothing.
class discard_stream final : public reply_stream {
public:
    void send(std::string) override {}
    void finish(jsonrpc::reply) override {}
};

// The answer to one POSTed request: JSON when the response comes first, SSE
// as soon as anything else does (MCP 2025-11-25 "Sending Messages to the Server").
class post_stream final : public reply_stream, public closable_stream {
public:
    /// @param initialize whether the POST is an `initialize`: an error answer
    ///        then makes it a 400 without the `extra` fields (a refused
    ///        `initialize` creates no session, so it names none)
    post_stream(std::shared_ptr<http_session> s, std::shared_ptr<http::responder> res, http::fields extra,
                bool initialize = false)
        : s_(std::move(s)), res_(std::move(res)), extra_(std::move(extra)), initialize_(initialize) {
        std::lock_guard lock(s_->mu);
        ++s_->open_posts;
    }

    void send(std::string message) override {
        std::lock_guard lock(s_->mu);
        if (mode_ == mode::done || s_->ended) return;
        if (mode_ == mode::pending) begin_sse_locked();
        s_->write_event_locked(stream_, std::move(message));
    }

    /// The id (JSON text) of the request whose answer ends this stream, when
    /// it answers one request (not a batch).
    void set_answers(std::string request_id) { answers_ = std::move(request_id); }

    /// Runs `hook` with the answer instead of sending it; the hook sends it
    /// with `finish_now` (or `fail_now`) when it is done.
    void before_finish(std::function<void(jsonrpc::reply)> hook) { before_finish_ = std::move(hook); }

    void finish(jsonrpc::reply last) override {
        if (auto hook = std::exchange(before_finish_, nullptr)) return hook(std::move(last));
        finish_now(std::move(last));
    }

    /// Answers a POST that has not begun streaming with `status` and the
    /// JSON-RPC error `e` (after a server-side failure).
    void fail_now(unsigned status, const jsonrpc::error_response& e) {
        {
            std::lock_guard lock(s_->mu);
            if (mode_ == mode::pending) {
                mode_ = mode::done;
                --s_->open_posts;
                res_->respond(http::response::with_body(status, "application/json", jsonrpc::serialize(e)));
                return;
            }
        }
        finish_now(e);  // already streaming: the error is its last event
    }

    void finish_now(jsonrpc::reply last) {
        std::lock_guard lock(s_->mu);
        if (mode_ == mode::done) return;
        --s_->open_posts;
        s_->last_seen = std::chrono::steady_clock::now();
        if (mode_ == mode::pending) {
            mode_ = mode::done;
            if (last.empty()) {
                http::response r;
                r.status = 202;
                for (const auto& [n, v] : extra_) r.fields.set(n, v);
                res_->respond(std::move(r));
            } else if (initialize_ && last.as_error()) {
                res_->respond(http::response::with_body(400, "application/json", last.serialize()));
            } else {
                auto r = http::response::with_body(200, "application/json", last.serialize());
                for (const auto& [n, v] : extra_) r.fields.set(n, v);
                res_->respond(std::move(r));
            }
            return;
        }
        mode_ = mode::done;
        if (s_->ended) return;
        const bool has_last = !last.empty();
        if (has_last) s_->write_event_locked(stream_, last.serialize(), /*last=*/true);
        auto it = s_->streams.find(stream_);
        if (it == s_->streams.end()) return;
        it->second.finished = true;
        if (it->second.res) {
            it->second.res->end_stream();
            it->second.res = nullptr;
        }
        if (!has_last) s_->streams.erase(it);  // nothing to resume
    }

    void close_connection() override {
        std::lock_guard lock(s_->mu);
        if (mode_ == mode::done || s_->ended) return;
        if (mode_ == mode::pending) begin_sse_locked();
        auto it = s_->streams.find(stream_);
        if (it != s_->streams.end() && it->second.held) it->second.close_when_primed = true;
        if (it != s_->streams.end() && it->second.res) {
            // A complete end of the response (the terminating chunk), not a
            // reset: clients treat a torn chunked body as an error.
            it->second.res->end_stream();
            it->second.res = nullptr;
        }
    }

private:
    enum class mode { pending, sse, done };

    void begin_sse_locked() {
        mode_ = mode::sse;
        stream_ = s_->next_stream++;
        if (s_->store && !answers_.empty()) return s_->begin_held_locked(stream_, answers_, res_, extra_);
        s_->streams[stream_].res = res_;
        res_->begin_stream(sse_head(extra_));
        if (s_->wants_priming()) res_->write(s_->priming_locked(stream_));
        s_->watch_locked(stream_, res_);
    }

    std::shared_ptr<http_session> s_;
    std::shared_ptr<http::responder> res_;
    http::fields extra_;
    bool initialize_ = false;
    mode mode_ = mode::pending;
    std::uint64_t stream_ = 0;
    std::function<void(jsonrpc::reply)> before_finish_;
    std::string answers_;
};

// Messages a stateless request's session sends outside any request: none are
// expected (it has no subscriptions); dropped.
class null_outbound final : public outbound {
public:
    void send(std::string) override {}
};

// The HTTP status of a stateless request's answer (MCP 2026-07-28
// "Streamable HTTP"): 404 for an unknown method, 400 for the protocol's own
// request errors, 200 otherwise (a result, or an error of the call itself).
inline unsigned stateless_status(const jsonrpc::reply& answer) {
    const auto* e = answer.as_error();
    if (!e) return 200;
    const int code = e->error.code;
    if (code == jsonrpc::error_code::method_not_found) return 404;
    if (code == jsonrpc::error_code::header_mismatch || code == jsonrpc::error_code::missing_required_client_capability ||
        code == jsonrpc::error_code::unsupported_protocol_version)
        return 400;
    return 200;
}

// The answer to one stateless POST (MCP 2026-07-28): JSON when the response
// comes first, an SSE stream scoped to the request as soon as a notification
// about it does. No event ids, no resumption; closing the stream cancels the
// request.
class stateless_stream final : public reply_stream {
public:
    /// @param on_finish called once, after the response is complete (the
    ///        transport forgets the request's session then)
    stateless_stream(std::shared_ptr<http::responder> res, std::function<void()> on_finish)
        : res_(std::move(res)), on_finish_(std::move(on_finish)) {}

    /// The request's Mcp-Param-* headers, for the server's x-mcp-header checks.
    void set_param_headers(received_param_headers h) { params_ = std::move(h); }
    const received_param_headers* param_headers() const noexcept override { return &params_; }

    /// Keeps the request's session alive until the response is complete (a
    /// listen stream has nothing else holding it).
    void keep_alive(std::shared_ptr<void> owner) {
        std::lock_guard lock(mu_);
        owner_ = std::move(owner);
    }

    void send(std::string message) override {
        std::lock_guard lock(mu_);
        if (mode_ == mode::done) return;
        if (mode_ == mode::pending) {
            mode_ = mode::sse;
            res_->begin_stream(sse_head({}));
        }
        res_->write("data: " + message + "\n\n");
    }

    void finish(jsonrpc::reply last) override {
        std::shared_ptr<void> owner;
        std::function<void()> done;
        {
            std::lock_guard lock(mu_);
            if (mode_ == mode::done) return;
            owner = std::move(owner_);
            done = std::move(on_finish_);
            if (mode_ == mode::pending) {
                mode_ = mode::done;
                if (last.empty()) res_->respond(http::response{202, {}, {}});
                else res_->respond(http::response::with_body(stateless_status(last), "application/json", last.serialize()));
            } else {
                mode_ = mode::done;
                if (!last.empty()) res_->write("data: " + last.serialize() + "\n\n");
                res_->end_stream();
            }
        }
        if (done) done();
    }

private:
    received_param_headers params_;  // set before the session sees the request, then read-only
    enum class mode { pending, sse, done };
    std::mutex mu_;
    std::shared_ptr<http::responder> res_;
    std::function<void()> on_finish_;
    std::shared_ptr<void> owner_;
    mode mode_ = mode::pending;
};

struct streamable_http_state : std::enable_shared_from_this<streamable_http_state> {
    streamable_http_state(server_core& c, const streamable_http_options& o)
        : core(c), opts(o), sweep(c.io()), heartbeat(c.io()), store(c.options().sessions),
          tag(store ? random_hex_id(4) : std::string()) {}

    server_core& core;
    const streamable_http_options& opts;
    std::unique_ptr<http::server> http;
    asio::steady_timer sweep;
    asio::steady_timer heartbeat;  // of mark_alive
    // Where sessions live between requests for every instance (null: here only),
    // and the subscription to the changes other instances make.
    std::shared_ptr<const session_store> store;
    std::string tag;  // of this instance's SSE event ids (with a store), 8 hex digits
    std::shared_ptr<void> store_watch;
    bool loopback_bound = true;
    std::vector<auth::well_known_document> documents;  // served on GET (RFC 9728 metadata)

    mutable std::mutex mu;
    std::unordered_map<std::string, std::shared_ptr<http_session>> sessions;
    // The sessions of stateless requests still being answered (listen streams among them).
    std::unordered_map<const session*, std::weak_ptr<session>> stateless_live;
    bool stopping = false;
    std::atomic<std::uint64_t> rejected{0};
    std::function<void()> begin_shutdown;

    // One log line per rejection: method, path, peer, status and reason,
    // without what the client sent (values quoted in a reason are left out).
    void diag(const http::request& req, unsigned status, std::string_view why) {
        auto n = ++rejected;
        core.options().diagnostics(loggable(req.method) + " " + loggable(req.path()) + " from " + req.remote + ": " +
                                   std::to_string(status) + " " + std::string(http::reason_phrase(status)) + ", " +
                                   without_quoted_values(why) + " (rejection #" + std::to_string(n) + ")");
    }

    // A JSON-RPC error body with an HTTP status (the id is unknown here).
    void reject(const http::request& req, const std::shared_ptr<http::responder>& res, unsigned status, int code,
                std::string message, std::string_view allow = {}) {
        diag(req, status, message);
        nlohmann::json body = {{"jsonrpc", "2.0"}, {"id", nullptr}, {"error", {{"code", code}, {"message", message}}}};
        auto r = http::response::with_body(status, "application/json", jsonrpc::serialize_json(body));
        if (!allow.empty()) r.fields.set("Allow", std::string(allow));
        res->respond(std::move(r));
    }

    std::shared_ptr<http_session> find(const std::string& id) {
        std::lock_guard lock(mu);
        auto it = sessions.find(id);
        return it == sessions.end() ? nullptr : it->second;
    }

    // Ends this instance's copy of `s`.
    void end_session(const std::shared_ptr<http_session>& s) {
        {
            std::lock_guard lock(mu);
            if (auto it = sessions.find(s->id); it != sessions.end() && it->second == s) sessions.erase(it);
        }
        {
            std::lock_guard lock(s->mu);
            s->end_locked();
        }
        auto core_session = s->core;
        asio::post(core_session->get_executor(), [core_session] { core_session->shutdown([] {}); });
    }

    void reject_unknown_session(const http::request& req, const std::shared_ptr<http::responder>& res) {
        reject(req, res, 404, -32001,
               "Session not found: it never existed, was ended with DELETE or expired after " +
                   std::to_string(opts.session_idle_timeout.count()) + " ms idle; send initialize again");
    }

    // Checks what every method shares: the session header and the version
    // header. A session this instance does not hold is looked up in the
    // session store: found, it is restored here and the function
    // `make_retry()` returns runs the request again (nullptr is returned
    // meanwhile). `make_retry` is called only then, so that what it copies
    // is copied only then.
    template <class MakeRetry>
    std::shared_ptr<http_session> session_for(const http::request& req, const std::shared_ptr<http::responder>& res,
                                              const std::shared_ptr<const auth::principal>& caller,
                                              MakeRetry&& make_retry) {
        const auth::principal& who = *caller;
        auto sid = req.fields.get("Mcp-Session-Id");
        if (!sid) {
            reject(req, res, 400, -32000,
                   "Bad Request: the Mcp-Session-Id header is required after initialize (MCP 2025-11-25, "
                   "Session Management)");
            return nullptr;
        }
        auto s = find(std::string(*sid));
        if (s && s->owner && !s->owner->same_caller(who)) {
            // Answered exactly like an unknown id: a session id alone must
            // not let another caller in, nor reveal that the session exists.
            diag(req, 404, "the session belongs to another principal");
            reject_unknown_session(req, res);
            return nullptr;
        }
        if (!s && store && valid_session_id(*sid)) {
            restore(req, res, std::string(*sid), caller, std::function<void()>(make_retry()));
            return nullptr;
        }
        if (!s) {
            reject_unknown_session(req, res);
            return nullptr;
        }
        if (store) touch(s);
        if (auto v = req.fields.get("MCP-Protocol-Version"); v && !parse_revision(*v)) {
            reject(req, res, 400, -32000,
                   "Bad Request: unsupported MCP-Protocol-Version; this server speaks 2025-11-25, 2025-06-18, "
                   "2025-03-26 and 2024-11-05");
            return nullptr;
        }
        return s;
    }

    // What a rejection's log line names of a request, without its body.
    static http::request request_head(const http::request& req) {
        http::request head;
        head.method = req.method;
        head.target = req.target;
        head.remote = req.remote;
        return head;
    }

    // Whether `id` can be a session id this transport made: what the store is
    // asked about (anything else is unknown without a round trip).
    static bool valid_session_id(std::string_view id) {
        if (id.size() != 32) return false;
        for (char c : id)
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
        return true;
    }

    // Renews the stored record's TTL, at most once a quarter of it.
    void touch(const std::shared_ptr<http_session>& s) {
        const auto now = std::chrono::steady_clock::now();
        {
            std::lock_guard lock(s->mu);
            if (now - s->last_touch < opts.session_idle_timeout / 4) return;
            s->last_touch = now;
        }
        store->async_touch(s->id, opts.session_idle_timeout, core.io().get_executor(), [](std::error_code) {});
    }

    // Takes up session `id` from the store: bound to `caller`'s principal, it
    // is restored here and `retry` runs; otherwise 404 as an unknown id.
    void restore(const http::request& req, const std::shared_ptr<http::responder>& res, std::string id,
                 std::shared_ptr<const auth::principal> caller, std::function<void()> retry) {
        auto self = shared_from_this();
        store->async_load(id, core.io().get_executor(), [self, head = request_head(req), res, id, caller = std::move(caller),
                               retry = std::move(retry)](std::error_code ec, std::optional<session_record> rec) mutable {
            asio::post(self->core.io(), [self, head = std::move(head), res, id = std::move(id), caller = std::move(caller),
                                         retry = std::move(retry), ec, rec = std::move(rec)]() mutable {
                if (ec && ec != storage::errc::corrupt_data) {
                    self->diag(head, 503, "the session store failed: " + ec.message());
                    return self->reject(head, res, 503, -32000,
                                        "Service Unavailable: the session could not be looked up; retry");
                }
                if (!rec) return self->reject_unknown_session(head, res);
                if (!rec->owner.same_caller(*caller)) {
                    self->diag(head, 404, "the session belongs to another principal");
                    return self->reject_unknown_session(head, res);
                }
                std::shared_ptr<http_session> s;
                {
                    std::lock_guard lock(self->mu);
                    if (self->stopping)
                        return self->reject(head, res, 503, -32000, "Service Unavailable: the server is shutting down");
                    if (auto it = self->sessions.find(id); it != self->sessions.end()) {
                        s = it->second;  // restored meanwhile by another request
                    } else {
                        if (self->sessions.size() >= self->opts.max_sessions)
                            return self->reject(head, res, 503, -32000,
                                                "Service Unavailable: " + std::to_string(self->sessions.size()) +
                                                    " sessions are open, the limit (streamable_http_options::max_sessions)");
                        s = std::make_shared<http_session>();
                        s->opts = &self->opts;
                        s->owner = caller;
                        s->id = id;
                        s->store = self->store;
                        s->tag = self->tag;
                        s->core = self->core.make_session(std::make_shared<standalone_outbound>(s, self->standalone_forwarder()));
                        self->sessions.emplace(id, s);
                        auto cs = s->core;
                        asio::post(cs->get_executor(), [cs, caller, rec = std::move(*rec), fwd = self->forwarder(id)] {
                            cs->set_principal(caller);
                            cs->set_forward(fwd);
                            cs->restore(rec);
                        });
                    }
                }
                // After the restore, on the session's strand.
                asio::post(s->core->get_executor(), std::move(retry));
            });
        });
    }

    // Stores the session's record before the answer to a request that
    // changed it leaves, so that the client's next request finds the change
    // on any instance. A failure to store the record of a new session
    // refuses the initialize (503) and ends the session.
    void persist_before_answer(const std::shared_ptr<http_session>& s, const std::shared_ptr<post_stream>& stream) {
        if (!store) return;
        std::weak_ptr<post_stream> weak = stream;
        auto self = shared_from_this();
        stream->before_finish([self, s, weak](jsonrpc::reply last) {
            auto st = weak.lock();  // alive: its finish is running
            if (!st) return;
            const auto version = s->core->record_version();  // on the session's strand
            const auto saved = s->saved_version.load();
            if (version == saved || !s->core->initialized()) return st->finish_now(std::move(last));
            auto rec = s->core->record();
            if (s->owner) rec.owner = *s->owner;
            self->store->async_save(
                s->id, std::move(rec), self->opts.session_idle_timeout, s->core->get_executor(),
                [self, s, st, version, saved, last = std::move(last)](std::error_code ec) mutable {
                    if (!ec) {
                        auto expected = saved;
                        while (expected < version && !s->saved_version.compare_exchange_weak(expected, version)) {
                        }
                        return st->finish_now(std::move(last));
                    }
                    self->core.options().diagnostics("could not store session " + s->id + ": " + ec.message());
                    if (saved != 0) return st->finish_now(std::move(last));  // kept here; other instances lag
                    const auto* answered = last.as_result();
                    st->fail_now(503, jsonrpc::make_error(answered ? std::optional<jsonrpc::request_id>(answered->id)
                                                                   : std::nullopt,
                                                          jsonrpc::error_code::internal_error,
                                                          "Service Unavailable: the session could not be stored (" +
                                                              ec.message() + "); send initialize again"));
                    self->end_session(s);
                });
        });
    }

    // Hands `text` to the other instances holding session `id`; a failure
    // is logged (the message was `what`).
    void forward_text(const std::string& id, std::string text, const char* what) {
        store->async_forward(id, std::move(text), core.io().get_executor(),
                             [self = shared_from_this(), id, what](std::error_code ec) {
                                 if (ec)
                                     self->core.options().diagnostics("could not forward " + std::string(what) +
                                                                      " of session " + id + ": " + ec.message());
                             });
    }

    // Where session `id` sends the messages that belong to another
    // instance's copy of it (session::set_forward): through the store.
    session::forward_fn forwarder(std::string id) {
        std::weak_ptr<streamable_http_state> weak = weak_from_this();
        return [weak, id = std::move(id)](const nlohmann::json& message) {
            if (auto self = weak.lock()) self->forward_text(id, message.dump(), "a client's answer or cancellation");
        };
    }

    // Where a session's standalone messages go when its standalone stream is
    // not open here (null without a session store): to the other instances,
    // as {"standalone": message}.
    standalone_outbound::forward_fn standalone_forwarder() {
        if (!store) return {};
        std::weak_ptr<streamable_http_state> weak = weak_from_this();
        return [weak](const std::string& id, std::string message) {
            if (auto self = weak.lock())
                self->forward_text(id, nlohmann::json{{"standalone", std::move(message)}}.dump(), "a notification");
        };
    }

    // Follows the changes other instances make to sessions this one holds:
    // an ended session goes, a changed one is reloaded; and takes the
    // messages they forward to its copies.
    void watch_store() {
        if (!store) return;
        std::weak_ptr<streamable_http_state> weak = weak_from_this();
        auto on_message = [weak](const std::string& id, std::string text) {
            auto self = weak.lock();
            if (!self) return;
            auto s = self->find(id);
            if (!s) return;  // not held here: another instance's
            auto j = nlohmann::json::parse(text, nullptr, false);
            if (j.is_discarded()) return;
            if (auto n = j.find("standalone"); n != j.end() && n->is_string()) {
                std::lock_guard lock(s->mu);
                return s->write_forwarded_locked(n->get<std::string>());
            }
            auto cs = s->core;
            asio::post(cs->get_executor(), [cs, j = std::move(j)] { cs->receive_forwarded(j); });
        };
        store_watch = store->watch([weak](const std::string& id, bool ended) {
            auto self = weak.lock();
            if (!self) return;
            asio::post(self->core.io(), [self, id, ended] {
                auto s = self->find(id);
                if (!s) return;
                if (ended) return self->end_session(s);
                self->store->async_load(id, self->core.io().get_executor(), [s](std::error_code ec,
                                                                                 std::optional<session_record> rec) {
                    if (ec || !rec) return;
                    auto cs = s->core;
                    asio::post(cs->get_executor(), [cs, rec = std::move(*rec)] { cs->restore(rec); });
                });
            });
        }, std::move(on_message));
    }

    void handle(http::request req, std::shared_ptr<http::responder> res) {
        for (const auto& d : documents)
            if (req.path() == d.path) {
                if (req.method != "GET") {
                    auto r = http::response::error(405, "This document is read with GET.");
                    r.fields.set("Allow", "GET");
                    return res->respond(std::move(r));
                }
                auto r = http::response::with_body(200, d.content_type, d.body);
                r.fields.set("Access-Control-Allow-Origin", "*");  // public metadata, read by browser clients too
                r.fields.set("Cache-Control", "max-age=300");
                return res->respond(std::move(r));
            }
        // Every route, the MCP endpoint and the application's fallback alike.
        if (opts.dns_rebinding_protection) {
            const bool mcp = req.path() == opts.path;
            auto refuse = [&](std::string message) {
                if (mcp) return reject(req, res, 403, -32000, "Forbidden: " + message);
                diag(req, 403, message);
                res->respond(http::response::error(403, message));
            };
            if (auto origin = req.fields.get("Origin"); origin && !origin_allowed(*origin, opts.allowed_origins))
                return refuse("Origin not allowed (DNS-rebinding protection; see streamable_http_options::allowed_origins)");
            auto host = req.fields.get("Host");
            if (host && !host_allowed(*host, opts.allowed_hosts, loopback_bound))
                return refuse("Host not allowed (DNS-rebinding protection; see streamable_http_options::allowed_hosts)");
        }
        if (req.path() != opts.path) {
            if (opts.fallback) return opts.fallback(std::move(req), std::move(res));
            diag(req, 404, "not the MCP endpoint");
            return res->respond(http::response::error(404, "The MCP endpoint is " + opts.path + "."));
        }
        if (req.method != "POST" && req.method != "GET" && req.method != "DELETE")
            return reject(req, res, 405, -32000, "Method Not Allowed: the MCP endpoint takes POST, GET and DELETE",
                          "GET, POST, DELETE");
        if (core.options().auth.may_block()) {
            // The policy may wait on the network (a JWKS refresh): not on an I/O thread.
            auto self = shared_from_this();
            return asio::post(core.blocking_executor(), [self, req = std::move(req), res = std::move(res)]() mutable {
                self->authenticated(std::move(req), std::move(res));
            });
        }
        authenticated(std::move(req), std::move(res));
    }

    // Answers an auth rejection: its status, a WWW-Authenticate challenge
    // (RFC 6750 section 3, RFC 9728 section 5.1) and a JSON-RPC error body.
    void reject_auth(const http::request& req, const std::shared_ptr<http::responder>& res,
                     const auth::auth_rejection& rej) {
        diag(req, rej.status, rej.description);
        nlohmann::json err = {{"code", -32000}, {"message", std::string(http::reason_phrase(rej.status)) + ": " + rej.description}};
        if (!rej.error.empty()) err["data"] = {{"error", rej.error}};
        nlohmann::json body = {{"jsonrpc", "2.0"}, {"id", nullptr}, {"error", std::move(err)}};
        auto r = http::response::with_body(rej.status, "application/json", jsonrpc::serialize_json(body));
        r.fields.set("WWW-Authenticate", core.options().auth.challenge(rej));
        res->respond(std::move(r));
    }

    void authenticated(http::request req, std::shared_ptr<http::responder> res) {
        const auto& policy = core.options().auth;
        auth::auth_request ar;
        ar.transport = auth::auth_request::transport_kind::http;
        ar.headers = &req.fields;
        ar.method = req.method;
        ar.target = req.target;
        ar.remote = req.remote;
        std::optional<auth::auth_result> result;
        try {
            result.emplace(policy.authenticate(ar));
        } catch (const std::exception& e) {
            diag(req, 500, std::string("the auth policy threw: ") + e.what());
            return res->respond(http::response::error(500, "The server's auth policy failed; see its log."));
        }
        if (!*result) return reject_auth(req, res, result->rejection());
        auto who = std::make_shared<const auth::principal>(std::move(result->who()));
        if (req.method == "POST") return on_post(std::move(req), std::move(res), std::move(who));
        if (req.method == "GET") return on_get(req, res, who);
        on_delete(req, res, who);
    }

    void on_post(http::request req, std::shared_ptr<http::responder> res, std::shared_ptr<const auth::principal> who) {
        auto ct = req.fields.get("Content-Type");
        if (!ct || !is_media_type(*ct, "application/json"))
            return reject(req, res, 415, -32000,
                          "Unsupported Media Type: a POST to the MCP endpoint carries Content-Type: application/json");
        if (auto accept = req.fields.get("Accept");
            accept && !(accepts(*accept, "application/json") && accepts(*accept, "text/event-stream")))
            return reject(req, res, 406, -32000,
                          "Not Acceptable: the client must accept both application/json and text/event-stream");
        nlohmann::json j;
        jsonrpc::error_response perr;
        if (!jsonrpc::parse_json(req.body, j, perr)) {
            diag(req, 400, "invalid JSON");
            return res->respond(http::response::with_body(400, "application/json", jsonrpc::serialize(perr)));
        }
        const bool is_initialize = j.is_object() && j.contains("method") && j["method"] == "initialize";
        if (j.is_array())
            for (const auto& e : j)
                if (e.is_object() && e.contains("method") && e["method"] == "initialize")
                    return reject(req, res, 400, -32600, "Invalid Request: initialize must not be part of a batch");
        if (auto need = core.required_scopes(j); !need.empty()) {
            auto missing = who->missing_scopes(need);
            if (!missing.empty()) {
                std::string list;
                for (const auto& m : missing) list += (list.empty() ? "" : " ") + m;
                return reject_auth(req, res,
                                   auth::make_rejection(auth::errc::insufficient_scope, "this call needs " + list, need));
            }
        }
        if (j.is_object() && is_stateless(req, j)) return on_stateless(req, res, std::move(j), std::move(who));
        if (is_initialize) return on_initialize(req, res, j, std::move(who));

        auto s = session_for(req, res, who, [&] {
            return [self = shared_from_this(), req, res, who]() mutable {
                self->on_post(std::move(req), std::move(res), std::move(who));
            };
        });
        if (!s) return;
        {
            std::lock_guard lock(s->mu);
            s->last_seen = std::chrono::steady_clock::now();
        }
        bool has_request = false;
        std::string answers;  // the request's id, JSON
        if (j.is_object()) {
            auto m = jsonrpc::from_json(j);
            if (!m) {
                diag(req, 400, m.error->error.message);
                return res->respond(http::response::with_body(400, "application/json", jsonrpc::serialize(*m.error)));
            }
            if (auto* r = std::get_if<jsonrpc::request>(&*m.value)) {
                has_request = true;
                if (store) answers = r->id.to_json().dump();
            }
        } else if (j.is_array()) {
            for (const auto& e : j) has_request |= e.is_object() && e.contains("method") && e.contains("id");
            has_request |= j.empty();
        } else {
            return reject(req, res, 400, -32600, "Invalid Request: the body must be a JSON-RPC message (an object)");
        }
        std::shared_ptr<reply_stream> stream;
        if (has_request) {
            auto post = std::make_shared<post_stream>(s, res, http::fields{});
            post->set_answers(std::move(answers));
            persist_before_answer(s, post);
            stream = std::move(post);
        } else {
            res->respond(http::response{202, {}, {}});
            stream = std::make_shared<discard_stream>();
        }
        auto core_session = s->core;
        asio::post(core_session->get_executor(), [core_session, j = std::move(j), stream, who = std::move(who)] {
            core_session->receive(j, stream, who);
        });
    }

    // Whether a POST is a stateless (2026-07-28) request: its _meta names a
    // protocol version, or, outside a session, its MCP-Protocol-Version
    // header is not a session revision (2025-11-25 and earlier select the
    // session rules).
    static bool is_stateless(const http::request& req, const nlohmann::json& j) {
        auto p = j.find("params");
        if (p != j.end() && has_request_meta(*p)) return true;
        if (req.fields.get("Mcp-Session-Id")) return false;
        auto v = req.fields.get("MCP-Protocol-Version");
        if (!v) return false;
        auto rev = parse_revision(*v);
        return !rev || polymcp::is_stateless(*rev);
    }

    // A stateless request (MCP 2026-07-28 "Streamable HTTP"): the headers that
    // mirror the body are checked, then it is served by a session of its own
    // (nothing outlives the request; JSON-RPC ids of different clients never
    // meet).
    void on_stateless(const http::request& req, const std::shared_ptr<http::responder>& res, nlohmann::json j,
                      std::shared_ptr<const auth::principal> who) {
        using namespace jsonrpc::error_code;
        nlohmann::json id = j.contains("id") ? j["id"] : nlohmann::json();
        auto fail = [&](unsigned status, int code, std::string message, nlohmann::json data = nullptr) {
            diag(req, status, message);
            nlohmann::json err = {{"code", code}, {"message", std::move(message)}};
            if (!data.is_null()) err["data"] = std::move(data);
            res->respond(http::response::with_body(
                status, "application/json", jsonrpc::serialize_json(nlohmann::json{{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(err)}})));
        };
        {
            std::lock_guard lock(mu);
            if (stopping) return fail(503, server_shutting_down, "Service Unavailable: the server is shutting down");
        }
        auto m = jsonrpc::from_json(j);
        if (!m) return fail(400, m.error->error.code, m.error->error.message);
        const bool is_request = std::holds_alternative<jsonrpc::request>(*m.value);
        if (!is_request) {
            // No client-to-server notifications over HTTP in 2026-07-28 (closing a stream cancels); accepted and ignored.
            if (std::holds_alternative<jsonrpc::notification>(*m.value)) return res->respond(http::response{202, {}, {}});
            return fail(400, invalid_request, "Invalid Request: a client does not send JSON-RPC responses in MCP 2026-07-28");
        }
        const auto& r = std::get<jsonrpc::request>(*m.value);
        auto header = req.fields.get("MCP-Protocol-Version");
        if (!header)
            return fail(400, header_mismatch,
                        "Header mismatch: the MCP-Protocol-Version header is required and must equal "
                        "_meta io.modelcontextprotocol/protocolVersion");
        auto meta = read_request_meta(r.params);
        if (auto* e = std::get_if<jsonrpc::error>(&meta); e && e->code == invalid_params)
            return fail(400, e->code, e->message, e->data);
        const auto requested = requested_version(r.params);
        if (*header != requested)
            return fail(400, header_mismatch,
                        "Header mismatch: MCP-Protocol-Version header value '" + std::string(*header) +
                            "' does not match body value '" + requested + "'");
        if (auto* e = std::get_if<jsonrpc::error>(&meta)) return fail(400, e->code, e->message, e->data);
        if (auto mismatch = standard_header_mismatch(req, r)) return fail(400, header_mismatch, std::move(*mismatch));

        auto s = core.make_session(std::make_shared<null_outbound>());
        std::weak_ptr<streamable_http_state> weak_state = weak_from_this();
        const session* key = s.get();
        {
            std::lock_guard lock(mu);
            stateless_live.emplace(key, s);
        }
        auto stream = std::make_shared<stateless_stream>(res, [weak_state, key] {
            if (auto st = weak_state.lock()) {
                std::lock_guard lock(st->mu);
                st->stateless_live.erase(key);
            }
        });
        stream->keep_alive(s);
        stream->set_param_headers(param_headers_of(req));
        // Closing the response stream cancels the request (MCP 2026-07-28 "Cancellation").
        std::weak_ptr<session> weak = s;
        res->on_disconnect([weak, rid = r.id.to_json()] {
            if (auto live = weak.lock())
                asio::post(live->get_executor(), [live, rid] {
                    live->receive(nlohmann::json{{"jsonrpc", "2.0"},
                                                 {"method", "notifications/cancelled"},
                                                 {"params", {{"requestId", rid}, {"reason", "the client closed the stream"}}}},
                                  std::make_shared<discard_stream>());
                });
        });
        asio::post(s->get_executor(), [s, j = std::move(j), stream, who = std::move(who)] { s->receive(j, stream, who); });
    }

    // The Mcp-Param-* headers of a request (MCP 2026-07-28 "Custom Headers
    // from Tool Parameters"), decoded; the server compares them with the
    // called tool's x-mcp-header parameters.
    static received_param_headers param_headers_of(const http::request& req) {
        received_param_headers out;
        constexpr std::string_view prefix = "mcp-param-";
        for (const auto& [name, value] : req.fields) {
            if (name.size() <= prefix.size() || !http::iequals(std::string_view(name).substr(0, prefix.size()), prefix))
                continue;
            std::string key = name.substr(prefix.size());
            for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            out.emplace(std::move(key), received_param_header{value, decode_header_value(value)});
        }
        return out;
    }

    // The standard request headers (MCP 2026-07-28 "Streamable HTTP" >
    // "Standard Request Headers"): Mcp-Method always, Mcp-Name for
    // tools/call, resources/read and prompts/get; a description of the first
    // mismatch, or nullopt.
    static std::optional<std::string> standard_header_mismatch(const http::request& req, const jsonrpc::request& r) {
        auto method = req.fields.get("Mcp-Method");
        if (!method) return "Header mismatch: the Mcp-Method header is required (value '" + r.method + "')";
        if (*method != r.method)
            return "Header mismatch: Mcp-Method header value '" + std::string(*method) + "' does not match body value '" +
                   r.method + "'";
        const char* member = r.method == "tools/call" || r.method == "prompts/get" ? "name"
                             : r.method == "resources/read"                      ? "uri"
                                                                                 : nullptr;
        if (!member) return std::nullopt;
        std::string body_value;
        if (r.params.is_object())
            if (auto v = r.params.find(member); v != r.params.end() && v->is_string()) body_value = v->get<std::string>();
        auto name = req.fields.get("Mcp-Name");
        if (!name) return "Header mismatch: the Mcp-Name header is required for " + r.method + " (value '" + body_value + "')";
        auto decoded = decode_header_value(*name);
        if (!decoded) return "Header mismatch: the Mcp-Name header is not valid =?base64?...?= text";
        if (*decoded != body_value)
            return "Header mismatch: Mcp-Name header value '" + std::string(*name) + "' does not match body value '" +
                   body_value + "'";
        return std::nullopt;
    }

    void on_initialize(const http::request& req, const std::shared_ptr<http::responder>& res, nlohmann::json j,
                       std::shared_ptr<const auth::principal> who) {
        // An invalid request never creates a session: 400 with its JSON-RPC error.
        if (auto m = jsonrpc::from_json(j); !m || !std::holds_alternative<jsonrpc::request>(*m.value)) {
            jsonrpc::error_response e = m ? jsonrpc::make_error(std::nullopt, jsonrpc::error_code::invalid_request,
                                                                "Invalid Request: initialize is a request (it needs an id)")
                                          : *m.error;
            diag(req, 400, e.error.message);
            return res->respond(http::response::with_body(400, "application/json", jsonrpc::serialize(e)));
        }
        std::shared_ptr<http_session> s;
        {
            std::lock_guard lock(mu);
            if (stopping)
                return reject(req, res, 503, -32000, "Service Unavailable: the server is shutting down");
            if (sessions.size() >= opts.max_sessions)
                return reject(req, res, 503, -32000,
                              "Service Unavailable: " + std::to_string(sessions.size()) +
                                  " sessions are open, the limit (streamable_http_options::max_sessions)");
            s = std::make_shared<http_session>();
            s->opts = &opts;
            s->owner = who;
            s->store = store;
            s->tag = tag;
            do s->id = random_session_id();
            while (sessions.count(s->id));
            s->core = core.make_session(std::make_shared<standalone_outbound>(s, standalone_forwarder()));
            sessions.emplace(s->id, s);
        }
        http::fields extra;
        extra.set("Mcp-Session-Id", s->id);
        auto stream = std::make_shared<post_stream>(s, res, std::move(extra), /*initialize=*/true);
        persist_before_answer(s, stream);
        auto self = shared_from_this();
        asio::post(s->core->get_executor(), [self, s, j = std::move(j), stream, who = std::move(who)] {
            s->core->set_principal(who);
            if (self->store) s->core->set_forward(self->forwarder(s->id));
            s->core->receive(j, stream, who);
            if (!s->core->initialized()) self->end_session(s);  // a refused initialize leaves no session
        });
    }

    void on_get(const http::request& req, const std::shared_ptr<http::responder>& res,
                const std::shared_ptr<const auth::principal>& who) {
        if (auto accept = req.fields.get("Accept"); accept && !accepts(*accept, "text/event-stream"))
            return reject(req, res, 406, -32000, "Not Acceptable: a GET on the MCP endpoint opens a text/event-stream");
        if (!opts.standalone_sse)
            return reject(req, res, 405, -32000,
                          "Method Not Allowed: this server offers no standalone SSE stream", "POST, DELETE");
        auto s = session_for(req, res, who, [&] {
            return [self = shared_from_this(), req, res, who] { self->on_get(req, res, who); };
        });
        if (!s) return;
        std::lock_guard lock(s->mu);
        s->last_seen = std::chrono::steady_clock::now();
        std::uint64_t stream = 0, after = 0;
        bool resume = false;
        if (auto last = req.fields.get("Last-Event-ID")) {
            auto text = std::string(*last);
            std::string id_tag;  // the instance that wrote the event, with a session store
            if (auto dash = text.find('-'); dash != std::string::npos) {
                id_tag = text.substr(0, dash);
                text.erase(0, dash + 1);
            }
            auto us = text.find('_');
            try {
                if (us == std::string::npos) throw std::invalid_argument("no separator");
                std::size_t n1 = 0, n2 = 0;
                stream = std::stoull(text.substr(0, us), &n1);
                after = std::stoull(text.substr(us + 1), &n2);
                if (n1 != us || n2 != text.size() - us - 1) throw std::invalid_argument("trailing characters");
            } catch (const std::exception&) {
                return reject(req, res, 400, -32000, "Bad Request: Last-Event-ID is not an event id of this server");
            }
            resume = true;
            if (id_tag != s->tag) {
                if (!store || !valid_tag(id_tag))
                    return reject(req, res, 400, -32000, "Bad Request: Last-Event-ID is not an event id of this server");
                return resume_elsewhere(s, req, res, id_tag, stream, after);
            }
        }
        auto it = s->streams.find(stream);
        if (it == s->streams.end())
            return reject(req, res, 400, -32000,
                          "Bad Request: the stream of that Last-Event-ID ended and its events are no longer stored");
        if (it->second.res) {
            if (stream == 0)
                return reject(req, res, 409, -32000, "Conflict: the session's standalone SSE stream is already open");
            it->second.res->end_stream();  // a resume replaces the old connection
        }
        res->begin_stream(sse_head({}));
        if (resume) {
            for (const auto& ev : s->events)
                if (ev.stream == stream && ev.seq > after)
                    res->write(http_session::frame(s->event_id(ev.stream, ev.seq), ev.data));
        } else if (s->wants_priming()) {
            res->write(s->priming_locked(stream));
        }
        if (it->second.finished) {
            res->end_stream();
            s->streams.erase(it);
            return;
        }
        it->second.res = res;
        s->watch_locked(stream, res);
    }

    static bool valid_tag(std::string_view t) {
        return t.size() == 8 && t.find_first_not_of("0123456789abcdef") == std::string_view::npos;
    }

    // A GET whose Last-Event-ID another instance wrote: the events of that
    // stream after it, from the session store. A stream whose end is stored
    // ends after it; the other instance's standalone stream goes on as this
    // instance's. A POST's stream whose end is not stored yet stays open:
    // its events are read again every `resume_poll` until its answer is
    // stored, or until the instance running its request is found stopped
    // (silent for `instance_ttl`), when the stream ends with an error
    // answer for that request, which the client can send again.
    static constexpr std::chrono::milliseconds resume_poll{250};

    struct remote_resume : std::enable_shared_from_this<remote_resume> {
        std::shared_ptr<streamable_http_state> self;
        std::shared_ptr<http_session> s;
        std::shared_ptr<http::responder> res;
        http::request head;
        std::string tag, name;  // the instance that wrote the stream, and the stream's name
        std::uint64_t stream = 0, after = 0;
        std::string answers;  // the request the stream answers (JSON id), once known
        std::unique_ptr<asio::steady_timer> timer;
        std::atomic<bool> gone{false};  // the client disconnected
        bool begun = false;
    };

    void resume_elsewhere(const std::shared_ptr<http_session>& s, const http::request& req,
                          const std::shared_ptr<http::responder>& res, const std::string& id_tag, std::uint64_t stream,
                          std::uint64_t after) {
        auto op = std::make_shared<remote_resume>();
        op->self = shared_from_this();
        op->s = s;
        op->res = res;
        op->head = request_head(req);
        op->tag = id_tag;
        op->name = id_tag + "-" + std::to_string(stream);
        op->stream = stream;
        op->after = after;
        op->timer = std::make_unique<asio::steady_timer>(core.io());
        std::weak_ptr<remote_resume> weak = op;
        res->on_disconnect([weak] {
            if (auto o = weak.lock()) o->gone = true;
        });
        resume_poll_once(std::move(op));
    }

    static void resume_poll_once(std::shared_ptr<remote_resume> op) {
        auto& self = *op->self;
        // All of the stream's stored events: its priming event names the request.
        self.store->async_events(op->s->id, op->name, 0, self.core.io().get_executor(), [op](
                                     std::error_code ec, std::vector<stored_sse_event> events) {
            auto& self = *op->self;
            if (ec && !op->begun)
                return self.reject(op->head, op->res, 503, -32000,
                                   "Service Unavailable: the stored events could not be read (" + ec.message() +
                                       "); reconnect with the same Last-Event-ID");
            bool ended = false, any = false;  // its answer is stored; events after Last-Event-ID are
            std::uint64_t last_seq = op->after;
            {
                std::lock_guard lock(op->s->mu);
                if (op->s->ended) {
                    if (!op->begun) return self.reject_unknown_session(op->head, op->res);
                    return op->res->end_stream();
                }
                for (const auto& e : events) {
                    if (!e.answers.empty()) op->answers = e.answers;
                    last_seq = std::max(last_seq, e.seq);
                    any |= e.answers.empty() && e.seq > op->after;
                    ended |= e.last;
                }
                if (!op->begun && !any && op->stream != 0 && (ended || op->answers.empty()))
                    return self.reject(op->head, op->res, 400, -32000,
                                       "Bad Request: no event of that stream after Last-Event-ID is stored");
                if (!op->begun) {
                    op->res->begin_stream(sse_head({}));
                    op->begun = true;
                }
                for (const auto& e : events) {
                    if (!e.answers.empty() || e.seq <= op->after) continue;
                    op->res->write(http_session::frame(op->name + "_" + std::to_string(e.seq), e.data));
                    op->after = e.seq;
                }
                if (op->stream == 0) {
                    // The other instance's standalone stream goes on as this instance's.
                    auto standalone = op->s->streams.find(0);
                    if (standalone == op->s->streams.end() || standalone->second.res) return op->res->end_stream();
                    standalone->second.res = op->res;
                    op->s->watch_locked(0, op->res);
                    return;
                }
                if (ended || op->gone) return op->res->end_stream();
            }
            if (self.stopping_now()) return op->res->end_stream();
            // Still running there, or stopped with it?
            self.store->async_alive(op->tag, self.core.io().get_executor(), [op, last_seq](std::error_code ec, bool alive) {
                if (!ec && !alive) return answer_for_stopped(op, last_seq);
                op->timer->expires_after(resume_poll);
                op->timer->async_wait([op](std::error_code e) {
                    if (e || op->gone) return op->res->end_stream();
                    resume_poll_once(op);
                });
            });
        });
    }

    // The instance running the stream's request stopped without answering:
    // the stream ends with an error answer to that request.
    static void answer_for_stopped(const std::shared_ptr<remote_resume>& op, std::uint64_t last_seq) {
        std::lock_guard lock(op->s->mu);
        if (!op->answers.empty()) {
            auto rid = jsonrpc::request_id::from_json(nlohmann::json::parse(op->answers, nullptr, false));
            if (rid)
                op->res->write(http_session::frame(
                    op->name + "_" + std::to_string(last_seq + 1),
                    jsonrpc::serialize(jsonrpc::make_error(
                        *rid, jsonrpc::error_code::internal_error,
                        "Internal error: the server instance running this request stopped before it answered; the "
                        "request may or may not have taken effect: send it again if that is safe"))));
        }
        op->res->end_stream();
    }

    bool stopping_now() {
        std::lock_guard lock(mu);
        return stopping;
    }

    // Says every third of `instance_ttl` that this instance runs (with a session store).
    void mark_alive() {
        if (!store) return;
        store->async_mark_alive(tag, opts.instance_ttl, core.io().get_executor(), [](std::error_code) {});
        heartbeat.expires_after(opts.instance_ttl / 3);
        std::weak_ptr<streamable_http_state> weak = weak_from_this();
        heartbeat.async_wait([weak](std::error_code ec) {
            if (ec) return;
            if (auto self = weak.lock()) self->mark_alive();
        });
    }

    void on_delete(const http::request& req, const std::shared_ptr<http::responder>& res,
                   const std::shared_ptr<const auth::principal>& who) {
        if (!opts.allow_delete)
            return reject(req, res, 405, -32000, "Method Not Allowed: this server does not let clients end sessions",
                          "GET, POST");
        auto s = session_for(req, res, who, [&] {
            return [self = shared_from_this(), req, res, who] { self->on_delete(req, res, who); };
        });
        if (!s) return;
        end_session(s);
        if (!store) return res->respond(http::response{200, {}, {}});
        // Ended everywhere before the answer: no instance serves it after.
        auto self = shared_from_this();
        store->async_erase(s->id, core.io().get_executor(), [self, head = request_head(req), res, id = s->id](std::error_code ec) {
            if (!ec) return res->respond(http::response{200, {}, {}});
            self->reject(head, res, 503, -32000,
                         "Service Unavailable: the session ended here but its stored record could not be deleted (" +
                             ec.message() + "); send DELETE again");
        });
    }

    void schedule_sweep() {
        auto interval = std::clamp(opts.session_idle_timeout / 2, std::chrono::milliseconds(10),
                                   std::chrono::milliseconds(60'000));
        sweep.expires_after(interval);
        sweep.async_wait([self = shared_from_this()](std::error_code ec) {
            if (ec) return;
            std::vector<std::shared_ptr<http_session>> idle;
            const auto now = std::chrono::steady_clock::now();
            {
                std::lock_guard lock(self->mu);
                if (self->stopping) return;
                for (auto& [id, s] : self->sessions) {
                    std::lock_guard slock(s->mu);
                    bool streaming = false;
                    for (auto& [k, st] : s->streams) streaming |= st.res != nullptr;
                    if (!streaming && s->open_posts == 0 && now - s->last_seen >= self->opts.session_idle_timeout)
                        idle.push_back(s);
                }
            }
            for (auto& s : idle) self->end_session(s);
            self->schedule_sweep();
        });
    }
};

}  // namespace transport_detail

streamable_http_transport::streamable_http_transport(streamable_http_options options)
    : options_(std::move(options)) {}

std::error_code streamable_http_transport::run(server_core& core) {
    using namespace transport_detail;
    std::signal(SIGPIPE, SIG_IGN);
    auto& io = core.io();
    auto state = std::make_shared<streamable_http_state>(core, options_);
    {
        auto a = options_.http.address;
        state->loopback_bound = a == "localhost" || a == "::1" || a.rfind("127.", 0) == 0;
    }
    const auto& policy = core.options().auth;
    state->documents = policy.documents();
    if (policy.anonymous() && !state->loopback_bound)
        core.options().diagnostics("WARNING: serving on " + options_.http.address +
                                   ", a non-loopback address, with auth policy 'none': anyone who can reach this "
                                   "port can call every tool. Give the server an auth policy (docs/auth.md).");
    std::weak_ptr<streamable_http_state> weak = state;
    state->http = std::make_unique<http::server>(io, options_.http,
                                                 [weak](http::request req, std::shared_ptr<http::responder> res) {
                                                     if (auto s = weak.lock()) s->handle(std::move(req), std::move(res));
                                                 });
    std::error_code ec;
    state->http->listen(ec);
    if (ec) return ec;
    auto work = std::make_shared<asio::executor_work_guard<asio::io_context::executor_type>>(io.get_executor());
    asio::signal_set signals(io);
    std::atomic<bool> shutdown_started{false};
    state->begin_shutdown = [state, work, &signals, &shutdown_started, on_shutdown = options_.on_shutdown] {
        if (shutdown_started.exchange(true)) return;
        std::vector<std::shared_ptr<http_session>> all;
        std::vector<std::shared_ptr<session>> stateless;
        {
            std::lock_guard lock(state->mu);
            state->stopping = true;
            for (auto& [id, s] : state->sessions) all.push_back(s);
            for (auto& [k, w] : state->stateless_live)
                if (auto s = w.lock()) stateless.push_back(std::move(s));
        }
        state->sweep.cancel();
        state->heartbeat.cancel();
        signals.cancel();
        auto remaining = std::make_shared<std::atomic<std::size_t>>(all.size() + stateless.size() + 1);
        auto one_done = [state, work, remaining, on_shutdown] {
            if (--*remaining != 0) return;
            std::vector<std::shared_ptr<http_session>> left;
            {
                std::lock_guard lock(state->mu);
                for (auto& [id, s] : state->sessions) left.push_back(s);
                state->sessions.clear();
            }
            for (auto& s : left) {
                std::lock_guard slock(s->mu);
                s->end_locked();
            }
            state->http->stop();
            if (on_shutdown) on_shutdown();
            work->reset();
        };
        for (auto& s : all) {
            auto cs = s->core;
            asio::post(cs->get_executor(), [cs, one_done] { cs->shutdown(one_done); });
        }
        // Stateless requests finish too (a listen stream ends with its result).
        for (auto& cs : stateless) asio::post(cs->get_executor(), [cs, one_done] { cs->shutdown(one_done); });
        one_done();
    };
    bool stop_early = false;
    {
        std::lock_guard lock(mu_);
        state_ = state;
        stop_early = stop_requested_;
    }
    if (options_.handle_signals) {
        signals.add(SIGTERM);
        signals.add(SIGINT);
        signals.async_wait([state](std::error_code e, int sig) {
            if (e) return;
            state->core.options().diagnostics(std::string("received signal ") + std::to_string(sig) +
                                              ", shutting down");
            state->begin_shutdown();
        });
    }
    state->schedule_sweep();
    state->watch_store();
    state->mark_alive();
    if (options_.on_listening) options_.on_listening(state->http->local_endpoint());
    if (stop_early) asio::post(io, [state] { state->begin_shutdown(); });

    std::vector<std::thread> threads;
    const std::size_t n = std::max<std::size_t>(1, core.options().io_threads);
    for (std::size_t i = 1; i < n; ++i) threads.emplace_back([&io] { io.run(); });
    io.run();
    for (auto& t : threads) t.join();
    io.restart();
    {
        std::lock_guard lock(mu_);
        state_.reset();
    }
    state->begin_shutdown = nullptr;
    state->store_watch.reset();
    return {};
}

void streamable_http_transport::stop() {
    std::shared_ptr<transport_detail::streamable_http_state> s;
    {
        std::lock_guard lock(mu_);
        s = state_;
        if (!s) {
            stop_requested_ = true;
            return;
        }
    }
    asio::post(s->core.io(), [s] {
        if (s->begin_shutdown) s->begin_shutdown();
    });
}

asio::ip::tcp::endpoint streamable_http_transport::local_endpoint() const {
    std::lock_guard lock(mu_);
    return state_ && state_->http ? state_->http->local_endpoint() : asio::ip::tcp::endpoint{};
}

std::size_t streamable_http_transport::session_count() const {
    std::lock_guard lock(mu_);
    if (!state_) return 0;
    std::lock_guard slock(state_->mu);
    return state_->sessions.size();
}

}  // namespace polymcp

#endif
