#ifndef POLYMCP_SERVER_IMPL_STATELESS_IPP
#define POLYMCP_SERVER_IMPL_STATELESS_IPP

// Definitions of the session's members that serve stateless requests
// (MCP 2026-07-28): per-request _meta, server/discover, resultType and the
// server's identity on every result, caching hints, and the requestState of
// multi round-trip requests. Included by session.ipp.

#include <polymcp/server/session.hpp>

namespace polymcp {

namespace server_detail {

// What a requestState is bound to besides the caller: the method and the
// request's own params (its tool, prompt or resource and arguments).
inline nlohmann::json binding_of(const jsonrpc::request& r) {
    nlohmann::json p = r.params.is_object() ? r.params : nlohmann::json::object();
    p.erase("_meta");
    p.erase("inputResponses");
    p.erase("requestState");
    return {{"method", r.method}, {"params", std::move(p)}};
}

inline nlohmann::json caller_of(const auth::principal& who) {
    return {{"iss", who.issuer}, {"sub", who.subject}, {"ten", who.tenant}};
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

// Methods of 2025-11-25 that 2026-07-28 removed.
inline bool removed_method(std::string_view m) {
    return m == "initialize" || m == "ping" || m == "logging/setLevel" || m == "resources/subscribe" ||
           m == "resources/unsubscribe";
}

}  // namespace server_detail

void session::on_stateless_request(jsonrpc::request& r, reply_fn reply, const std::shared_ptr<reply_stream>& stream) {
    using namespace jsonrpc::error_code;
    auto m = read_request_meta(r.params);
    if (auto* e = std::get_if<jsonrpc::error>(&m))
        return reply((jsonrpc::error_response{r.id, std::move(*e)}));
    auto st = std::make_shared<handler::stateless_request>();
    st->meta = std::move(std::get<request_meta>(m));
    st->method = r.method;
    st->binding = server_detail::binding_of(r);
    current_ = st;
    struct reset_current {
        session* s;
        ~reset_current() { s->current_ = nullptr; }
    } guard{this};

    const auto& method = r.method;
    if (method == "server/discover") return reply(on_discover(r));
    if (method == "tools/list") {
        if (shared_->options.per_caller_tools) return on_tools_list_with_provider(r, std::move(reply));
        return reply(on_tools_list(r));
    }
    if (method == "tools/call") {
        if (auto e = open_request_state(r, *st)) return reply(std::move(*e));
        return on_tools_call(r, std::move(reply), stream);
    }
    if (shared_->resources) {
        if (method == "resources/list") return reply(on_resources_list(r, false));
        if (method == "resources/templates/list") return reply(on_resources_list(r, true));
        if (method == "resources/read") {
            if (auto e = open_request_state(r, *st)) return reply(std::move(*e));
            return on_resources_read(r, std::move(reply), stream);
        }
    }
    if (shared_->prompts) {
        if (method == "prompts/list") return reply(on_prompts_list(r));
        if (method == "prompts/get") {
            if (auto e = open_request_state(r, *st)) return reply(std::move(*e));
            return on_prompts_get(r, std::move(reply), stream);
        }
    }
    if ((shared_->resources || shared_->prompts) && method == "completion/complete") return reply(on_complete(r));
    if (method == "subscriptions/listen") return on_listen(r, std::move(reply), stream);
    reply(error(r.id, method_not_found,
                "Method not found: '" + method + "'" +
                    (server_detail::removed_method(method)
                         ? std::string(" is not part of MCP ") + std::string(to_string(st->meta.version)) +
                               " (stateless: no initialize, ping, logging/setLevel or resources/subscribe; "
                               "use server/discover, _meta and subscriptions/listen)"
                         : std::string())));
}

void session::on_listen(jsonrpc::request& r, reply_fn reply, const std::shared_ptr<reply_stream>& stream) {
    using namespace jsonrpc::error_code;
    auto bad = [&](std::string what) {
        return reply(error(r.id, invalid_params, "Invalid params for 'subscriptions/listen': " + what));
    };
    auto n = r.params.find("notifications");
    if (n == r.params.end() || !n->is_object()) return bad("/notifications must be an object (a SubscriptionFilter)");
    auto flag = [&](const char* k) {
        auto it = n->find(k);
        return it != n->end() && it->is_boolean() && it->get<bool>();
    };
    // What this server agrees to honour (MCP 2026-07-28 "Subscriptions"): only types the client asked for.
    nlohmann::json accepted = nlohmann::json::object();
    if (flag("toolsListChanged")) accepted["toolsListChanged"] = true;
    if (flag("promptsListChanged") && shared_->prompts) accepted["promptsListChanged"] = true;
    if (flag("resourcesListChanged") && shared_->resources) accepted["resourcesListChanged"] = true;
    std::set<std::string, std::less<>> uris;
    if (auto u = n->find("resourceSubscriptions"); u != n->end() && !u->is_null()) {
        if (!u->is_array()) return bad("/notifications/resourceSubscriptions must be an array of URIs");
        for (const auto& e : *u) {
            if (!e.is_string()) return bad("/notifications/resourceSubscriptions must hold strings");
            uris.insert(e.get<std::string>());
        }
        if (uris.size() > shared_->options.max_resource_subscriptions)
            return bad(std::to_string(uris.size()) + " resourceSubscriptions exceed the limit of " +
                       std::to_string(shared_->options.max_resource_subscriptions) +
                       " (server_options::max_resource_subscriptions)");
        if (shared_->resources && !uris.empty()) accepted["resourceSubscriptions"] = nlohmann::json(uris);
        else uris.clear();
    }
    auto ctx = begin_inflight(r, reply, stream);
    if (!ctx) return;
    const auto key = r.id.key();
    listen_state l;
    l.subscription_id = r.id.to_json();
    l.stream = stream;
    l.ctx = ctx;
    l.uris = std::move(uris);
    std::weak_ptr<session> weak = shared_from_this();
    auto changed = [weak](const char* method, const char* filter) {
        return [weak, method, filter] {
            if (auto self = weak.lock())
                asio::post(self->strand_, [self, method, filter] {
                    self->notify_listeners(method, nlohmann::json::object(), filter);
                });
        };
    };
    if (accepted.contains("toolsListChanged")) {
        l.tools = shared_->tools->subscribe(changed("notifications/tools/list_changed", "toolsListChanged"));
        // The caller's own tools (server_options::per_caller_tools): listing
        // them once tells the provider to announce their changes to this
        // session, which passes them to its listen streams (provider_scope).
        if (auto provider = shared_->options.per_caller_tools)
            asio::co_spawn(strand_, provider->list_tools(provider_scope()),
                           [](std::exception_ptr, std::vector<std::shared_ptr<const tool_entry>>) {});
    }
    if (accepted.contains("promptsListChanged"))
        l.prompts = shared_->prompts->subscribe(changed("notifications/prompts/list_changed", "promptsListChanged"));
    if (accepted.contains("resourcesListChanged"))
        l.resources =
            shared_->resources->subscribe(changed("notifications/resources/list_changed", "resourcesListChanged"));
    if (!l.uris.empty())
        l.watch = shared_->resources->watch([weak](const std::string& uri) {
            if (auto self = weak.lock())
                asio::post(self->strand_, [self, uri] {
                    self->notify_listeners("notifications/resources/updated", {{"uri", uri}}, nullptr, uri);
                });
        });
    // The acknowledgement is the stream's first message.
    stream->send(jsonrpc::serialize(jsonrpc::notification{
        "notifications/subscriptions/acknowledged",
        {{"_meta", {{meta_key::subscription_id, l.subscription_id}}}, {"notifications", accepted}}}));
    listens_.emplace(key, std::move(l));
    // The client closing the stream (or cancelling) ends it.
    ctx->cancellation_slot().assign([weak, key](asio::cancellation_type) {
        if (auto self = weak.lock()) asio::post(self->strand_, [self, key] { self->end_listen(key, false); });
    });
}

void session::notify_listeners(const std::string& method, const nlohmann::json& params, const char* filter,
                               const std::string& uri) {
    for (auto& [key, l] : listens_) {
        if (uri.empty() ? false : !l.uris.count(uri)) continue;
        if (filter) {
            const bool wanted = (std::string_view(filter) == "toolsListChanged" && l.tools) ||
                                (std::string_view(filter) == "promptsListChanged" && l.prompts) ||
                                (std::string_view(filter) == "resourcesListChanged" && l.resources);
            if (!wanted) continue;
        }
        nlohmann::json p = params;
        p["_meta"] = {{meta_key::subscription_id, l.subscription_id}};
        l.stream->send(jsonrpc::serialize(jsonrpc::notification{method, std::move(p)}));
    }
}

void session::unsubscribe(const listen_state& l) {
    if (l.tools) shared_->tools->unsubscribe(l.tools);
    if (l.prompts) shared_->prompts->unsubscribe(l.prompts);
    if (l.resources) shared_->resources->unsubscribe(l.resources);
    if (l.watch) shared_->resources->unwatch(l.watch);
}

void session::end_listen(const std::string& key, bool with_result) {
    auto it = listens_.find(key);
    if (it == listens_.end()) return;
    listen_state l = std::move(it->second);
    listens_.erase(it);
    unsubscribe(l);
    // The listen's result, when the server ends it: { resultType, _meta: { subscriptionId } }.
    nlohmann::json res = {{"resultType", "complete"},
                          {"_meta",
                           {{meta_key::subscription_id, l.subscription_id},
                            {meta_key::server_info, server_info_json(latest_revision)}}}};
    complete(key, l.ctx, with_result ? jsonrpc::reply(result(l.ctx->request_id(), std::move(res))) : jsonrpc::reply());
}

jsonrpc::reply session::on_discover(const jsonrpc::request& r) {
    nlohmann::json versions = nlohmann::json::array();
    for (auto v : supported_revisions) versions.push_back(std::string(to_string(v)));
    nlohmann::json res = {{"supportedVersions", std::move(versions)}, {"capabilities", capabilities_json()}};
    if (!shared_->options.instructions.empty()) res["instructions"] = shared_->options.instructions;
    return respond(r, std::move(res));
}

std::optional<jsonrpc::error_response> session::open_request_state(const jsonrpc::request& r, handler::stateless_request& st) {
    using namespace jsonrpc::error_code;
    nlohmann::json answers = nlohmann::json::object();
    nlohmann::json state;
    auto bad = [&](std::string what) { return error(r.id, invalid_params, "Invalid params for '" + r.method + "': " + what); };
    if (auto s = r.params.find("requestState"); s != r.params.end() && !s->is_null()) {
        if (!s->is_string()) return bad("/requestState must be a string (the value of an earlier InputRequiredResult)");
        auto plain = shared_->options.request_state->open(s->get_ref<const std::string&>(), shared_->options.request_state_ttl);
        const std::string refused =
            "requestState failed verification: it was altered, has expired (after " +
            std::to_string(shared_->options.request_state_ttl.count()) +
            " s), or was made by another server; send the request again without it";
        if (!plain) return bad(refused);
        nlohmann::json payload = nlohmann::json::parse(*plain, nullptr, false);
        if (!payload.is_object() || payload.value("v", 0) != 1) return bad(refused);
        if (payload["b"] != server_detail::binding_of(r))
            return bad("requestState belongs to another request (a different method, name or arguments)");
        if (payload["c"] != server_detail::caller_of(caller_principal()))
            return bad("requestState belongs to another caller");
        if (payload.contains("a") && payload["a"].is_object()) answers = std::move(payload["a"]);
        if (payload.contains("s")) state = std::move(payload["s"]);
    }
    if (auto in = r.params.find("inputResponses"); in != r.params.end() && !in->is_null()) {
        if (!in->is_object())
            return bad("/inputResponses must be an object mapping the keys of inputRequests to the client's results");
        for (auto it = in->begin(); it != in->end(); ++it) answers[it.key()] = *it;
    }
    std::lock_guard lock(st.mu);
    st.answers = std::move(answers);
    st.state = std::move(state);
    return std::nullopt;
}

jsonrpc::reply session::respond(const jsonrpc::request& r, nlohmann::json res) const {
    if (!current_) return result(r.id, std::move(res));
    return result(r.id, decorate(r.method, std::move(res)));
}

nlohmann::json session::decorate(std::string_view method, nlohmann::json res) const {
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

jsonrpc::reply session::response_for(const std::shared_ptr<request_context>& ctx, nlohmann::json res,
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
