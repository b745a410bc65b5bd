#ifndef POLYMCP_RESOURCES_IMPL_RESOURCE_IPP
#define POLYMCP_RESOURCES_IMPL_RESOURCE_IPP

#include <polymcp/resources/resource.hpp>

namespace polymcp {

nlohmann::json resource_contents::to_json() const {
    nlohmann::json j = {{"uri", uri}};
    if (!mime_type.empty()) j["mimeType"] = mime_type;
    if (blob) j["blob"] = *blob;
    else j["text"] = text.value_or(std::string());
    if (!meta.is_null()) j["_meta"] = meta;
    return j;
}

nlohmann::json read_resource_result::to_json() const {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& c : contents) list.push_back(c.to_json());
    nlohmann::json j = {{"contents", std::move(list)}};
    if (!meta.is_null()) j["_meta"] = meta;
    return j;
}

namespace resources_detail {
nlohmann::json describe_common(nlohmann::json d, const std::string& title, const std::string& description,
                               const std::string& mime_type, const nlohmann::json& annotations,
                               const std::vector<icon>& icons, const nlohmann::json& meta) {
    if (!title.empty()) d["title"] = title;
    if (!description.empty()) d["description"] = description;
    if (!mime_type.empty()) d["mimeType"] = mime_type;
    if (!annotations.is_null()) d["annotations"] = annotations;
    if (!icons.empty()) d["icons"] = to_json(icons);
    if (!meta.is_null()) d["_meta"] = meta;
    return d;
}
}  // namespace resources_detail

}  // namespace polymcp

#endif
