// Client-side tools/call throughput: the polymcp client calling
// everything_server's test_simple_text tool over stdio or Streamable HTTP,
// with a number of calls in flight at once. benchmarks/ts_client_bench.mjs
// does the same with the official TypeScript SDK client;
// benchmarks/run_client_benchmark.sh runs both and prints the ratios.
//
// usage: client_bench [--calls N] [--concurrency C] (--url URL | -- COMMAND ARGS...)
// prints: transport=... calls=N concurrency=C seconds=S calls_per_s=R

#include <polymcp/client.hpp>
#include <polymcp/client/streamable_http.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace mc = polymcp::client;

int main(int argc, char** argv) {
    long calls = 20000;
    int concurrency = 16;
    std::string url;
    std::vector<std::string> command;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--calls" && i + 1 < argc) calls = std::atol(argv[++i]);
        else if (a == "--concurrency" && i + 1 < argc) concurrency = std::atoi(argv[++i]);
        else if (a == "--url" && i + 1 < argc) url = argv[++i];
        else if (a == "--") {
            command.assign(argv + i + 1, argv + argc);
            break;
        } else {
            std::fprintf(stderr, "usage: client_bench [--calls N] [--concurrency C] (--url URL | -- COMMAND ARGS...)\n");
            return 2;
        }
    }
    if (url.empty() == command.empty()) {
        std::fprintf(stderr, "client_bench: give --url or a command after --\n");
        return 2;
    }
    asio::io_context io;
    std::shared_ptr<mc::transport> t;
    if (!url.empty()) {
        t = std::make_shared<mc::streamable_http_transport>(io.get_executor(),
                                                            mc::http_options{.url = url, .open_get_stream = false});
    } else {
        t = std::make_shared<mc::stdio_transport>(
            io.get_executor(), mc::stdio_options{.command = command[0], .args = {command.begin() + 1, command.end()}});
    }
    mc::session s(t);
    long started = 0, done = 0;
    double seconds = 0;
    int status = 0;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            co_await s.initialize();
            std::string name = "test_simple_text";
            polymcp::json args = polymcp::json::object();
            for (int i = 0; i < 100; ++i) co_await s.call_tool(name, args);  // warm up
            auto start = std::chrono::steady_clock::now();
            auto ex = co_await asio::this_coro::executor;
            int workers = concurrency;
            asio::steady_timer all_done(ex, asio::steady_timer::time_point::max());
            for (int w = 0; w < concurrency; ++w)
                asio::co_spawn(
                    ex,
                    [&]() -> asio::awaitable<void> {
                        while (started < calls) {
                            ++started;
                            auto r = co_await s.call_tool(name, args);
                            if (r.content.empty()) throw std::runtime_error("empty result");
                            ++done;
                        }
                    },
                    [&](std::exception_ptr e) {
                        if (e) status = 1;
                        if (--workers == 0) all_done.cancel();
                    });
            co_await all_done.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
            seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            co_await s.close();
        },
        [&](std::exception_ptr e) {
            if (!e) return;
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& x) {
                std::fprintf(stderr, "client_bench: %s\n", x.what());
            }
            status = 1;
        });
    io.run();
    if (status == 0)
        std::printf("transport=%s calls=%ld concurrency=%d seconds=%.3f calls_per_s=%.0f\n", url.empty() ? "stdio" : "http",
                    done, concurrency, seconds, done / seconds);
    return status;
}
