#ifndef POLYMCP_SERVER_IMPL_CONTEXT_IPP
#define POLYMCP_SERVER_IMPL_CONTEXT_IPP

// Definitions of the non-template functions declared in polymcp/server/context.hpp.

#include <polymcp/server/context.hpp>

namespace polymcp {

request_context::request_context(std::shared_ptr<detail::session_shared> s, jsonrpc::request_id id,
                                 nlohmann::json meta, asio::any_io_executor ex, asio::any_io_executor blocking_ex)
    : s_(std::move(s)), id_(std::move(id)), meta_(std::move(meta)), ex_(std::move(ex)),
      blocking_ex_(std::move(blocking_ex)) {
    if (meta_.is_object())
        if (auto t = meta_.find("progressToken");
            t != meta_.end() && (t->is_string() || t->is_number_integer()))
            progress_token_ = *t;
}

void request_context::report_progress(double progress, std::optional<double> total,
                                      std::string message) const {
    if (progress_token_.is_null() || cancelled()) return;
    nlohmann::json p = {{"progressToken", progress_token_}, {"progress", progress}};
    if (total) p["total"] = *total;
    if (!message.empty()) p["message"] = std::move(message);
    s_->out->send(jsonrpc::serialize(jsonrpc::notification{"notifications/progress", std::move(p)}));
}

void request_context::log(logging_level level, nlohmann::json data, std::string logger) const {
    if (static_cast<int>(level) < s_->min_log_level.load(std::memory_order_relaxed)) return;
    nlohmann::json p = {{"level", to_string(level)}, {"data", std::move(data)}};
    if (!logger.empty()) p["logger"] = std::move(logger);
    s_->out->send(jsonrpc::serialize(jsonrpc::notification{"notifications/message", std::move(p)}));
}

void request_context::cancel() {
    if (cancelled_.exchange(true)) return;
    signal_.emit(asio::cancellation_type::terminal);
}

}  // namespace polymcp

#endif
