#ifndef POLYMCP_CLIENT_IMPL_SESSION_IPP
#define POLYMCP_CLIENT_IMPL_SESSION_IPP

// Definitions for polymcp/client/session.hpp.

#include <polymcp/core/utf8.hpp>
#include <polymcp/client/session.hpp>
#include <polymcp/protocol/jsonrpc.hpp>
#include <polymcp/protocol/meta.hpp>
#include <polymcp/protocol/revision.hpp>
#include <polymcp/protocol/header_params.hpp>

#include <asio/experimental/as_tuple.hpp>
#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <cstdio>
#include <algorithm>
#include <deque>
#include <set>
#include <unordered_map>

namespace polymcp::client {

namespace detail {

using clock = std::chrono::steady_clock;

/// A request waiting for its response. The waiting coroutine sleeps on
/// `timer`; a response, an error, a progress notification (which moves the
/// deadline) or the transport's end wakes it by cancelling the timer.
struct pending_request {
    explicit pending_request(const asio::any_io_executor& ex) : timer(ex) {}
    asio::steady_timer timer;
    std::string method;
    bool done = false;
    json result;
    std::optional<client_error> error;
    clock::time_point deadline{};
    clock::time_point cap{};
    std::chrono::milliseconds timeout{};
    bool reset_on_progress = true;
    std::function<void(const progress_info&)> on_progress;
    asio::cancellation_signal send_cancel;  ///< aborts the transport's send (an HTTP request)

    void succeed(json r) {
        if (done) return;
        done = true;
        result = std::move(r);
        timer.cancel();
    }
    void fail(client_error e) {
        if (done) return;
        done = true;
        error = std::move(e);
        timer.cancel();
    }
};

inline std::string excerpt(const std::string& s, std::size_t n = 200) { return utf8_excerpt(s, n); }

struct session_state : std::enable_shared_from_this<session_state> {
    session_state(std::shared_ptr<client::transport> t, session_options o)
        : transport(std::move(t)), options(std::move(o)), ex(transport->get_executor()) {}

    std::shared_ptr<client::transport> transport;
    session_options options;
    asio::any_io_executor ex;
    bool started = false;
    bool initialized = false;
    bool closed = false;
    /// Speaking a stateless revision (MCP 2026-07-28): every request carries
    /// `modern_version`, the capabilities and the client info in its `_meta`.
    bool stateless = false;
    std::string modern_version;
    /// The `logLevel` of later stateless requests (`set_logging_level`).
    std::optional<logging_level> log_level;
    /// The x-mcp-header parameters of the tools last listed, by tool name.
    std::map<std::string, std::vector<header_param>, std::less<>> tool_headers;
    /// List results the server said may be cached (`ttlMs`), by method.
    struct cached_list {
        json items;
        clock::time_point expires;
    };
    std::map<std::string, cached_list, std::less<>> list_cache;
    /// The open `subscriptions/listen` request (MCP 2026-07-28
    /// "Subscriptions"): cancelling `listen_cancel` ends it.
    std::shared_ptr<asio::cancellation_signal> listen_cancel;
    std::shared_ptr<asio::steady_timer> listen_ack;  ///< woken by the acknowledgement
    bool listen_acked = false;
    std::optional<client_error> listen_error;  ///< how the listen request ended before its acknowledgement
    json listen_ack_params;
    std::set<std::string> subscribed_uris;
    std::optional<client_error> close_error;
    std::optional<initialize_result> server;
    std::int64_t next_id = 1;
    std::unordered_map<std::string, std::shared_ptr<pending_request>> pending;
    std::unordered_map<std::string, std::shared_ptr<asio::cancellation_signal>> inbound;
    std::set<std::string> inbound_cancelled;
    /// Requests given up on (timeout, cancellation), whose late answers are
    /// dropped quietly; the most recent 256.
    std::deque<std::string> abandoned;

    void diag(std::string_view m) const {
        if (options.diagnostics) options.diagnostics(m);
        else std::fprintf(stderr, "polymcp client (%s): %.*s\n", transport->describe().c_str(), static_cast<int>(m.size()),
                          m.data());
    }

    json capabilities() const {
        json c = json::object();
        if (options.on_sampling) c["sampling"] = json::object();
        if (options.on_elicitation) {
            c["elicitation"] = {{"form", json::object()}};
            if (options.elicitation_url) c["elicitation"]["url"] = json::object();
        }
        if (options.on_roots) c["roots"] = {{"listChanged", options.roots_list_changed}};
        if (options.capabilities.is_object()) c.merge_patch(options.capabilities);
        return c;
    }

    void fail_all(const client_error& e) {
        auto p = std::move(pending);
        pending.clear();
        for (auto& [k, r] : p) r->fail(e);
        for (auto& [k, s] : inbound) s->emit(asio::cancellation_type::terminal);
    }

    void on_close(const client_error& e) {
        if (closed) return;
        closed = true;
        initialized = false;
        close_error = e;
        fail_all(e);
    }

