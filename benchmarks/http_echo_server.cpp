// The polymcp side of the HTTP benchmark: one `echo` tool over Streamable
// HTTP, as benchmarks/ts_http_echo_server.mjs is on the TypeScript side.
// usage: http_echo_server --port N [--threads N]
//        http_echo_server_redis --port N [--threads N] --redis HOST:PORT
// With --redis, sessions are kept in that Redis (docs/scaling.md), so that
// several instances behind a load balancer serve any session.
#include <polymcp/polymcp.hpp>
#include <polymcp/transport/streamable_http.hpp>
#if POLYMCP_BENCH_REDIS
#include <polymcp/storage/redis.hpp>
#endif

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

struct echo_args {
    BOOST_HANA_DEFINE_STRUCT(echo_args, (std::string, text));
};

int main(int argc, char** argv) {
    int port = 0;
    std::size_t threads = 1;
    std::string redis;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string a = argv[i];
        if (a == "--port") port = std::atoi(argv[i + 1]);
        else if (a == "--threads") threads = static_cast<std::size_t>(std::atoi(argv[i + 1]));
        else if (a == "--redis") redis = argv[i + 1];
    }
    polymcp::server_options o{.info = {.name = "bench-echo", .version = "1.0.0"}};
    o.io_threads = threads;
    o.diagnostics = [](std::string_view) {};
    polymcp::streamable_http_options http;
    http.http.port = static_cast<std::uint16_t>(port);
    http.http.diagnostics = [](std::string_view) {};
    http.on_listening = [](const asio::ip::tcp::endpoint& ep) {
        std::fprintf(stderr, "listening on http://127.0.0.1:%u/mcp\n", static_cast<unsigned>(ep.port()));
    };
    auto features = polymcp::features(
        polymcp::tools(polymcp::tool<"echo">("Returns the text it is given", [](echo_args a) { return a.text; })));
    if (!redis.empty()) {
#if POLYMCP_BENCH_REDIS
        polymcp::storage::redis_options ro;
        auto colon = redis.rfind(':');
        ro.host = redis.substr(0, colon);
        ro.port = static_cast<std::uint16_t>(std::atoi(redis.c_str() + colon + 1));
        auto storage = std::make_shared<polymcp::storage::redis_storage>(ro);
        polymcp::server<polymcp::streamable_http_transport, polymcp::auth::no_auth, polymcp::storage::redis_storage> srv(
            o, features, polymcp::streamable_http_transport(http), polymcp::auth::no_auth{}, storage);
        return srv.run() ? 1 : 0;
#else
        std::fprintf(stderr, "http_echo_server: built without Redis\n");
        return 2;
#endif
    }
    polymcp::server<polymcp::streamable_http_transport> srv(o, features, polymcp::streamable_http_transport(http));
    return srv.run() ? 1 : 0;
}
