// Must not compile: two tools named "echo" in one static set.
#include <polymcp/polymcp.hpp>
struct args { BOOST_HANA_DEFINE_STRUCT(args, (std::string, text)); };
int main() {
    auto a = polymcp::tool<"echo">("a", [](args x) { return x.text; });
    auto b = polymcp::tool<"echo">("b", [](args x) { return x.text; });
    auto set = polymcp::tools(a, b);
    (void)set;
}
