#ifndef POLYMCP_RESOURCES_RESOURCE_HPP
#define POLYMCP_RESOURCES_RESOURCE_HPP

/// @file polymcp/resources/resource.hpp
/// Declaring resources (MCP 2025-11-25 "Server Features" > "Resources"):
/// `polymcp::resource<"name">(uri, description, handler)` for a fixed URI and
/// `polymcp::resource_template<"name">(uri_template, description, handler)`
/// for a family of URIs (RFC 6570), whose variables arrive decoded into a
/// Hana-reflected struct, as tool arguments do.
///
/// @code
/// struct user_ref { BOOST_HANA_DEFINE_STRUCT(user_ref, (std::string, id)); };
/// auto readme = polymcp::resource<"readme">("file:///readme", "The README",
///                                           [] { return std::string("# Hello"); })
///                   .mime_type("text/markdown");
/// auto user = polymcp::resource_template<"user">("users://{id}/profile", "A user's profile",
///                                                [](user_ref u) { return "{\"id\":\"" + u.id + "\"}"; })
///                 .mime_type("application/json")
///                 .complete("id", polymcp::complete_from({"alice", "bob"}));
/// @endcode
///
/// Handler shapes: `R f()`, `R f(request_context&)` for resources;
/// `R f(Vars)`, `R f(Vars, request_context&)` for templates; each may return
/// `asio::awaitable<R>`. `R` is a string (text contents with the declared
/// MIME type), `resource_contents`, `std::vector<resource_contents>` or
/// `read_resource_result`; a contents entry with an empty `uri` gets the URI
/// that was read. Throw `jsonrpc::exception` for a specific JSON-RPC error;
/// any other exception becomes -32603.

#include <polymcp/core/config.hpp>
#include <polymcp/core/fixed_string.hpp>
#include <polymcp/json/decode.hpp>
#include <polymcp/protocol/types.hpp>
#include <polymcp/resources/uri_template.hpp>
#include <polymcp/handler/completion.hpp>
#include <polymcp/handler/context.hpp>
#include <polymcp/handler/run_handler.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace polymcp {

/// One item of `resources/read` (schema `TextResourceContents` /
/// `BlobResourceContents`): exactly one of `text` or `blob` (base64).
struct resource_contents {
    std::string uri{};                  ///< the URI these contents are of
    std::string mime_type{};            ///< empty: left out
    std::optional<std::string> text{};  ///< text contents, when not `blob`
    std::optional<std::string> blob{};  ///< base64 of the bytes
    nlohmann::json meta{};              ///< `_meta`, or null

    /// Text contents.
    static resource_contents of_text(std::string uri, std::string text, std::string mime_type = "text/plain") {
        return {std::move(uri), std::move(mime_type), std::move(text), std::nullopt, nullptr};
    }
    /// Binary contents; `base64` is already encoded.
    static resource_contents of_blob(std::string uri, std::string base64,
                                     std::string mime_type = "application/octet-stream") {
        return {std::move(uri), std::move(mime_type), std::nullopt, std::move(base64), nullptr};
    }
    /// The `TextResourceContents` or `BlobResourceContents` object.
    POLYMCP_DECL nlohmann::json to_json() const;
};

/// The result of `resources/read` (schema `ReadResourceResult`).
struct read_resource_result {
    std::vector<resource_contents> contents{};  ///< one or more
    nlohmann::json meta{};                      ///< `_meta`, or null
    /// The `ReadResourceResult` object.
    POLYMCP_DECL nlohmann::json to_json() const;
};

/// What a resource's handler is called with (type-erased).
using resource_read_fn = std::function<void(const std::string& uri, const nlohmann::json& variables,
                                            std::shared_ptr<request_context> ctx,
                                            std::function<void(handler_outcome)> done)>;

/// A resource with a fixed URI, type-erased.
struct resource_entry {
    std::string uri{};          ///< the fixed URI `resources/read` names
    std::string name{};         ///< the resource's name
    nlohmann::json descriptor{};  ///< the `Resource` object
    resource_read_fn read{};    ///< reads it
    std::vector<std::string> scopes{};  ///< OAuth scopes a reader needs
};

/// A resource template, type-erased.
struct resource_template_entry {
    std::string name{};                        ///< the template's name
    std::shared_ptr<const uri_template> tmpl{};  ///< matches URIs and extracts their variables
    nlohmann::json descriptor{};  ///< the `ResourceTemplate` object
    resource_read_fn read{};    ///< reads a matching URI, with its variables
    std::map<std::string, completer, std::less<>> completers{};  ///< `completion/complete` per variable name
    std::vector<std::string> scopes{};  ///< OAuth scopes a reader needs
};

