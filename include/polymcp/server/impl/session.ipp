#ifndef POLYMCP_SERVER_IMPL_SESSION_IPP
#define POLYMCP_SERVER_IMPL_SESSION_IPP

// Definitions of the non-template functions declared in polymcp/server/session.hpp.

#include <polymcp/server/session.hpp>

#include <polymcp/core/random.hpp>

#include <asio/post.hpp>

#include <optional>

namespace polymcp {
namespace detail {

// The request a `notifications/cancelled` names; nullopt for any other notification.
inline std::optional<jsonrpc::request_id> cancelled_request(const jsonrpc::notification& n) {
    if (n.method != "notifications/cancelled" || !n.params.is_object()) return std::nullopt;
    auto id = n.params.find("requestId");
    if (id == n.params.end()) return std::nullopt;
    return jsonrpc::request_id::from_json(*id);
}

}  // namespace detail

session::session(std::shared_ptr<const server_shared> shared, asio::any_io_executor strand,
                 std::shared_ptr<outbound> out)
    : core_(std::make_shared<dispatcher>(std::move(shared), std::move(strand), std::move(out))),
      stateless_(std::make_shared<stateless_endpoint>(core_)) {
    // List changes of a caller's own tools go to the listen streams when there are any.
    std::weak_ptr<stateless_endpoint> weak = stateless_;
    core_->set_listen_sink([weak](const std::string& method, const nlohmann::json& params) {
        auto s = weak.lock();
        if (!s || !s->listening()) return false;
        if (method == "notifications/tools/list_changed")
            s->notify_listeners(method, params.is_object() ? params : nlohmann::json::object(), "toolsListChanged");
        return true;
    });
}

session::~session() {
    const auto& shared = core_->shared();
    if (subscription_) shared.tools->unsubscribe(subscription_);
    if (resource_list_subscription_) shared.resources->unsubscribe(resource_list_subscription_);
    if (resource_watch_) shared.resources->unwatch(resource_watch_);
    if (prompt_subscription_) shared.prompts->unsubscribe(prompt_subscription_);
}

void session::receive(std::string_view text) {
    nlohmann::json j;
    jsonrpc::error_response err;
    if (!jsonrpc::parse_json(text, j, err)) return send(err);
    receive(j, std::make_shared<forwarding_reply_stream>(core_->state()->out));
}

void session::receive(const nlohmann::json& j, std::shared_ptr<reply_stream> stream,
                      std::shared_ptr<const auth::principal> who) {
    if (!who) who = principal_;
    if (j.is_array()) receive_batch(j, stream, who);
    else route(j, [stream](jsonrpc::reply m) { stream->finish(std::move(m)); }, stream, who);
}

void session::receive_oversized(std::size_t bytes) {
    send(jsonrpc::make_error(
        std::nullopt, jsonrpc::error_code::invalid_request,
        "Invalid Request: message of " + std::to_string(bytes) + " bytes or more exceeds the limit of " +
            std::to_string(core_->shared().options.max_message_bytes) +
            " bytes (server_options::max_message_bytes); it was skipped",
        {{"limit", core_->shared().options.max_message_bytes}}));
}

void session::shutdown(std::function<void()> done) {
    if (core_->shutting_down()) return;
    // Listen streams end now, with their result (MCP 2026-07-28 "Subscriptions").
    stateless_->end_all();
    core_->shutdown(std::move(done));
}

void session::send(const jsonrpc::error_response& e) { core_->state()->out->send(jsonrpc::serialize(e)); }

namespace server_detail {
// Collects the responses of a 2025-03-26 batch and sends them as one array.
struct batch_collector {
    std::shared_ptr<reply_stream> stream;
    std::size_t pending = 0;
    std::vector<jsonrpc::reply> answers;
    void add(jsonrpc::reply m) {
        if (!m.empty()) answers.push_back(std::move(m));
        if (--pending == 0) stream->finish(jsonrpc::reply::batch(std::move(answers)));
    }
};
}  // namespace server_detail

void session::receive_batch(const nlohmann::json& arr, const std::shared_ptr<reply_stream>& stream,
                            const std::shared_ptr<const auth::principal>& who) {
    auto fail = [&](const jsonrpc::error_response& e) { stream->finish(e); };
    if (!features_of(protocol_version()).batches || !initialized_)
        return fail(jsonrpc::make_error(
            std::nullopt, jsonrpc::error_code::invalid_request,
            "Invalid Request: JSON-RPC batches are not supported by protocol revision " +
                std::string(to_string(protocol_version())) + " (only 2025-03-26 has them)"));
    if (arr.empty())
        return fail(jsonrpc::make_error(std::nullopt, jsonrpc::error_code::invalid_request,
                                        "Invalid Request: empty batch"));
    auto c = std::make_shared<server_detail::batch_collector>();
    c->stream = stream;
    // Count the elements that will be answered first, so that the batch
    // cannot complete early while elements are still being dispatched.
    std::size_t answered = 0;
    for (const auto& e : arr)
        if (!(e.is_object() && e.contains("method") && !e.contains("id"))) ++answered;
    auto ignore = [](jsonrpc::reply) {};
    if (answered == 0) {
        for (const auto& e : arr) route(e, ignore, stream, who);
        return stream->finish({});
    }
    c->pending = answered + 1;  // +1 guards until every element is dispatched
    for (const auto& e : arr) {
        bool is_notification = e.is_object() && e.contains("method") && !e.contains("id");
        route(e, is_notification ? reply_fn(ignore) : reply_fn([c](jsonrpc::reply m) { c->add(std::move(m)); }),
              stream, who);
    }
    c->add({});
}

void session::route(const nlohmann::json& j, reply_fn reply, const std::shared_ptr<reply_stream>& stream,
                    const std::shared_ptr<const auth::principal>& who) {
    auto r = jsonrpc::from_json(j);
    if (!r) return reply(std::move(*r.error));
    std::visit(
        [&](auto& m) {
            using M = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<M, jsonrpc::request>) {
                on_request(m, std::move(reply), stream, who);
            } else if constexpr (std::is_same_v<M, jsonrpc::notification>) {
                on_notification(m);
                reply({});
            } else if constexpr (std::is_same_v<M, jsonrpc::response>) {
                if (!core_->on_response(m.id, {}, std::move(m.result))) not_here(j, "a response to unknown request id", m.id);
                reply({});
            } else {
                if (!m.id) core_->diag("the client sent an error response without an id: " + m.error.message);
                else if (!core_->on_response(*m.id, make_error_code(errc::peer_error), m.error.to_json()))
                    not_here(j, "an error response to unknown request id", *m.id);
                reply({});
            }
        },
        *r.value);
}

