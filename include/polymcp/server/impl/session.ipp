#ifndef POLYMCP_SERVER_IMPL_SESSION_IPP
#define POLYMCP_SERVER_IMPL_SESSION_IPP

// Definitions of the non-template functions declared in polymcp/server/session.hpp.

#include <polymcp/server/session.hpp>

#include <asio/dispatch.hpp>
#include <asio/post.hpp>

namespace polymcp {

session::session(std::shared_ptr<const server_shared> shared, asio::any_io_executor strand,
                 std::shared_ptr<outbound> out) : shared_(std::move(shared)), strand_(std::move(strand)),
      state_(std::make_shared<detail::session_shared>()), timer_(strand_) {
    state_->out = std::move(out);
}

session::~session() {
    if (subscription_) shared_->tools->unsubscribe(subscription_);
}

void session::receive(std::string_view text) {
    nlohmann::json j;
    jsonrpc::error_response err;
    if (!jsonrpc::parse_json(text, j, err)) return send(err);
    if (j.is_array()) return receive_batch(j);
    dispatch(j, direct_reply());
}

void session::receive_oversized(std::size_t bytes) {
    send(jsonrpc::make_error(
        std::nullopt, jsonrpc::error_code::invalid_request,
        "Invalid Request: message of " + std::to_string(bytes) +
            " bytes or more exceeds the limit of " + std::to_string(shared_->options.max_message_bytes) +
            " bytes (server_options::max_message_bytes); it was skipped",
        {{"limit", shared_->options.max_message_bytes}}));
}

void session::shutdown(std::function<void()> done) {
    if (shutting_down_) return;
    shutting_down_ = true;
    shutdown_done_ = std::move(done);
    if (inflight_.empty()) return finish_shutdown();
    timer_.expires_after(shared_->options.shutdown_grace);
    timer_.async_wait([self = shared_from_this()](std::error_code ec) {
        if (ec || !self->shutdown_done_) return;
        for (auto& [key, f] : self->inflight_) {
            if (f.answered) continue;
            f.answered = true;
            f.reply(jsonrpc::serialize(jsonrpc::make_error(
                f.ctx->request_id(), jsonrpc::error_code::server_shutting_down,
                "Server shutting down: the request did not complete within the grace period of " +
                    std::to_string(self->shared_->options.shutdown_grace.count()) + " ms")));
            f.ctx->cancel();
        }
        self->finish_shutdown();
    });
}

session::reply_fn session::direct_reply() {
    return [out = state_->out](std::string m) { if (!m.empty()) out->send(std::move(m)); };
}

void session::send(const jsonrpc::error_response& e) { state_->out->send(jsonrpc::serialize(e)); }

void session::receive_batch(const nlohmann::json& arr) {
    if (!features_of(protocol_version()).batches || !initialized_)
        return send(jsonrpc::make_error(
            std::nullopt, jsonrpc::error_code::invalid_request,
            "Invalid Request: JSON-RPC batches are not supported by protocol revision " +
                std::string(to_string(protocol_version())) + " (only 2025-03-26 has them)"));
    if (arr.empty())
        return send(jsonrpc::make_error(std::nullopt, jsonrpc::error_code::invalid_request,
                                        "Invalid Request: empty batch"));
    auto c = std::make_shared<batch_collector>();
    c->out = state_->out;
    // Count the elements that will be answered first, so that the batch
    // cannot complete early while elements are still being dispatched.
    std::size_t answered = 0;
    for (const auto& e : arr)
        if (!(e.is_object() && e.contains("method") && !e.contains("id"))) ++answered;
    if (answered == 0) {
        for (const auto& e : arr) dispatch(e, direct_reply());
        return;
    }
    c->pending = answered + 1;  // +1 guards until every element is dispatched
    for (const auto& e : arr) {
        bool is_notification = e.is_object() && e.contains("method") && !e.contains("id");
        dispatch(e, is_notification ? direct_reply() : reply_fn([c](std::string m) { c->add(std::move(m)); }));
    }
    c->add({});
}

void session::dispatch(const nlohmann::json& j, reply_fn reply) {
    auto r = jsonrpc::from_json(j);
    if (!r) return reply(jsonrpc::serialize(*r.error));
    std::visit(
        [&](auto& m) {
            using M = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<M, jsonrpc::request>) on_request(m, std::move(reply));
            else if constexpr (std::is_same_v<M, jsonrpc::notification>) on_notification(m);
            else diag("ignored a response from the client: this server sends no requests yet");
        },
        *r.value);
}

