#ifndef POLYMCP_PROTOCOL_IMPL_TYPES_IPP
#define POLYMCP_PROTOCOL_IMPL_TYPES_IPP

// Definitions of the non-template functions declared in polymcp/protocol/types.hpp.

#include <polymcp/protocol/types.hpp>

namespace polymcp {

json icon::to_json() const {
    json j = {{"src", src}};
    if (!mime_type.empty()) j["mimeType"] = mime_type;
    if (!sizes.empty()) j["sizes"] = sizes;
    if (!theme.empty()) j["theme"] = theme;
    return j;
}

json to_json(const std::vector<icon>& icons) {
    json a = json::array();
    for (const auto& i : icons) a.push_back(i.to_json());
    return a;
}

json tool_annotations::to_json() const {
    json j = json::object();
    if (!title.empty()) j["title"] = title;
    if (read_only_hint) j["readOnlyHint"] = *read_only_hint;
    if (destructive_hint) j["destructiveHint"] = *destructive_hint;
    if (idempotent_hint) j["idempotentHint"] = *idempotent_hint;
    if (open_world_hint) j["openWorldHint"] = *open_world_hint;
    return j;
}

std::optional<logging_level> parse_logging_level(std::string_view s) noexcept {
    for (int i = 0; i <= static_cast<int>(logging_level::emergency); ++i)
        if (to_string(static_cast<logging_level>(i)) == s) return static_cast<logging_level>(i);
    return std::nullopt;
}

}  // namespace polymcp

#endif
