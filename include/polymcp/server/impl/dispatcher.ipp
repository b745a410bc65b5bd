#ifndef POLYMCP_SERVER_IMPL_DISPATCHER_IPP
#define POLYMCP_SERVER_IMPL_DISPATCHER_IPP

// Definitions of the non-template functions declared in polymcp/server/dispatcher.hpp.

#include <polymcp/server/detail/request_binding.hpp>
#include <polymcp/server/dispatcher.hpp>

#include <asio/co_spawn.hpp>
#include <asio/dispatch.hpp>
#include <asio/post.hpp>

namespace polymcp {

namespace server_detail {

inline jsonrpc::error_response bad_cursor(const jsonrpc::request& r) {
    return jsonrpc::make_error(
        r.id, jsonrpc::error_code::invalid_params,
        "Invalid params for '" + r.method + "': unknown cursor; use a nextCursor this server returned");
}

// params.<member> as a string, or nullptr.
inline const std::string* string_param(const jsonrpc::request& r, const char* member) {
    if (!r.params.is_object()) return nullptr;
    auto it = r.params.find(member);
    return it != r.params.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
}

// `{"sampling": {"tools": {}}}` for "sampling.tools".
inline nlohmann::json capability_object(std::string_view dotted) {
    nlohmann::json out = nlohmann::json::object();
    nlohmann::json* at = &out;
    while (!dotted.empty()) {
        auto dot = dotted.find('.');
        auto part = std::string(dotted.substr(0, dot));
        at = &((*at)[part] = nlohmann::json::object());
        dotted = dot == std::string_view::npos ? std::string_view{} : dotted.substr(dot + 1);
    }
    return out;
}

}  // namespace server_detail

dispatcher::dispatcher(std::shared_ptr<const server_shared> shared, asio::any_io_executor strand,
                       std::shared_ptr<outbound> out)
    : shared_(std::move(shared)), strand_(std::move(strand)), state_(std::make_shared<handler::session_shared>()),
      timer_(strand_) {
    state_->out = std::move(out);
    state_->strand = strand_;
    state_->diagnostics = shared_->options.diagnostics;
    state_->request_timeout = shared_->options.client_request_timeout;
}

dispatcher::~dispatcher() {
    if (shared_->options.gate) shared_->options.gate->session_closed(state_->id);
    if (shared_->options.per_caller_tools) shared_->options.per_caller_tools->session_closed(state_->id);
}

bool dispatcher::serve(jsonrpc::request& r, const request_scope& scope, reply_fn& reply,
                       const std::shared_ptr<reply_stream>& stream) {
    const auto& m = r.method;
    if (m == "tools/list") {
        if (shared_->options.per_caller_tools) on_tools_list_with_provider(scope, r, std::move(reply));
        else reply(on_tools_list(scope, r));
        return true;
    }
    if (m == "tools/call") {
        on_tools_call(scope, r, std::move(reply), stream);
        return true;
    }
    if (shared_->resources) {
        if (m == "resources/list" || m == "resources/templates/list") {
            reply(on_resources_list(scope, r, m == "resources/templates/list"));
            return true;
        }
        if (m == "resources/read") {
            on_resources_read(scope, r, std::move(reply), stream);
            return true;
        }
    }
    if (shared_->prompts) {
        if (m == "prompts/list") {
            reply(on_prompts_list(scope, r));
            return true;
        }
        if (m == "prompts/get") {
            on_prompts_get(scope, r, std::move(reply), stream);
            return true;
        }
    }
    if ((shared_->resources || shared_->prompts) && m == "completion/complete") {
        reply(on_complete(scope, r));
        return true;
    }
    return false;
}

bool dispatcher::on_response(const jsonrpc::request_id& id, std::error_code ec, nlohmann::json value) {
    return id.is_integer() && state_->complete(id.integer(), ec, std::move(value));
}

bool dispatcher::cancel(const jsonrpc::request_id& id) {
    auto it = inflight_.find(id.key());
    if (it == inflight_.end()) return false;
    it->second.ctx->cancel();
    return true;
}

void dispatcher::diag(std::string_view s) const {
    if (shared_->options.diagnostics) shared_->options.diagnostics(s);
}

jsonrpc::error_response dispatcher::error(const jsonrpc::request_id& id, int code, std::string message,
                                          nlohmann::json data) {
    return jsonrpc::make_error(id, code, std::move(message), std::move(data));
}

jsonrpc::response dispatcher::result(const jsonrpc::request_id& id, nlohmann::json r) {
    return jsonrpc::response{id, std::move(r)};
}

nlohmann::json dispatcher::capabilities_of(const request_scope& scope) const {
    return scope.stateless ? scope.stateless->meta.client_capabilities : state_->client_capabilities_copy();
}

const auth::principal& dispatcher::principal_of(const request_scope& scope) noexcept {
    static const auth::principal anonymous{};
    return scope.caller ? *scope.caller : anonymous;
}

gate_session dispatcher::gate_view(const request_scope& scope, const nlohmann::json& capabilities) const {
    std::weak_ptr<handler::session_shared> weak = state_;
    return gate_session{state_->id, capabilities, principal_of(scope),
                        [weak](std::string method, nlohmann::json params) {
                            if (auto s = weak.lock())
                                s->out->send(jsonrpc::serialize(jsonrpc::notification{std::move(method), std::move(params)}));
                        }};
}

std::optional<jsonrpc::error_response> dispatcher::check_scopes(const request_scope& scope, const jsonrpc::request& r,
                                                                const std::vector<std::string>& scopes,
                                                                std::string_view what) const {
    if (scopes.empty()) return std::nullopt;
    auto missing = principal_of(scope).missing_scopes(scopes);
    if (missing.empty()) return std::nullopt;
    std::string list;
    for (const auto& s : missing) list += (list.empty() ? "" : " ") + s;
    return error(r.id, jsonrpc::error_code::insufficient_scope,
                 "Insufficient scope: " + std::string(what) + " needs the scope(s) " + list +
                     "; obtain a token that grants them",
                 {{"requiredScopes", scopes}});
}

nlohmann::json dispatcher::server_info_json(revision rev) const {
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

nlohmann::json dispatcher::capabilities_json() const {
    nlohmann::json capabilities = {{"tools", {{"listChanged", shared_->tools->dynamic() || shared_->options.gate != nullptr ||
                                                               shared_->options.per_caller_tools != nullptr}}},
                                   {"logging", nlohmann::json::object()}};
    if (shared_->resources)
        capabilities["resources"] = {{"subscribe", true}, {"listChanged", shared_->resources->dynamic()}};
    if (shared_->prompts) capabilities["prompts"] = {{"listChanged", shared_->prompts->dynamic()}};
    if (shared_->resources || shared_->prompts) capabilities["completions"] = nlohmann::json::object();
    return capabilities;
}

std::optional<jsonrpc::error_response> dispatcher::read_cursor(const jsonrpc::request& r, std::string& cursor) {
    if (r.params.is_object())
        if (auto c = r.params.find("cursor"); c != r.params.end() && !c->is_null()) {
            if (!c->is_string())
                return error(r.id, jsonrpc::error_code::invalid_params,
                             "Invalid params for '" + r.method + "': /cursor must be a string");
            cursor = c->get<std::string>();
        }
    return std::nullopt;
}

std::optional<jsonrpc::error_response> dispatcher::list_registry_tools(const request_scope& scope,
                                                                       const jsonrpc::request& r, nlohmann::json& res,
                                                                       bool& last_page) {
    std::string cursor;
    if (auto e = read_cursor(r, cursor)) return e;
    std::error_code ec;
    auto page = shared_->tools->list(cursor, shared_->options.page_size, ec);
    if (ec) return server_detail::bad_cursor(r);
    nlohmann::json list = nlohmann::json::array();
    const revision rev = revision_of(scope);
    const auto& gate = shared_->options.gate;
    const auto caps = gate ? capabilities_of(scope) : nlohmann::json();
    const auto view = gate ? std::optional<gate_session>(gate_view(scope, caps)) : std::nullopt;
    for (const auto& t : page.tools)
        if (!gate || gate->listed(*view, t->name)) list.push_back(t->describe(rev));
    res = {{"tools", std::move(list)}};
    if (!page.next_cursor.empty()) res["nextCursor"] = page.next_cursor;
    last_page = page.next_cursor.empty();
    return std::nullopt;
}

jsonrpc::reply dispatcher::on_tools_list(const request_scope& scope, const jsonrpc::request& r) {
    nlohmann::json res;
    bool last = false;
    if (auto e = list_registry_tools(scope, r, res, last)) return *e;
    return respond(scope, r, std::move(res));
}

tool_scope dispatcher::provider_scope(const request_scope& scope) const {
    static const auto anonymous = std::make_shared<const auth::principal>();
    std::weak_ptr<handler::session_shared> weak = state_;
    std::weak_ptr<const dispatcher> me = weak_from_this();
    return tool_scope{state_->id, scope.caller ? scope.caller : anonymous,
                      [weak, me](std::string method, nlohmann::json params) {
                          // A session with subscriptions/listen streams (MCP 2026-07-28) gets
                          // list changes on them, tagged; otherwise on its own channel.
                          if (auto self = std::const_pointer_cast<dispatcher>(me.lock())) {
                              asio::post(self->strand_, [self, method = std::move(method),
                                                         params = std::move(params)]() mutable {
                                  if (self->listen_sink_ && self->listen_sink_(method, params)) return;
                                  self->state_->out->send(
                                      jsonrpc::serialize(jsonrpc::notification{std::move(method), std::move(params)}));
                              });
                              return;
                          }
                          if (auto s = weak.lock())
                              s->out->send(jsonrpc::serialize(jsonrpc::notification{std::move(method), std::move(params)}));
                      }};
}

void dispatcher::on_tools_list_with_provider(const request_scope& scope, const jsonrpc::request& r, reply_fn reply) {
    nlohmann::json res;
    bool last = false;
    if (auto e = list_registry_tools(scope, r, res, last)) return reply(std::move(*e));
    if (!last) return reply(respond(scope, r, std::move(res)));
    // The caller's own tools follow the registry's, on its last page.
    auto provider = shared_->options.per_caller_tools;
    asio::co_spawn(strand_, provider->list_tools(provider_scope(scope)),
                   [self = shared_from_this(), id = r.id, res = std::move(res), reply = std::move(reply), scope](
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
                       const revision rev = self->revision_of(scope);
                       const auto& gate = self->shared_->options.gate;
                       const auto caps = gate ? self->capabilities_of(scope) : nlohmann::json();
                       const auto view = gate ? std::optional<gate_session>(self->gate_view(scope, caps)) : std::nullopt;
                       for (const auto& t : tools)
                           if (t && !self->shared_->tools->find(t->name) && (!gate || gate->listed(*view, t->name)))
                               res["tools"].push_back(t->describe(rev));
                       reply(result(id, scope.stateless ? self->decorate("tools/list", std::move(res)) : std::move(res)));
                   });
}

void dispatcher::on_tools_call(const request_scope& scope, jsonrpc::request& r, reply_fn reply,
                               const std::shared_ptr<reply_stream>& stream) {
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
        asio::co_spawn(strand_, provider->find_tool(provider_scope(scope), tool_name),
                       [self = shared_from_this(), r = std::move(r), reply = std::move(reply), stream,
                        scope](std::exception_ptr ep, std::shared_ptr<const tool_entry> found) mutable {
                           if (ep) found = nullptr;
                           self->call_tool_entry(scope, r, std::move(reply), stream, std::move(found));
                       });
        return;
    }
    call_tool_entry(scope, r, std::move(reply), stream, std::move(tool));
}

void dispatcher::call_tool_entry(const request_scope& scope, jsonrpc::request& r, reply_fn reply,
                                 const std::shared_ptr<reply_stream>& stream, std::shared_ptr<const tool_entry> tool) {
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
        const auto caps = capabilities_of(scope);
        if (auto d = gate->check_tool(gate_view(scope, caps), tool_name)) {
            if (d->error) return reply((jsonrpc::error_response{r.id, std::move(*d->error)}));
            return reply(respond(scope, r, call_tool_result::error(std::move(d->message))
                                               .to_json(features_of(revision_of(scope)).titles)));
        }
    }
    if (auto denied = check_scopes(scope, r, tool->scopes, "the tool '" + tool_name + "'"))
        return reply(std::move(*denied));
    auto ctx = begin_inflight(r, scope, reply, stream);
    if (!ctx) return;
    const bool structured = features_of(revision_of(scope)).titles;
    tool->call(*args, ctx,
               [self = shared_from_this(), key = r.id.key(), ctx, structured](tool_outcome res) {
                   asio::dispatch(self->strand_, [self, key, ctx, structured, res = std::move(res)]() mutable {
                       if (res.error) {
                           self->complete(key, ctx, self->response_for(ctx, nullptr, std::move(res.error), true));
                           return;
                       }
                       const bool failed = res.result.is_error;
                       self->complete(key, ctx,
                                      self->response_for(ctx, res.result.to_json(structured), std::nullopt, failed));
                   });
               });
}

