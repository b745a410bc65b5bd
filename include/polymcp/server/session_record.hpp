#ifndef POLYMCP_SERVER_SESSION_RECORD_HPP
#define POLYMCP_SERVER_SESSION_RECORD_HPP

/// @file polymcp/server/session_record.hpp
/// `polymcp::session_record`: what a 2025-11-25 session keeps between two
/// requests — what it negotiated and the principal it is bound to — as a
/// `session_store` (polymcp/server/session_store.hpp) keeps it.

#include <polymcp/auth/principal.hpp>
#include <polymcp/protocol/revision.hpp>
#include <polymcp/protocol/types.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace polymcp {

/// What a 2025-11-25 session keeps between two requests.
struct session_record {
    /// The negotiated revision (MCP 2025-11-25 "Lifecycle").
    revision protocol_version = latest_session_revision;
    /// The client's `capabilities` from `initialize` (an object).
    nlohmann::json client_capabilities = nlohmann::json::object();
    /// The client's `clientInfo` from `initialize`.
    nlohmann::json client_info = nlohmann::json::object();
    /// The level `logging/setLevel` chose.
    logging_level log_level = logging_level::info;
    /// The URIs of `resources/subscribe`, sorted.
    std::vector<std::string> subscriptions{};
    /// The principal the session is bound to (issuer, subject, tenant);
    /// anonymous when it was opened without credentials.
    auth::principal owner{};
    /// How many changes made it (`initialize`, `logging/setLevel`,
    /// `resources/subscribe`, `resources/unsubscribe`), counted across every
    /// instance that served the session: a copy never takes a record older
    /// than what it holds (`session::restore`).
    std::uint64_t generation = 0;

    /// `{"v": 1, "gen", "protocolVersion", "capabilities", "clientInfo",
    /// "logLevel", "subscriptions", "owner": {"iss", "sub", "ten"}}`.
    nlohmann::json to_json() const {
        return {{"v", 1},
                {"gen", generation},
                {"protocolVersion", std::string(to_string(protocol_version))},
                {"capabilities", client_capabilities},
                {"clientInfo", client_info},
                {"logLevel", std::string(to_string(log_level))},
                {"subscriptions", subscriptions},
                {"owner", {{"iss", owner.issuer}, {"sub", owner.subject}, {"ten", owner.tenant}}}};
    }

    /// The record `to_json` wrote, or nullopt for anything else (another
    /// version, a missing or mistyped member). A record without `"gen"`
    /// reads as generation 0. Never throws.
    static std::optional<session_record> from_json(const nlohmann::json& j) noexcept {
        try {
            if (!j.is_object() || j.value("v", 0) != 1) return std::nullopt;
            session_record r;
            auto rev = parse_revision(j.at("protocolVersion").get<std::string>());
            auto level = parse_logging_level(j.at("logLevel").get<std::string>());
            if (!rev || is_stateless(*rev) || !level) return std::nullopt;
            r.protocol_version = *rev;
            if (auto it = j.find("gen"); it != j.end()) {  // absent: 0
                if (!it->is_number_unsigned()) return std::nullopt;
                r.generation = it->get<std::uint64_t>();
            }
            r.log_level = *level;
            r.client_capabilities = j.at("capabilities");
            r.client_info = j.at("clientInfo");
            if (!r.client_capabilities.is_object() || !r.client_info.is_object()) return std::nullopt;
            r.subscriptions = j.at("subscriptions").get<std::vector<std::string>>();
            const auto& o = j.at("owner");
            r.owner.issuer = o.at("iss").get<std::string>();
            r.owner.subject = o.at("sub").get<std::string>();
            r.owner.tenant = o.at("ten").get<std::string>();
            return r;
        } catch (const std::exception&) {
            return std::nullopt;
        }
    }
};

}  // namespace polymcp

#endif