    /// Sends a message on its own coroutine; failures only reach diagnostics.
    void send_detached(json msg) {
        auto self = shared_from_this();
        asio::co_spawn(
            ex,
            [self, msg = std::move(msg)]() -> asio::awaitable<void> {
                try {
                    co_await self->transport->async_send(msg);
                } catch (const std::exception& e) {
                    self->diag(std::string("could not send ") + msg.value("method", "a response") + ": " + e.what());
                }
            },
            asio::detached);
    }

    std::shared_ptr<pending_request> find_pending(const json& id) {
        auto rid = jsonrpc::request_id::from_json(id);
        if (!rid) return nullptr;
        auto it = pending.find(rid->key());
        return it == pending.end() ? nullptr : it->second;
    }

    void on_message(json j) {
        auto parsed = jsonrpc::from_json(j);
        if (!parsed) {
            if (j.is_object() && j.contains("id") && (j.contains("result") || j.contains("error"))) {
                if (auto p = find_pending(j["id"])) {
                    p->fail(client_error(errc::invalid_mcp_server,
                                         "the server's response to " + p->method +
                                             " is not valid JSON-RPC: " + parsed.error->error.message));
                    return;
                }
            }
            diag("ignored a message that is not JSON-RPC (" + parsed.error->error.message + "): " + excerpt(j.dump()));
            return;
        }
        auto& m = *parsed.value;
        if (auto* r = std::get_if<jsonrpc::response>(&m)) {
            auto p = find_pending(r->id.to_json());
            if (!p && was_abandoned(r->id.key())) return;
            if (!p) return diag("ignored a response to unknown request id " + r->id.to_json().dump());
            if (!r->result.is_object())
                return p->fail(client_error(errc::invalid_mcp_server,
                                            "the server's result for " + p->method + " is not an object: " +
                                                excerpt(r->result.dump())));
            p->succeed(std::move(r->result));
        } else if (auto* e = std::get_if<jsonrpc::error_response>(&m)) {
            std::shared_ptr<pending_request> p = e->id ? find_pending(e->id->to_json()) : nullptr;
            if (!p && e->id && was_abandoned(e->id->key())) return;
            if (!p) return diag("the server sent an error for no pending request: " + e->error.message);
            client_error ce(errc::rpc_error, p->method + " failed: " + e->error.message + " (JSON-RPC error " +
                                                 std::to_string(e->error.code) + ")");
            ce.rpc = e->error;
            p->fail(std::move(ce));
        } else if (auto* rq = std::get_if<jsonrpc::request>(&m)) {
            handle_request(std::move(*rq));
        } else {
            handle_notification(std::get<jsonrpc::notification>(std::move(m)));
        }
    }

    void respond(const jsonrpc::request_id& id, json result) {
        send_detached({{"jsonrpc", "2.0"}, {"id", id.to_json()}, {"result", std::move(result)}});
    }
    void respond_error(const jsonrpc::request_id& id, jsonrpc::error e) {
        send_detached({{"jsonrpc", "2.0"}, {"id", id.to_json()}, {"error", e.to_json()}});
    }

    void handle_request(jsonrpc::request r) {
        if (r.method == "ping") return respond(r.id, json::object());
        const request_handler* h = nullptr;
        if (r.method == "sampling/createMessage") h = &options.on_sampling;
        else if (r.method == "elicitation/create") h = &options.on_elicitation;
        else if (r.method == "roots/list") h = &options.on_roots;
        if (!h || !*h)
            return respond_error(r.id, {jsonrpc::error_code::method_not_found,
                                        "Method not found: this client does not handle " + r.method, nullptr});
        auto key = r.id.key();
        if (inbound.count(key))
            return respond_error(r.id, {jsonrpc::error_code::invalid_request,
                                        "request id " + r.id.to_json().dump() + " is already in use", nullptr});
        auto sig = std::make_shared<asio::cancellation_signal>();
        inbound.emplace(key, sig);
        auto self = shared_from_this();
        json params = r.params.is_null() ? json::object() : std::move(r.params);
        asio::co_spawn(
            ex, [handler = *h, params = std::move(params)]() -> asio::awaitable<json> { co_return co_await handler(params); },
            asio::bind_cancellation_slot(
                sig->slot(), [self, id = r.id, sig, method = r.method](std::exception_ptr e, json result) {
                    auto key = id.key();
                    self->inbound.erase(key);
                    // MCP "Cancellation": no response for a request the server cancelled.
                    if (self->inbound_cancelled.erase(key) || self->closed) return;
                    if (!e) {
                        if (!result.is_object()) result = json::object();
                        return self->respond(id, std::move(result));
                    }
                    try {
                        std::rethrow_exception(e);
                    } catch (const jsonrpc::exception& x) {
                        self->respond_error(id, x.error());
                    } catch (const std::exception& x) {
                        self->respond_error(id, {jsonrpc::error_code::internal_error,
                                                 "the client's " + method + " handler failed: " + x.what(), nullptr});
                    }
                }));
    }