std::shared_ptr<request_context> dispatcher::begin_inflight(const jsonrpc::request& r, const request_scope& scope,
                                                            reply_fn& reply,
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
    auto ctx = std::make_shared<request_context>(state_, r.id, std::move(meta), strand_, shared_->blocking_executor,
                                                 stream, scope.caller, scope.stateless);
    inflight_.emplace(std::move(key), inflight{ctx, std::move(reply)});
    return ctx;
}

std::function<void(handler_outcome)> dispatcher::outcome_completion(std::string key,
                                                                     std::shared_ptr<request_context> ctx) {
    return [self = shared_from_this(), key = std::move(key), ctx = std::move(ctx)](handler_outcome o) {
        asio::dispatch(self->strand_, [self, key, ctx, o = std::move(o)]() mutable {
            const bool failed = o.error.has_value();
            self->complete(key, ctx, self->response_for(ctx, std::move(o.result), std::move(o.error), failed));
        });
    };
}

void dispatcher::complete(const std::string& key, const std::shared_ptr<request_context>& ctx,
                          jsonrpc::reply response) {
    auto it = inflight_.find(key);
    if (it == inflight_.end() || it->second.ctx != ctx) return;
    inflight f = std::move(it->second);
    inflight_.erase(it);
    if (!f.answered) f.reply(ctx->cancelled() ? jsonrpc::reply() : std::move(response));
    if (shutting_down_ && inflight_.empty()) finish_shutdown();
}

