#ifndef POLYMCP_HANDLER_IMPL_CONTEXT_IPP
#define POLYMCP_HANDLER_IMPL_CONTEXT_IPP

// Definitions of the non-template functions declared in polymcp/handler/context.hpp.

#include <polymcp/handler/context.hpp>

#include <asio/steady_timer.hpp>

#include <vector>

namespace polymcp {

namespace handler {

bool session_shared::client_supports(std::string_view method, const nlohmann::json& params, std::string& what) {
    std::lock_guard lock(mu);
    return supports(client_capabilities, method, params, what);
}

bool session_shared::supports(const nlohmann::json& caps, std::string_view method, const nlohmann::json& params,
                              std::string& what) {
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

}  // namespace handler

request_context::request_context(std::shared_ptr<handler::session_shared> s, jsonrpc::request_id id,
                                 nlohmann::json meta, asio::any_io_executor ex, asio::any_io_executor blocking_ex,
                                 std::shared_ptr<outbound> stream, std::shared_ptr<const auth::principal> who,
                                 std::shared_ptr<handler::stateless_request> stateless)
    : s_(std::move(s)), stateless_(std::move(stateless)), stream_(std::move(stream)), who_(std::move(who)), id_(std::move(id)), meta_(std::move(meta)),
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
    if (stateless_) {
        // MCP 2026-07-28: no notifications/message for a request without a logLevel.
        if (!stateless_->meta.log_level || level < *stateless_->meta.log_level) return;
    } else if (static_cast<int>(level) < s_->min_log_level.load(std::memory_order_relaxed)) {
        return;
    }
    nlohmann::json p = {{"level", to_string(level)}, {"data", std::move(data)}};
    if (!logger.empty()) p["logger"] = std::move(logger);
    stream().send(jsonrpc::serialize(jsonrpc::notification{"notifications/message", std::move(p)}));
}

void request_context::notify(std::string method, nlohmann::json params) const {
    stream().send(jsonrpc::serialize(jsonrpc::notification{std::move(method), std::move(params)}));
}

nlohmann::json request_context::client_capabilities() const {
    if (stateless_) return stateless_->meta.client_capabilities;
    std::lock_guard lock(s_->mu);
    return s_->client_capabilities;
}

nlohmann::json request_context::client_info() const {
    if (stateless_) return stateless_->meta.client_info;
    std::lock_guard lock(s_->mu);
    return s_->client_info;
}

void request_context::close_stream() const {
    if (auto* c = dynamic_cast<closable_stream*>(stream_.get())) c->close_connection();
}

void request_context::start_request(std::string method, nlohmann::json params, std::chrono::milliseconds timeout,
                                    handler::session_shared::completion done) {
    if (cancelled()) return done(asio::error::operation_aborted, nullptr);
    if (stateless_) return start_input({}, std::move(method), std::move(params), std::move(done));
    s_->start_request(std::move(method), std::move(params), timeout, this, stream_, std::move(done));
}

namespace handler::detail {
// Whether `v` has the shape of the client's result for `method` (MCP
// 2026-07-28 "Multi Round-Trip Requests" > "Error Handling": servers validate
// inputResponses; one that does not parse is asked for again).
inline bool valid_input_response(std::string_view method, const nlohmann::json& v) {
    if (!v.is_object()) return false;
    if (method == "elicitation/create") {
        auto a = v.find("action");
        if (a == v.end() || !a->is_string()) return false;
        const auto& s = a->get_ref<const std::string&>();
        if (s != "accept" && s != "decline" && s != "cancel") return false;
        auto c = v.find("content");
        return c == v.end() || c->is_object() || c->is_null();
    }
    if (method == "sampling/createMessage")
        return v.contains("role") && v["role"].is_string() && v.contains("content") &&
               (v["content"].is_object() || v["content"].is_array());
    if (method == "roots/list") return v.contains("roots") && v["roots"].is_array();
    return true;
}
}  // namespace handler::detail

bool request_context::take_input(std::string& key, const std::string& method, const nlohmann::json& params,
                                 nlohmann::json& answer, std::string& missing) {
    auto& st = *stateless_;
    std::lock_guard lock(st.mu);
    if (!handler::session_shared::supports(st.meta.client_capabilities, method, params, missing)) {
        if (st.missing_capability.empty()) st.missing_capability = missing;
        return false;
    }
    if (key.empty()) key = "input-" + std::to_string(++st.next_key);
    if (auto a = st.answers.find(key); a != st.answers.end() && handler::detail::valid_input_response(method, *a)) {
        answer = *a;
        return true;
    }
    st.asked[key] = {{"method", method}, {"params", params}};
    return true;
}

void request_context::start_input(std::string key, std::string method, nlohmann::json params,
                                  handler::session_shared::completion done) {
    if (cancelled()) return done(asio::error::operation_aborted, nullptr);
    if (!stateless_)
        return s_->start_request(std::move(method), std::move(params), default_timeout(), this, stream_,
                                 std::move(done));
    nlohmann::json answer;
    std::string missing;
    if (!take_input(key, method, params, answer, missing))
        return done(make_error_code(errc::capability_not_declared), {{"method", method}, {"capability", missing}});
    if (answer.is_null()) return done(make_error_code(errc::input_required), {{"key", key}, {"method", method}});
    done({}, std::move(answer));
}

void request_context::start_inputs(nlohmann::json requests, handler::session_shared::completion done) {
    if (cancelled()) return done(asio::error::operation_aborted, nullptr);
    if (!requests.is_object() || requests.empty())
        return done(make_error_code(errc::invalid_params), {{"message", "requests must be a non-empty object"}});
    for (auto it = requests.begin(); it != requests.end(); ++it)
        if (!it->is_object() || !it->contains("method") || !(*it)["method"].is_string())
            return done(make_error_code(errc::invalid_params),
                        {{"message", "requests/" + it.key() + " must be an object with a string method"}});
    if (stateless_) {
        nlohmann::json answers = nlohmann::json::object();
        bool complete = true;
        for (auto it = requests.begin(); it != requests.end(); ++it) {
            std::string key = it.key(), missing;
            const auto method = (*it)["method"].get<std::string>();
            const auto params = it->value("params", nlohmann::json::object());
            nlohmann::json answer;
            if (!take_input(key, method, params, answer, missing))
                return done(make_error_code(errc::capability_not_declared), {{"method", method}, {"capability", missing}});
            if (answer.is_null()) complete = false;
            else answers[key] = std::move(answer);
        }
        if (!complete) return done(make_error_code(errc::input_required), nullptr);
        return done({}, std::move(answers));
    }
    // A session: every request goes to the client now; the first failure ends the whole.
    struct gather {
        std::mutex mu;
        nlohmann::json answers = nlohmann::json::object();
        std::size_t left = 0;
        bool done = false;
        handler::session_shared::completion complete;
    };
    auto g = std::make_shared<gather>();
    g->left = requests.size();
    g->complete = std::move(done);
    for (auto it = requests.begin(); it != requests.end(); ++it) {
        auto method = (*it)["method"].get<std::string>();
        auto params = it->value("params", nlohmann::json::object());
        s_->start_request(std::move(method), std::move(params), default_timeout(), this, stream_,
                          [g, key = it.key()](std::error_code ec, nlohmann::json v) {
                              handler::session_shared::completion finish;
                              nlohmann::json out;
                              {
                                  std::lock_guard lock(g->mu);
                                  if (g->done) return;
                                  if (ec) {
                                      g->done = true;
                                      finish = std::move(g->complete);
                                      out = std::move(v);
                                  } else {
                                      g->answers[key] = std::move(v);
                                      if (--g->left != 0) return;
                                      g->done = true;
                                      finish = std::move(g->complete);
                                      out = std::move(g->answers);
                                  }
                              }
                              finish(ec, std::move(out));
                          });
    }
}

nlohmann::json request_context::request_state() const {
    if (stateless_) {
        std::lock_guard lock(stateless_->mu);
        return stateless_->state;
    }
    std::lock_guard lock(state_mu_);
    return own_state_;
}

void request_context::set_request_state(nlohmann::json state) {
    if (stateless_) {
        std::lock_guard lock(stateless_->mu);
        stateless_->state = std::move(state);
        return;
    }
    std::lock_guard lock(state_mu_);
    own_state_ = std::move(state);
}

void request_context::cancel() {
    if (cancelled_.exchange(true)) return;
    s_->abort(this, asio::error::operation_aborted, "the request that made it was cancelled");
    signal_.emit(asio::cancellation_type::terminal);
}

}  // namespace polymcp

#endif
