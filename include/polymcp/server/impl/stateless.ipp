#ifndef POLYMCP_SERVER_IMPL_STATELESS_IPP
#define POLYMCP_SERVER_IMPL_STATELESS_IPP

// Definitions of the non-template functions declared in polymcp/server/stateless.hpp.

#include <polymcp/server/detail/request_binding.hpp>
#include <polymcp/server/stateless.hpp>

#include <asio/co_spawn.hpp>
#include <asio/post.hpp>

namespace polymcp {

namespace server_detail {

// Methods of 2025-11-25 that 2026-07-28 removed.
inline bool removed_method(std::string_view m) {
    return m == "initialize" || m == "ping" || m == "logging/setLevel" || m == "resources/subscribe" ||
           m == "resources/unsubscribe";
}

}  // namespace server_detail

stateless_endpoint::stateless_endpoint(std::shared_ptr<dispatcher> core) : core_(std::move(core)) {}

stateless_endpoint::~stateless_endpoint() {
    for (const auto& [key, l] : listens_) unsubscribe(l);
}

void stateless_endpoint::on_request(jsonrpc::request& r, std::shared_ptr<const auth::principal> who,
                                    dispatcher::reply_fn reply, const std::shared_ptr<reply_stream>& stream) {
    using namespace jsonrpc::error_code;
    auto m = read_request_meta(r.params);
    if (auto* e = std::get_if<jsonrpc::error>(&m))
        return reply((jsonrpc::error_response{r.id, std::move(*e)}));
    request_scope scope{std::move(who), std::make_shared<handler::stateless_request>()};
    auto& st = *scope.stateless;
    st.meta = std::move(std::get<request_meta>(m));
    st.method = r.method;
    st.binding = server_detail::binding_of(r);

    const auto& method = r.method;
    if (method == "server/discover") return reply(on_discover(scope, r));
    if (method == "subscriptions/listen") return on_listen(scope, r, std::move(reply), stream);
    // The methods whose handlers may ask the client for input carry what it answered.
    if (method == "tools/call" || method == "resources/read" || method == "prompts/get")
        if (auto e = open_request_state(scope, r, st)) return reply(std::move(*e));
    if (core_->serve(r, scope, reply, stream)) return;
    reply(dispatcher::error(
        r.id, method_not_found,
        "Method not found: '" + method + "'" +
            (server_detail::removed_method(method)
                 ? std::string(" is not part of MCP ") + std::string(to_string(st.meta.version)) +
                       " (stateless: no initialize, ping, logging/setLevel or resources/subscribe; "
                       "use server/discover, _meta and subscriptions/listen)"
                 : std::string())));
}

void stateless_endpoint::on_listen(const request_scope& scope, jsonrpc::request& r, dispatcher::reply_fn reply,
                                   const std::shared_ptr<reply_stream>& stream) {
    using namespace jsonrpc::error_code;
    const auto& shared = core_->shared();
    auto bad = [&](std::string what) {
        return reply(dispatcher::error(r.id, invalid_params, "Invalid params for 'subscriptions/listen': " + what));
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
    if (flag("promptsListChanged") && shared.prompts) accepted["promptsListChanged"] = true;
    if (flag("resourcesListChanged") && shared.resources) accepted["resourcesListChanged"] = true;
    std::set<std::string, std::less<>> uris;
    if (auto u = n->find("resourceSubscriptions"); u != n->end() && !u->is_null()) {
        if (!u->is_array()) return bad("/notifications/resourceSubscriptions must be an array of URIs");
        for (const auto& e : *u) {
            if (!e.is_string()) return bad("/notifications/resourceSubscriptions must hold strings");
            uris.insert(e.get<std::string>());
        }
        if (uris.size() > shared.options.max_resource_subscriptions)
            return bad(std::to_string(uris.size()) + " resourceSubscriptions exceed the limit of " +
                       std::to_string(shared.options.max_resource_subscriptions) +
                       " (server_options::max_resource_subscriptions)");
        if (shared.resources && !uris.empty()) accepted["resourceSubscriptions"] = nlohmann::json(uris);
        else uris.clear();
    }
    auto ctx = core_->begin_inflight(r, scope, reply, stream);
    if (!ctx) return;
    const auto key = r.id.key();
    listen_state l;
    l.subscription_id = r.id.to_json();
    l.stream = stream;
    l.ctx = ctx;
    l.uris = std::move(uris);
    std::weak_ptr<stateless_endpoint> weak = shared_from_this();
    const auto strand = core_->get_executor();
    auto changed = [weak, strand](const char* method, const char* filter) {
        return [weak, strand, method, filter] {
            asio::post(strand, [weak, method, filter] {
                if (auto self = weak.lock()) self->notify_listeners(method, nlohmann::json::object(), filter);
            });
        };
    };
    if (accepted.contains("toolsListChanged")) {
        l.tools = shared.tools->subscribe(changed("notifications/tools/list_changed", "toolsListChanged"));
        // The caller's own tools (server_options::per_caller_tools): listing
        // them once tells the provider to announce their changes to this
        // session, which passes them to its listen streams (dispatcher::set_listen_sink).
        if (auto provider = shared.options.per_caller_tools)
            asio::co_spawn(strand, provider->list_tools(core_->provider_scope(scope)),
                           [](std::exception_ptr, std::vector<std::shared_ptr<const tool_entry>>) {});
    }
    if (accepted.contains("promptsListChanged"))
        l.prompts = shared.prompts->subscribe(changed("notifications/prompts/list_changed", "promptsListChanged"));
    if (accepted.contains("resourcesListChanged"))
        l.resources = shared.resources->subscribe(changed("notifications/resources/list_changed", "resourcesListChanged"));
    if (!l.uris.empty())
        l.watch = shared.resources->watch([weak, strand](const std::string& uri) {
            asio::post(strand, [weak, uri] {
                if (auto self = weak.lock())
                    self->notify_listeners("notifications/resources/updated", {{"uri", uri}}, nullptr, uri);
            });
        });
    // The acknowledgement is the stream's first message.
    stream->send(jsonrpc::serialize(jsonrpc::notification{
        "notifications/subscriptions/acknowledged",
        {{"_meta", {{meta_key::subscription_id, l.subscription_id}}}, {"notifications", accepted}}}));
    listens_.emplace(key, std::move(l));
    // The client closing the stream (or cancelling) ends it.
    ctx->cancellation_slot().assign([weak, strand, key](asio::cancellation_type) {
        asio::post(strand, [weak, key] {
            if (auto self = weak.lock()) self->end_listen(key, false);
        });
    });
}

bool stateless_endpoint::notify_listeners(const std::string& method, const nlohmann::json& params, const char* filter,
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
    return !listens_.empty();
}

void stateless_endpoint::unsubscribe(const listen_state& l) {
    const auto& shared = core_->shared();
    if (l.tools) shared.tools->unsubscribe(l.tools);
    if (l.prompts) shared.prompts->unsubscribe(l.prompts);
    if (l.resources) shared.resources->unsubscribe(l.resources);
    if (l.watch) shared.resources->unwatch(l.watch);
}

void stateless_endpoint::end_all() {
    std::vector<std::string> listening;
    for (const auto& [key, l] : listens_) listening.push_back(key);
    for (const auto& key : listening) end_listen(key, true);
}

void stateless_endpoint::end_listen(const std::string& key, bool with_result) {
    auto it = listens_.find(key);
    if (it == listens_.end()) return;
    listen_state l = std::move(it->second);
    listens_.erase(it);
    unsubscribe(l);
    // The listen's result, when the server ends it: { resultType, _meta: { subscriptionId } }.
    nlohmann::json res = {{"resultType", "complete"},
                          {"_meta",
                           {{meta_key::subscription_id, l.subscription_id},
                            {meta_key::server_info, core_->server_info_json(latest_revision)}}}};
    core_->complete(key, l.ctx,
                    with_result ? jsonrpc::reply(dispatcher::result(l.ctx->request_id(), std::move(res)))
                                : jsonrpc::reply());
}

jsonrpc::reply stateless_endpoint::on_discover(const request_scope& scope, const jsonrpc::request& r) {
    nlohmann::json versions = nlohmann::json::array();
    for (auto v : supported_revisions) versions.push_back(std::string(to_string(v)));
    nlohmann::json res = {{"supportedVersions", std::move(versions)}, {"capabilities", core_->capabilities_json()}};
    if (const auto& text = core_->shared().options.instructions; !text.empty()) res["instructions"] = text;
    return core_->respond(scope, r, std::move(res));
}

std::optional<jsonrpc::error_response> stateless_endpoint::open_request_state(const request_scope& scope,
                                                                              const jsonrpc::request& r,
                                                                              handler::stateless_request& st) {
    using namespace jsonrpc::error_code;
    const auto& options = core_->shared().options;
    nlohmann::json answers = nlohmann::json::object();
    nlohmann::json state;
    auto bad = [&](std::string what) {
        return dispatcher::error(r.id, invalid_params, "Invalid params for '" + r.method + "': " + what);
    };
    if (auto s = r.params.find("requestState"); s != r.params.end() && !s->is_null()) {
        if (!s->is_string()) return bad("/requestState must be a string (the value of an earlier InputRequiredResult)");
        auto plain = options.request_state->open(s->get_ref<const std::string&>(), options.request_state_ttl);
        const std::string refused =
            "requestState failed verification: it was altered, has expired (after " +
            std::to_string(options.request_state_ttl.count()) +
            " s), or was made by another server; send the request again without it";
        if (!plain) return bad(refused);
        nlohmann::json payload = nlohmann::json::parse(*plain, nullptr, false);
        if (!payload.is_object() || payload.value("v", 0) != 1) return bad(refused);
        if (payload["b"] != server_detail::binding_of(r))
            return bad("requestState belongs to another request (a different method, name or arguments)");
        static const auth::principal anonymous{};
        if (payload["c"] != server_detail::caller_of(scope.caller ? *scope.caller : anonymous))
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

}  // namespace polymcp

#endif
