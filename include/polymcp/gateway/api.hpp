#ifndef POLYMCP_GATEWAY_API_HPP
#define POLYMCP_GATEWAY_API_HPP

/// @file polymcp/gateway/api.hpp
/// `polymcp::gateway::api<Manager>`: a gateway's JSON management API beside
/// its MCP endpoint (docs/gateway.md "API reference"): connectors, their
/// sessions, the catalog and its categories, the system tools, health.
/// Every error is `{"error": CODE, "message": ...}` with the status of the
/// code (`polymcp::connectors::response_status`); another user's ids are 404
/// like missing ones; no response ever contains a credential.

#include <polymcp/connectors/manager.hpp>
#include <polymcp/connectors/system_tools.hpp>
#include <polymcp/core/utf8.hpp>
#include <polymcp/gateway/page_sign_in.hpp>
#include <polymcp/gateway/session_auth.hpp>
#include <polymcp/gateway/web_files.hpp>
#include <polymcp/http/message.hpp>
#include <polymcp/http/responder.hpp>
#include <polymcp/protocol/jsonrpc.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace polymcp::gateway {

/// The management API over a `connectors::connector_manager<Storage, Cipher>`:
/// the `fallback` handler of a Streamable HTTP transport
/// (`streamable_http_options::fallback`), serving `/healthz`, `/readyz`,
/// `/api/...` (routes in docs/gateway.md) and, when it has one, the web page
/// on every other path (`web_files`). API requests are authenticated with
/// the gateway's `session_auth`; administrators are callers with
/// `admin_scope`. Handlers run as coroutines on `ex`.
///
/// Thread-safety: the call operator may be called from many threads at once.
template <class Manager>
class api {
    using json = nlohmann::json;

public:
    /// An HTTP status and a JSON body.
    using reply = std::pair<unsigned, json>;
    using catalog_type = std::remove_reference_t<decltype(std::declval<Manager&>().servers())>;  ///< the manager's catalog

    /// @param ex where request handlers run (the server's executor)
    /// @param manager the connector manager the API manages
    /// @param system the system tools listed by `GET /api/tools`
    /// @param auth authenticates every `/api/` request
    /// @param admin_scope the scope that makes a caller an administrator
    /// @param ready `/readyz`: whether the storage answers
    /// @param web the web page, served on paths outside `/api/`, or null (those paths are 404)
    /// @param page_auth the page's OAuth sign-in when the gateway is a protected resource, or null
    api(asio::any_io_executor ex, std::shared_ptr<Manager> manager, std::shared_ptr<connectors::system_tool_registry> system,
        std::shared_ptr<session_auth> auth, std::string admin_scope, std::function<asio::awaitable<bool>()> ready,
        std::shared_ptr<const web_files> web = nullptr, std::shared_ptr<page_sign_in> page_auth = nullptr)
        : ex_(std::move(ex)), m_(std::move(manager)), system_(std::move(system)), auth_(std::move(auth)),
          admin_scope_(std::move(admin_scope)), ready_(std::move(ready)), web_(std::move(web)),
          page_auth_(std::move(page_auth)) {}

    /// The fallback handler of the Streamable HTTP transport.
    void operator()(http::request req, std::shared_ptr<http::responder> res) {
        const auto path = std::string(req.path());
        if (path == "/healthz") return send(*res, {200, {{"status", "ok"}}});
        if (path == "/readyz") {
            asio::co_spawn(ex_, readiness(res), asio::detached);
            return;
        }
        if (path == "/oauth/client-metadata.json") return client_metadata(req, *res);
        if (path == "/api/auth" || path == "/api/auth/start" || path == "/api/auth/callback") {
            // How to sign in: asked before there are credentials.
            asio::co_spawn(ex_, sign_in_route(std::move(req), res), asio::detached);
            return;
        }
        if (path.rfind("/api/", 0) != 0) {
            if (web_) return res->respond(web_->respond(req));
            return send(*res, {404, error("NOT_FOUND", "no such route; the API is under /api/ and MCP at /mcp")});
        }
        auth::auth_request ar;
        ar.headers = &req.fields;
        ar.method = req.method;
        ar.target = req.target;
        ar.remote = req.remote;
        auto who = auth_->authenticate(ar);
        if (!who) {
            const auto& rej = who.rejection();
            auto r = http::response::with_body(
                rej.status, "application/json",
                polymcp::jsonrpc::serialize_json(
                    error(rej.status == 400 ? "INVALID_REQUEST" : rej.status == 403 ? "FORBIDDEN" : "UNAUTHENTICATED",
                          rej.description)));
            if (rej.status == 401) r.fields.set("WWW-Authenticate", auth_->challenge(rej));
            set_api_security_headers(r);
            return res->respond(std::move(r));
        }
        asio::co_spawn(ex_, route(std::move(req), res, who.who()), asio::detached);
    }

private:
    static json error(std::string code, std::string message) { return {{"error", std::move(code)}, {"message", std::move(message)}}; }

