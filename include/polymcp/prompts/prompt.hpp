#ifndef POLYMCP_PROMPTS_PROMPT_HPP
#define POLYMCP_PROMPTS_PROMPT_HPP

/// @file polymcp/prompts/prompt.hpp
/// Declaring prompts (MCP 2025-11-25 "Server Features" > "Prompts"). The
/// handler's arguments struct, reflected with Hana, *is* the prompt's
/// `arguments` list: each member is one argument (a `std::string`, required,
/// or a `std::optional<std::string>`, optional), described by
/// `polymcp::describe<T>` as tool arguments are.
///
/// @code
/// struct review_args {
///     BOOST_HANA_DEFINE_STRUCT(review_args, (std::string, code), (std::optional<std::string>, focus));
/// };
/// auto review = polymcp::prompt<"code_review">("Review a piece of code", [](review_args a) {
///     return "Please review this code" + (a.focus ? " for " + *a.focus : "") + ":\n" + a.code;
/// }).complete("focus", polymcp::complete_from({"security", "style", "performance"}));
/// @endcode
///
/// Handler shapes: `R f(Args)`, `R f(Args, request_context&)`,
/// `R f(request_context&)`, `R f()`, each may return `asio::awaitable<R>`.
/// `R` is a string (one user text message), a `prompt_message`, a
/// `std::vector<prompt_message>` or a `get_prompt_result`. Missing required
/// arguments are a -32602 error naming them; throw `jsonrpc::exception` for
/// another specific error.

#include <polymcp/core/config.hpp>
#include <polymcp/core/fixed_string.hpp>
#include <polymcp/json/decode.hpp>
#include <polymcp/json/schema.hpp>
#include <polymcp/protocol/content.hpp>
#include <polymcp/protocol/types.hpp>
#include <polymcp/handler/completion.hpp>
#include <polymcp/handler/context.hpp>
#include <polymcp/handler/run_handler.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

namespace polymcp {

/// One message of a prompt (schema `PromptMessage`).
struct prompt_message {
    std::string role = "user";  ///< "user" or "assistant"
    content_block content{};    ///< text, image, audio, a resource link or an embedded resource
    /// The `PromptMessage` object.
    POLYMCP_DECL nlohmann::json to_json() const;
};

/// The result of `prompts/get` (schema `GetPromptResult`).
struct get_prompt_result {
    std::string description{};               ///< omitted when empty
    std::vector<prompt_message> messages{};  ///< the prompt, in order
    nlohmann::json meta{};                   ///< `_meta`, or null
    /// The `GetPromptResult` object.
    POLYMCP_DECL nlohmann::json to_json() const;
};

/// A prompt, type-erased.
struct prompt_entry {
    /// Decodes `arguments`, runs the handler and calls `done` once.
    using get_fn = std::function<void(const nlohmann::json& arguments, std::shared_ptr<request_context> ctx,
                                      std::function<void(handler_outcome)> done)>;
    std::string name{};         ///< what `prompts/get` names it by
    nlohmann::json descriptor{};  ///< the `Prompt` object
    get_fn get{};               ///< gets it
    std::map<std::string, completer, std::less<>> completers{};  ///< `completion/complete` per argument name
};

namespace prompts_detail {
/// The `arguments` of a `Prompt` from the JSON Schema of its struct.
POLYMCP_DECL nlohmann::json arguments_from_schema(const nlohmann::json& schema);

template <class V>
nlohmann::json to_prompt_result(V&& v) {
    using T = std::remove_cvref_t<V>;
    get_prompt_result r;
    if constexpr (std::is_convertible_v<T, std::string>) {
        r.messages.push_back({"user", text_content{std::string(std::forward<V>(v))}});
    } else if constexpr (std::is_same_v<T, prompt_message>) {
        r.messages.push_back(std::forward<V>(v));
    } else if constexpr (std::is_same_v<T, std::vector<prompt_message>>) {
        r.messages = std::forward<V>(v);
    } else if constexpr (std::is_same_v<T, get_prompt_result>) {
        r = std::forward<V>(v);
    } else {
        static_assert(sizeof(T) == 0,
                      "polymcp::prompt: a handler returns a string, prompt_message, "
                      "std::vector<prompt_message> or get_prompt_result");
    }
    return r.to_json();
}
}  // namespace prompts_detail

/// A prompt declared at compile time; build with `polymcp::prompt<"name">(...)`.
template <fixed_string Name, class F>
class prompt_definition {
public:
    using traits = handler::handler_traits<F>;  ///< what the handler takes and returns
    static constexpr std::string_view name = Name.view();  ///< the prompt's `name`

