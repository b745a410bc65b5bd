#ifndef POLYMCP_HANDLER_IMPL_RUN_HANDLER_IPP
#define POLYMCP_HANDLER_IMPL_RUN_HANDLER_IPP

#include <polymcp/handler/run_handler.hpp>

#include <stdexcept>

namespace polymcp::handler {

handler_outcome outcome_from_exception(std::exception_ptr e, std::string_view what_failed) {
    handler_outcome o;
    try {
        std::rethrow_exception(e);
    } catch (const jsonrpc::exception& x) {
        o.error = x.error();
    } catch (const std::exception& x) {
        o.error = jsonrpc::error{jsonrpc::error_code::internal_error,
                                 "Internal error: " + std::string(what_failed) + " failed: " + x.what(), nullptr};
    } catch (...) {
        o.error = jsonrpc::error{jsonrpc::error_code::internal_error,
                                 "Internal error: " + std::string(what_failed) + " failed with a non-standard exception",
                                 nullptr};
    }
    return o;
}

}  // namespace polymcp::handler

#endif