void dispatcher::shutdown(std::function<void()> done) {
    if (shutting_down_) return;
    shutting_down_ = true;
    shutdown_done_ = std::move(done);
    state_->abort(nullptr, make_error_code(errc::shutting_down), "the server is shutting down");
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

void dispatcher::finish_shutdown() {
    timer_.cancel();
    if (auto d = std::move(shutdown_done_)) {
        shutdown_done_ = nullptr;
        d();
    }
}

jsonrpc::reply dispatcher::on_resources_list(const request_scope& scope, const jsonrpc::request& r, bool templates) {
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
    return respond(scope, r, std::move(res));
}

void dispatcher::on_resources_read(const request_scope& scope, jsonrpc::request& r, reply_fn reply,
                                   const std::shared_ptr<reply_stream>& stream) {
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
        return reply(error(r.id,
                           scope.stateless ? jsonrpc::error_code::invalid_params : jsonrpc::error_code::resource_not_found,
                           "Resource not found: '" + *uri + "'", {{"uri", *uri}}));
    if (const auto& gate = shared_->options.gate) {
        const auto caps = capabilities_of(scope);
        if (auto d = gate->check_resource(gate_view(scope, caps), *uri)) {
            if (d->error) return reply((jsonrpc::error_response{r.id, std::move(*d->error)}));
            return reply(error(r.id, jsonrpc::error_code::authentication_required, std::move(d->message)));
        }
    }
    if (auto denied = check_scopes(scope, r, *scopes, "the resource '" + *uri + "'")) return reply(std::move(*denied));
    std::string the_uri = *uri;
    auto ctx = begin_inflight(r, scope, reply, stream);
    if (!ctx) return;
    read(the_uri, variables, ctx, outcome_completion(r.id.key(), ctx));
}

jsonrpc::reply dispatcher::on_prompts_list(const request_scope& scope, const jsonrpc::request& r) {
    std::string cursor;
    if (auto e = read_cursor(r, cursor)) return *e;
    std::error_code ec;
    auto page = shared_->prompts->list(cursor, shared_->options.page_size, ec);
    if (ec) return server_detail::bad_cursor(r);
    nlohmann::json list = nlohmann::json::array();
    for (const auto& p : page.items) list.push_back(p->descriptor);
    nlohmann::json res = {{"prompts", std::move(list)}};
    if (!page.next_cursor.empty()) res["nextCursor"] = page.next_cursor;
    return respond(scope, r, std::move(res));
}

void dispatcher::on_prompts_get(const request_scope& scope, jsonrpc::request& r, reply_fn reply,
                                const std::shared_ptr<reply_stream>& stream) {
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
    auto ctx = begin_inflight(r, scope, reply, stream);
    if (!ctx) return;
    p->get(args, ctx, outcome_completion(r.id.key(), ctx));
}

jsonrpc::reply dispatcher::on_complete(const request_scope& scope, const jsonrpc::request& r) {
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
            return error(r.id, scope.stateless ? invalid_params : resource_not_found, "Resource not found: '" + uri + "'",
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
    return respond(scope, r, {{"completion", {{"values", values}, {"total", total}, {"hasMore", total > values.size()}}}});
}

jsonrpc::reply dispatcher::respond(const request_scope& scope, const jsonrpc::request& r, nlohmann::json res) const {
    if (!scope.stateless) return result(r.id, std::move(res));
    return result(r.id, decorate(r.method, std::move(res)));
}

nlohmann::json dispatcher::decorate(std::string_view method, nlohmann::json res) const {
    if (!res.is_object()) res = nlohmann::json::object();
    if (!res.contains("resultType")) res["resultType"] = "complete";
    auto& meta = res["_meta"];
    if (!meta.is_object()) meta = nlohmann::json::object();
    meta[meta_key::server_info] = server_info_json(latest_revision);
    const auto& c = shared_->options.cache;
    const cache_hint* hint = method == "server/discover"            ? &c.discover
                             : method == "tools/list"               ? &c.tools_list
                             : method == "resources/list"           ? &c.resources_list
                             : method == "resources/templates/list" ? &c.resource_templates_list
                             : method == "resources/read"           ? &c.resources_read
                             : method == "prompts/list"             ? &c.prompts_list
                                                                    : nullptr;
    if (hint && res["resultType"] == "complete") {
        res["ttlMs"] = static_cast<std::int64_t>(hint->ttl.count());
        res["cacheScope"] = hint->shared ? "public" : "private";
    }
    return res;
}

jsonrpc::reply dispatcher::response_for(const std::shared_ptr<request_context>& ctx, nlohmann::json res,
                                        std::optional<jsonrpc::error> err, bool failed) const {
    const auto& st = ctx->stateless_state();
    if (!st) {
        if (err) return jsonrpc::error_response{ctx->request_id(), std::move(*err)};
        return result(ctx->request_id(), std::move(res));
    }
    std::unique_lock lock(st->mu);
    if (!st->asked.empty()) {
        // The handler needs input it did not get: ask for all of it (MCP
        // 2026-07-28 "Multi Round-Trip Requests"), carrying what the client
        // has answered so far and the handler's own state, sealed.
        nlohmann::json payload = {{"v", 1},
                                  {"b", st->binding},
                                  {"c", server_detail::caller_of(ctx->principal())},
                                  {"a", st->answers},
                                  {"s", st->state}};
        nlohmann::json irr = {{"resultType", "input_required"}, {"inputRequests", st->asked}};
        lock.unlock();
        try {
            irr["requestState"] = shared_->options.request_state->seal(payload.dump());
        } catch (const std::exception& e) {
            return error(ctx->request_id(), jsonrpc::error_code::internal_error,
                         std::string("Internal error: the requestState could not be sealed: ") + e.what());
        }
        return result(ctx->request_id(), decorate(st->method, std::move(irr)));
    }
    if (failed && !st->missing_capability.empty()) {
        // The handler failed for want of a capability the request did not declare.
        auto cap = st->missing_capability;
        lock.unlock();
        return error(ctx->request_id(), jsonrpc::error_code::missing_required_client_capability,
                     "Missing required client capability: serving '" + st->method + "' needs the client's '" + cap +
                         "' capability; declare it in _meta io.modelcontextprotocol/clientCapabilities",
                     {{"requiredCapabilities", server_detail::capability_object(cap)}});
    }
    lock.unlock();
    if (err) return jsonrpc::error_response{ctx->request_id(), std::move(*err)};
    return result(ctx->request_id(), decorate(st->method, std::move(res)));
}

}  // namespace polymcp

#endif
