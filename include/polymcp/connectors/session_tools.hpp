#ifndef POLYMCP_CONNECTORS_SESSION_TOOLS_HPP
#define POLYMCP_CONNECTORS_SESSION_TOOLS_HPP

/// @file polymcp/connectors/session_tools.hpp
/// `polymcp::connectors::session_tools<Manager>`: a connector manager
/// (polymcp/connectors/manager.hpp) served over MCP. A `tool_provider`
/// (polymcp/server/tool_provider.hpp) for `server_options::per_caller_tools`:
/// each MCP caller sees the aggregated tools of its own connector session —
/// tenant and user from its principal, the session's name from a principal
/// claim (`session_claim`, "default" when absent) — and calling one forwards
/// the call upstream with progress and cancellation passed through. When the
/// session's tools change (a connect, a disconnect, an upstream's
/// list_changed) the MCP session gets `notifications/tools/list_changed`.
///
/// An upstream failure is a tool result with `isError` and the connector
/// error's code and message (so the model reads it), not a protocol error.

#include <polymcp/connectors/aggregator.hpp>
#include <polymcp/connectors/error.hpp>
#include <polymcp/connectors/manager.hpp>
#include <polymcp/connectors/session_state.hpp>
#include <polymcp/handler/context.hpp>
#include <polymcp/server/tool_provider.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace polymcp::connectors {

/// Settings of `session_tools`.
struct session_tools_options {
    /// The principal claim naming the caller's connector session (a string);
    /// the gateway sets it from the `X-Gateway-Session` header.
    std::string session_claim = "gateway_session";
};

/// The aggregated tools of each caller's connector session as a
/// `tool_provider` (see this file's description), each call forwarded by
/// `Manager` (a `connector_manager`). Thread-safe.
template <class Manager>
class session_tools final : public tool_provider {
public:
    /// @param manager the connector manager (kept)
    /// @param options where the session's name comes from
    explicit session_tools(std::shared_ptr<Manager> manager, session_tools_options options = {})
        : manager_(std::move(manager)), opts_(std::move(options)) {}

    /// The connector session of principal `p`.
    session_key key_of(const auth::principal& p) const {
        session_key k{p.tenant, p.subject, "default"};
        if (auto c = p.claims.find(opts_.session_claim); c != p.claims.end() && c->is_string() && !c->empty())
            k.session = c->template get<std::string>();
        return k;
    }

    asio::awaitable<std::vector<std::shared_ptr<const tool_entry>>> list_tools(tool_scope scope) override {
        auto k = key_of(*scope.principal);
        watch(scope, k);
        auto agg = co_await manager_->tools(k);
        std::vector<std::shared_ptr<const tool_entry>> out;
        for (const auto& t : agg.tools) out.push_back(entry(k, t));
        co_return out;
    }

    asio::awaitable<std::shared_ptr<const tool_entry>> find_tool(tool_scope scope, std::string name) override {
        auto k = key_of(*scope.principal);
        // A revoked connector's tool is found: its call answers DISABLED.
        auto t = co_await manager_->find_callable_tool(k, name);
        if (!t) co_return nullptr;
        // The entry made for this tool object of the session's kept view,
        // while that view lives; made anew when the view is dropped.
        std::string slot_key = k.prefix();
        slot_key += '\0';
        slot_key += name;
        {
            std::lock_guard lock(mu_);
            if (auto it = entries_.find(slot_key); it != entries_.end() && it->second.source.lock() == t)
                co_return it->second.entry;
        }
        auto e = entry(k, *t);
        std::lock_guard lock(mu_);
        if (entries_.size() >= max_kept_entries) entries_.clear();
        entries_[std::move(slot_key)] = kept_entry{t, e};
        co_return e;
    }

    void session_closed(std::uint64_t id) override {
        std::uint64_t token = 0;
        {
            std::lock_guard lock(mu_);
            auto it = watches_.find(id);
            if (it == watches_.end()) return;
            token = it->second.second;
            watches_.erase(it);
        }
        manager_->unsubscribe(token);
    }

private:
    // Tells the MCP session when its connector session's tools change.
    void watch(const tool_scope& scope, const session_key& k) {
        std::uint64_t old = 0;
        {
            std::lock_guard lock(mu_);
            auto it = watches_.find(scope.session_id);
            if (it != watches_.end() && it->second.first == k) return;
            if (it != watches_.end()) old = it->second.second;
        }
        if (old) manager_->unsubscribe(old);
        auto notify = scope.notify;
        auto token = manager_->subscribe(k, [notify] { notify("notifications/tools/list_changed", nullptr); });
        std::lock_guard lock(mu_);
        watches_[scope.session_id] = {k, token};
    }

    std::shared_ptr<const tool_entry> entry(const session_key& k, const aggregated_tool& t) const {
        tool_entry e;
        e.name = t.name;
        e.descriptor = t.descriptor;
        std::weak_ptr<Manager> weak = manager_;
        e.call = [weak, k, name = t.name](const nlohmann::json& arguments, std::shared_ptr<request_context> ctx,
                                          tool_entry::completion done) {
            asio::co_spawn(ctx->get_executor(), forward(weak, k, name, arguments, ctx, std::move(done)), asio::detached);
        };
        return std::make_shared<const tool_entry>(std::move(e));
    }

    static asio::awaitable<void> forward(std::weak_ptr<Manager> weak, session_key k, std::string name,
                                         nlohmann::json arguments, std::shared_ptr<request_context> ctx,
                                         tool_entry::completion done) {
        auto m = weak.lock();
        if (!m) {
            done(call_tool_result::error("the gateway is shutting down"));
            co_return;
        }
        call_options o;
        o.on_progress = [ctx](const client::progress_info& p) {
            asio::post(ctx->get_executor(), [ctx, p] { ctx->report_progress(p.progress, p.total, p.message); });
        };
        o.cancellation = ctx->cancellation_slot();
        std::optional<call_tool_result> out;
        try {
            auto r = co_await m->call_tool(k, name, std::move(arguments), std::move(o));
            out = static_cast<call_tool_result&&>(std::move(r));
        } catch (const connector_error& e) {
            out = call_tool_result::error(std::string(code_name(e.value())) + ": " + e.what());
        } catch (const std::exception& e) {
            out = call_tool_result::error(std::string("UPSTREAM_ERROR: ") + e.what());
        }
        done(std::move(*out));
    }

    struct kept_entry {
        std::weak_ptr<const aggregated_tool> source;
        std::shared_ptr<const tool_entry> entry{};
    };
    static constexpr std::size_t max_kept_entries = 4096;

    std::shared_ptr<Manager> manager_;
    session_tools_options opts_;
    std::mutex mu_;
    std::unordered_map<std::string, kept_entry> entries_;  // session prefix + '\0' + tool name
    std::map<std::uint64_t, std::pair<session_key, std::uint64_t>> watches_;  // MCP session -> (key, subscription)
};

}  // namespace polymcp::connectors

#endif