    void handle_notification(jsonrpc::notification n) {
        const json& p = n.params.is_object() ? n.params : json::object();
        if (n.method == "notifications/progress") {
            std::shared_ptr<pending_request> pr = p.contains("progressToken") ? find_pending(p["progressToken"]) : nullptr;
            if (pr && pr->on_progress) {
                progress_info info;
                if (auto v = p.find("progress"); v != p.end() && v->is_number()) info.progress = v->get<double>();
                if (auto v = p.find("total"); v != p.end() && v->is_number()) info.total = v->get<double>();
                if (auto v = p.find("message"); v != p.end() && v->is_string()) info.message = v->get<std::string>();
                if (pr->reset_on_progress && !pr->done) {
                    pr->deadline = std::min(clock::now() + pr->timeout, pr->cap);
                    pr->timer.cancel();  // the waiter re-arms with the new deadline
                }
                pr->on_progress(info);
            } else if (options.on_progress) {
                options.on_progress(p);
            }
        } else if (n.method == "notifications/message") {
            if (!options.on_log) return;
            log_message m;
            std::optional<logging_level> level;  // anything but one of RFC 5424's names reads as info
            if (auto l = p.find("level"); l != p.end() && l->is_string())
                level = parse_logging_level(l->get_ref<const std::string&>());
            m.level = level.value_or(logging_level::info);
            m.logger = p.contains("logger") && p["logger"].is_string() ? p["logger"].get<std::string>() : "";
            m.data = p.contains("data") ? p["data"] : json();
            options.on_log(m);
        } else if (n.method == "notifications/cancelled") {
            auto id = p.find("requestId");
            if (id == p.end()) return;
            auto found = jsonrpc::request_id::from_json(*id);
            if (!found) return;
            const auto& rid = *found;
            auto it = inbound.find(rid.key());
            if (it == inbound.end()) return;  // already answered: ignore (MCP "Cancellation")
            inbound_cancelled.insert(rid.key());
            it->second->emit(asio::cancellation_type::terminal);
        } else if (n.method == "notifications/subscriptions/acknowledged") {
            listen_acked = true;
            listen_ack_params = p;
            if (listen_ack) listen_ack->cancel();
        } else if (n.method == "notifications/tools/list_changed") {
            list_cache.erase("tools/list");
            if (options.on_tools_list_changed) options.on_tools_list_changed();
        } else if (n.method == "notifications/resources/list_changed") {
            list_cache.erase("resources/list");
            list_cache.erase("resources/templates/list");
            if (options.on_resources_list_changed) options.on_resources_list_changed();
        } else if (n.method == "notifications/prompts/list_changed") {
            list_cache.erase("prompts/list");
            if (options.on_prompts_list_changed) options.on_prompts_list_changed();
        } else if (n.method == "notifications/resources/updated") {
            if (options.on_resource_updated && p.contains("uri") && p["uri"].is_string())
                options.on_resource_updated(p["uri"].get<std::string>());
        } else if (options.on_notification) {
            options.on_notification(n.method, p);
        }
    }

    void ensure_usable(std::string_view method, bool before_init) const {
        if (closed) {
            if (close_error) throw *close_error;
            throw client_error(errc::not_initialized, "the session is closed");
        }
        if (!before_init && !initialized)
            throw client_error(errc::not_initialized, "call initialize() before " + std::string(method));
    }

    /// Gives up on a request: aborts its send and tells the server (MCP "Cancellation").
    bool was_abandoned(const std::string& key) const {
        return std::find(abandoned.begin(), abandoned.end(), key) != abandoned.end();
    }

    void abandon(const std::shared_ptr<pending_request>& p, std::int64_t id, const char* reason) {
        p->done = true;
        abandoned.push_back(jsonrpc::request_id(id).key());
        if (abandoned.size() > 256) abandoned.pop_front();
        p->send_cancel.emit(asio::cancellation_type::terminal);
        if (p->method != "initialize" && !closed)
            send_detached({{"jsonrpc", "2.0"},
                           {"method", "notifications/cancelled"},
                           {"params", {{"requestId", id}, {"reason", reason}}}});
    }

    /// The `_meta` members every stateless request carries (MCP 2026-07-28
    /// "Per-request metadata").
    void add_request_meta(json& params) const {
        json& meta = params["_meta"];
        if (!meta.is_object()) meta = json::object();
        meta[meta_key::protocol_version] = modern_version;
        meta[meta_key::client_capabilities] = capabilities();
        json info = {{"name", options.client_info.name}, {"version", options.client_info.version}};
        if (!options.client_info.title.empty()) info["title"] = options.client_info.title;
        meta[meta_key::client_info] = std::move(info);
        if (log_level) meta[meta_key::log_level] = std::string(to_string(*log_level));
    }

