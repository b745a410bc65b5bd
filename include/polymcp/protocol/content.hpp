#ifndef POLYMCP_PROTOCOL_CONTENT_HPP
#define POLYMCP_PROTOCOL_CONTENT_HPP

/// @file polymcp/protocol/content.hpp
/// Content blocks (MCP 2025-11-25 schema `ContentBlock`: text, image, audio,
/// resource_link, embedded resource) and `CallToolResult`.

#include <polymcp/core/config.hpp>
#include <polymcp/protocol/types.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace polymcp {

/// Text for the model or the user (schema `TextContent`).
struct text_content {
    std::string text{};  ///< the text
    json annotations{};  ///< optional schema `Annotations` object; null when absent
    json meta{};         ///< optional `_meta`
};

/// An image (schema `ImageContent`); `data` is already base64-encoded.
struct image_content {
    std::string data{};       ///< base64 of the image bytes
    std::string mime_type{};  ///< e.g. "image/png"
    json annotations{};       ///< optional schema `Annotations` object; null when absent
    json meta{};              ///< optional `_meta`
};

/// Audio (schema `AudioContent`); `data` is already base64-encoded.
struct audio_content {
    std::string data{};       ///< base64 of the audio bytes
    std::string mime_type{};  ///< e.g. "audio/wav"
    json annotations{};       ///< optional schema `Annotations` object; null when absent
    json meta{};              ///< optional `_meta`
};

/// A link to a resource the client may read (schema `ResourceLink`).
struct resource_link {
    std::string uri{};                    ///< what `resources/read` names it by
    std::string name{};                   ///< a short name
    std::string title{};                  ///< for people; empty: left out
    std::string description{};            ///< empty: left out
    std::string mime_type{};              ///< empty: left out
    std::optional<std::uint64_t> size{};  ///< bytes
    json annotations{};                   ///< optional schema `Annotations` object; null when absent
    json meta{};                          ///< optional `_meta`
};

/// A resource's contents embedded in a result (schema `EmbeddedResource`):
/// exactly one of `text` or `blob` (base64) is used.
struct embedded_resource {
    std::string uri{};                  ///< the resource's URI
    std::string mime_type{};            ///< empty: left out
    std::optional<std::string> text{};  ///< text contents, when not `blob`
    std::optional<std::string> blob{};  ///< base64
    json annotations{};                 ///< optional schema `Annotations` object; null when absent
    json meta{};                        ///< optional `_meta`
};

/// One content block.
using content_block =
    std::variant<text_content, image_content, audio_content, resource_link, embedded_resource>;

/// Renders a content block as its schema JSON.
POLYMCP_DECL json to_json(const content_block& c);

/// The result of `tools/call` (schema `CallToolResult`).
///
/// Tool failures, including invalid arguments, are results with
/// `is_error = true` (MCP 2025-11-25 "Tools" > "Error Handling"), not
/// JSON-RPC errors, so that the model can see them and correct itself.
struct call_tool_result {
    std::vector<content_block> content{};  ///< what the model reads
    json structured_content{};  ///< an object, or null when absent
    bool is_error = false;      ///< a tool failure the model should see (`isError`)
    json meta{};                ///< `_meta`, or null

    /// A successful result with one text block.
    POLYMCP_DECL static call_tool_result text(std::string t);
    /// An error result (`isError: true`) with one text block saying what went wrong.
    POLYMCP_DECL static call_tool_result error(std::string message);

    /// Renders the result; `structured` false drops `structuredContent`
    /// (for revisions before 2025-06-18).
    POLYMCP_DECL json to_json(bool structured = true) const;
};

}  // namespace polymcp

#if POLYMCP_HEADER_ONLY
#include <polymcp/protocol/impl/content.ipp>
#endif

#endif
