// The context of docs/http-transport.md's code blocks: what a program using them
// would already have. tests/docs/snippets.py compiles each block after this file.
#pragma once
#include <polymcp/polymcp.hpp>

#include <string>

namespace http_transport_context {
struct echo_args { BOOST_HANA_DEFINE_STRUCT(echo_args, (std::string, message)); };
struct review_args { BOOST_HANA_DEFINE_STRUCT(review_args, (std::string, code)); };
}  // namespace http_transport_context

inline auto echo = polymcp::tool<"echo">("Echoes its message",
                                         [](http_transport_context::echo_args a) { return a.message; });
inline auto readme = polymcp::resource<"readme">("file:///readme.md", "The project README",
                                                 [] { return std::string("# Hello"); });
inline auto review = polymcp::prompt<"code_review">("Review a piece of code", [](http_transport_context::review_args a) {
    return "Please review this code:\n" + a.code;
});
