// Must not compile: a type without encrypt/decrypt is not a cipher policy.
#include <polymcp/server.hpp>
struct rot13 {};
int main() {
    polymcp::server<polymcp::stdio_transport, polymcp::auth::no_auth, polymcp::storage::memory_storage, rot13> srv(
        {}, polymcp::server_features{});
    (void)srv;
}
