#ifndef POLYMCP_TOOLS_TOOL_HPP
#define POLYMCP_TOOLS_TOOL_HPP

/// @file polymcp/tools/tool.hpp
/// Declaring a typed tool (MCP 2025-11-25 "Server Features" > "Tools").
///
/// @code
/// struct add_args { BOOST_HANA_DEFINE_STRUCT(add_args, (double, a), (double, b)); };
/// struct sum { BOOST_HANA_DEFINE_STRUCT(sum, (double, value)); };
/// auto add = polymcp::tool<"add">("Add two numbers",
///                                  [](add_args x) { return sum{x.a + x.b}; })
///                .title("Adder")
///                .annotations({.read_only_hint = true});
/// @endcode
///
/// The handler's first parameter, a Hana-reflected struct, *is* the tool's
/// `inputSchema`; arguments are decoded and validated before the handler runs,
/// and a mismatch becomes an `isError` result naming the JSON Pointer. Accepted
/// handler shapes: `R f(Args)`, `R f(Args, request_context&)`,
/// `R f(request_context&)`, `R f()`, and the same returning `asio::awaitable<R>`.
/// `R` may be `void`, a string (text content), a content block or
/// `std::vector<content_block>`, `call_tool_result` (full control), or any
/// JSON-mappable type (struct, vector, number, ...), which gives
/// `structuredContent` and an `outputSchema` (non-object values are wrapped
/// as `{"result": value}`).

#include <polymcp/core/config.hpp>
#include <polymcp/core/fixed_string.hpp>
#include <polymcp/json/decode.hpp>
#include <polymcp/json/schema.hpp>
#include <polymcp/protocol/content.hpp>
#include <polymcp/protocol/types.hpp>
#include <polymcp/handler/context.hpp>
#include <polymcp/handler/callable.hpp>
#include <polymcp/tools/result.hpp>
#include <polymcp/tools/tool_entry.hpp>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/co_spawn.hpp>
#include <asio/post.hpp>

#include <exception>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace polymcp {

namespace tools_detail {
POLYMCP_DECL tool_outcome from_exception(std::exception_ptr e);

template <class F, class Args>
tool_outcome run_plain(F& f, Args& a, request_context& ctx) {
    try {
        using V = typename handler::handler_traits<F>::value;
        if constexpr (std::is_void_v<V>) {
            handler::invoke(f, a, ctx);
            return call_tool_result{};
        } else {
            return to_result(handler::invoke(f, a, ctx));
        }
    } catch (...) {
        return from_exception(std::current_exception());
    }
}

// Parameters are copied into the coroutine frame, so nothing dangles.
template <class F, class Args>
asio::awaitable<tool_outcome> run_coroutine(F f, Args a, std::shared_ptr<request_context> ctx) {
    using V = typename handler::handler_traits<F>::value;
    try {
        if constexpr (std::is_void_v<V>) {
            co_await handler::invoke(f, a, *ctx);
            co_return call_tool_result{};
        } else {
            auto value = co_await handler::invoke(f, a, *ctx);  // a named local: see run_coroutine_outcome
            co_return to_result(std::move(value));
        }
    } catch (...) {
        co_return from_exception(std::current_exception());
    }
}
}  // namespace tools_detail

/// A tool declared at compile time: its name is part of the type, so a
/// `tool_set` can reject duplicates with a `static_assert`. Build one with
/// `polymcp::tool<"name">(description, handler)`; the setters return `*this`.
template <fixed_string Name, class F>
class tool_definition {
public:
    using handler_type = F;                     ///< the handler's type
    using traits = handler::handler_traits<F>;  ///< what the handler takes and returns
    /// The tool's name (compile time).
    static constexpr std::string_view name = Name.view();

    /// A tool described by `description` (for the model), run by `fn`.
    tool_definition(std::string description, F fn)
        : description_(std::move(description)), fn_(std::move(fn)) {}

