#ifndef POLYMCP_GATEWAY_SYSTEM_TOOLS_HPP
#define POLYMCP_GATEWAY_SYSTEM_TOOLS_HPP

/// @file polymcp/gateway/system_tools.hpp
/// `polymcp::gateway::system_tools(manager)`: the tools every caller of a
/// gateway has over MCP beside its connectors' tools: `connectors_list`,
/// `connectors_connect`, `connectors_disconnect`.

#include <polymcp/connectors/manager.hpp>
#include <polymcp/connectors/session_tools.hpp>
#include <polymcp/connectors/system_tools.hpp>
#include <polymcp/core/random.hpp>
#include <polymcp/handler/context.hpp>
#include <polymcp/tools/tool.hpp>

#include <boost/hana/define_struct.hpp>

#include <memory>
#include <optional>
#include <string>

namespace polymcp::gateway {

namespace detail {
struct connector_ref {
    BOOST_HANA_DEFINE_STRUCT(connector_ref, (std::string, connector_id));
};

// The caller's connector session: tenant, subject and the `gateway_session`
// claim `session_auth` puts into the principal.
inline connectors::session_key session_of(const request_context& ctx) {
    const auto& p = ctx.principal();
    return connectors::session_key{p.tenant, p.subject, p.claims.value("gateway_session", "default")};
}

// A connector that signs in with OAuth and must (again): the sign-in page
// as a URL-mode elicitation (MCP 2025-11-25 "Elicitation" > "URL Elicitation
// Required Error") when the client takes them, else a tool error naming it.
template <class Manager>
void ask_to_sign_in(const Manager& m, const connectors::connector& c, const request_context& ctx) {
    if (c.auth_type != "oauth_sign_in") return;
    const auto page = m.sign_in_page(c.id);
    if (page.empty()) return;
    const auto caps = ctx.client_capabilities();
    const auto e = caps.find("elicitation");
    if (e != caps.end() && e->is_object() && e->contains("url"))
        throw jsonrpc::url_elicitation_required("the connector '" + c.name + "' needs you to sign in to its server first",
                                                "sign-in-" + c.id + "-" + random_hex_id(8), page,
                                                "Sign in to " + c.name + " to use its tools, then try again.");
    throw connectors::connector_error(connectors::errc::auth_required,
                                      "the connector '" + c.name + "' needs you to sign in to its server: open " + page +
                                          " in a browser, sign in, then try again");
}
}  // namespace detail

/// The system tools over `manager`, enabled, in the order listed:
/// - `connectors_list`: the caller's connectors (id, name, description,
///   status in this session, tool count), as JSON text;
/// - `connectors_connect {connector_id}`: connects one in this session, so
///   that its tools join the session's tool list; for an `oauth_sign_in`
///   connector whose user has not signed in, a `URLElicitationRequiredError`
///   (-32042) pointing at the connector's sign-in page when the client
///   declared `elicitation.url`, else a tool error naming that page;
/// - `connectors_disconnect {connector_id}`: the reverse.
/// Failures are the manager's `connectors::connector_error`s, which the
/// server turns into tool errors with their code and message.
/// @param manager a `connectors::connector_manager<Storage, Cipher>`
/// @return a registry the gateway's tool registry and its API share
template <class Manager>
std::shared_ptr<connectors::system_tool_registry> system_tools(std::shared_ptr<Manager> manager) {
    using nlohmann::json;
    auto list = tool<"connectors_list">(
        "Lists your MCP connectors and whether each is connected in this session",
        [m = manager](request_context& ctx) -> asio::awaitable<std::string> {
            auto k = detail::session_of(ctx);
            connectors::caller who{k.tenant, k.user};
            auto all = co_await m->list_connectors(who);
            json out = json::array();
            for (const auto& c : all) {
                auto s = co_await m->status(k, c.id);
                out.push_back({{"id", c.id}, {"name", c.name}, {"description", c.description},
                               {"status", connectors::to_string(s.status)}, {"tools", c.tools.size()}});
            }
            co_return out.dump();
        });
    auto connect = tool<"connectors_connect">(
        "Connects one of your connectors in this session; its tools then appear in the tool list",
        [m = manager](detail::connector_ref a, request_context& ctx) -> asio::awaitable<std::string> {
            auto k = detail::session_of(ctx);
            connectors::connection_state s;
            std::optional<connectors::connector_error> failure;
            try {
                s = co_await m->connect(k, a.connector_id);
            } catch (const connectors::connector_error& e) {
                failure = e;
            }
            if (failure && failure->value() == connectors::errc::auth_required) {
                connectors::caller who{k.tenant, k.user};
                std::string id = a.connector_id;
                auto c = co_await m->get_connector(who, id);
                detail::ask_to_sign_in(*m, c, ctx);
            }
            if (failure) throw *failure;
            co_return "connected '" + s.name + "': " + std::to_string(s.tools.size()) + " tools";
        });
    auto disconnect = tool<"connectors_disconnect">(
        "Disconnects one of your connectors in this session; its tools leave the tool list",
        [m = manager](detail::connector_ref a, request_context& ctx) -> asio::awaitable<std::string> {
            auto k = detail::session_of(ctx);
            auto s = co_await m->disconnect(k, a.connector_id);
            co_return "disconnected '" + s.name + "'";
        });
    auto reg = std::make_shared<connectors::system_tool_registry>();
    reg->add({"connectors_list", "My connectors", "Your MCP connectors and their status in this session", "plug",
              "connectors", "none", true, false, std::make_shared<const tool_entry>(list.entry())});
    reg->add({"connectors_connect", "Connect a connector", "Connect one of your connectors in this session", "link",
              "connectors", "none", true, false, std::make_shared<const tool_entry>(connect.entry())});
    reg->add({"connectors_disconnect", "Disconnect a connector", "Disconnect one of your connectors in this session",
              "unlink", "connectors", "none", true, false, std::make_shared<const tool_entry>(disconnect.entry())});
    return reg;
}

}  // namespace polymcp::gateway

#endif
