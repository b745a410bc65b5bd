#ifndef POLYMCP_SERVER_IMPL_CONTEXT_IPP
#define POLYMCP_SERVER_IMPL_CONTEXT_IPP

// Definitions of the non-template functions declared in polymcp/server/context.hpp.

#include <polymcp/server/context.hpp>

#include <asio/steady_timer.hpp>

#include <vector>

namespace polymcp {

namespace detail {

bool session_shared::client_supports(std::string_view method, const nlohmann::json& params, std::string& what) {
    std::lock_guard lock(mu);
    const auto& caps = client_capabilities;
    auto has = [&](const char* k) { return caps.is_object() && caps.contains(k) && caps[k].is_object(); };
    if (method == "sampling/createMessage") {
        if (!has("sampling")) return what = "sampling", false;
        if (params.is_object() && params.contains("tools")) {
            const auto& s = caps["sampling"];
            if (!s.contains("tools")) return what = "sampling.tools", false;
        }
    } else if (method == "elicitation/create") {
        if (!has("elicitation")) return what = "elicitation", false;
        const auto& e = caps["elicitation"];
        const bool url = params.is_object() && params.value("mode", "form") == "url";
        // An empty elicitation object means form mode only (2025-11-25).
        if (url && !e.contains("url")) return what = "elicitation.url", false;
        if (!url && !e.empty() && !e.contains("form")) return what = "elicitation.form", false;
    } else if (method == "roots/list") {
        if (!has("roots")) return what = "roots", false;
    }
    return true;
}

void session_shared::start_request(std::string method, nlohmann::json params, std::chrono::milliseconds timeout,
                                   const void* owner, std::shared_ptr<polymcp::outbound> via, completion done) {
    std::string what;
    if (!client_supports(method, params, what)) {
        if (diagnostics)
            diagnostics("not sending '" + method + "': the client did not declare the '" + what + "' capability");
        return done(make_error_code(errc::capability_not_declared),
                    {{"method", method}, {"capability", what}});
    }
    auto timer = std::make_shared<asio::steady_timer>(strand);
    std::int64_t id;
    {
        std::lock_guard lock(mu);
        if (closed) {
            done(make_error_code(errc::shutting_down), nullptr);
            return;
        }
        id = ++next_id;
        pending.emplace(id, outgoing{std::move(done), timer, owner, via});
    }
    timer->expires_after(timeout);
    std::weak_ptr<session_shared> weak = weak_from_this();
    timer->async_wait([weak, id, timeout](std::error_code ec) {
        if (ec) return;
        if (auto self = weak.lock()) {
            std::shared_ptr<polymcp::outbound> via;
            completion done;
            {
                std::lock_guard lock(self->mu);
                auto it = self->pending.find(id);
                if (it == self->pending.end()) return;
                via = std::move(it->second.via);
                done = std::move(it->second.done);
                self->pending.erase(it);
            }
            (via ? via : self->out)->send(jsonrpc::serialize(jsonrpc::notification{
                "notifications/cancelled",
                {{"requestId", id},
                 {"reason", "timed out after " + std::to_string(timeout.count()) + " ms"}}}));
            done(make_error_code(errc::request_timeout), nullptr);
        }
    });
    (via ? via : out)->send(jsonrpc::serialize(jsonrpc::request{id, std::move(method), std::move(params)}));
}

bool session_shared::complete(std::int64_t id, std::error_code ec, nlohmann::json value) {
    completion done;
    std::shared_ptr<void> timer;
    {
        std::lock_guard lock(mu);
        auto it = pending.find(id);
        if (it == pending.end()) return false;
        done = std::move(it->second.done);
        timer = std::move(it->second.timer);
        pending.erase(it);
    }
    static_cast<asio::steady_timer*>(timer.get())->cancel();
    done(ec, std::move(value));
    return true;
}

void session_shared::abort(const void* owner, std::error_code ec, std::string_view reason) {
    std::vector<std::pair<std::int64_t, outgoing>> ended;
    {
        std::lock_guard lock(mu);
        if (!owner) closed = true;
        for (auto it = pending.begin(); it != pending.end();) {
            if (!owner || it->second.owner == owner) {
                ended.emplace_back(it->first, std::move(it->second));
                it = pending.erase(it);
            } else {
                ++it;
            }
        }
    }
    for (auto& [id, o] : ended) {
        static_cast<asio::steady_timer*>(o.timer.get())->cancel();
        (o.via ? o.via : out)->send(jsonrpc::serialize(jsonrpc::notification{
            "notifications/cancelled", {{"requestId", id}, {"reason", std::string(reason)}}}));
        o.done(ec, nullptr);
    }
}

}  // namespace detail

request_context::request_context(std::shared_ptr<detail::session_shared> s, jsonrpc::request_id id,
                                 nlohmann::json meta, asio::any_io_executor ex, asio::any_io_executor blocking_ex,
                                 std::shared_ptr<outbound> stream, std::shared_ptr<const auth::principal> who)
    : s_(std::move(s)), stream_(std::move(stream)), who_(std::move(who)), id_(std::move(id)), meta_(std::move(meta)),
      ex_(std::move(ex)), blocking_ex_(std::move(blocking_ex)) {
    if (meta_.is_object())
        if (auto t = meta_.find("progressToken");
            t != meta_.end() && (t->is_string() || t->is_number_integer()))
            progress_token_ = *t;
}

void request_context::notify_session(std::string method, nlohmann::json params) const {
    s_->out->send(jsonrpc::serialize(jsonrpc::notification{std::move(method), std::move(params)}));
}

const auth::principal& request_context::principal() const noexcept {
    static const auth::principal anonymous{};
    return who_ ? *who_ : anonymous;
}

request_context::~request_context() {
    // Requests still awaiting the client when the handler is gone: nobody
    // will read the answer.
    s_->abort(this, asio::error::operation_aborted, "the request that made it ended");
}

outbound& request_context::stream() const noexcept { return stream_ ? *stream_ : *s_->out; }

std::chrono::milliseconds request_context::default_timeout() const noexcept { return s_->request_timeout; }

void request_context::report_progress(double progress, std::optional<double> total,
                                      std::string message) const {
    if (progress_token_.is_null() || cancelled()) return;
    nlohmann::json p = {{"progressToken", progress_token_}, {"progress", progress}};
    if (total) p["total"] = *total;
    if (!message.empty()) p["message"] = std::move(message);
    stream().send(jsonrpc::serialize(jsonrpc::notification{"notifications/progress", std::move(p)}));
}

void request_context::log(logging_level level, nlohmann::json data, std::string logger) const {
    if (static_cast<int>(level) < s_->min_log_level.load(std::memory_order_relaxed)) return;
    nlohmann::json p = {{"level", to_string(level)}, {"data", std::move(data)}};
    if (!logger.empty()) p["logger"] = std::move(logger);
    stream().send(jsonrpc::serialize(jsonrpc::notification{"notifications/message", std::move(p)}));
}

void request_context::notify(std::string method, nlohmann::json params) const {
    stream().send(jsonrpc::serialize(jsonrpc::notification{std::move(method), std::move(params)}));
}

nlohmann::json request_context::client_capabilities() const {
    std::lock_guard lock(s_->mu);
    return s_->client_capabilities;
}

void request_context::close_stream() const {
    if (auto* c = dynamic_cast<closable_stream*>(stream_.get())) c->close_connection();
}

void request_context::start_request(std::string method, nlohmann::json params, std::chrono::milliseconds timeout,
                                    detail::session_shared::completion done) {
    if (cancelled()) return done(asio::error::operation_aborted, nullptr);
    s_->start_request(std::move(method), std::move(params), timeout, this, stream_, std::move(done));
}

void request_context::cancel() {
    if (cancelled_.exchange(true)) return;
    s_->abort(this, asio::error::operation_aborted, "the request that made it was cancelled");
    signal_.emit(asio::cancellation_type::terminal);
}

}  // namespace polymcp

#endif