namespace resources_detail {
POLYMCP_DECL nlohmann::json describe_common(nlohmann::json d, const std::string& title, const std::string& description,
                                            const std::string& mime_type, const nlohmann::json& annotations,
                                            const std::vector<icon>& icons, const nlohmann::json& meta);

/// Turns a handler's value into a `ReadResourceResult` object.
template <class V>
nlohmann::json to_read_result(V&& v, const std::string& uri, const std::string& mime_type) {
    using T = std::remove_cvref_t<V>;
    read_resource_result r;
    if constexpr (std::is_convertible_v<T, std::string> && !std::is_same_v<T, resource_contents>) {
        r.contents.push_back(resource_contents::of_text(uri, std::string(std::forward<V>(v)),
                                                        mime_type.empty() ? "text/plain" : mime_type));
    } else if constexpr (std::is_same_v<T, resource_contents>) {
        r.contents.push_back(std::forward<V>(v));
    } else if constexpr (std::is_same_v<T, std::vector<resource_contents>>) {
        r.contents = std::forward<V>(v);
    } else if constexpr (std::is_same_v<T, read_resource_result>) {
        r = std::forward<V>(v);
    } else {
        static_assert(sizeof(T) == 0,
                      "polymcp::resource: a handler returns a string, resource_contents, "
                      "std::vector<resource_contents> or read_resource_result");
    }
    for (auto& c : r.contents) {
        if (c.uri.empty()) c.uri = uri;
        if (c.mime_type.empty()) c.mime_type = mime_type;
    }
    return r.to_json();
}
}  // namespace resources_detail

/// Setters shared by resources and templates (CRTP).
template <class Self>
class resource_options {
public:
    /// Display title.
    Self& title(std::string t) { title_ = std::move(t); return self(); }
    /// MIME type of the contents (default for string results: text/plain).
    Self& mime_type(std::string m) { mime_type_ = std::move(m); return self(); }
    /// Schema `Annotations` (audience, priority, lastModified).
    Self& annotations(nlohmann::json a) { annotations_ = std::move(a); return self(); }
    /// Icons (2025-11-25).
    Self& icons(std::vector<icon> i) { icons_ = std::move(i); return self(); }
    /// Free-form `_meta` (an object).
    Self& meta(nlohmann::json m) { meta_ = std::move(m); return self(); }
    /// Runs a plain handler on the server's thread pool.
    Self& blocking(bool b = true) { blocking_ = b; return self(); }
    /// OAuth scopes a caller needs to read it (all of them), checked before
    /// the handler runs (see `tool_definition::scopes`).
    Self& scopes(std::vector<std::string> s) { scopes_ = std::move(s); return self(); }

protected:
    /// @cond INTERNAL
    Self& self() { return static_cast<Self&>(*this); }
    std::string title_, mime_type_;
    nlohmann::json annotations_, meta_;
    std::vector<icon> icons_;
    std::vector<std::string> scopes_;
    bool blocking_ = false;
    /// @endcond
};

/// A resource with a fixed URI; build with `polymcp::resource<"name">(...)`.
template <fixed_string Name, class F>
class resource_definition : public resource_options<resource_definition<Name, F>> {
public:
    using traits = handler::handler_traits<F>;  ///< what the handler takes and returns
    static_assert(!traits::has_args,
                  "polymcp::resource: a resource handler takes no arguments struct (only an optional "
                  "polymcp::request_context&); use polymcp::resource_template for URIs with variables");
    static constexpr std::string_view name = Name.view();  ///< the resource's `name`

    /// A resource at `uri`, described by `description`, read by `fn`.
    resource_definition(std::string uri, std::string description, F fn)
        : uri_(std::move(uri)), description_(std::move(description)), fn_(std::move(fn)) {}

    /// Size of the contents in bytes, when known.
    resource_definition& size(std::uint64_t bytes) { size_ = bytes; return *this; }

    /// The `Resource` object.
    nlohmann::json descriptor() const {
        nlohmann::json d = {{"uri", uri_}, {"name", std::string(name)}};
        if (size_) d["size"] = *size_;
        return resources_detail::describe_common(std::move(d), this->title_, description_, this->mime_type_,
                                                 this->annotations_, this->icons_, this->meta_);
    }

