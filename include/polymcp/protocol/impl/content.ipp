#ifndef POLYMCP_PROTOCOL_IMPL_CONTENT_IPP
#define POLYMCP_PROTOCOL_IMPL_CONTENT_IPP

// Definitions of the non-template functions declared in polymcp/protocol/content.hpp.

#include <polymcp/protocol/content.hpp>

namespace polymcp {

namespace detail {
inline void add_common(json& j, const json& annotations, const json& meta) {
    if (!annotations.is_null()) j["annotations"] = annotations;
    if (!meta.is_null()) j["_meta"] = meta;
}
}  // namespace detail

json to_json(const content_block& c) {
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

call_tool_result call_tool_result::text(std::string t) {
    call_tool_result r;
    r.content.push_back(text_content{std::move(t), nullptr, nullptr});
    return r;
}

call_tool_result call_tool_result::error(std::string message) {
    call_tool_result r = text(std::move(message));
    r.is_error = true;
    return r;
}

json call_tool_result::to_json(bool structured) const {
    json c = json::array();
    for (const auto& b : content) c.push_back(polymcp::to_json(b));
    json j = {{"content", std::move(c)}};
    if (structured && !structured_content.is_null()) j["structuredContent"] = structured_content;
    if (is_error) j["isError"] = true;
    if (!meta.is_null()) j["_meta"] = meta;
    return j;
}

}  // namespace polymcp

#endif
