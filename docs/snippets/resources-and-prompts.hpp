// The context of docs/resources-and-prompts.md's code blocks: what a program
// using them would already have. tests/docs/snippets.py compiles each block after
// this file; the page's blocks declare `readme`, `user_profile`, `review` and `ask`.
#pragma once
#include <polymcp/polymcp.hpp>

#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>

#include <string>

namespace resources_context {
struct echo_args { BOOST_HANA_DEFINE_STRUCT(echo_args, (std::string, message)); };
}  // namespace resources_context

inline auto echo = polymcp::tool<"echo">("Echoes its message",
                                         [](resources_context::echo_args a) { return a.message; });
inline polymcp::server_options options{.info = {.name = "docs", .version = "1.0.0"}};
inline nlohmann::json load_profile_json(const std::string& id) { return {{"id", id}, {"name", "Ada"}}; }