    // A JSON answer is never a document: nothing in it runs, nothing frames it, no referrer leaves with it.
    static void set_api_security_headers(http::response& r) {
        r.fields.set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
        r.fields.set("Referrer-Policy", "no-referrer");
        r.fields.set("X-Content-Type-Options", "nosniff");
    }

    static void send(http::responder& res, const reply& r) {
        auto out = r.first == 204 ? http::response::with_body(204, "application/json", "")
                                  : http::response::with_body(r.first, "application/json",
                                                              polymcp::jsonrpc::serialize_json(r.second));
        out.fields.set("Cache-Control", "no-store");
        set_api_security_headers(out);
        res.respond(std::move(out));
    }

    // The gateway's OAuth Client ID Metadata Document (draft-ietf-oauth-client-id-metadata-document;
    // MCP 2025-11-25 "Client ID Metadata Documents"), served when its URL is configured (https only).
    void client_metadata(const http::request& req, http::responder& res) const {
        const auto s = m_->sign_in_settings();
        if (s.client_id_metadata_url.empty())
            return send(res, {404, error("NOT_FOUND", "this gateway publishes no client metadata document (its "
                                                      "public_url is not https)")});
        if (req.method != "GET" && req.method != "HEAD") return send(res, method_not_allowed("GET"));
        json doc = {{"client_id", s.client_id_metadata_url},
                    {"client_name", s.client_name},
                    {"redirect_uris", page_auth_ && page_auth_->enabled()
                                          ? json::array({s.redirect_uri, page_auth_->redirect_uri()})
                                          : json::array({s.redirect_uri})},
                    {"grant_types", json::array({"authorization_code", "refresh_token"})},
                    {"response_types", json::array({"code"})},
                    {"token_endpoint_auth_method", "none"}};
        auto out = http::response::with_body(200, "application/json", polymcp::jsonrpc::serialize_json(doc));
        out.fields.set("Cache-Control", "public, max-age=3600");
        set_api_security_headers(out);
        res.respond(std::move(out));
    }

    // The page's own sign-in (polymcp/gateway/page_sign_in.hpp): which way, then the OAuth flow's two halves.
    asio::awaitable<void> sign_in_route(http::request req, std::shared_ptr<http::responder> res) {
        const auto path = std::string(req.path());
        const bool oauth = page_auth_ && page_auth_->enabled();
        reply out;
        try {
            if (path == "/api/auth") {
                if (req.method != "GET") out = method_not_allowed("GET");
                else if (oauth) out = {200, {{"method", "oauth"}, {"resource", page_auth_->resource()}}};
                else out = {200, {{"method", "api_key"}}};
            } else if (req.method != "POST") {
                out = method_not_allowed("POST");
            } else if (!oauth) {
                out = {404, error("NOT_FOUND", "this gateway signs in with API keys, not OAuth")};
            } else if (path == "/api/auth/start") {
                auto started = co_await page_auth_->begin();
                out = {200, std::move(started)};
            } else {
                auto body = body_of(req);
                auto q = body.find("query");
                auto p = body.find("pending");
                if (q == body.end() || !q->is_string() || q->get_ref<const std::string&>().size() > 8192 ||
                    p == body.end() || !p->is_string() || p->get_ref<const std::string&>().size() > 16384)
                    throw connectors::connector_error(connectors::errc::invalid_request,
                                                      "/query (the callback's query string) and /pending (what "
                                                      "/api/auth/start returned) must be strings");
                std::string query = q->get<std::string>();
                if (!query.empty() && query.front() == '?') query.erase(0, 1);
                std::string pending = p->get<std::string>();
                auto tokens = co_await page_auth_->complete(std::move(query), std::move(pending));
                out = {200, std::move(tokens)};
            }
        } catch (const connectors::connector_error& e) {
            out = {connectors::response_status(e.value()), e.to_json()};
        } catch (const std::invalid_argument& e) {
            out = {400, error("INVALID_REQUEST", e.what())};
        } catch (const client::client_error& e) {
            out = {502, error("SIGN_IN_FAILED", std::string("signing in with the authorization server failed: ") + e.what())};
        } catch (const std::exception& e) {
            out = {500, error("INTERNAL_ERROR", std::string("the gateway failed: ") + e.what())};
        }
        send(*res, out);
    }