void session::on_request(jsonrpc::request& r, reply_fn reply, const std::shared_ptr<reply_stream>& stream,
                         const std::shared_ptr<const auth::principal>& who) {
    using namespace jsonrpc::error_code;
    if (core_->shutting_down())
        return reply(dispatcher::error(r.id, server_shutting_down,
                                       "Server shutting down: request '" + r.method + "' was not processed"));
    if (has_request_meta(r.params)) return stateless_->on_request(r, who, std::move(reply), stream);
    if (r.method == "ping") return reply(dispatcher::result(r.id, nlohmann::json::object()));
    if (r.method == "initialize") return reply(on_initialize(r));
    if (!initialized_)
        return reply(dispatcher::error(r.id, invalid_request,
                                       "Invalid Request: the session is not initialized; send 'initialize' "
                                       "first (only 'ping' is allowed before it), got '" + r.method + "'"));
    if (r.method == "logging/setLevel") return reply(on_set_level(r));
    if (core_->shared().resources) {
        if (r.method == "resources/subscribe") return reply(on_resources_subscribe(r, true));
        if (r.method == "resources/unsubscribe") return reply(on_resources_subscribe(r, false));
    }
    const request_scope scope{who, nullptr};
    if (core_->serve(r, scope, reply, stream)) return;
    reply(dispatcher::error(r.id, method_not_found,
                            "Method not found: '" + r.method + "'" +
                                (r.method.rfind("resources/", 0) == 0 || r.method.rfind("prompts/", 0) == 0 ||
                                         r.method == "completion/complete"
                                     ? " (this server does not declare that capability)"
                                     : "")));
}

