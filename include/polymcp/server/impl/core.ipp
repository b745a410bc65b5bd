#ifndef POLYMCP_SERVER_IMPL_CORE_IPP
#define POLYMCP_SERVER_IMPL_CORE_IPP

// Definitions of the non-template functions declared in polymcp/server/core.hpp.

#include <polymcp/server/core.hpp>

namespace polymcp {

server_core::server_core(server_options options, server_features features)
    : own_io_(std::make_unique<asio::io_context>(options.io_threads > 1 ? static_cast<int>(options.io_threads) : 1)),
      io_(own_io_.get()),
      pool_(options.blocking_threads ? options.blocking_threads : 1) {
    init(std::move(options), std::move(features));
}

server_core::server_core(asio::io_context& io, server_options options, server_features features)
    : io_(&io), pool_(options.blocking_threads ? options.blocking_threads : 1) {
    init(std::move(options), std::move(features));
}

void server_core::init(server_options options, server_features features) {
    auto s = std::make_shared<server_shared>();
    s->options = std::move(options);
    if (!s->options.request_state) s->options.request_state = std::make_shared<const memory_request_state_codec>();
    s->tools = features.tools ? std::move(features.tools) : std::make_shared<tool_registry>(false);
    s->resources = std::move(features.resources);
    s->prompts = std::move(features.prompts);
    s->blocking_executor = pool_.get_executor();
    shared_ = std::move(s);
}

server_core::~server_core() {
    pool_.stop();
    pool_.join();
}

std::vector<std::string> server_core::required_scopes(const nlohmann::json& m) const {
    if (!m.is_object()) return {};
    auto method = m.find("method");
    auto params = m.find("params");
    if (method == m.end() || !method->is_string() || params == m.end() || !params->is_object()) return {};
    auto str = [&](const char* name) -> const std::string* {
        auto it = params->find(name);
        return it != params->end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
    };
    if (*method == "tools/call") {
        if (auto name = str("name"))
            if (auto t = shared_->tools->find(*name)) return t->scopes;
    } else if (*method == "resources/read" && shared_->resources) {
        if (auto uri = str("uri")) {
            if (auto e = shared_->resources->find(*uri)) return e->scopes;
            nlohmann::json vars = nlohmann::json::object();
            if (auto t = shared_->resources->match(*uri, vars)) return t->scopes;
        }
    }
    return {};
}

std::shared_ptr<session> server_core::make_session(std::shared_ptr<outbound> out) {
    return std::make_shared<session>(shared_, asio::make_strand(*io_), std::move(out));
}

}  // namespace polymcp

#endif