    asio::awaitable<void> readiness(std::shared_ptr<http::responder> res) {
        bool ok = false;
        try {
            ok = co_await ready_();
        } catch (const std::exception&) {
        }
        send(*res, ok ? reply{200, {{"status", "ready"}}}
                      : reply{503, error("STORAGE_UNAVAILABLE", "the storage backend does not answer")});
    }

    asio::awaitable<void> route(http::request req, std::shared_ptr<http::responder> res,
                                auth::principal who) {
        reply out;
        try {
            out = co_await dispatch(req, who);
        } catch (const connectors::connector_error& e) {
            out = {connectors::response_status(e.value()), e.to_json()};
        } catch (const std::exception& e) {
            out = {500, error("INTERNAL_ERROR", std::string("the gateway failed: ") + e.what())};
        }
        send(*res, out);
    }

    static json body_of(const http::request& req) {
        if (req.body.empty()) return json::object();
        auto j = json::parse(req.body, nullptr, false);
        if (j.is_discarded() || !j.is_object())
            throw connectors::connector_error(connectors::errc::invalid_request, "the request body must be a JSON object");
        return j;
    }

    // The (unescaped as is: ids are [a-z0-9_]) value of `name` in the query, or "".
    static std::string query_param(const std::string& target, const std::string& name) {
        auto q = target.find('?');
        if (q == std::string::npos) return {};
        std::string rest = target.substr(q + 1);
        std::size_t i = 0;
        while (i <= rest.size()) {
            auto amp = rest.find('&', i);
            if (amp == std::string::npos) amp = rest.size();
            auto kv = rest.substr(i, amp - i);
            if (kv.rfind(name + "=", 0) == 0) return kv.substr(name.size() + 1);
            i = amp + 1;
        }
        return {};
    }

    static reply method_not_allowed(const char* allow) {
        return {405, error("METHOD_NOT_ALLOWED", std::string("this route takes ") + allow)};
    }

    // Connect and disconnect talk to upstreams: their failures are 502 (504 for a timeout).
    static bool upstream_failure(connectors::errc e) {
        return connectors::response_status(e) == 422 || e == connectors::errc::upstream_error;
    }

