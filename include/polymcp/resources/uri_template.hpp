#ifndef POLYMCP_RESOURCES_URI_TEMPLATE_HPP
#define POLYMCP_RESOURCES_URI_TEMPLATE_HPP

/// @file polymcp/resources/uri_template.hpp
/// `polymcp::uri_template`: RFC 6570 URI Templates as MCP resource templates
/// use them (MCP 2025-11-25 "Resources" > "Resource Templates"): expansion
/// (levels 1-3: `{var}`, `{+var}`, `{#var}`, `{.var}`, `{/var}`, `{;var}`,
/// `{?var}`, `{&var}`, several variables per expression) and the reverse,
/// matching a concrete URI to recover the variables.

#include <polymcp/core/config.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace polymcp {

/// A parsed URI template. Immutable after construction; thread-safe to share.
class uri_template {
public:
    /// Parses `text`.
    /// @throws std::invalid_argument naming the offset of a malformed
    ///         expression (unclosed brace, empty or invalid variable name,
    ///         level-4 modifiers such as `:3` or `*`).
    POLYMCP_DECL explicit uri_template(std::string text);

    /// The template as written.
    const std::string& str() const noexcept { return text_; }

    /// The variable names in order of appearance.
    POLYMCP_DECL std::vector<std::string> variables() const;

    /// Matches `uri` against the template. On success sets `vars` to an object
    /// of the variables found, as percent-decoded strings (a query variable
    /// that is absent is left out).
    /// Simple `{var}` values never contain `/`, `?` or `#`; `{+var}` and
    /// `{#var}` values may. Never throws.
    POLYMCP_DECL bool match(std::string_view uri, nlohmann::json& vars) const;

    /// Expands the template with `vars` (an object of strings or numbers;
    /// missing variables expand to nothing), percent-encoding per RFC 6570
    /// section 3.2.
    POLYMCP_DECL std::string expand(const nlohmann::json& vars) const;

private:
    struct part {
        bool literal = true;
        std::string text{};              // literal text
        char op = 0;                     // expression operator, 0 for simple
        std::vector<std::string> names{};  // expression variables
    };
    std::string text_;
    std::vector<part> parts_;
};

}  // namespace polymcp

#if POLYMCP_HEADER_ONLY
#include <polymcp/resources/impl/uri_template.ipp>
#endif

#endif
