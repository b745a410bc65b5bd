#ifndef POLYMCP_TOOLS_RESULT_HPP
#define POLYMCP_TOOLS_RESULT_HPP

/// @file polymcp/tools/result.hpp
/// Conversion of a handler's return value to a CallToolResult, and the
/// matching outputSchema.

#include <polymcp/json/encode.hpp>
#include <polymcp/json/schema.hpp>
#include <polymcp/protocol/content.hpp>

#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace polymcp::tools_detail {

template <class T>
inline constexpr bool is_content_v =
    std::is_same_v<T, content_block> || std::is_same_v<T, text_content> ||
    std::is_same_v<T, image_content> || std::is_same_v<T, audio_content> ||
    std::is_same_v<T, resource_link> || std::is_same_v<T, embedded_resource>;

/// Results rendered as plain content, without structuredContent.
template <class T>
inline constexpr bool is_unstructured_v =
    std::is_void_v<T> || std::is_same_v<T, std::string> || std::is_same_v<T, std::string_view> ||
    std::is_same_v<T, const char*> || std::is_same_v<T, call_tool_result> || is_content_v<T> ||
    std::is_same_v<T, std::vector<content_block>>;

/// Structured results whose JSON is an object by construction.
template <class T>
inline constexpr bool is_object_result_v =
    reflected<T> || is_string_map_v<T>;

/// The outputSchema of return type T, or null when T is not structured.
template <class T>
nlohmann::json output_schema() {
    if constexpr (is_unstructured_v<T> || std::is_same_v<T, nlohmann::json>) {
        return nullptr;
    } else if constexpr (is_object_result_v<T>) {
        return schema_of<T>();
    } else {
        // structuredContent must be an object: other values are wrapped as {"result": value}.
        return {{"type", "object"}, {"properties", {{"result", schema_of<T>()}}}, {"required", {"result"}}};
    }
}

/// Converts a handler's return value.
template <class T>
call_tool_result to_result(T&& v) {
    using U = std::decay_t<T>;
    if constexpr (std::is_same_v<U, call_tool_result>) {
        return std::forward<T>(v);
    } else if constexpr (std::is_same_v<U, std::string> || std::is_same_v<U, std::string_view> ||
                         std::is_same_v<U, const char*> || std::is_same_v<U, char*>) {
        return call_tool_result::text(std::string(v));
    } else if constexpr (is_content_v<U>) {
        call_tool_result r;
        r.content.push_back(content_block(std::forward<T>(v)));
        return r;
    } else if constexpr (std::is_same_v<U, std::vector<content_block>>) {
        call_tool_result r;
        r.content = std::forward<T>(v);
        return r;
    } else {
        call_tool_result r;
        nlohmann::json value = encode(v);
        r.content.push_back(text_content{value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), nullptr, nullptr});
        if (value.is_object()) r.structured_content = std::move(value);
        else r.structured_content = {{"result", std::move(value)}};
        return r;
    }
}

}  // namespace polymcp::tools_detail

namespace polymcp {

/// A handler's return value as the `CallToolResult` a typed tool answers
/// with (MCP 2025-11-25 "Tools" > "Tool Result"): a string or content
/// blocks as content; a reflected struct, a string map or JSON as
/// `structuredContent` with its text rendering; a `call_tool_result` as is.
/// For wrappers that call a tool's handler themselves (tool-level sign-in,
/// tenant credentials). Thread-safe (pure).
template <class T>
call_tool_result to_call_tool_result(T&& value) {
    return tools_detail::to_result(std::forward<T>(value));
}

}  // namespace polymcp

#endif