void session::on_notification(const jsonrpc::notification& n) {
    if (n.method == "notifications/initialized") {
        client_ready_ = true;
    } else if (auto rid = detail::cancelled_request(n)) {
        if (!core_->cancel(*rid) && forward_) forward_(nlohmann::json{{"jsonrpc", "2.0"}, {"method", n.method}, {"params", n.params}});
    }
    // Other notifications (including unknown ones) are ignored, never answered.
}

void session::not_here(const nlohmann::json& message, std::string_view what, const jsonrpc::request_id& id) {
    if (forward_) return forward_(message);
    core_->diag("ignored " + std::string(what) + " " + id.to_json().dump() +
                " (never sent, already answered, timed out or cancelled)");
}

void session::receive_forwarded(const nlohmann::json& message) {
    auto r = jsonrpc::from_json(message);
    if (!r) return;
    std::visit(
        [&](auto& m) {
            using M = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<M, jsonrpc::response>) {
                core_->on_response(m.id, {}, std::move(m.result));
            } else if constexpr (std::is_same_v<M, jsonrpc::error_response>) {
                if (m.id) core_->on_response(*m.id, make_error_code(errc::peer_error), m.error.to_json());
            } else if constexpr (std::is_same_v<M, jsonrpc::notification>) {
                if (auto rid = detail::cancelled_request(m)) core_->cancel(*rid);
            }
            // Requests are never forwarded.
        },
        *r.value);
}

