#ifndef POLYMCP_SERVER_IMPL_SESSION_IPP
#define POLYMCP_SERVER_IMPL_SESSION_IPP

// Definitions of the non-template functions declared in polymcp/server/session.hpp.

#include <polymcp/server/session.hpp>
#include <polymcp/server/tool_provider.hpp>

#include <asio/co_spawn.hpp>

#include <asio/dispatch.hpp>
#include <asio/post.hpp>

namespace polymcp {

session::session(std::shared_ptr<const server_shared> shared, asio::any_io_executor strand,
                 std::shared_ptr<outbound> out) : shared_(std::move(shared)), strand_(std::move(strand)),
      state_(std::make_shared<handler::session_shared>()), timer_(strand_) {
    state_->out = std::move(out);
    state_->strand = strand_;
    state_->diagnostics = shared_->options.diagnostics;
    state_->request_timeout = shared_->options.client_request_timeout;
}

session::~session() {
    for (const auto& [key, l] : listens_) unsubscribe(l);
    if (shared_->options.gate) shared_->options.gate->session_closed(state_->id);
    if (shared_->options.per_caller_tools) shared_->options.per_caller_tools->session_closed(state_->id);
    if (subscription_) shared_->tools->unsubscribe(subscription_);
    if (resource_list_subscription_) shared_->resources->unsubscribe(resource_list_subscription_);
    if (resource_watch_) shared_->resources->unwatch(resource_watch_);
    if (prompt_subscription_) shared_->prompts->unsubscribe(prompt_subscription_);
}

void session::receive(std::string_view text) {
    nlohmann::json j;
    jsonrpc::error_response err;
    if (!jsonrpc::parse_json(text, j, err)) return send(err);
    receive(j, std::make_shared<forwarding_reply_stream>(state_->out));
}

void session::receive(const nlohmann::json& j, std::shared_ptr<reply_stream> stream,
                      std::shared_ptr<const auth::principal> who) {
    // Dispatching is synchronous up to the handlers' start, which copy the
    // caller into their request_context.
    incoming_ = std::move(who);
    if (j.is_array()) receive_batch(j, stream);
    else dispatch(j, [stream](jsonrpc::reply m) { stream->finish(std::move(m)); }, stream);
    incoming_ = nullptr;
}

const auth::principal& session::caller_principal() const noexcept {
    static const auth::principal anonymous{};
    return caller() ? *caller() : anonymous;
}

gate_session session::gate_view(const nlohmann::json& capabilities) const {
    std::weak_ptr<handler::session_shared> weak = state_;
    return gate_session{state_->id, capabilities, caller_principal(),
                        [weak](std::string method, nlohmann::json params) {
                            if (auto s = weak.lock())
                                s->out->send(jsonrpc::serialize(jsonrpc::notification{std::move(method), std::move(params)}));
                        }};
}

std::optional<jsonrpc::error_response> session::check_scopes(const jsonrpc::request& r, const std::vector<std::string>& scopes,
                                                 std::string_view what) const {
    if (scopes.empty()) return std::nullopt;
    auto missing = caller_principal().missing_scopes(scopes);
    if (missing.empty()) return std::nullopt;
    std::string list;
    for (const auto& s : missing) list += (list.empty() ? "" : " ") + s;
    return error(r.id, jsonrpc::error_code::insufficient_scope,
                 "Insufficient scope: " + std::string(what) + " needs the scope(s) " + list +
                     "; obtain a token that grants them",
                 {{"requiredScopes", scopes}});
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
    state_->abort(nullptr, make_error_code(errc::shutting_down), "the server is shutting down");
    // Listen streams end now, with their result (MCP 2026-07-28 "Subscriptions").
    std::vector<std::string> listening;
    for (const auto& [key, l] : listens_) listening.push_back(key);
    for (const auto& key : listening) end_listen(key, true);
    if (inflight_.empty()) return finish_shutdown();
    timer_.expires_after(shared_->options.shutdown_grace);
    timer_.async_wait([self = shared_from_this()](std::error_code ec) {
        if (ec || !self->shutdown_done_) return;
        for (auto& [key, f] : self->inflight_) {
            if (f.answered) continue;
            f.answered = true;
            f.reply(jsonrpc::make_error(
                f.ctx->request_id(), jsonrpc::error_code::server_shutting_down,
                "Server shutting down: the request did not complete within the grace period of " +
                    std::to_string(self->shared_->options.shutdown_grace.count()) + " ms"));
            f.ctx->cancel();
        }
        self->finish_shutdown();
    });
}

void session::send(const jsonrpc::error_response& e) { state_->out->send(jsonrpc::serialize(e)); }

void session::receive_batch(const nlohmann::json& arr, const std::shared_ptr<reply_stream>& stream) {
    auto fail = [&](const jsonrpc::error_response& e) { stream->finish(e); };
    if (!features_of(protocol_version()).batches || !initialized_)
        return fail(jsonrpc::make_error(
            std::nullopt, jsonrpc::error_code::invalid_request,
            "Invalid Request: JSON-RPC batches are not supported by protocol revision " +
                std::string(to_string(protocol_version())) + " (only 2025-03-26 has them)"));
    if (arr.empty())
        return fail(jsonrpc::make_error(std::nullopt, jsonrpc::error_code::invalid_request,
                                        "Invalid Request: empty batch"));
    auto c = std::make_shared<batch_collector>();
    c->stream = stream;
    // Count the elements that will be answered first, so that the batch
    // cannot complete early while elements are still being dispatched.
    std::size_t answered = 0;
    for (const auto& e : arr)
        if (!(e.is_object() && e.contains("method") && !e.contains("id"))) ++answered;
    auto ignore = [](jsonrpc::reply) {};
    if (answered == 0) {
        for (const auto& e : arr) dispatch(e, ignore, stream);
        return stream->finish({});
    }
    c->pending = answered + 1;  // +1 guards until every element is dispatched
    for (const auto& e : arr) {
        bool is_notification = e.is_object() && e.contains("method") && !e.contains("id");
        dispatch(e, is_notification ? reply_fn(ignore) : reply_fn([c](jsonrpc::reply m) { c->add(std::move(m)); }),
                 stream);
    }
    c->add({});
}

void session::dispatch(const nlohmann::json& j, reply_fn reply, const std::shared_ptr<reply_stream>& stream) {
    auto r = jsonrpc::from_json(j);
    if (!r) return reply(std::move(*r.error));
    std::visit(
        [&](auto& m) {
            using M = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<M, jsonrpc::request>) {
                on_request(m, std::move(reply), stream);
            } else if constexpr (std::is_same_v<M, jsonrpc::notification>) {
                on_notification(m);
                reply({});
            } else if constexpr (std::is_same_v<M, jsonrpc::response>) {
                on_response(m.id, {}, std::move(m.result));
                reply({});
            } else {
                if (m.id) on_response(*m.id, make_error_code(errc::peer_error), m.error.to_json());
                else diag("the client sent an error response without an id: " + m.error.message);
                reply({});
            }
        },
        *r.value);
}

