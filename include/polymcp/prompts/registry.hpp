#ifndef POLYMCP_PROMPTS_REGISTRY_HPP
#define POLYMCP_PROMPTS_REGISTRY_HPP

/// @file polymcp/prompts/registry.hpp
/// `polymcp::prompt_registry`: the prompts of a server, in name order with
/// pagination and `notifications/prompts/list_changed` when dynamic (MCP
/// 2025-11-25 "Prompts" > "List Changed Notification"). `polymcp::prompts(...)`
/// makes a fixed set, checked for duplicate names at compile time.

#include <polymcp/core/config.hpp>
#include <polymcp/core/error.hpp>
#include <polymcp/prompts/prompt.hpp>
#include <polymcp/handler/catalog.hpp>

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>

namespace polymcp {

/// A thread-safe set of prompts, by name. All members are thread-safe.
class prompt_registry {
public:
    using page = handler::catalog<prompt_entry>::page;  ///< one page of `prompts/list`

    /// @param dynamic whether prompts may change while serving (`prompts.listChanged`)
    explicit prompt_registry(bool dynamic) : dynamic_(dynamic) {}
    bool dynamic() const noexcept { return dynamic_; }  ///< whether the prompt list may change

    /// Adds a prompt; `errc::duplicate_name` when the name is taken.
    POLYMCP_DECL void add(prompt_entry e, std::error_code& ec);
    /// Adds a prompt. @throws std::system_error `errc::duplicate_name`
    POLYMCP_DECL void add(prompt_entry e);
    /// Adds a declared prompt. @throws std::system_error `errc::duplicate_name`
    template <fixed_string N, class F>
    void add(const prompt_definition<N, F>& p) { add(p.entry()); }
    /// Removes the named prompt; false when there was none.
    POLYMCP_DECL bool remove(std::string_view name);
    /// The named prompt, or null.
    POLYMCP_DECL std::shared_ptr<const prompt_entry> find(std::string_view name) const;
    /// A page of `prompts/list`; `errc::invalid_params` for a foreign cursor.
    POLYMCP_DECL page list(std::string_view cursor, std::size_t page_size, std::error_code& ec) const;
    /// Calls `f` after every change. @return a token for `unsubscribe`.
    POLYMCP_DECL std::uint64_t subscribe(std::function<void()> f);
    /// Removes the callback of `token`.
    POLYMCP_DECL void unsubscribe(std::uint64_t token);

private:
    bool dynamic_;
    handler::catalog<prompt_entry> catalog_;
};

/// A registry whose prompts may change while serving.
POLYMCP_DECL std::shared_ptr<prompt_registry> make_dynamic_prompt_registry();

/// A fixed set of prompts; see `polymcp::prompts`.
template <class... Ps>
class prompt_set {
public:
    /// The set of `p`.
    explicit prompt_set(Ps... p) : items_(std::move(p)...) {}
    /// A static registry holding these prompts.
    std::shared_ptr<prompt_registry> make_registry() const {
        auto r = std::make_shared<prompt_registry>(false);
        add_to(*r);
        return r;
    }
    /// Adds every prompt of the set to `r` (e.g. a dynamic registry).
    /// @throws std::system_error `errc::duplicate_name` when `r` has one of the names
    void add_to(prompt_registry& r) const {
        std::apply([&](const auto&... x) { (r.add(x.entry()), ...); }, items_);
    }

private:
    std::tuple<Ps...> items_;
};

/// Groups prompts into a static set; duplicate names are a compile-time error.
template <class... Ps>
auto prompts(Ps... p) {
    static_assert(handler::unique_names<Ps...>(), "polymcp::prompts(...): two prompts have the same name");
    return prompt_set<Ps...>(std::move(p)...);
}

}  // namespace polymcp

#if POLYMCP_HEADER_ONLY
#include <polymcp/prompts/impl/registry.ipp>
#endif

#endif
