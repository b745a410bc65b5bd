// Must not compile: a map is not a storage policy.
#include <polymcp/server.hpp>
#include <map>
#include <string>
int main() {
    using map = std::map<std::string, std::string>;
    polymcp::server<polymcp::stdio_transport, polymcp::auth::no_auth, map> srv({}, polymcp::server_features{});
    (void)srv;
}
