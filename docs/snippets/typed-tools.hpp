// The context of docs/typed-tools.md's code blocks: what a program using them
// would already have. tests/docs/snippets.py compiles each block after this file;
// the page's blocks declare `search_args`, `search`, `unit` and `my_tools`.
#pragma once
#include <polymcp/polymcp.hpp>

#include <string>
#include <vector>

inline std::vector<std::string> find_documents(const std::string& query, int limit,
                                               const std::vector<std::string>& tags) {
    std::vector<std::string> found{query};
    found.insert(found.end(), tags.begin(), tags.end());
    if (found.size() > static_cast<std::size_t>(limit)) found.resize(static_cast<std::size_t>(limit));
    return found;
}

namespace typed_tools_context {
struct path_args { BOOST_HANA_DEFINE_STRUCT(path_args, (std::string, path)); };
}  // namespace typed_tools_context

inline auto handler = [](typed_tools_context::path_args a) { return "deleted " + a.path; };
inline auto fa = [] { return std::string("a"); };
inline auto another = polymcp::tool<"b">("Another tool", [] { return std::string("b"); });
inline polymcp::server_options options{.info = {.name = "tools", .version = "1.0.0"}};
