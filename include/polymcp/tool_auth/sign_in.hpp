#ifndef POLYMCP_TOOL_AUTH_SIGN_IN_HPP
#define POLYMCP_TOOL_AUTH_SIGN_IN_HPP

/// @file polymcp/tool_auth/sign_in.hpp
/// Tool-level sign-in: the MCP client
/// authenticates a *session* against a third party by calling tools.
///
/// - `authenticate` (its arguments are the `Credentials` struct, so its
///   `inputSchema` is generated), `get_auth_status` and `logout` are
///   registered through the normal typed registry;
/// - until the session is authenticated, every other tool call and resource
///   read fails fast with a message that says to call `authenticate`, and
///   `tools/list` shows only the public tools; a client that declared
///   `elicitation.url` instead gets `URLElicitationRequiredError` (-32042)
///   pointing at your sign-in page when `elicitation_url` is configured, so
///   the third-party credentials never pass through the MCP client;
/// - `authenticate` validates the credentials with your verifier (it may
///   block: it runs on the thread pool), keeps them only in memory for the
///   session, sends `notifications/tools/list_changed`, and runs the
///   registered callbacks (e.g. reconnect a streaming client); a callback
///   that throws is reported, never fails the authentication;
/// - `logout` clears the session's state (and runs the callbacks); so does
///   the end of the session.
///
/// Credentials are never logged, never put in a result, and dropped on logout.
///
/// @code
/// struct mm_login { BOOST_HANA_DEFINE_STRUCT(mm_login, (std::string, url), (std::string, token)); };
/// auto gate = polymcp::tool_auth::sign_in<mm_login>::create({.verify = check_with_mattermost});
/// gate->register_tools(*registry);            // a dynamic tool registry
/// options.gate = gate;                        // server_options::gate
/// // in a gated tool: auto creds = gate->credentials(ctx.session_id());
/// @endcode

#include <polymcp/core/random.hpp>
#include <polymcp/json/encode.hpp>
#include <polymcp/server/gate.hpp>
#include <polymcp/tools/registry.hpp>
#include <polymcp/tools/tool.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace polymcp::tool_auth {

/// What a verifier says about the credentials given to `authenticate`.
struct verification {
    bool ok = false;  ///< whether the credentials were accepted
    /// On failure, why (shown to the client; must not repeat the credentials).
    std::string message{};
    /// On success, who the third party says this is (shown by `get_auth_status`).
    nlohmann::json identity = nlohmann::json::object();

    /// Accepted, for `identity`.
    static verification success(nlohmann::json identity = nlohmann::json::object()) {
        return {true, {}, std::move(identity)};
    }
    /// Refused, because of `message`.
    static verification failure(std::string message) { return {false, std::move(message), nlohmann::json::object()}; }
};

/// An authentication change, as callbacks see it.
struct auth_change {
    std::uint64_t session = 0;   ///< `request_context::session_id()`
    bool authenticated = false;  ///< true after `authenticate`, false after `logout`
    nlohmann::json identity = nlohmann::json::object();  ///< who signed in (empty after `logout`)
};

/// Settings of `sign_in`.
template <class Credentials>
struct sign_in_options {
    /// Checks credentials with the third party. Required. May block (it runs
    /// on the server's thread pool); must not throw (a throw counts as a
    /// failure with a generic message).
    std::function<verification(const Credentials&)> verify{};
    /// Tools callable without authentication besides the three auth tools.
    std::vector<std::string> public_tools{};
    /// Resource URIs readable without authentication.
    std::vector<std::string> public_resources{};
    /// URL-mode elicitation (MCP 2025-11-25 "Elicitation" > "URL Mode"): for
    /// clients that declared `elicitation.url`, gated calls are answered
    /// `URLElicitationRequiredError` with the URL this returns for
    /// (session id, elicitation id); your page signs the user in and calls
    /// `sign_in::complete`. Empty: always ask for `authenticate`.
    std::function<std::string(std::uint64_t session, const std::string& elicitation_id)> elicitation_url{};
    /// Where callback failures are reported (never credentials). Default: nowhere.
    std::function<void(std::string_view)> diagnostics{};
};

/// The per-session tool-level authentication gate (this header's notes).
/// Create with `create`; install as `server_options::gate`. Thread-safe.
template <class Credentials>
class sign_in final : public call_gate, public std::enable_shared_from_this<sign_in<Credentials>> {
public:
    /// @throws std::invalid_argument without a verifier
    static std::shared_ptr<sign_in> create(sign_in_options<Credentials> options) {
        if (!options.verify) throw std::invalid_argument("polymcp::tool_auth::sign_in: a verifier is required");
        return std::shared_ptr<sign_in>(new sign_in(std::move(options)));
    }