    /// A prompt described by `description`, made by `fn`.
    prompt_definition(std::string description, F fn) : description_(std::move(description)), fn_(std::move(fn)) {}

    /// Display title.
    prompt_definition& title(std::string t) { title_ = std::move(t); return *this; }
    /// Icons (2025-11-25).
    prompt_definition& icons(std::vector<icon> i) { icons_ = std::move(i); return *this; }
    /// Free-form `_meta` (an object).
    prompt_definition& meta(nlohmann::json m) { meta_ = std::move(m); return *this; }
    /// Runs a plain handler on the server's thread pool.
    prompt_definition& blocking(bool b = true) { blocking_ = b; return *this; }
    /// Attaches a completer for the argument `argument`.
    prompt_definition& complete(std::string argument, completer c) {
        completers_[std::move(argument)] = std::move(c);
        return *this;
    }

    /// The `Prompt` object.
    /// @throws std::invalid_argument for a `describe` trait naming a non-member.
    nlohmann::json descriptor() const {
        nlohmann::json d = {{"name", std::string(name)}};
        if (!title_.empty()) d["title"] = title_;
        if (!description_.empty()) d["description"] = description_;
        if constexpr (traits::has_args)
            d["arguments"] = prompts_detail::arguments_from_schema(schema_of<typename traits::args>());
        if (!icons_.empty()) d["icons"] = to_json(icons_);
        if (!meta_.is_null()) d["_meta"] = meta_;
        return d;
    }

    /// The type-erased entry a registry stores.
    prompt_entry entry() const {
        prompt_entry e;
        e.name = std::string(name);
        e.descriptor = descriptor();
        e.completers = completers_;
        e.get = [fn = fn_, blocking = blocking_, prompt_name = e.name](
                    const nlohmann::json& arguments, std::shared_ptr<request_context> ctx,
                    std::function<void(handler_outcome)> done) {
            using Args = typename traits::args;
            Args args{};
            if constexpr (traits::has_args) {
                decode_error err;
                if (!decode(arguments, args, err)) {
                    done({nullptr, jsonrpc::error{jsonrpc::error_code::invalid_params,
                                                  "Invalid params for 'prompts/get': arguments of prompt '" +
                                                      prompt_name + "': " + err.what(),
                                                  {{"name", prompt_name}}}});
                    return;
                }
            }
            handler::run_handler(fn, std::move(args), std::move(ctx), blocking,
                                [](auto&& v) { return prompts_detail::to_prompt_result(std::forward<decltype(v)>(v)); },
                                "prompt '" + prompt_name + "'", std::move(done));
        };
        return e;
    }

private:
    std::string description_;
    F fn_;
    std::string title_;
    std::vector<icon> icons_;
    nlohmann::json meta_;
    bool blocking_ = false;
    std::map<std::string, completer, std::less<>> completers_;
};

/// Declares a prompt named `Name` with a description and a handler.
template <fixed_string Name, class F>
auto prompt(std::string description, F&& handler) {
    return prompt_definition<Name, std::decay_t<F>>(std::move(description), std::forward<F>(handler));
}

}  // namespace polymcp

#if POLYMCP_HEADER_ONLY
#include <polymcp/prompts/impl/prompt.ipp>
#endif

#endif
