#ifndef POLYMCP_SERVER_IMPL_CORE_IPP
#define POLYMCP_SERVER_IMPL_CORE_IPP

// Definitions of the non-template functions declared in polymcp/server/core.hpp.

#include <polymcp/server/core.hpp>

namespace polymcp {

server_core::server_core(server_options options, server_features features)
    : io_(options.io_threads > 1 ? static_cast<int>(options.io_threads) : 1),
      pool_(options.blocking_threads ? options.blocking_threads : 1) {
    auto s = std::make_shared<server_shared>();
    s->options = std::move(options);
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

std::shared_ptr<session> server_core::make_session(std::shared_ptr<outbound> out) {
    return std::make_shared<session>(shared_, asio::make_strand(io_), std::move(out));
}

}  // namespace polymcp

#endif
