// The polymcp side of the HTTP benchmark: one `echo` tool over Streamable
// HTTP, as benchmarks/ts_http_echo_server.mjs is on the TypeScript side.
// usage: http_echo_server --port N [--threads N]
#include <polymcp/polymcp.hpp>
#include <polymcp/transport/streamable_http.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

struct echo_args {
    BOOST_HANA_DEFINE_STRUCT(echo_args, (std::string, text));
};

int main(int argc, char** argv) {
    int port = 0;
    std::size_t threads = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string a = argv[i];
        if (a == "--port") port = std::atoi(argv[i + 1]);
        else if (a == "--threads") threads = static_cast<std::size_t>(std::atoi(argv[i + 1]));
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
    auto echo = polymcp::tool<"echo">("Returns the text it is given", [](echo_args a) { return a.text; });
    polymcp::server<polymcp::streamable_http_transport> srv(o, polymcp::features(polymcp::tools(echo)),
                                                            polymcp::streamable_http_transport(http));
    return srv.run() ? 1 : 0;
}