    asio::awaitable<json> request(std::string method, json params, request_options opts, bool before_init,
                                  message_headers headers = {}) {
        ensure_usable(method, before_init);
        auto self = shared_from_this();
        const std::int64_t id = next_id++;
        const std::string key = jsonrpc::request_id(id).key();
        auto p = std::make_shared<pending_request>(ex);
        p->method = method;
        auto now = clock::now();
        p->timeout = opts.timeout.value_or(options.request_timeout);
        p->cap = now + opts.max_timeout.value_or(options.max_request_timeout);
        p->deadline = std::min(now + p->timeout, p->cap);
        p->reset_on_progress = options.reset_timeout_on_progress;
        p->on_progress = std::move(opts.on_progress);
        if (params.is_null()) params = json::object();
        if (p->on_progress || opts.meta.is_object()) {
            json& meta = params["_meta"];
            if (opts.meta.is_object())
                for (auto& [k, v] : opts.meta.items()) meta[k] = v;
            if (p->on_progress) meta["progressToken"] = id;
        }
        if (stateless) add_request_meta(params);
        json msg = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
        pending.emplace(key, p);
        struct erase_on_exit {
            session_state* s;
            const std::string& k;
            ~erase_on_exit() { s->pending.erase(k); }
        } guard{this, key};

        asio::co_spawn(
            ex,
            [self, msg = std::move(msg), headers = std::move(headers)]() -> asio::awaitable<void> {
                co_await self->transport->async_send(msg, headers);
            },
            asio::bind_cancellation_slot(p->send_cancel.slot(), [p](std::exception_ptr e) {
                if (!e || p->done) return;
                try {
                    std::rethrow_exception(e);
                } catch (const client_error& ce) {
                    p->fail(ce);
                } catch (const std::exception& x) {
                    p->fail(client_error(errc::connection_closed, "sending " + p->method + " failed: " + x.what()));
                }
            }));

        auto cs = co_await asio::this_coro::cancellation_state;
        for (;;) {
            if (p->done) break;
            p->timer.expires_at(p->deadline);
            auto [ec] = co_await p->timer.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
            if (p->done) break;
            if (cs.cancelled() != asio::cancellation_type::none) {
                abandon(p, id, "cancelled by the client");
                throw client_error(errc::cancelled, method + " was cancelled");
            }
            if (!ec && clock::now() >= p->deadline) {
                abandon(p, id, "timeout");
                auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(p->timeout).count();
                throw client_error(errc::timeout, "no answer to " + method + " from " + transport->describe() +
                                                      " within " + std::to_string(ms) + " ms");
            }
        }
        if (p->error) throw *p->error;
        co_return std::move(p->result);
    }

    /// (Re)opens the `subscriptions/listen` stream with what the client wants
    /// now: the list changes it has callbacks for (and the server declares),
    /// and the subscribed resources. The previous stream is cancelled first.
    /// Waits for the acknowledgement (up to the request timeout).
    asio::awaitable<void> relisten() {
        auto self = shared_from_this();
        if (listen_cancel) {
            listen_cancel->emit(asio::cancellation_type::terminal);
            listen_cancel.reset();
        }
        json filter = json::object();
        const auto& caps = server->capabilities;
        if (options.on_tools_list_changed && caps.tools_list_changed) filter["toolsListChanged"] = true;
        if (options.on_prompts_list_changed && caps.prompts_list_changed) filter["promptsListChanged"] = true;
        if (options.on_resources_list_changed && caps.resources_list_changed) filter["resourcesListChanged"] = true;
        if (!subscribed_uris.empty()) filter["resourceSubscriptions"] = subscribed_uris;
        if (filter.empty()) co_return;
        auto cancel = std::make_shared<asio::cancellation_signal>();
        listen_cancel = cancel;
        listen_acked = false;
        listen_error.reset();
        listen_ack = std::make_shared<asio::steady_timer>(ex);
        auto ack = listen_ack;
        request_options o;
        o.timeout = std::chrono::hours(24 * 365);  // open until cancelled or the server ends it
        o.max_timeout = *o.timeout;
        asio::co_spawn(
            ex,
            [self, filter, o]() -> asio::awaitable<void> {
                std::string m = "subscriptions/listen";
                json params = {{"notifications", filter}};
                co_await self->request(m, std::move(params), o, false);
            },
            asio::bind_cancellation_slot(cancel->slot(), [self, cancel, ack](std::exception_ptr e) {
                const bool current = self->listen_cancel == cancel;
                if (current) self->listen_cancel.reset();
                std::optional<client_error> why;
                if (!e) {
                    why = client_error(errc::connection_closed, "the server ended the subscriptions/listen stream");
                } else {
                    try {
                        std::rethrow_exception(e);
                    } catch (const client_error& x) {
                        why = x;
                    } catch (const std::exception& x) {
                        why = client_error(errc::connection_closed, x.what());
                    }
                }
                // Before its acknowledgement: the waiting relisten() learns why.
                if (current && !self->listen_acked) {
                    self->listen_error = why;
                    ack->cancel();
                } else if (e && why->value() != errc::cancelled && why->value() != errc::connection_closed) {
                    self->diag(std::string("the subscriptions/listen stream ended: ") + why->what());
                }
            }));
        ack->expires_after(options.request_timeout);
        co_await ack->async_wait(asio::experimental::as_tuple(asio::use_awaitable));
        if (!listen_acked) {
            if (listen_cancel == cancel) {
                listen_cancel->emit(asio::cancellation_type::terminal);
                listen_cancel.reset();
            }
            if (listen_error) throw *listen_error;
            throw client_error(errc::timeout, transport->describe() + " did not acknowledge subscriptions/listen within " +
                                                  std::to_string(options.request_timeout.count()) + " ms");
        }
    }