    /// Adds `authenticate`, `get_auth_status` and `logout` to `tools`.
    /// @throws std::system_error when a tool of those names exists
    void register_tools(tool_registry& tools) {
        std::weak_ptr<sign_in> weak = this->shared_from_this();
        tools.add(polymcp::tool<"authenticate">(
                      "Authenticates this session with the service. Call it before any other tool; the other "
                      "tools appear once it succeeds.",
                      [weak](Credentials c, request_context& ctx) -> call_tool_result {
                          auto self = weak.lock();
                          if (!self) return call_tool_result::error("The server is shutting down.");
                          return self->authenticate(std::move(c), ctx);
                      })
                      .blocking()
                      .annotations({.idempotent_hint = true}));
        tools.add(polymcp::tool<"get_auth_status">(
                      "Tells whether this session is authenticated, and as whom.",
                      [weak](request_context& ctx) -> call_tool_result {
                          auto self = weak.lock();
                          if (!self) return call_tool_result::error("The server is shutting down.");
                          return self->status(ctx.session_id());
                      })
                      .annotations({.read_only_hint = true}));
        tools.add(polymcp::tool<"logout">("Forgets this session's credentials; the other tools disappear.",
                                          [weak](request_context& ctx) -> call_tool_result {
                                              auto self = weak.lock();
                                              if (!self) return call_tool_result::error("The server is shutting down.");
                                              return self->logout(ctx);
                                          }));
    }

    /// Runs `callback` after every successful `authenticate` and every
    /// `logout` (on the thread that ran the tool). Returns an id for `remove_callback`.
    std::uint64_t on_change(std::function<void(const auth_change&)> callback) {
        std::lock_guard lock(mu_);
        callbacks_.emplace(++next_callback_, std::move(callback));
        return next_callback_;
    }
    /// Removes the callback `id` (`on_change`'s return value).
    void remove_callback(std::uint64_t id) {
        std::lock_guard lock(mu_);
        callbacks_.erase(id);
    }

    /// Whether session `id` is authenticated.
    bool authenticated(std::uint64_t session) const {
        std::lock_guard lock(mu_);
        auto it = sessions_.find(session);
        return it != sessions_.end() && it->second.creds.has_value();
    }
    /// The credentials of session `id` when authenticated (for gated tools:
    /// `gate->credentials(ctx.session_id())`).
    std::optional<Credentials> credentials(std::uint64_t session) const {
        std::lock_guard lock(mu_);
        auto it = sessions_.find(session);
        return it == sessions_.end() ? std::nullopt : it->second.creds;
    }

    /// Completes a URL-mode sign-in started by a `URLElicitationRequiredError`
    /// with `elicitation_id`: verifies `c` and, on success, authenticates the
    /// session, sends it `notifications/elicitation/complete` and
    /// `notifications/tools/list_changed`, and runs the callbacks.
    /// An unknown or used elicitation id is a failure.
    verification complete(const std::string& elicitation_id, const Credentials& c) {
        pending p;
        {
            std::lock_guard lock(mu_);
            auto it = pending_.find(elicitation_id);
            if (it == pending_.end()) return verification::failure("unknown or already used sign-in");
            p = std::move(it->second);
            pending_.erase(it);
        }
        auto v = run_verify(c);
        if (!v.ok) return v;
        set_authenticated(p.session, c, v.identity);
        if (p.notify) {
            p.notify("notifications/elicitation/complete", {{"elicitationId", elicitation_id}});
            p.notify("notifications/tools/list_changed", nullptr);
        }
        run_callbacks({p.session, true, v.identity});
        return v;
    }

    // ---- call_gate ----------------------------------------------------------

    bool listed(const gate_session& s, std::string_view tool) const override {
        return is_public_tool(tool) || authenticated(s.id);
    }
    std::optional<gate_denial> check_tool(const gate_session& s, std::string_view tool) const override {
        if (is_public_tool(tool) || authenticated(s.id)) return std::nullopt;
        return deny(s, "The tool '" + std::string(tool) + "'");
    }
    std::optional<gate_denial> check_resource(const gate_session& s, std::string_view uri) const override {
        for (const auto& r : options_.public_resources)
            if (r == uri) return std::nullopt;
        if (authenticated(s.id)) return std::nullopt;
        return deny(s, "The resource '" + std::string(uri) + "'");
    }
    void session_closed(std::uint64_t id) override {
        std::lock_guard lock(mu_);
        sessions_.erase(id);
        std::erase_if(pending_, [id](const auto& kv) { return kv.second.session == id; });
    }

private:
    struct session_state {
        std::optional<Credentials> creds{};  // in memory only
        nlohmann::json identity = nlohmann::json::object();
        std::chrono::system_clock::time_point since{};
    };
    struct pending {
        std::uint64_t session = 0;
        std::function<void(std::string, nlohmann::json)> notify{};
    };

    explicit sign_in(sign_in_options<Credentials> o) : options_(std::move(o)) {}

    bool is_public_tool(std::string_view t) const {
        if (t == "authenticate" || t == "get_auth_status" || t == "logout") return true;
        for (const auto& p : options_.public_tools)
            if (p == t) return true;
        return false;
    }