void session::diag(std::string_view s) const {
    if (shared_->options.diagnostics) shared_->options.diagnostics(s);
}

std::string session::error(const jsonrpc::request_id& id, int code, std::string message,
                           nlohmann::json data) {
    return jsonrpc::serialize(jsonrpc::make_error(id, code, std::move(message), std::move(data)));
}

std::string session::result(const jsonrpc::request_id& id, nlohmann::json r) {
    return jsonrpc::serialize(jsonrpc::response{id, std::move(r)});
}

void session::on_request(jsonrpc::request& r, reply_fn reply) {
    using namespace jsonrpc::error_code;
    if (shutting_down_)
        return reply(error(r.id, server_shutting_down,
                           "Server shutting down: request '" + r.method + "' was not processed"));
    if (r.method == "ping") return reply(result(r.id, nlohmann::json::object()));
    if (r.method == "initialize") return reply(on_initialize(r));
    if (!initialized_)
        return reply(error(r.id, invalid_request,
                           "Invalid Request: the session is not initialized; send 'initialize' "
                           "first (only 'ping' is allowed before it), got '" + r.method + "'"));
    if (r.method == "tools/list") return reply(on_tools_list(r));
    if (r.method == "tools/call") return on_tools_call(r, std::move(reply));
    if (r.method == "logging/setLevel") return reply(on_set_level(r));
    reply(error(r.id, method_not_found, "Method not found: '" + r.method + "'"));
}

void session::on_notification(const jsonrpc::notification& n) {
    if (n.method == "notifications/initialized") {
        client_ready_ = true;
    } else if (n.method == "notifications/cancelled") {
        if (!n.params.is_object()) return;
        auto id = n.params.find("requestId");
        if (id == n.params.end()) return;
        jsonrpc::request_id rid;
        if (id->is_number_integer()) rid = id->get<std::int64_t>();
        else if (id->is_string()) rid = id->get<std::string>();
        else return;
        auto it = inflight_.find(rid.key());
        if (it != inflight_.end()) it->second.ctx->cancel();
    }
    // Other notifications (including unknown ones) are ignored, never answered.
}

std::string session::on_initialize(const jsonrpc::request& r) {
    using namespace jsonrpc::error_code;
    if (initialized_)
        return error(r.id, invalid_request, "Invalid Request: the session is already initialized");
    const auto& p = r.params;
    auto bad = [&](std::string what) {
        return error(r.id, invalid_params, "Invalid params for 'initialize': " + what);
    };
    if (!p.is_object()) return bad("params are required");
    auto v = p.find("protocolVersion");
    if (v == p.end() || !v->is_string()) return bad("/protocolVersion must be a string");
    auto caps = p.find("capabilities");
    if (caps == p.end() || !caps->is_object()) return bad("/capabilities must be an object");
    auto ci = p.find("clientInfo");
    if (ci == p.end() || !ci->is_object()) return bad("/clientInfo must be an object");
    if (!ci->contains("name") || !(*ci)["name"].is_string())
        return bad("/clientInfo/name must be a string");
    if (!ci->contains("version") || !(*ci)["version"].is_string())
        return bad("/clientInfo/version must be a string");

    const revision rev = negotiate(v->get_ref<const std::string&>());
    state_->protocol = rev;
    initialized_ = true;
    client_capabilities_ = *caps;
    if (shared_->tools->dynamic() && !subscription_) {
        std::weak_ptr<session> weak = shared_from_this();
        subscription_ = shared_->tools->subscribe([weak] {
            if (auto self = weak.lock())
                asio::post(self->strand_, [self] {
                    if (!self->shutting_down_)
                        self->state_->out->send(jsonrpc::serialize(
                            jsonrpc::notification{"notifications/tools/list_changed", nullptr}));
                });
        });
    }

    const auto f = features_of(rev);
    const auto& info = shared_->options.info;
    nlohmann::json server_info = {{"name", info.name}, {"version", info.version}};
    if (f.titles && !info.title.empty()) server_info["title"] = info.title;
    if (f.icons) {
        if (!info.description.empty()) server_info["description"] = info.description;
        if (!info.website_url.empty()) server_info["websiteUrl"] = info.website_url;
        if (!info.icons.empty()) server_info["icons"] = to_json(info.icons);
    }
    nlohmann::json res = {
        {"protocolVersion", std::string(to_string(rev))},
        {"capabilities",
         {{"tools", {{"listChanged", shared_->tools->dynamic()}}}, {"logging", nlohmann::json::object()}}},
        {"serverInfo", std::move(server_info)}};
    if (!shared_->options.instructions.empty()) res["instructions"] = shared_->options.instructions;
    return result(r.id, std::move(res));
}