    /// Answers one round of input requests (MCP 2026-07-28 "Multi Round-Trip
    /// Requests") with the handlers that answer server-to-client requests in
    /// a session; returns the `inputResponses` object.
    asio::awaitable<json> answer_inputs(const json& requests, const std::string& method) {
        json responses = json::object();
        if (!requests.is_object()) co_return responses;
        for (auto it = requests.begin(); it != requests.end(); ++it) {
            const auto& r = *it;
            const std::string what = r.is_object() ? r.value("method", std::string()) : std::string();
            const request_handler* h = what == "sampling/createMessage" ? &options.on_sampling
                                       : what == "elicitation/create"   ? &options.on_elicitation
                                       : what == "roots/list"           ? &options.on_roots
                                                                        : nullptr;
            if (!h || !*h)
                throw client_error(errc::invalid_mcp_server,
                                   "the server asked for input '" + it.key() + "' (" +
                                       (what.empty() ? std::string("no method") : what) + ") to serve " + method +
                                       ", which this client does not handle (no such capability declared)");
            json params = r.contains("params") && r["params"].is_object() ? r["params"] : json::object();
            json answer = co_await (*h)(std::move(params));
            responses[it.key()] = answer.is_object() ? std::move(answer) : json::object();
        }
        co_return responses;
    }