    asio::awaitable<reply> dispatch(const http::request& req, const auth::principal& who) {
        const auto caller = connectors::caller::of(who, admin_scope_);
        connectors::session_key key{who.tenant, who.subject, who.claims.value("gateway_session", "default")};
        std::vector<std::string> seg;
        {
            std::string p(req.path().substr(5));  // after "/api/"
            std::size_t i = 0;
            while (i <= p.size()) {
                auto j = p.find('/', i);
                if (j == std::string::npos) j = p.size();
                if (j > i) seg.push_back(p.substr(i, j - i));
                i = j + 1;
            }
        }
        const std::string& method = req.method;
        const auto n = seg.size();
        if (n >= 1 && seg[0] == "connectors") {
            if (n == 2 && seg[1] == "test") {
                if (method != "POST") co_return method_not_allowed("POST");
                auto body = body_of(req);
                auto r = co_await m_->test_connection(caller, body);
                co_return reply{200, r.to_json()};
            }
            if (n == 1) {
                if (method == "POST") {
                    auto body = body_of(req);
                    auto c = co_await m_->create_connector(caller, body);
                    co_return reply{201, c.to_json()};
                }
                if (method != "GET") co_return method_not_allowed("GET, POST");
                auto list = co_await m_->list_connectors(caller);
                json out = json::array();
                for (const auto& c : list) {
                    auto j = c.to_json();
                    auto s = co_await m_->status(key, c.id);
                    j["status"] = connectors::to_string(s.status);
                    out.push_back(std::move(j));
                }
                co_return reply{200, {{"connectors", std::move(out)},
                                      {"limit", m_->options().connectors.max_per_user},
                                      {"session", key.session}}};
            }
            const std::string id = seg[1];
            if (n == 2) {
                if (method == "GET") {
                    auto c = co_await m_->get_connector(caller, id);
                    auto s = co_await m_->status(key, id);
                    auto j = c.to_json();
                    j["status"] = connectors::to_string(s.status);
                    co_return reply{200, j};
                }
                if (method == "PATCH") {
                    auto body = body_of(req);
                    auto c = co_await m_->update_connector(caller, id, body);
                    co_return reply{200, c.to_json()};
                }
                if (method == "DELETE") {
                    co_await m_->delete_connector(caller, id);
                    co_return reply{204, nullptr};
                }
                co_return method_not_allowed("GET, PATCH, DELETE");
            }
            if (n == 3 && seg[2] == "sign-in") {
                if (method != "POST") co_return method_not_allowed("POST");
                auto url = co_await m_->begin_sign_in(caller, id);
                co_return reply{200, {{"authorization_url", url}}};
            }
            if (n == 3 && (seg[2] == "connect" || seg[2] == "disconnect")) {
                if (method != "POST") co_return method_not_allowed("POST");
                std::optional<connectors::connector_error> failure;
                connectors::connection_state state;
                try {
                    if (seg[2] == "connect") state = co_await m_->connect(key, id);
                    else state = co_await m_->disconnect(key, id);
                } catch (const connectors::connector_error& e) {
                    failure = e;
                }
                if (failure) {
                    if (!upstream_failure(failure->value())) throw *failure;
                    co_return reply{failure->value() == connectors::errc::timeout ? 504u : 502u, failure->to_json()};
                }
                auto j = state.to_json();
                j["session"] = key.session;
                co_return reply{200, j};
            }
        } else if (n == 2 && seg[0] == "tools" && seg[1] == "call") {
            // One of this session's connector tools, called as from an agent ("try it" on the web page).
            if (method != "POST") co_return method_not_allowed("POST");
            auto body = body_of(req);
            auto name = body.find("name");
            if (name == body.end() || !name->is_string())
                throw connectors::connector_error(connectors::errc::invalid_request,
                                                  "/name must be the name of one of this session's connector tools");
            json arguments = body.value("arguments", json::object());
            if (!arguments.is_object())
                throw connectors::connector_error(connectors::errc::invalid_request, "/arguments must be an object");
            std::string tool = name->get<std::string>();
            std::optional<connectors::connector_error> failure;
            json result;
            try {
                auto r = co_await m_->call_tool(key, tool, std::move(arguments));
                result = static_cast<const polymcp::call_tool_result&>(r).to_json();
            } catch (const connectors::connector_error& e) {
                failure = e;
            }
            if (failure) {
                if (!upstream_failure(failure->value())) throw *failure;
                co_return reply{failure->value() == connectors::errc::timeout ? 504u : 502u, failure->to_json()};
            }
            co_return reply{200, {{"result", std::move(result)}, {"session", key.session}}};
        } else if (n == 1 && seg[0] == "me") {
            if (method != "GET") co_return method_not_allowed("GET");
            co_return reply{200, {{"subject", who.subject},
                                  {"tenant", who.tenant},
                                  {"administrator", caller.admin},
                                  {"session", key.session}}};
        } else if (n == 1 && seg[0] == "tools") {
            if (method != "GET") co_return method_not_allowed("GET");
            json system = json::array();
            for (const auto& t : system_->list(true)) system.push_back(t.to_json());
            auto agg = co_await m_->tools(key);
            json tools = json::array();
            for (const auto& t : agg.tools)
                tools.push_back({{"name", t.name},
                                 {"connector_id", t.connector_id},
                                 {"connector_name", t.connector_name},
                                 {"tool_name", t.tool_name},
                                 {"description", t.descriptor.value("description", "")},
                                 {"inputSchema", t.descriptor.value("inputSchema", json::object())}});
            co_return reply{200, {{"tools", std::move(system)},
                                  {"connector_tools", std::move(tools)},
                                  {"collisions", agg.collisions},
                                  {"session", key.session}}};
        } else if (n == 2 && seg[0] == "sign-in" && seg[1] == "callback") {
            // The query the upstream's authorization server sent the browser back with, relayed by the page.
            if (method != "POST") co_return method_not_allowed("POST");
            auto body = body_of(req);
            auto q = body.find("query");
            if (q == body.end() || !q->is_string() || q->get_ref<const std::string&>().size() > 8192)
                throw connectors::connector_error(connectors::errc::invalid_request,
                                                  "/query must be the callback's query string (at most 8192 bytes)");
            std::string query = q->get<std::string>();
            if (!query.empty() && query.front() == '?') query.erase(0, 1);
            auto c = co_await m_->complete_sign_in(caller, query);
            co_return reply{200, c.to_json()};
        } else if (n == 2 && seg[0] == "session" && seg[1] == "logout") {
            if (method != "POST") co_return method_not_allowed("POST");
            co_await m_->logout(key);
            co_return reply{204, nullptr};
        } else if (n >= 1 && seg[0] == "servers") {
            if (n == 1) {
                if (method == "POST") {
                    auto body = body_of(req);
                    auto s = co_await m_->create_server(caller, body);
                    co_return reply{201, s.to_json()};
                }
                if (method != "GET") co_return method_not_allowed("GET, POST");
                std::string category = query_param(req.target, "category_id");
                auto list = co_await m_->list_servers(caller, category);
                json out = json::array();
                for (const auto& s : list) out.push_back(s.to_json(catalog_type::may_manage(caller, s)));
                co_return reply{200, {{"servers", std::move(out)}}};
            }
            if (n == 2) {
                const std::string id = seg[1];
                if (method == "GET") {
                    auto s = co_await m_->get_server(caller, id);
                    co_return reply{200, s.to_json(catalog_type::may_manage(caller, s))};
                }
                if (method == "PATCH") {
                    auto body = body_of(req);
                    auto s = co_await m_->update_server(caller, id, body);
                    co_return reply{200, s.to_json()};
                }
                if (method == "DELETE") {
                    co_await m_->delete_server(caller, id);
                    co_return reply{204, nullptr};
                }
                co_return method_not_allowed("GET, PATCH, DELETE");
            }
        } else if (n >= 1 && seg[0] == "categories") {
            if (n == 1) {
                if (method == "POST") {
                    auto body = body_of(req);
                    auto c = co_await m_->create_category(caller, body);
                    co_return reply{201, c.to_json()};
                }
                if (method != "GET") co_return method_not_allowed("GET, POST");
                auto list = co_await m_->list_categories();
                json out = json::array();
                for (const auto& c : list) out.push_back(c.to_json());
                co_return reply{200, {{"categories", std::move(out)}}};
            }
            if (n == 2) {
                const std::string id = seg[1];
                if (method == "GET") {
                    auto c = co_await m_->get_category(id);
                    co_return reply{200, c.to_json()};
                }
                if (method == "PATCH") {
                    auto body = body_of(req);
                    auto c = co_await m_->update_category(caller, id, body);
                    co_return reply{200, c.to_json()};
                }
                if (method == "DELETE") {
                    co_await m_->delete_category(caller, id);
                    co_return reply{204, nullptr};
                }
                co_return method_not_allowed("GET, PATCH, DELETE");
            }
        }
        co_return reply{404, error("NOT_FOUND", "no such route: " + method + " " + utf8_excerpt(req.path(), 200))};
    }

    asio::any_io_executor ex_;
    std::shared_ptr<Manager> m_;
    std::shared_ptr<connectors::system_tool_registry> system_;
    std::shared_ptr<session_auth> auth_;
    std::string admin_scope_;
    std::function<asio::awaitable<bool>()> ready_;
    std::shared_ptr<const web_files> web_;
    std::shared_ptr<page_sign_in> page_auth_;
};

}  // namespace polymcp::gateway

#endif