    /// Display title (`Tool.title`, 2025-06-18+).
    tool_definition& title(std::string t) & { title_ = std::move(t); return *this; }
    tool_definition&& title(std::string t) && { title_ = std::move(t); return std::move(*this); }  ///< the same, on a temporary
    /// Behaviour hints (`Tool.annotations`).
    tool_definition& annotations(tool_annotations a) & { annotations_ = std::move(a); return *this; }
    tool_definition&& annotations(tool_annotations a) && { annotations_ = std::move(a); return std::move(*this); }  ///< the same, on a temporary
    /// Icons (`Tool.icons`, 2025-11-25).
    tool_definition& icons(std::vector<icon> i) & { icons_ = std::move(i); return *this; }
    tool_definition&& icons(std::vector<icon> i) && { icons_ = std::move(i); return std::move(*this); }  ///< the same, on a temporary
    /// Free-form `_meta` (an object).
    tool_definition& meta(nlohmann::json m) & { meta_ = std::move(m); return *this; }
    tool_definition&& meta(nlohmann::json m) && { meta_ = std::move(m); return std::move(*this); }  ///< the same, on a temporary
    /// Replaces the generated `inputSchema` with `schema` (a JSON Schema
    /// 2020-12 object schema), e.g. to publish `$defs`, `$schema` or
    /// `additionalProperties`. Arguments are still decoded into the handler's
    /// struct, so the two must agree.
    tool_definition& input_schema(nlohmann::json schema) & { input_schema_ = std::move(schema); return *this; }
    tool_definition&& input_schema(nlohmann::json schema) && { input_schema_ = std::move(schema); return std::move(*this); }  ///< the same, on a temporary
    /// Runs a plain (non-coroutine) handler on the server's thread pool, so
    /// that blocking work never stalls other requests. Such a handler should
    /// poll `request_context::cancelled()` when it runs long.
    tool_definition& blocking(bool b = true) & { blocking_ = b; return *this; }
    tool_definition&& blocking(bool b = true) && { blocking_ = b; return std::move(*this); }  ///< the same, on a temporary
    /// OAuth scopes a caller needs to call this tool (all of them), checked
    /// before the handler runs: over Streamable HTTP a token without them is
    /// answered 403 `insufficient_scope` naming them (RFC 6750 section 3.1),
    /// elsewhere the call gets a JSON-RPC error -32003 (see docs/auth.md).
    tool_definition& scopes(std::vector<std::string> s) & { scopes_ = std::move(s); return *this; }
    tool_definition&& scopes(std::vector<std::string> s) && { scopes_ = std::move(s); return std::move(*this); }  ///< the same, on a temporary

    /// The `Tool` object (newest revision).
    /// @throws std::invalid_argument for a `describe` trait naming a non-member.
    nlohmann::json descriptor() const {
        nlohmann::json d = {{"name", std::string(name)}};
        if (!title_.empty()) d["title"] = title_;
        if (!description_.empty()) d["description"] = description_;
        if (!input_schema_.is_null())
            d["inputSchema"] = input_schema_;
        else if constexpr (traits::has_args)
            d["inputSchema"] = schema_of<typename traits::args>();
        else
            d["inputSchema"] = {{"type", "object"}, {"properties", nlohmann::json::object()}};
        if (auto o = tools_detail::output_schema<typename traits::value>(); !o.is_null())
            d["outputSchema"] = std::move(o);
        if (auto a = annotations_.to_json(); !a.empty()) d["annotations"] = std::move(a);
        if (!icons_.empty()) d["icons"] = to_json(icons_);
        if (!meta_.is_null()) d["_meta"] = meta_;
        return d;
    }

    /// The type-erased entry a registry stores.
    tool_entry entry() const {
        tool_entry e;
        e.name = std::string(name);
        e.descriptor = descriptor();
        e.scopes = scopes_;
        e.call = [fn = fn_, blocking = blocking_, tool_name = e.name](
                     const nlohmann::json& arguments, std::shared_ptr<request_context> ctx,
                     tool_entry::completion done) mutable {
            using Args = typename traits::args;
            Args args{};
            if constexpr (traits::has_args) {
                decode_error err;
                if (!decode(arguments, args, err)) {
                    done(call_tool_result::error("Invalid arguments for tool '" + tool_name +
                                                 "': " + err.what()));
                    return;
                }
            }
            if constexpr (traits::is_coroutine) {
                auto slot = ctx->cancellation_slot();
                auto ex = ctx->get_executor();
                asio::co_spawn(ex, tools_detail::run_coroutine(fn, std::move(args), std::move(ctx)),
                               asio::bind_cancellation_slot(
                                   slot, [done = std::move(done)](std::exception_ptr e,
                                                                  tool_outcome r) mutable {
                                       done(e ? tools_detail::from_exception(e) : std::move(r));
                                   }));
            } else {
                if (blocking) {
                    auto ex = ctx->blocking_executor();
                    asio::post(ex, [fn, args = std::move(args), ctx = std::move(ctx),
                                    done = std::move(done)]() mutable {
                        done(tools_detail::run_plain(fn, args, *ctx));
                    });
                } else {
                    done(tools_detail::run_plain(fn, args, *ctx));
                }
            }
        };
        return e;
    }

private:
    std::string description_;
    F fn_;
    std::string title_;
    tool_annotations annotations_;
    std::vector<icon> icons_;
    nlohmann::json meta_;
    nlohmann::json input_schema_;
    std::vector<std::string> scopes_;
    bool blocking_ = false;
};

/// Declares a tool named `Name` (checked at compile time against the MCP
/// naming rules) with a description and a handler (see this header's notes).
template <fixed_string Name, class F>
auto tool(std::string description, F&& handler) {
    static_assert(is_valid_tool_name(Name.view()),
                  "polymcp::tool<Name>: a tool name has 1 to 128 characters from A-Z, a-z, 0-9, "
                  "'_', '-' and '.' (MCP 2025-11-25, Tool Names)");
    return tool_definition<Name, std::decay_t<F>>(std::move(description), std::forward<F>(handler));
}

}  // namespace polymcp

#if POLYMCP_HEADER_ONLY
#include <polymcp/tools/impl/tool.ipp>
#endif

#endif