    std::optional<gate_denial> deny(const gate_session& s, std::string what) const {
        const auto& caps = s.client_capabilities;
        const bool url_mode = options_.elicitation_url && caps.is_object() && caps.contains("elicitation") &&
                              caps["elicitation"].is_object() && caps["elicitation"].contains("url");
        if (url_mode) {
            auto id = random_id();
            {
                std::lock_guard lock(mu_);
                pending_[id] = pending{s.id, s.notify};
            }
            nlohmann::json e = {{"mode", "url"},
                                {"elicitationId", id},
                                {"url", options_.elicitation_url(s.id, id)},
                                {"message", "Sign in to the service to use this server's tools."}};
            return gate_denial{what + " needs you to sign in first.",
                               jsonrpc::error{jsonrpc::error_code::url_elicitation_required,
                                              "URL elicitation required: sign in at the given URL, then retry",
                                              {{"elicitations", nlohmann::json::array({e})}}}};
        }
        return gate_denial{what + " needs an authenticated session: call the tool 'authenticate' first "
                                  "(see its inputSchema for the credentials it takes), then retry."};
    }

    // 128 bits from the kernel CSPRNG: the id lets its holder complete the
    // sign-in of a session, so it must not be guessable.
    static std::string random_id() { return "signin-" + random_hex_id(16); }

    verification run_verify(const Credentials& c) const {
        try {
            return options_.verify(c);
        } catch (...) {
            return verification::failure("the credentials could not be verified (the verifier failed)");
        }
    }

    void set_authenticated(std::uint64_t session, const Credentials& c, const nlohmann::json& identity) {
        std::lock_guard lock(mu_);
        auto& st = sessions_[session];
        st.creds = c;
        st.identity = identity;
        st.since = std::chrono::system_clock::now();
    }

    // Returns the warnings of failed callbacks.
    std::vector<std::string> run_callbacks(const auth_change& change) {
        std::vector<std::function<void(const auth_change&)>> cbs;
        {
            std::lock_guard lock(mu_);
            for (auto& [id, cb] : callbacks_) cbs.push_back(cb);
        }
        std::vector<std::string> warnings;
        for (auto& cb : cbs) {
            try {
                cb(change);
            } catch (const std::exception& e) {
                warnings.push_back(std::string("a callback failed: ") + e.what());
            } catch (...) {
                warnings.push_back("a callback failed");
            }
        }
        for (const auto& w : warnings)
            if (options_.diagnostics) options_.diagnostics("sign_in: " + w + " (the authentication stands)");
        return warnings;
    }

    call_tool_result authenticate(Credentials c, request_context& ctx) {
        auto v = run_verify(c);
        if (!v.ok) return call_tool_result::error("Authentication failed: " + v.message);
        set_authenticated(ctx.session_id(), c, v.identity);
        ctx.notify_session("notifications/tools/list_changed", nullptr);
        auto warnings = run_callbacks({ctx.session_id(), true, v.identity});
        call_tool_result r = call_tool_result::text(
            "Authenticated" + (v.identity.empty() ? std::string() : " as " + v.identity.dump()) +
            ". The other tools are now available." +
            (warnings.empty() ? std::string() : " Warning: " + std::to_string(warnings.size()) + " follow-up action(s) failed."));
        r.structured_content = {{"authenticated", true}, {"identity", v.identity}, {"warnings", warnings}};
        return r;
    }

    call_tool_result status(std::uint64_t session) const {
        std::lock_guard lock(mu_);
        auto it = sessions_.find(session);
        call_tool_result r;
        if (it == sessions_.end() || !it->second.creds) {
            r = call_tool_result::text("Not authenticated: call 'authenticate'.");
            r.structured_content = {{"authenticated", false}};
        } else {
            auto since = std::chrono::duration_cast<std::chrono::seconds>(it->second.since.time_since_epoch()).count();
            r = call_tool_result::text("Authenticated as " + it->second.identity.dump() + ".");
            r.structured_content = {{"authenticated", true}, {"identity", it->second.identity}, {"since", since}};
        }
        return r;
    }

    call_tool_result logout(request_context& ctx) {
        bool was = false;
        {
            std::lock_guard lock(mu_);
            auto it = sessions_.find(ctx.session_id());
            if (it != sessions_.end()) {
                was = it->second.creds.has_value();
                sessions_.erase(it);  // the credentials go with it
            }
        }
        if (was) {
            ctx.notify_session("notifications/tools/list_changed", nullptr);
            run_callbacks({ctx.session_id(), false, nlohmann::json::object()});
        }
        auto r = call_tool_result::text(was ? "Logged out." : "This session was not authenticated.");
        r.structured_content = {{"authenticated", false}};
        return r;
    }

    sign_in_options<Credentials> options_;
    mutable std::mutex mu_;
    std::map<std::uint64_t, session_state> sessions_;
    mutable std::map<std::string, pending> pending_;
    std::map<std::uint64_t, std::function<void(const auth_change&)>> callbacks_;
    std::uint64_t next_callback_ = 0;
};

}  // namespace polymcp::tool_auth

#endif