std::string session::on_tools_list(const jsonrpc::request& r) {
    std::string cursor;
    if (r.params.is_object())
        if (auto c = r.params.find("cursor"); c != r.params.end() && !c->is_null()) {
            if (!c->is_string())
                return error(r.id, jsonrpc::error_code::invalid_params,
                             "Invalid params for 'tools/list': /cursor must be a string");
            cursor = c->get<std::string>();
        }
    std::error_code ec;
    auto page = shared_->tools->list(cursor, shared_->options.page_size, ec);
    if (ec)
        return error(r.id, jsonrpc::error_code::invalid_params,
                     "Invalid params for 'tools/list': unknown cursor; use a nextCursor this "
                     "server returned");
    nlohmann::json list = nlohmann::json::array();
    const revision rev = protocol_version();
    for (const auto& t : page.tools) list.push_back(t->describe(rev));
    nlohmann::json res = {{"tools", std::move(list)}};
    if (!page.next_cursor.empty()) res["nextCursor"] = page.next_cursor;
    return result(r.id, std::move(res));
}

std::string session::on_set_level(const jsonrpc::request& r) {
    const nlohmann::json* lv = nullptr;
    if (r.params.is_object())
        if (auto it = r.params.find("level"); it != r.params.end() && it->is_string()) lv = &*it;
    auto level = lv ? parse_logging_level(lv->get_ref<const std::string&>()) : std::nullopt;
    if (!level)
        return error(r.id, jsonrpc::error_code::invalid_params,
                     "Invalid params for 'logging/setLevel': /level must be one of debug, info, "
                     "notice, warning, error, critical, alert, emergency");
    state_->min_log_level = static_cast<int>(*level);
    return result(r.id, nlohmann::json::object());
}

void session::on_tools_call(jsonrpc::request& r, reply_fn reply) {
    using namespace jsonrpc::error_code;
    const auto& p = r.params;
    auto name = p.is_object() ? p.find("name") : p.end();
    if (!p.is_object() || name == p.end() || !name->is_string())
        return reply(error(r.id, invalid_params, "Invalid params for 'tools/call': /name must be a string"));
    static const nlohmann::json empty_object = nlohmann::json::object();
    const nlohmann::json* args = &empty_object;
    if (auto a = p.find("arguments"); a != p.end() && !a->is_null()) {
        if (!a->is_object())
            return reply(error(r.id, invalid_params,
                               "Invalid params for 'tools/call': /arguments must be an object"));
        args = &*a;
    }
    const auto& tool_name = name->get_ref<const std::string&>();
    auto tool = shared_->tools->find(tool_name);
    if (!tool)
        return reply(error(r.id, invalid_params, "Unknown tool: '" + tool_name + "'",
                           {{"name", tool_name}}));
    std::string key = r.id.key();
    if (inflight_.count(key))
        return reply(error(r.id, invalid_request,
                           "Invalid Request: a request with this id is still in progress"));
    nlohmann::json meta = p.contains("_meta") ? p["_meta"] : nlohmann::json();
    auto ctx = std::make_shared<request_context>(state_, r.id, std::move(meta), strand_,
                                                 shared_->blocking_executor);
    inflight_.emplace(key, inflight{ctx, std::move(reply)});
    const bool structured = features_of(protocol_version()).titles;
    tool->call(*args, ctx,
               [self = shared_from_this(), key, ctx, structured](call_tool_result res) {
                   asio::dispatch(self->strand_, [self, key, ctx, structured, res = std::move(res)] {
                       self->complete(key, ctx, res.to_json(structured));
                   });
               });
}

void session::complete(const std::string& key, const std::shared_ptr<request_context>& ctx, nlohmann::json res) {
    auto it = inflight_.find(key);
    if (it == inflight_.end() || it->second.ctx != ctx) return;
    inflight f = std::move(it->second);
    inflight_.erase(it);
    if (!f.answered) f.reply(ctx->cancelled() ? std::string() : result(ctx->request_id(), std::move(res)));
    if (shutting_down_ && inflight_.empty()) finish_shutdown();
}

void session::finish_shutdown() {
    timer_.cancel();
    if (auto d = std::move(shutdown_done_)) {
        shutdown_done_ = nullptr;
        d();
    }
}

}  // namespace polymcp

#endif
