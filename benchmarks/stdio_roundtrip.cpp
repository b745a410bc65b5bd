// stdio round-trip benchmark: starts any MCP stdio server as a child process,
// initializes, then pipelines N `tools/call` of `echo` through a real pipe
// (a writer thread sends while the main thread reads) and reports calls/s.
//
// Usage: stdio_roundtrip [--calls N] [--warmup N] -- <server command...>
// Output (one line, machine-readable): calls=N seconds=S calls_per_s=R

#include "support/child_process.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

using nlohmann::json;

namespace {
std::string echo_call(int id) {
    return R"({"jsonrpc":"2.0","id":)" + std::to_string(id) +
           R"(,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello polymcp benchmark"}}})" "\n";
}

// Sends `count` calls starting at id `first` and waits for all responses.
double run_batch(test::child_process& c, int first, int count) {
    std::string burst;
    burst.reserve(static_cast<std::size_t>(count) * 120);
    for (int i = 0; i < count; ++i) burst += echo_call(first + i);
    auto t0 = std::chrono::steady_clock::now();
    std::thread writer([&] { c.write(burst); });
    int got = 0;
    while (got < count) {
        auto line = c.read_line(30000);
        if (!line) { std::fprintf(stderr, "server stopped answering after %d responses\n", got); std::exit(2); }
        auto m = json::parse(*line);
        if (m.contains("id")) {
            if (!m.contains("result") || m["result"].value("isError", false)) {
                std::fprintf(stderr, "unexpected response: %s\n", line->c_str());
                std::exit(2);
            }
            ++got;
        }
    }
    writer.join();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

int main(int argc, char** argv) {
    int calls = 50000, warmup = 2000;
    std::vector<std::string> cmd;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--calls" && i + 1 < argc) calls = std::atoi(argv[++i]);
        else if (a == "--warmup" && i + 1 < argc) warmup = std::atoi(argv[++i]);
        else if (a == "--") { for (++i; i < argc; ++i) cmd.push_back(argv[i]); }
    }
    if (cmd.empty()) {
        std::fprintf(stderr, "usage: stdio_roundtrip [--calls N] [--warmup N] -- <server command...>\n");
        return 2;
    }
    test::child_process c(cmd);
    c.write_line(R"({"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}})");
    if (!c.read_line(30000)) { std::fprintf(stderr, "no initialize response\n"); return 2; }
    c.write_line(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
    run_batch(c, 1, warmup);
    double s = run_batch(c, warmup + 1, calls);
    std::printf("calls=%d seconds=%.3f calls_per_s=%.0f\n", calls, s, calls / s);
    c.close_stdin();
    c.wait(10000);
    return 0;
}
