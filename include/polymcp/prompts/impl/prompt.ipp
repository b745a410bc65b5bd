#ifndef POLYMCP_PROMPTS_IMPL_PROMPT_IPP
#define POLYMCP_PROMPTS_IMPL_PROMPT_IPP

#include <polymcp/prompts/prompt.hpp>

#include <algorithm>

namespace polymcp {

nlohmann::json prompt_message::to_json() const {
    return {{"role", role}, {"content", polymcp::to_json(content)}};
}

nlohmann::json get_prompt_result::to_json() const {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& m : messages) list.push_back(m.to_json());
    nlohmann::json j = {{"messages", std::move(list)}};
    if (!description.empty()) j["description"] = description;
    if (!meta.is_null()) j["_meta"] = meta;
    return j;
}

namespace prompts_detail {
nlohmann::json arguments_from_schema(const nlohmann::json& schema) {
    nlohmann::json args = nlohmann::json::array();
    const auto props = schema.value("properties", nlohmann::json::object());
    const auto required = schema.value("required", nlohmann::json::array());
    for (auto it = props.begin(); it != props.end(); ++it) {
        nlohmann::json a = {{"name", it.key()}};
        if (it->is_object() && it->contains("description")) a["description"] = (*it)["description"];
        a["required"] = std::find(required.begin(), required.end(), it.key()) != required.end();
        args.push_back(std::move(a));
    }
    return args;
}
}  // namespace prompts_detail

}  // namespace polymcp

#endif
