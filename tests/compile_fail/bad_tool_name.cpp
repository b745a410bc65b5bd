// Must not compile: a space is not allowed in a tool name.
#include <polymcp/polymcp.hpp>
int main() {
    auto t = polymcp::tool<"bad name">("a", [] { return std::string("x"); });
    (void)t;
}
