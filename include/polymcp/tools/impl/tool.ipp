#ifndef POLYMCP_TOOLS_IMPL_TOOL_IPP
#define POLYMCP_TOOLS_IMPL_TOOL_IPP

// Definitions of the non-template functions declared in polymcp/tools/tool.hpp.

#include <polymcp/tools/tool.hpp>

namespace polymcp::tools_detail {

tool_outcome from_exception(std::exception_ptr e) {
    try {
        std::rethrow_exception(e);
    } catch (const jsonrpc::url_elicitation_required& ex) {
        return ex.error();
    } catch (const std::exception& ex) {
        return call_tool_result::error(std::string("Tool execution failed: ") + ex.what());
    } catch (...) {
        return call_tool_result::error("Tool execution failed: unknown exception");
    }
}

}  // namespace polymcp::tools_detail

#endif