    /// The type-erased entry a registry stores.
    resource_entry entry() const {
        resource_entry e;
        e.scopes = this->scopes_;
        e.uri = uri_;
        e.name = std::string(name);
        e.descriptor = descriptor();
        e.read = [fn = fn_, blocking = this->blocking_, mime = this->mime_type_](
                     const std::string& uri, const nlohmann::json&, std::shared_ptr<request_context> ctx,
                     std::function<void(handler_outcome)> done) {
            handler::run_handler(fn, handler::no_arguments{}, std::move(ctx), blocking,
                                [uri, mime](auto&& v) {
                                    return resources_detail::to_read_result(std::forward<decltype(v)>(v), uri, mime);
                                },
                                "reading resource '" + uri + "'", std::move(done));
        };
        return e;
    }

private:
    std::string uri_, description_;
    F fn_;
    std::optional<std::uint64_t> size_;
};

/// A resource template; build with `polymcp::resource_template<"name">(...)`.
template <fixed_string Name, class F>
class resource_template_definition : public resource_options<resource_template_definition<Name, F>> {
public:
    using traits = handler::handler_traits<F>;     ///< what the handler takes and returns
    using variables_type = typename traits::args;  ///< the reflected struct of the template's variables
    static constexpr std::string_view name = Name.view();  ///< the template's `name`

    /// @throws std::invalid_argument for a malformed template.
    resource_template_definition(std::string uri_template_text, std::string description, F fn)
        : tmpl_(std::make_shared<const uri_template>(std::move(uri_template_text))),
          description_(std::move(description)), fn_(std::move(fn)) {}

    /// Attaches a completer for the template variable `variable`.
    resource_template_definition& complete(std::string variable, completer c) {
        completers_[std::move(variable)] = std::move(c);
        return *this;
    }

    /// The `ResourceTemplate` object.
    nlohmann::json descriptor() const {
        nlohmann::json d = {{"uriTemplate", tmpl_->str()}, {"name", std::string(name)}};
        return resources_detail::describe_common(std::move(d), this->title_, description_, this->mime_type_,
                                                 this->annotations_, this->icons_, this->meta_);
    }

    /// The type-erased entry a registry stores.
    resource_template_entry entry() const {
        resource_template_entry e;
        e.scopes = this->scopes_;
        e.name = std::string(name);
        e.tmpl = tmpl_;
        e.descriptor = descriptor();
        e.completers = completers_;
        e.read = [fn = fn_, blocking = this->blocking_, mime = this->mime_type_](
                     const std::string& uri, const nlohmann::json& variables, std::shared_ptr<request_context> ctx,
                     std::function<void(handler_outcome)> done) {
            variables_type vars{};
            if constexpr (traits::has_args) {
                decode_error err;
                if (!decode(variables, vars, err)) {
                    done({nullptr, jsonrpc::error{jsonrpc::error_code::invalid_params,
                                                  "Invalid params for 'resources/read': the variables of '" + uri +
                                                      "' do not fit the template: " + err.what(),
                                                  {{"uri", uri}}}});
                    return;
                }
            }
            handler::run_handler(fn, std::move(vars), std::move(ctx), blocking,
                                [uri, mime](auto&& v) {
                                    return resources_detail::to_read_result(std::forward<decltype(v)>(v), uri, mime);
                                },
                                "reading resource '" + uri + "'", std::move(done));
        };
        return e;
    }

private:
    std::shared_ptr<const uri_template> tmpl_;
    std::string description_;
    F fn_;
    std::map<std::string, completer, std::less<>> completers_;
};

/// Declares a resource with a fixed URI.
template <fixed_string Name, class F>
auto resource(std::string uri, std::string description, F&& handler) {
    return resource_definition<Name, std::decay_t<F>>(std::move(uri), std::move(description),
                                                      std::forward<F>(handler));
}

/// Declares a resource template (RFC 6570 URI template).
/// @throws std::invalid_argument for a malformed template.
template <fixed_string Name, class F>
auto resource_template(std::string uri_template_text, std::string description, F&& handler) {
    return resource_template_definition<Name, std::decay_t<F>>(std::move(uri_template_text), std::move(description),
                                                               std::forward<F>(handler));
}

}  // namespace polymcp

#if POLYMCP_HEADER_ONLY
#include <polymcp/resources/impl/resource.ipp>
#endif

#endif
