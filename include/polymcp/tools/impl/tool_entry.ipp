#ifndef POLYMCP_TOOLS_IMPL_TOOL_ENTRY_IPP
#define POLYMCP_TOOLS_IMPL_TOOL_ENTRY_IPP

// Definitions of the non-template functions declared in polymcp/tools/tool_entry.hpp.

#include <polymcp/tools/tool_entry.hpp>

namespace polymcp {

nlohmann::json tool_entry::describe(revision r) const {
    const auto f = features_of(r);
    if (f.icons) return descriptor;
    nlohmann::json d = descriptor;
    d.erase("icons");
    d.erase("execution");
    if (!f.titles) {
        d.erase("title");
        d.erase("outputSchema");
    }
    if (!f.tool_annotations) d.erase("annotations");
    return d;
}

}  // namespace polymcp

#endif