jsonrpc::reply session::on_initialize(const jsonrpc::request& r) {
    using namespace jsonrpc::error_code;
    if (initialized_)
        return dispatcher::error(r.id, invalid_request, "Invalid Request: the session is already initialized");
    const auto& p = r.params;
    auto bad = [&](std::string what) {
        return dispatcher::error(r.id, invalid_params, "Invalid params for 'initialize': " + what);
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
    const auto& state = core_->state();
    state->protocol = rev;
    initialized_ = true;
    {
        std::lock_guard lock(state->mu);
        state->client_capabilities = *caps;
        state->client_info = *ci;
    }
    subscribe_registries();
    changed();

    nlohmann::json res = {{"protocolVersion", std::string(to_string(rev))},
                          {"capabilities", core_->capabilities_json()},
                          {"serverInfo", core_->server_info_json(rev)}};
    if (const auto& text = core_->shared().options.instructions; !text.empty()) res["instructions"] = text;
    return dispatcher::result(r.id, std::move(res));
}

jsonrpc::reply session::on_set_level(const jsonrpc::request& r) {
    const nlohmann::json* lv = nullptr;
    if (r.params.is_object())
        if (auto it = r.params.find("level"); it != r.params.end() && it->is_string()) lv = &*it;
    auto level = lv ? parse_logging_level(lv->get_ref<const std::string&>()) : std::nullopt;
    if (!level)
        return dispatcher::error(r.id, jsonrpc::error_code::invalid_params,
                                 "Invalid params for 'logging/setLevel': /level must be one of debug, info, "
                                 "notice, warning, error, critical, alert, emergency");
    if (core_->state()->min_log_level.exchange(static_cast<int>(*level)) != static_cast<int>(*level)) changed();
    return dispatcher::result(r.id, nlohmann::json::object());
}

jsonrpc::reply session::on_resources_subscribe(const jsonrpc::request& r, bool subscribe) {
    const nlohmann::json* uri = nullptr;
    if (r.params.is_object())
        if (auto it = r.params.find("uri"); it != r.params.end() && it->is_string()) uri = &*it;
    if (!uri)
        return dispatcher::error(r.id, jsonrpc::error_code::invalid_params,
                                 "Invalid params for '" + r.method + "': /uri must be a string");
    const auto& u = uri->get_ref<const std::string&>();
    if (subscribe) {
        const auto limit = core_->shared().options.max_resource_subscriptions;
        if (resource_subscriptions_.size() >= limit && !resource_subscriptions_.count(u))
            return dispatcher::error(r.id, jsonrpc::error_code::invalid_params,
                                     "Invalid params for 'resources/subscribe': this session already has " +
                                         std::to_string(resource_subscriptions_.size()) +
                                         " subscriptions, the limit (server_options::max_resource_subscriptions)");
        if (resource_subscriptions_.insert(u).second) changed();
    } else {
        if (resource_subscriptions_.erase(u)) changed();
    }
    return dispatcher::result(r.id, nlohmann::json::object());
}

session_record session::record() const {
    const auto& state = core_->state();
    session_record r;
    r.protocol_version = state->protocol.load();
    {
        std::lock_guard lock(state->mu);
        r.client_capabilities = state->client_capabilities;
        r.client_info = state->client_info.is_object() ? state->client_info : nlohmann::json::object();
    }
    r.log_level = static_cast<logging_level>(state->min_log_level.load());
    r.subscriptions.assign(resource_subscriptions_.begin(), resource_subscriptions_.end());
    r.generation = generation_;
    return r;
}

bool session::restore(const session_record& r) {
    if (initialized_ && r.generation < generation_) return false;
    generation_ = r.generation;
    const auto& state = core_->state();
    state->protocol = r.protocol_version;
    state->min_log_level = static_cast<int>(r.log_level);
    {
        std::lock_guard lock(state->mu);
        state->client_capabilities = r.client_capabilities;
        state->client_info = r.client_info;
    }
    resource_subscriptions_ = {r.subscriptions.begin(), r.subscriptions.end()};
    if (!initialized_) {
        // This copy's requests to the client get ids of their own, far from
        // those of the copy that ran initialize (which count from 1) and of
        // every other copy: the client answers whichever instance it reaches.
        {
            std::lock_guard lock(state->mu);
            if (state->next_id == 0)
                state->next_id = (std::int64_t{1} << 32) + static_cast<std::int64_t>(std::stoull(random_hex_id(6), nullptr, 16));
        }
        initialized_ = true;
        client_ready_ = true;  // it said notifications/initialized to the instance that made the record
        subscribe_registries();
    }
    return true;
}

void session::post_notification(std::string method, nlohmann::json params) {
    asio::post(get_executor(), [self = shared_from_this(), method = std::move(method), params = std::move(params)]() mutable {
        if (!self->core_->shutting_down())
            self->core_->state()->out->send(jsonrpc::serialize(jsonrpc::notification{std::move(method), std::move(params)}));
    });
}

void session::subscribe_registries() {
    const auto& shared = core_->shared();
    std::weak_ptr<session> weak = shared_from_this();
    auto list_changed = [weak](const char* method) {
        return [weak, method] {
            if (auto self = weak.lock()) self->post_notification(method, nullptr);
        };
    };
    if (shared.tools->dynamic() && !subscription_)
        subscription_ = shared.tools->subscribe(list_changed("notifications/tools/list_changed"));
    if (shared.prompts && shared.prompts->dynamic() && !prompt_subscription_)
        prompt_subscription_ = shared.prompts->subscribe(list_changed("notifications/prompts/list_changed"));
    if (shared.resources) {
        if (shared.resources->dynamic() && !resource_list_subscription_)
            resource_list_subscription_ = shared.resources->subscribe(list_changed("notifications/resources/list_changed"));
        if (!resource_watch_)
            resource_watch_ = shared.resources->watch([weak](const std::string& uri) {
                auto self = weak.lock();
                if (!self) return;
                asio::post(self->get_executor(), [self, uri] {
                    if (self->resource_subscriptions_.count(uri) && !self->core_->shutting_down())
                        self->core_->state()->out->send(jsonrpc::serialize(
                            jsonrpc::notification{"notifications/resources/updated", {{"uri", uri}}}));
                });
            });
    }
}

}  // namespace polymcp

#endif
