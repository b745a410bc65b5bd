// A small MCP server over stdio with one typed tool, built against the
// polymcp package; test_package/conanfile.py speaks MCP to it on stdin.
#include <polymcp/polymcp.hpp>

struct add_args {
    BOOST_HANA_DEFINE_STRUCT(add_args, (double, a), (double, b));
};
struct add_result {
    BOOST_HANA_DEFINE_STRUCT(add_result, (double, sum));
};

int main() {
    auto add = polymcp::tool<"add">("Adds two numbers", [](add_args args) { return add_result{args.a + args.b}; });
    polymcp::server srv({.info = {.name = "test_package", .version = polymcp::version_string}}, polymcp::tools(add));
    return srv.run() ? 1 : 0;
}