void session::on_response(const jsonrpc::request_id& id, std::error_code ec, nlohmann::json value) {
    if (!id.is_integer() || !state_->complete(id.integer(), ec, std::move(value)))
        diag("ignored a response to unknown request id " + id.to_json().dump() +
             " (never sent, already answered, timed out or cancelled)");
}

void session::diag(std::string_view s) const {
    if (shared_->options.diagnostics) shared_->options.diagnostics(s);
}

jsonrpc::error_response session::error(const jsonrpc::request_id& id, int code, std::string message,
                           nlohmann::json data) {
    return jsonrpc::make_error(id, code, std::move(message), std::move(data));
}

jsonrpc::response session::result(const jsonrpc::request_id& id, nlohmann::json r) {
    return jsonrpc::response{id, std::move(r)};
}

void session::on_request(jsonrpc::request& r, reply_fn reply, const std::shared_ptr<reply_stream>& stream) {
    using namespace jsonrpc::error_code;
    if (shutting_down_)
        return reply(error(r.id, server_shutting_down,
                           "Server shutting down: request '" + r.method + "' was not processed"));
    if (has_request_meta(r.params)) return on_stateless_request(r, std::move(reply), stream);
    if (r.method == "ping") return reply(result(r.id, nlohmann::json::object()));
    if (r.method == "initialize") return reply(on_initialize(r));
    if (!initialized_)
        return reply(error(r.id, invalid_request,
                           "Invalid Request: the session is not initialized; send 'initialize' "
                           "first (only 'ping' is allowed before it), got '" + r.method + "'"));
    if (r.method == "tools/list") {
        if (shared_->options.per_caller_tools) return on_tools_list_with_provider(r, std::move(reply));
        return reply(on_tools_list(r));
    }
    if (r.method == "tools/call") return on_tools_call(r, std::move(reply), stream);
    if (r.method == "logging/setLevel") return reply(on_set_level(r));
    if (shared_->resources) {
        if (r.method == "resources/list") return reply(on_resources_list(r, false));
        if (r.method == "resources/templates/list") return reply(on_resources_list(r, true));
        if (r.method == "resources/read") return on_resources_read(r, std::move(reply), stream);
        if (r.method == "resources/subscribe") return reply(on_resources_subscribe(r, true));
        if (r.method == "resources/unsubscribe") return reply(on_resources_subscribe(r, false));
    }
    if (shared_->prompts) {
        if (r.method == "prompts/list") return reply(on_prompts_list(r));
        if (r.method == "prompts/get") return on_prompts_get(r, std::move(reply), stream);
    }
    if ((shared_->resources || shared_->prompts) && r.method == "completion/complete") return reply(on_complete(r));
    reply(error(r.id, method_not_found,
                "Method not found: '" + r.method + "'" +
                    (r.method.rfind("resources/", 0) == 0 || r.method.rfind("prompts/", 0) == 0 ||
                             r.method == "completion/complete"
                         ? " (this server does not declare that capability)"
                         : "")));
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

jsonrpc::reply session::on_initialize(const jsonrpc::request& r) {
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
    {
        std::lock_guard lock(state_->mu);
        state_->client_capabilities = *caps;
        state_->client_info = *ci;
    }
    subscribe_registries();

    nlohmann::json res = {{"protocolVersion", std::string(to_string(rev))},
                          {"capabilities", capabilities_json()},
                          {"serverInfo", server_info_json(rev)}};
    if (!shared_->options.instructions.empty()) res["instructions"] = shared_->options.instructions;
    return result(r.id, std::move(res));
}

nlohmann::json session::server_info_json(revision rev) const {
    const auto f = features_of(rev);
    const auto& info = shared_->options.info;
    nlohmann::json server_info = {{"name", info.name}, {"version", info.version}};
    if (f.titles && !info.title.empty()) server_info["title"] = info.title;
    if (f.icons) {
        if (!info.description.empty()) server_info["description"] = info.description;
        if (!info.website_url.empty()) server_info["websiteUrl"] = info.website_url;
        if (!info.icons.empty()) server_info["icons"] = to_json(info.icons);
    }
    return server_info;
}

nlohmann::json session::capabilities_json() const {
    nlohmann::json capabilities = {{"tools", {{"listChanged", shared_->tools->dynamic() || shared_->options.gate != nullptr ||
                                                               shared_->options.per_caller_tools != nullptr}}},
                                   {"logging", nlohmann::json::object()}};
    if (shared_->resources)
        capabilities["resources"] = {{"subscribe", true}, {"listChanged", shared_->resources->dynamic()}};
    if (shared_->prompts) capabilities["prompts"] = {{"listChanged", shared_->prompts->dynamic()}};
    if (shared_->resources || shared_->prompts) capabilities["completions"] = nlohmann::json::object();
    return capabilities;
}

std::optional<jsonrpc::error_response> session::read_cursor(const jsonrpc::request& r, std::string& cursor) {
    if (r.params.is_object())
        if (auto c = r.params.find("cursor"); c != r.params.end() && !c->is_null()) {
            if (!c->is_string())
                return error(r.id, jsonrpc::error_code::invalid_params,
                             "Invalid params for '" + r.method + "': /cursor must be a string");
            cursor = c->get<std::string>();
        }
    return std::nullopt;
}

namespace server_detail {
inline jsonrpc::error_response bad_cursor(const jsonrpc::request& r) {
    return jsonrpc::make_error(
        r.id, jsonrpc::error_code::invalid_params,
        "Invalid params for '" + r.method + "': unknown cursor; use a nextCursor this server returned");
}
}  // namespace server_detail

std::optional<jsonrpc::error_response> session::list_registry_tools(const jsonrpc::request& r, nlohmann::json& res,
                                                        bool& last_page) {
    std::string cursor;
    if (auto e = read_cursor(r, cursor)) return e;
    std::error_code ec;
    auto page = shared_->tools->list(cursor, shared_->options.page_size, ec);
    if (ec) return server_detail::bad_cursor(r);
    nlohmann::json list = nlohmann::json::array();
    const revision rev = current_revision();
    const auto& gate = shared_->options.gate;
    const auto caps = gate ? current_capabilities() : nlohmann::json();
    const auto view = gate ? std::optional<gate_session>(gate_view(caps)) : std::nullopt;
    for (const auto& t : page.tools)
        if (!gate || gate->listed(*view, t->name)) list.push_back(t->describe(rev));
    res = {{"tools", std::move(list)}};
    if (!page.next_cursor.empty()) res["nextCursor"] = page.next_cursor;
    last_page = page.next_cursor.empty();
    return std::nullopt;
}

jsonrpc::reply session::on_tools_list(const jsonrpc::request& r) {
    nlohmann::json res;
    bool last = false;
    if (auto e = list_registry_tools(r, res, last)) return *e;
    return respond(r, std::move(res));
}

tool_scope session::provider_scope() const {
    static const auto anonymous = std::make_shared<const auth::principal>();
    std::weak_ptr<handler::session_shared> weak = state_;
    std::weak_ptr<const session> me = weak_from_this();
    return tool_scope{state_->id, caller() ? caller() : anonymous,
                      [weak, me](std::string method, nlohmann::json params) {
                          // A session with subscriptions/listen streams (MCP 2026-07-28) gets
                          // list changes on them, tagged; otherwise on its own channel.
                          if (auto self = std::const_pointer_cast<session>(me.lock())) {
                              asio::post(self->strand_, [self, method = std::move(method),
                                                         params = std::move(params)]() mutable {
                                  if (!self->listens_.empty()) {
                                      if (method == "notifications/tools/list_changed")
                                          self->notify_listeners(method, params.is_object() ? params : nlohmann::json::object(),
                                                                 "toolsListChanged");
                                      return;
                                  }
                                  self->state_->out->send(
                                      jsonrpc::serialize(jsonrpc::notification{std::move(method), std::move(params)}));
                              });
                              return;
                          }
                          if (auto s = weak.lock())
                              s->out->send(jsonrpc::serialize(jsonrpc::notification{std::move(method), std::move(params)}));
                      }};
}

void session::on_tools_list_with_provider(const jsonrpc::request& r, reply_fn reply) {
    nlohmann::json res;
    bool last = false;
    if (auto e = list_registry_tools(r, res, last)) return reply(std::move(*e));
    if (!last) return reply(respond(r, std::move(res)));
    // The caller's own tools follow the registry's, on its last page.
    auto provider = shared_->options.per_caller_tools;
    asio::co_spawn(strand_, provider->list_tools(provider_scope()),
                   [self = shared_from_this(), id = r.id, res = std::move(res), reply = std::move(reply), st = current_](
                       std::exception_ptr ep, std::vector<std::shared_ptr<const tool_entry>> tools) mutable {
                       if (ep) {
                           std::string what = "the caller's tools could not be listed";
                           try {
                               std::rethrow_exception(ep);
                           } catch (const std::exception& e) {
                               what += std::string(": ") + e.what();
                           } catch (...) {
                           }
                           return reply(error(id, jsonrpc::error_code::internal_error, "Internal error: " + what));
                       }
                       const revision rev = st ? st->meta.version : self->protocol_version();
                       const auto& gate = self->shared_->options.gate;
                       const auto caps = !gate ? nlohmann::json()
                                         : st  ? st->meta.client_capabilities
                                               : self->state_->client_capabilities_copy();
                       const auto view = gate ? std::optional<gate_session>(self->gate_view(caps)) : std::nullopt;
                       for (const auto& t : tools)
                           if (t && !self->shared_->tools->find(t->name) && (!gate || gate->listed(*view, t->name)))
                               res["tools"].push_back(t->describe(rev));
                       reply(result(id, st ? self->decorate("tools/list", std::move(res)) : std::move(res)));
                   });
}

jsonrpc::reply session::on_set_level(const jsonrpc::request& r) {
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

void session::on_tools_call(jsonrpc::request& r, reply_fn reply, const std::shared_ptr<reply_stream>& stream) {
    using namespace jsonrpc::error_code;
    const auto& p = r.params;
    auto name = p.is_object() ? p.find("name") : p.end();
    if (!p.is_object() || name == p.end() || !name->is_string())
        return reply(error(r.id, invalid_params, "Invalid params for 'tools/call': /name must be a string"));
    if (auto a = p.find("arguments"); a != p.end() && !a->is_null() && !a->is_object())
        return reply(error(r.id, invalid_params, "Invalid params for 'tools/call': /arguments must be an object"));
    const auto& tool_name = name->get_ref<const std::string&>();
    auto tool = shared_->tools->find(tool_name);
    if (!tool && shared_->options.per_caller_tools) {
        // Maybe one of the caller's own tools: ask the provider, then go on.
        auto provider = shared_->options.per_caller_tools;
        auto who = incoming_;
        asio::co_spawn(strand_, provider->find_tool(provider_scope(), tool_name),
                       [self = shared_from_this(), r = std::move(r), reply = std::move(reply), stream, who,
                        st = current_](std::exception_ptr ep, std::shared_ptr<const tool_entry> found) mutable {
                           if (ep) found = nullptr;
                           self->incoming_ = who;  // the caller and request, as during synchronous dispatch
                           self->current_ = st;
                           self->call_tool_entry(r, std::move(reply), stream, std::move(found));
                           self->incoming_ = nullptr;
                           self->current_ = nullptr;
                       });
        return;
    }
    call_tool_entry(r, std::move(reply), stream, std::move(tool));
}

void session::call_tool_entry(jsonrpc::request& r, reply_fn reply, const std::shared_ptr<reply_stream>& stream,
                              std::shared_ptr<const tool_entry> tool) {
    using namespace jsonrpc::error_code;
    const auto& p = r.params;
    const auto& tool_name = p["name"].get_ref<const std::string&>();
    static const nlohmann::json empty_object = nlohmann::json::object();
    const nlohmann::json* args = &empty_object;
    if (auto a = p.find("arguments"); a != p.end() && !a->is_null()) args = &*a;
    if (!tool)
        return reply(error(r.id, invalid_params, "Unknown tool: '" + tool_name + "'",
                           {{"name", tool_name}}));
    if (const auto* mirrored = stream ? stream->param_headers() : nullptr) {
        // MCP 2026-07-28 "Streamable HTTP" > "Server Validation": Mcp-Param-* headers match the body.
        std::vector<header_param> params;
        std::string why;
        if (auto s = tool->descriptor.find("inputSchema"); s != tool->descriptor.end() && header_params_of(*s, params, why))
            if (auto mismatch = param_header_mismatch(params, *args, *mirrored))
                return reply(error(r.id, header_mismatch, std::move(*mismatch)));
    }
    if (const auto& gate = shared_->options.gate) {
        const auto caps = current_capabilities();
        if (auto d = gate->check_tool(gate_view(caps), tool_name)) {
            if (d->error) return reply((jsonrpc::error_response{r.id, std::move(*d->error)}));
            return reply(respond(r, call_tool_result::error(std::move(d->message))
                                        .to_json(features_of(current_revision()).titles)));
        }
    }
    if (auto denied = check_scopes(r, tool->scopes, "the tool '" + tool_name + "'")) return reply(std::move(*denied));
    auto ctx = begin_inflight(r, reply, stream);
    if (!ctx) return;
    const bool structured = features_of(current_revision()).titles;
    tool->call(*args, ctx,
               [self = shared_from_this(), key = r.id.key(), ctx, structured](call_tool_result res) {
                   asio::dispatch(self->strand_, [self, key, ctx, structured, res = std::move(res)] {
                       const bool failed = res.is_error;
                       self->complete(key, ctx, self->response_for(ctx, res.to_json(structured), std::nullopt, failed));
                   });
               });
}

std::shared_ptr<request_context> session::begin_inflight(const jsonrpc::request& r, reply_fn& reply,
                                                         const std::shared_ptr<reply_stream>& stream) {
    std::string key = r.id.key();
    if (inflight_.count(key)) {
        reply(error(r.id, jsonrpc::error_code::invalid_request,
                    "Invalid Request: a request with this id is still in progress"));
        return nullptr;
    }
    nlohmann::json meta;
    if (r.params.is_object())
        if (auto m = r.params.find("_meta"); m != r.params.end()) meta = *m;
    auto ctx = std::make_shared<request_context>(state_, r.id, std::move(meta), strand_,
                                                 shared_->blocking_executor, stream, caller(), current_);
    inflight_.emplace(std::move(key), inflight{ctx, std::move(reply)});
    return ctx;
}

std::function<void(handler_outcome)> session::outcome_completion(std::string key,
                                                                  std::shared_ptr<request_context> ctx) {
    return [self = shared_from_this(), key = std::move(key), ctx = std::move(ctx)](handler_outcome o) {
        asio::dispatch(self->strand_, [self, key, ctx, o = std::move(o)]() mutable {
            const bool failed = o.error.has_value();
            self->complete(key, ctx, self->response_for(ctx, std::move(o.result), std::move(o.error), failed));
        });
    };
}

void session::complete(const std::string& key, const std::shared_ptr<request_context>& ctx, jsonrpc::reply response) {
    auto it = inflight_.find(key);
    if (it == inflight_.end() || it->second.ctx != ctx) return;
    inflight f = std::move(it->second);
    inflight_.erase(it);
    if (!f.answered) f.reply(ctx->cancelled() ? jsonrpc::reply() : std::move(response));
    if (shutting_down_ && inflight_.empty()) finish_shutdown();
}

void session::post_notification(std::string method, nlohmann::json params) {
    asio::post(strand_, [self = shared_from_this(), method = std::move(method), params = std::move(params)]() mutable {
        if (!self->shutting_down_)
            self->state_->out->send(jsonrpc::serialize(jsonrpc::notification{std::move(method), std::move(params)}));
    });
}

void session::subscribe_registries() {
    std::weak_ptr<session> weak = shared_from_this();
    auto list_changed = [weak](const char* method) {
        return [weak, method] {
            if (auto self = weak.lock()) self->post_notification(method, nullptr);
        };
    };
    if (shared_->tools->dynamic() && !subscription_)
        subscription_ = shared_->tools->subscribe(list_changed("notifications/tools/list_changed"));
    if (shared_->prompts && shared_->prompts->dynamic() && !prompt_subscription_)
        prompt_subscription_ = shared_->prompts->subscribe(list_changed("notifications/prompts/list_changed"));
    if (shared_->resources) {
        if (shared_->resources->dynamic() && !resource_list_subscription_)
            resource_list_subscription_ =
                shared_->resources->subscribe(list_changed("notifications/resources/list_changed"));
        if (!resource_watch_)
            resource_watch_ = shared_->resources->watch([weak](const std::string& uri) {
                auto self = weak.lock();
                if (!self) return;
                asio::post(self->strand_, [self, uri] {
                    if (self->resource_subscriptions_.count(uri) && !self->shutting_down_)
                        self->state_->out->send(jsonrpc::serialize(
                            jsonrpc::notification{"notifications/resources/updated", {{"uri", uri}}}));
                });
            });
    }
}

jsonrpc::reply session::on_resources_list(const jsonrpc::request& r, bool templates) {
    std::string cursor;
    if (auto e = read_cursor(r, cursor)) return *e;
    std::error_code ec;
    nlohmann::json list = nlohmann::json::array();
    std::string next;
    if (templates) {
        auto page = shared_->resources->list_templates(cursor, shared_->options.page_size, ec);
        for (const auto& t : page.items) list.push_back(t->descriptor);
        next = std::move(page.next_cursor);
    } else {
        auto page = shared_->resources->list(cursor, shared_->options.page_size, ec);
        for (const auto& t : page.items) list.push_back(t->descriptor);
        next = std::move(page.next_cursor);
    }
    if (ec) return server_detail::bad_cursor(r);
    nlohmann::json res = {{templates ? "resourceTemplates" : "resources", std::move(list)}};
    if (!next.empty()) res["nextCursor"] = std::move(next);
    return respond(r, std::move(res));
}

namespace server_detail {
// params.<member> as a string, or nullptr.
inline const std::string* string_param(const jsonrpc::request& r, const char* member) {
    if (!r.params.is_object()) return nullptr;
    auto it = r.params.find(member);
    return it != r.params.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
}
}  // namespace server_detail

void session::on_resources_read(jsonrpc::request& r, reply_fn reply, const std::shared_ptr<reply_stream>& stream) {
    const std::string* uri = server_detail::string_param(r, "uri");
    if (!uri)
        return reply(error(r.id, jsonrpc::error_code::invalid_params,
                           "Invalid params for 'resources/read': /uri must be a string"));
    nlohmann::json variables = nlohmann::json::object();
    resource_read_fn read;
    const std::vector<std::string>* scopes = nullptr;
    std::shared_ptr<const resource_entry> fixed;
    std::shared_ptr<const resource_template_entry> templ;
    if ((fixed = shared_->resources->find(*uri))) read = fixed->read, scopes = &fixed->scopes;
    else if ((templ = shared_->resources->match(*uri, variables))) read = templ->read, scopes = &templ->scopes;
    if (!read)  // -32602 since 2026-07-28 (aligned with JSON-RPC), -32002 before
        return reply(error(r.id, current_ ? jsonrpc::error_code::invalid_params : jsonrpc::error_code::resource_not_found,
                           "Resource not found: '" + *uri + "'", {{"uri", *uri}}));
    if (const auto& gate = shared_->options.gate) {
        const auto caps = current_capabilities();
        if (auto d = gate->check_resource(gate_view(caps), *uri)) {
            if (d->error) return reply((jsonrpc::error_response{r.id, std::move(*d->error)}));
            return reply(error(r.id, jsonrpc::error_code::authentication_required, std::move(d->message)));
        }
    }
    if (auto denied = check_scopes(r, *scopes, "the resource '" + *uri + "'")) return reply(std::move(*denied));
    std::string the_uri = *uri;
    auto ctx = begin_inflight(r, reply, stream);
    if (!ctx) return;
    read(the_uri, variables, ctx, outcome_completion(r.id.key(), ctx));
}

jsonrpc::reply session::on_resources_subscribe(const jsonrpc::request& r, bool subscribe) {
    const std::string* uri = server_detail::string_param(r, "uri");
    if (!uri)
        return error(r.id, jsonrpc::error_code::invalid_params,
                     "Invalid params for '" + r.method + "': /uri must be a string");
    if (subscribe) {
        if (resource_subscriptions_.size() >= shared_->options.max_resource_subscriptions &&
            !resource_subscriptions_.count(*uri))
            return error(r.id, jsonrpc::error_code::invalid_params,
                         "Invalid params for 'resources/subscribe': this session already has " +
                             std::to_string(resource_subscriptions_.size()) +
                             " subscriptions, the limit (server_options::max_resource_subscriptions)");
        resource_subscriptions_.insert(*uri);
    } else {
        resource_subscriptions_.erase(*uri);
    }
    return result(r.id, nlohmann::json::object());
}

jsonrpc::reply session::on_prompts_list(const jsonrpc::request& r) {
    std::string cursor;
    if (auto e = read_cursor(r, cursor)) return *e;
    std::error_code ec;
    auto page = shared_->prompts->list(cursor, shared_->options.page_size, ec);
    if (ec) return server_detail::bad_cursor(r);
    nlohmann::json list = nlohmann::json::array();
    for (const auto& p : page.items) list.push_back(p->descriptor);
    nlohmann::json res = {{"prompts", std::move(list)}};
    if (!page.next_cursor.empty()) res["nextCursor"] = page.next_cursor;
    return respond(r, std::move(res));
}

void session::on_prompts_get(jsonrpc::request& r, reply_fn reply, const std::shared_ptr<reply_stream>& stream) {
    using namespace jsonrpc::error_code;
    const std::string* name = server_detail::string_param(r, "name");
    if (!name) return reply(error(r.id, invalid_params, "Invalid params for 'prompts/get': /name must be a string"));
    auto p = shared_->prompts->find(*name);
    if (!p) return reply(error(r.id, invalid_params, "Unknown prompt: '" + *name + "'", {{"name", *name}}));
    nlohmann::json args = nlohmann::json::object();
    if (auto a = r.params.find("arguments"); a != r.params.end() && !a->is_null()) {
        if (!a->is_object())
            return reply(error(r.id, invalid_params, "Invalid params for 'prompts/get': /arguments must be an object"));
        for (auto it = a->begin(); it != a->end(); ++it)
            if (!it->is_string())
                return reply(error(r.id, invalid_params,
                                   "Invalid params for 'prompts/get': /arguments/" + it.key() +
                                       " must be a string (prompt arguments are strings)"));
        args = *a;
    }
    auto ctx = begin_inflight(r, reply, stream);
    if (!ctx) return;
    p->get(args, ctx, outcome_completion(r.id.key(), ctx));
}

jsonrpc::reply session::on_complete(const jsonrpc::request& r) {
    using namespace jsonrpc::error_code;
    auto bad = [&](std::string what) {
        return error(r.id, invalid_params, "Invalid params for 'completion/complete': " + what);
    };
    if (!r.params.is_object()) return bad("params are required");
    auto ref = r.params.find("ref");
    auto arg = r.params.find("argument");
    if (ref == r.params.end() || !ref->is_object()) return bad("/ref must be an object");
    if (arg == r.params.end() || !arg->is_object() || !arg->contains("name") || !(*arg)["name"].is_string() ||
        !arg->contains("value") || !(*arg)["value"].is_string())
        return bad("/argument must be an object with string members name and value");
    const auto type = ref->value("type", std::string());
    const auto& arg_name = (*arg)["name"].get_ref<const std::string&>();
    const completer* c = nullptr;
    std::shared_ptr<const prompt_entry> prompt;
    std::shared_ptr<const resource_template_entry> tmpl;
    if (type == "ref/prompt") {
        if (!shared_->prompts) return bad("this server has no prompts");
        auto name = ref->value("name", std::string());
        prompt = shared_->prompts->find(name);
        if (!prompt) return error(r.id, invalid_params, "Unknown prompt: '" + name + "'", {{"name", name}});
        if (auto it = prompt->completers.find(arg_name); it != prompt->completers.end()) c = &it->second;
    } else if (type == "ref/resource") {
        if (!shared_->resources) return bad("this server has no resources");
        auto uri = ref->value("uri", std::string());
        tmpl = shared_->resources->find_template(uri);
        if (!tmpl && !shared_->resources->find(uri))
            return error(r.id, current_ ? invalid_params : resource_not_found, "Resource not found: '" + uri + "'",
                         {{"uri", uri}});
        if (tmpl)
            if (auto it = tmpl->completers.find(arg_name); it != tmpl->completers.end()) c = &it->second;
    } else {
        return bad("/ref/type must be 'ref/prompt' or 'ref/resource'");
    }
    nlohmann::json context_args = nlohmann::json::object();
    if (auto cx = r.params.find("context"); cx != r.params.end() && cx->is_object())
        if (auto a = cx->find("arguments"); a != cx->end() && a->is_object()) context_args = *a;
    std::vector<std::string> values;
    if (c) {
        try {
            values = (*c)((*arg)["value"].get_ref<const std::string&>(), context_args);
        } catch (const std::exception& e) {
            return error(r.id, internal_error, std::string("Internal error: the completer failed: ") + e.what());
        }
    }
    const std::size_t total = values.size();
    if (values.size() > 100) values.resize(100);  // the spec's maximum per response
    return respond(r, {{"completion", {{"values", values}, {"total", total}, {"hasMore", total > values.size()}}}});
}

void session::finish_shutdown() {
    timer_.cancel();
    if (auto d = std::move(shutdown_done_)) {
        shutdown_done_ = nullptr;
        d();
    }
}

}  // namespace polymcp

#include <polymcp/server/impl/stateless.ipp>

#endif
