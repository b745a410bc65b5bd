#ifndef POLYMCP_PROTOCOL_CONTENT_HPP
#define POLYMCP_PROTOCOL_CONTENT_HPP

/// @file polymcp/protocol/content.hpp
/// Content blocks (MCP 2025-11-25 schema `ContentBlock`: text, image, audio,
/// resource_link, embedded resource) and `CallToolResult`.

#include <polymcp/protocol/types.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace polymcp {

/// Text for the model or the user (schema `TextContent`).
struct text_content {
    std::string text{};
    json annotations{};  ///< optional schema `Annotations` object; null when absent
    json meta{};         ///< optional `_meta`
};

/// An image (schema `ImageContent`); `data` is already base64-encoded.
struct image_content {
    std::string data{};       ///< base64 of the image bytes
    std::string mime_type{};  ///< e.g. "image/png"
    json annotations{};
    json meta{};
};

/// Audio (schema `AudioContent`); `data` is already base64-encoded.
struct audio_content {
    std::string data{};       ///< base64 of the audio bytes
    std::string mime_type{};  ///< e.g. "audio/wav"
    json annotations{};
    json meta{};
};

/// A link to a resource the client may read (schema `ResourceLink`).
struct resource_link {
    std::string uri{};
    std::string name{};
    std::string title{};
    std::string description{};
    std::string mime_type{};
    std::optional<std::uint64_t> size{};  ///< bytes
    json annotations{};
    json meta{};
};

/// A resource's contents embedded in a result (schema `EmbeddedResource`):
/// exactly one of `text` or `blob` (base64) is used.
struct embedded_resource {
    std::string uri{};
    std::string mime_type{};
    std::optional<std::string> text{};
    std::optional<std::string> blob{};  ///< base64
    json annotations{};
    json meta{};
};

/// One content block.
using content_block =
    std::variant<text_content, image_content, audio_content, resource_link, embedded_resource>;

namespace detail {
inline void add_common(json& j, const json& annotations, const json& meta) {
    if (!annotations.is_null()) j["annotations"] = annotations;
    if (!meta.is_null()) j["_meta"] = meta;
}
}  // namespace detail

/// Renders a content block as its schema JSON.
inline json to_json(const content_block& c) {
    return std::visit(
        [](const auto& b) -> json {
            using B = std::decay_t<decltype(b)>;
            json j;
            if constexpr (std::is_same_v<B, text_content>) {
                j = {{"type", "text"}, {"text", b.text}};
            } else if constexpr (std::is_same_v<B, image_content>) {
                j = {{"type", "image"}, {"data", b.data}, {"mimeType", b.mime_type}};
            } else if constexpr (std::is_same_v<B, audio_content>) {
                j = {{"type", "audio"}, {"data", b.data}, {"mimeType", b.mime_type}};
            } else if constexpr (std::is_same_v<B, resource_link>) {
                j = {{"type", "resource_link"}, {"uri", b.uri}, {"name", b.name}};
                if (!b.title.empty()) j["title"] = b.title;
                if (!b.description.empty()) j["description"] = b.description;
                if (!b.mime_type.empty()) j["mimeType"] = b.mime_type;
                if (b.size) j["size"] = *b.size;
            } else {
                json r = {{"uri", b.uri}};
                if (!b.mime_type.empty()) r["mimeType"] = b.mime_type;
                if (b.text) r["text"] = *b.text;
                else r["blob"] = b.blob.value_or("");
                j = {{"type", "resource"}, {"resource", std::move(r)}};
            }
            detail::add_common(j, b.annotations, b.meta);
            return j;
        },
        c);
}

/// The result of `tools/call` (schema `CallToolResult`).
///
/// Tool failures, including invalid arguments, are results with
/// `is_error = true` (MCP 2025-11-25 "Tools" > "Error Handling"), not
/// JSON-RPC errors, so that the model can see them and correct itself.
struct call_tool_result {
    std::vector<content_block> content{};
    json structured_content{};  ///< an object, or null when absent
    bool is_error = false;
    json meta{};                ///< `_meta`, or null

    /// A successful result with one text block.
    static call_tool_result text(std::string t) {
        call_tool_result r;
        r.content.push_back(text_content{std::move(t), nullptr, nullptr});
        return r;
    }
    /// An error result (`isError: true`) with one text block saying what went wrong.
    static call_tool_result error(std::string message) {
        call_tool_result r = text(std::move(message));
        r.is_error = true;
        return r;
    }

    /// Renders the result; `structured` false drops `structuredContent`
    /// (for revisions before 2025-06-18).
    json to_json(bool structured = true) const {
        json c = json::array();
        for (const auto& b : content) c.push_back(polymcp::to_json(b));
        json j = {{"content", std::move(c)}};
        if (structured && !structured_content.is_null()) j["structuredContent"] = structured_content;
        if (is_error) j["isError"] = true;
        if (!meta.is_null()) j["_meta"] = meta;
        return j;
    }
};

}  // namespace polymcp

#endif
