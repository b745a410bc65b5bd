// Must not compile: a type without `authenticate` is not an auth policy.
#include <polymcp/server.hpp>
struct lets_everyone_in {};
int main() {
    polymcp::server<polymcp::stdio_transport, lets_everyone_in> srv({}, polymcp::server_features{});
    (void)srv;
}
