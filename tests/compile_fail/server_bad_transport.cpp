// Must not compile: an int is not a transport policy.
#include <polymcp/server.hpp>
int main() {
    polymcp::server<int> srv({}, polymcp::server_features{});
    (void)srv;
}
