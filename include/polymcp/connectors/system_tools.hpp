#ifndef POLYMCP_CONNECTORS_SYSTEM_TOOLS_HPP
#define POLYMCP_CONNECTORS_SYSTEM_TOOLS_HPP

/// @file polymcp/connectors/system_tools.hpp
/// `polymcp::connectors::system_tool_registry`: the built-in tools of a
/// gateway — each with an id, a display
/// name, a description, an icon, a category, the kind of authorization it
/// needs (`auth_type`: "none", "oauth", "api_key", ...), and `enabled` and
/// `beta` flags — listable by users (`GET /api/tools`), and, when it has an
/// implementation, served over MCP to every caller while enabled.

#include <polymcp/tools/tool_entry.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace polymcp::connectors {

/// One built-in tool.
struct system_tool {
    std::string id{};         ///< stable, e.g. "connectors_list"
    std::string name{};       ///< display name, e.g. "My connectors"
    std::string description{};  ///< what it does, for people and the model
    std::string icon{};       ///< a URL or an icon name
    std::string category{};   ///< e.g. "connectors", "insights"
    std::string auth_type = "none";  ///< the credentials it needs: "none" for the built-in ones
    bool enabled = true;      ///< whether agents see it
    bool beta = false;        ///< shown as a preview
    /// The MCP tool that implements it (its `name` is the MCP tool name), or
    /// null for a tool the registry only describes.
    std::shared_ptr<const tool_entry> implementation{};

    /// `{"id", "name", "description", "icon", "category", "auth_type",
    /// "is_enabled", "is_beta", "mcp_name"}` (`mcp_name` null without implementation).
    nlohmann::json to_json() const {
        return {{"id", id},
                {"name", name},
                {"description", description},
                {"icon", icon},
                {"category", category},
                {"auth_type", auth_type},
                {"is_enabled", enabled},
                {"is_beta", beta},
                {"mcp_name", implementation ? nlohmann::json(implementation->name) : nlohmann::json()}};
    }
};

/// A thread-safe registry of system tools, in insertion order.
class system_tool_registry {
public:
    /// Adds `t`, or replaces the tool with the same id.
    void add(system_tool t) {
        std::lock_guard lock(mu_);
        for (auto& e : tools_)
            if (e.id == t.id) {
                e = std::move(t);
                return;
            }
        tools_.push_back(std::move(t));
    }

    /// Enables or disables the tool `id`; false when there is none.
    bool set_enabled(const std::string& id, bool enabled) {
        std::lock_guard lock(mu_);
        for (auto& e : tools_)
            if (e.id == id) {
                e.enabled = enabled;
                return true;
            }
        return false;
    }

    /// Every tool (with `include_disabled`), or the enabled ones.
    std::vector<system_tool> list(bool include_disabled = false) const {
        std::lock_guard lock(mu_);
        std::vector<system_tool> out;
        for (const auto& e : tools_)
            if (include_disabled || e.enabled) out.push_back(e);
        return out;
    }

    /// The tool `id`, or nothing.
    std::optional<system_tool> find(const std::string& id) const {
        std::lock_guard lock(mu_);
        for (const auto& e : tools_)
            if (e.id == id) return e;
        return std::nullopt;
    }

    /// The implementations of the enabled tools (what MCP callers see).
    std::vector<std::shared_ptr<const tool_entry>> enabled_implementations() const {
        std::lock_guard lock(mu_);
        std::vector<std::shared_ptr<const tool_entry>> out;
        for (const auto& e : tools_)
            if (e.enabled && e.implementation) out.push_back(e.implementation);
        return out;
    }

private:
    mutable std::mutex mu_;
    std::vector<system_tool> tools_;
};

}  // namespace polymcp::connectors

#endif
