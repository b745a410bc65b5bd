#ifndef POLYMCP_SERVER_FEATURES_HPP
#define POLYMCP_SERVER_FEATURES_HPP

/// @file polymcp/server/features.hpp
/// `polymcp::server_features`: the tools, resources and prompts a server
/// offers, and `polymcp::features(...)`, which gathers them from sets made by
/// `polymcp::tools(...)`, `polymcp::resources(...)`, `polymcp::prompts(...)`
/// and from registries.
///
/// @code
/// polymcp::server srv(options, polymcp::features(polymcp::tools(echo),
///                                                polymcp::resources(readme, user),
///                                                polymcp::prompts(review)));
/// @endcode

#include <polymcp/prompts/registry.hpp>
#include <polymcp/resources/registry.hpp>
#include <polymcp/tools/registry.hpp>

#include <memory>

namespace polymcp {

/// What a server offers. A null registry means the feature is absent: its
/// capability is not declared and its methods answer -32601.
struct server_features {
    std::shared_ptr<tool_registry> tools{};        ///< its tools, or null
    std::shared_ptr<resource_registry> resources{};  ///< its resources and templates, or null
    std::shared_ptr<prompt_registry> prompts{};    ///< its prompts, or null
};

namespace server_detail {
template <class... T>
void add(server_features& f, const tool_set<T...>& s) { f.tools = s.make_registry(); }
template <class... T>
void add(server_features& f, const resource_set<T...>& s) { f.resources = s.make_registry(); }
template <class... T>
void add(server_features& f, const prompt_set<T...>& s) { f.prompts = s.make_registry(); }
inline void add(server_features& f, std::shared_ptr<tool_registry> r) { f.tools = std::move(r); }
inline void add(server_features& f, std::shared_ptr<resource_registry> r) { f.resources = std::move(r); }
inline void add(server_features& f, std::shared_ptr<prompt_registry> r) { f.prompts = std::move(r); }
}  // namespace server_detail

/// Gathers tool, resource and prompt sets or registries (at most one of each
/// kind) into `server_features`.
/// @throws std::system_error for two resources with the same URI.
template <class... Parts>
server_features features(const Parts&... parts) {
    server_features f;
    (server_detail::add(f, parts), ...);
    if (!f.tools) f.tools = std::make_shared<tool_registry>(false);
    return f;
}

}  // namespace polymcp

#endif