    /// A request that may take several rounds: while a stateless server
    /// answers with an `InputRequiredResult`, its input requests are answered
    /// and the request is sent again (a new id) with `inputResponses` and the
    /// echoed `requestState` (left out when the server sent none). An absent
    /// `resultType` means "complete".
    asio::awaitable<json> request_complete(std::string method, json params, request_options opts, bool before_init,
                                           message_headers headers = {}) {
        for (std::size_t round = 0;; ++round) {
            json r = co_await request(method, params, opts, before_init, headers);
            auto type = r.find("resultType");
            if (!stateless || type == r.end() || !type->is_string() || *type != "input_required") co_return r;
            if (round + 1 >= options.max_input_rounds)
                throw client_error(errc::invalid_mcp_server,
                                   method + " still needed input after " + std::to_string(round + 1) +
                                       " rounds (session_options::max_input_rounds)");
            auto irq = r.find("inputRequests");
            auto state = r.find("requestState");
            if ((irq == r.end() || !irq->is_object() || irq->empty()) && (state == r.end() || !state->is_string()))
                throw client_error(errc::invalid_mcp_server,
                                   "the server's InputRequiredResult for " + method +
                                       " has neither inputRequests nor requestState");
            json responses = json::object();
            if (irq != r.end()) responses = co_await answer_inputs(*irq, method);
            if (!params.is_object()) params = json::object();
            params["inputResponses"] = std::move(responses);
            if (state != r.end() && state->is_string()) params["requestState"] = *state;
            else params.erase("requestState");
        }
    }
};

inline void check_array(const json& r, const char* member, const std::string& method) {
    auto it = r.find(member);
    if (it == r.end() || !it->is_array())
        throw client_error(errc::invalid_mcp_server,
                           "the server's result for " + method + " has no \"" + member + "\" array");
}

}  // namespace detail

session::session(std::shared_ptr<transport> t, session_options o)
    : state_(std::make_shared<detail::session_state>(std::move(t), std::move(o))) {}

session::~session() {
    if (!state_->closed) state_->on_close(client_error(errc::connection_closed, "the client session was destroyed"));
}

asio::any_io_executor session::get_executor() const { return state_->ex; }

namespace detail {

/// Whether a failed `server/discover` probe says the server is legacy (MCP
/// 2026-07-28 "Versioning" > "Backward Compatibility"): anything but a
/// recognised modern error. Transport failures (no connection, TLS,
/// authorization) say nothing about the era and are not.
inline bool legacy_answer(const client_error& e) {
    switch (e.value()) {
        case errc::rpc_error: {
            const int code = e.rpc ? e.rpc->code : 0;
            return code != jsonrpc::error_code::unsupported_protocol_version &&
                   code != jsonrpc::error_code::header_mismatch &&
                   code != jsonrpc::error_code::missing_required_client_capability;
        }
        case errc::http_error:
            return e.http_status >= 400 && e.http_status < 500;
        case errc::timeout:
        case errc::invalid_mcp_server:
            return true;
        default:
            return false;
    }
}

/// The newest stateless revision this client speaks among a server's
/// `supported` list (UnsupportedProtocolVersionError data), or "".
inline std::string modern_choice(const client_error& e) {
    if (!e.rpc || !e.rpc->data.is_object() || !e.rpc->data.contains("supported")) return {};
    std::string best;
    for (const auto& v : e.rpc->data["supported"])
        if (v.is_string())
            if (auto rev = parse_revision(v.get<std::string>()); rev && polymcp::is_stateless(*rev) && v.get<std::string>() > best)
                best = v.get<std::string>();
    return best;
}

/// The `Mcp-Param-*` headers of a call to the tool `name` with `arguments`:
/// one per x-mcp-header parameter the tool's inputSchema declares (MCP
/// 2026-07-28 "Custom Headers from Tool Parameters").
inline message_headers param_headers(const session_state& s, const std::string& name, const json& arguments) {
    message_headers h;
    if (auto it = s.tool_headers.find(name); it != s.tool_headers.end())
        for (const auto& p : it->second)
            if (auto text = header_param_text(p, arguments)) h.emplace_back("Mcp-Param-" + p.name, std::move(*text));
    return h;
}

}  // namespace detail

asio::awaitable<initialize_result> session::initialize(request_options options) {
    auto s = state_;
    s->ensure_usable("initialize", true);
    if (!s->started) {
        std::weak_ptr<detail::session_state> w = s;
        transport_handlers h{[w](json m) {
                                 auto st = w.lock();
                                 if (!st) return;
                                 // Nothing a server sends, and no callback, throws into the transport's read loop.
                                 try {
                                     st->on_message(std::move(m));
                                 } catch (const std::exception& e) {
                                     st->diag(std::string("dropped a message from the server: handling it threw: ") +
                                              e.what());
                                 }
                             },
                             [w](const client_error& e) {
                                 if (auto st = w.lock()) st->on_close(e);
                             }};
        co_await s->transport->async_start(std::move(h));
        s->started = true;
    }
    if (s->options.era != protocol_era::legacy) {
        // The probe (MCP 2026-07-28 "Versioning" > "Backward Compatibility").
        s->stateless = true;
        s->modern_version = s->options.modern_protocol_version;
        std::optional<client_error> failure;
        bool opened = false;
        for (int attempt = 0; attempt < 2; ++attempt) {
            request_options probe = options;
            if (!probe.timeout) probe.timeout = s->options.discover_timeout;
            std::string method = "server/discover";
            try {
                json raw = co_await s->request(method, json::object(), std::move(probe), true);
                // A DiscoverResult names the versions and capabilities; a
                // legacy server that answers any request with {} does not.
                if (!raw.contains("supportedVersions") || !raw["supportedVersions"].is_array() ||
                    !raw.contains("capabilities") || !raw["capabilities"].is_object())
                    throw client_error(errc::invalid_mcp_server, s->transport->describe() +
                                                                     " answered server/discover without supportedVersions "
                                                                     "and capabilities: not a DiscoverResult");
                json shaped = {{"protocolVersion", s->modern_version},
                               {"capabilities", raw.value("capabilities", json::object())}};
                json info = raw.contains("serverInfo") ? raw["serverInfo"] : json();
                if (auto m = raw.find("_meta"); m != raw.end() && m->is_object() && m->contains(meta_key::server_info))
                    info = (*m)[meta_key::server_info];
                shaped["serverInfo"] = info.is_object() ? info : json{{"name", ""}, {"version", ""}};
                if (raw.contains("instructions")) shaped["instructions"] = raw["instructions"];
                initialize_result r = initialize_result_from_json(shaped);
                // raw: the DiscoverResult, with the fields of an InitializeResult
                // (protocolVersion, serverInfo) added for code that reads either.
                r.raw = raw;
                r.raw["protocolVersion"] = s->modern_version;
                r.raw["serverInfo"] = shaped["serverInfo"];
                s->server = r;
                s->initialized = true;
                s->transport->on_initialized(s->modern_version);
                opened = true;
                break;
            } catch (const client_error& e) {
                failure = e;
            }
            // -32022 names what the server speaks: retry once with a stateless one we share.
            auto other = detail::modern_choice(*failure);
            if (failure->value() != errc::rpc_error || !failure->rpc ||
                failure->rpc->code != jsonrpc::error_code::unsupported_protocol_version || other.empty())
                break;
            s->modern_version = other;
        }
        if (opened) {
            // List-change callbacks are served by a listen stream; a server
            // that cannot give one still serves everything else.
            std::optional<client_error> no_listen;
            try {
                co_await s->relisten();
            } catch (const client_error& e) {
                no_listen = e;
            }
            if (no_listen)
                s->diag(std::string("no list-change notifications: subscriptions/listen failed: ") + no_listen->what());
            co_return *s->server;
        }
        s->stateless = false;
        const bool legacy_server = detail::legacy_answer(*failure) ||
                                   (failure->rpc && failure->rpc->code == jsonrpc::error_code::unsupported_protocol_version);
        if (s->options.era == protocol_era::modern || !legacy_server || s->closed) {
            if (s->options.era == protocol_era::modern && legacy_server) {
                client_error e(errc::protocol_version_unsupported,
                               s->transport->describe() + " does not speak MCP " + s->options.modern_protocol_version +
                                   " (server/discover failed: " + failure->what() +
                                   "); session_options::era is protocol_era::modern");
                co_await close();
                throw e;
            }
            throw *failure;
        }
    }
    json params = {{"protocolVersion", s->options.protocol_version},
                   {"capabilities", s->capabilities()},
                   {"clientInfo", {{"name", s->options.client_info.name}, {"version", s->options.client_info.version}}}};
    if (!s->options.client_info.title.empty()) params["clientInfo"]["title"] = s->options.client_info.title;
    std::string method = "initialize";
    json raw = co_await s->request(method, std::move(params), std::move(options), true);
    initialize_result r = initialize_result_from_json(raw);
    if (auto rev = parse_revision(r.protocol_version); !rev || polymcp::is_stateless(*rev)) {
        client_error e(errc::protocol_version_unsupported,
                       s->transport->describe() + " chose MCP protocol version \"" + r.protocol_version +
                           "\" in initialize; this client's initialize speaks 2024-11-05 through 2025-11-25");
        co_await close();
        throw e;
    }
    s->server = r;
    s->initialized = true;
    s->transport->on_initialized(r.protocol_version);
    std::string initialized = "notifications/initialized";
    co_await notify(initialized);
    co_return r;
}

const initialize_result& session::server() const {
    if (!state_->server) throw client_error(errc::not_initialized, "initialize() has not completed");
    return *state_->server;
}

bool session::is_open() const noexcept { return state_->initialized && !state_->closed; }

bool session::is_stateless() const noexcept { return state_->initialized && state_->stateless; }

asio::awaitable<json> session::request(std::string method, json params, request_options options) {
    auto s = state_;
    co_return co_await s->request_complete(std::move(method), std::move(params), std::move(options), false);
}

asio::awaitable<void> session::notify(std::string method, json params) {
    auto s = state_;
    s->ensure_usable(method, true);
    json msg = {{"jsonrpc", "2.0"}, {"method", std::move(method)}};
    if (!params.is_null()) msg["params"] = std::move(params);
    co_await s->transport->async_send(std::move(msg));
}

asio::awaitable<void> session::notify_roots_list_changed() {
    std::string m = "notifications/roots/list_changed";
    co_await notify(m);
}

asio::awaitable<json> session::list_all(std::string method, const char* member, request_options options) {
    auto s = state_;
    // Caching hints (MCP 2026-07-28 "Caching"): a list the server allowed to
    // keep for ttlMs is served from memory until then, or until the server
    // says it changed.
    if (auto c = s->list_cache.find(method); c != s->list_cache.end()) {
        if (options.use_cache && detail::clock::now() < c->second.expires) co_return c->second.items;
        s->list_cache.erase(c);
    }
    std::optional<std::int64_t> ttl;
    json all = json::array();
    std::set<std::string> seen;
    std::string cursor;
    for (std::size_t page = 0;; ++page) {
        if (page >= s->options.max_list_pages)
            throw client_error(errc::invalid_mcp_server, method + " returned more than " +
                                                             std::to_string(s->options.max_list_pages) + " pages");
        json params = json::object();
        if (!cursor.empty()) params["cursor"] = cursor;
        request_options o = options;
        json r = co_await s->request(method, std::move(params), std::move(o), false);
        detail::check_array(r, member, method);
        if (auto t = r.find("ttlMs"); s->stateless && t != r.end() && t->is_number_integer())
            ttl = std::min(ttl.value_or(t->get<std::int64_t>()), t->get<std::int64_t>());
        else
            ttl = 0;
        for (auto& e : r[member]) all.push_back(std::move(e));
        auto nc = r.find("nextCursor");
        if (nc == r.end() || nc->is_null()) break;
        if (!nc->is_string())
            throw client_error(errc::invalid_mcp_server, "the server's nextCursor for " + method + " is not a string");
        cursor = nc->get<std::string>();
        if (!seen.insert(cursor).second)
            throw client_error(errc::invalid_mcp_server,
                               "the server repeated the cursor \"" + detail::excerpt(cursor, 60) + "\" in " + method);
    }
    if (ttl && *ttl > 0)
        s->list_cache[method] = {all, detail::clock::now() + std::chrono::milliseconds(*ttl)};
    co_return all;
}

asio::awaitable<std::vector<tool_info>> session::list_tools(request_options options) {
    auto s = state_;
    std::string m = "tools/list";
    json all = co_await list_all(m, "tools", std::move(options));
    std::vector<tool_info> out;
    s->tool_headers.clear();
    for (const auto& t : all) {
        auto info = tool_info_from_json(t);
        // MCP 2026-07-28 "Custom Headers from Tool Parameters": a tool whose
        // x-mcp-header annotations break the rules is left out (with a
        // warning), so that one bad definition does not spoil the others.
        std::vector<header_param> params;
        std::string why;
        if (!header_params_of(info.input_schema, params, why)) {
            s->diag("left out the tool '" + info.name + "': its inputSchema is invalid: " + why);
            continue;
        }
        if (!params.empty()) s->tool_headers[info.name] = std::move(params);
        out.push_back(std::move(info));
    }
    co_return out;
}

asio::awaitable<call_tool_result> session::call_tool(std::string name, json arguments, request_options options) {
    auto s = state_;
    if (arguments.is_null()) arguments = json::object();
    // The tool's x-mcp-header parameters travel as Mcp-Param-* headers too.
    json params = {{"name", name}, {"arguments", arguments}};
    std::string m = "tools/call";
    std::optional<client_error> mismatch;
    try {
        json r = co_await s->request_complete(m, params, options, false, detail::param_headers(*s, name, arguments));
        co_return call_tool_result_from_json(r);
    } catch (const client_error& e) {
        if (!s->stateless || !e.rpc || e.rpc->code != jsonrpc::error_code::header_mismatch) throw;
        mismatch = e;
    }
    // HeaderMismatch: the tool's inputSchema may have changed; list the tools
    // again and retry once ("Client Behavior").
    request_options fresh;
    fresh.use_cache = false;
    co_await list_tools(std::move(fresh));
    json r = co_await s->request_complete(m, params, options, false, detail::param_headers(*s, name, arguments));
    co_return call_tool_result_from_json(r);
}

asio::awaitable<std::vector<resource_info>> session::list_resources(request_options options) {
    std::string m = "resources/list";
    json all = co_await list_all(m, "resources", std::move(options));
    std::vector<resource_info> out;
    for (const auto& t : all) out.push_back(resource_info_from_json(t));
    co_return out;
}

asio::awaitable<std::vector<resource_template_info>> session::list_resource_templates(request_options options) {
    std::string m = "resources/templates/list";
    json all = co_await list_all(m, "resourceTemplates", std::move(options));
    std::vector<resource_template_info> out;
    for (const auto& t : all) out.push_back(resource_template_info_from_json(t));
    co_return out;
}

asio::awaitable<read_resource_result> session::read_resource(std::string uri, request_options options) {
    json params = {{"uri", std::move(uri)}};
    std::string m = "resources/read";
    json r = co_await request(m, std::move(params), std::move(options));
    co_return read_resource_result_from_json(r);
}

asio::awaitable<void> session::subscribe(std::string uri, request_options options) {
    auto s = state_;
    if (s->stateless) {
        // 2026-07-28: resource subscriptions are part of the listen stream's filter.
        s->ensure_usable("subscribe", false);
        s->subscribed_uris.insert(std::move(uri));
        co_await s->relisten();
        co_return;
    }
    json params = {{"uri", std::move(uri)}};
    std::string m = "resources/subscribe";
    co_await request(m, std::move(params), std::move(options));
}

asio::awaitable<void> session::unsubscribe(std::string uri, request_options options) {
    auto s = state_;
    if (s->stateless) {
        s->ensure_usable("unsubscribe", false);
        if (s->subscribed_uris.erase(uri)) co_await s->relisten();
        co_return;
    }
    json params = {{"uri", std::move(uri)}};
    std::string m = "resources/unsubscribe";
    co_await request(m, std::move(params), std::move(options));
}

asio::awaitable<std::vector<prompt_info>> session::list_prompts(request_options options) {
    std::string m = "prompts/list";
    json all = co_await list_all(m, "prompts", std::move(options));
    std::vector<prompt_info> out;
    for (const auto& t : all) out.push_back(prompt_info_from_json(t));
    co_return out;
}

asio::awaitable<get_prompt_result> session::get_prompt(std::string name, std::map<std::string, std::string> arguments,
                                                       request_options options) {
    json params = {{"name", std::move(name)}};
    if (!arguments.empty()) params["arguments"] = arguments;
    std::string m = "prompts/get";
    json r = co_await request(m, std::move(params), std::move(options));
    co_return get_prompt_result_from_json(r);
}

asio::awaitable<complete_result> session::complete(completion_reference ref, std::string argument, std::string value,
                                                   std::map<std::string, std::string> context,
                                                   request_options options) {
    json r = {{"type", ref.type}};
    r[ref.type == "ref/prompt" ? "name" : "uri"] = ref.name;
    json params = {{"ref", std::move(r)}, {"argument", {{"name", std::move(argument)}, {"value", std::move(value)}}}};
    if (!context.empty()) params["context"] = {{"arguments", context}};
    std::string m = "completion/complete";
    json res = co_await request(m, std::move(params), std::move(options));
    co_return complete_result_from_json(res);
}

asio::awaitable<void> session::ping(request_options options) {
    // 2026-07-28 has no ping: server/discover is the cheapest request.
    std::string m = state_->stateless ? "server/discover" : "ping";
    co_await state_->request(m, json::object(), std::move(options), false);
}

asio::awaitable<void> session::set_logging_level(logging_level level, request_options options) {
    auto s = state_;
    if (s->stateless) {
        // 2026-07-28: the level travels in each request's _meta (logLevel).
        s->ensure_usable("set_logging_level", false);
        s->log_level = level;
        co_return;
    }
    json params = {{"level", std::string(to_string(level))}};
    std::string m = "logging/setLevel";
    co_await request(m, std::move(params), std::move(options));
}

asio::awaitable<void> session::close() {
    auto s = state_;
    if (!s->closed) s->on_close(client_error(errc::connection_closed, "the client closed the session"));
    if (s->started) co_await s->transport->async_close();  // also when the transport ended first: reap it
}

}  // namespace polymcp::client

#endif
