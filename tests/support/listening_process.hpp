// Test support: a free loopback port, and a server process (everything_server,
// a node server) that listens on one, started with posix_spawn, waited for
// until it accepts connections, and ended with SIGTERM and reaped.
#pragma once

#include <catch2/catch.hpp>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include <chrono>
#include <csignal>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

extern char** environ;

namespace polymcp::test {

/// A TCP port on 127.0.0.1 that was free a moment ago.
inline unsigned short free_port() {
    asio::io_context io;
    asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
}

class listening_process {
public:
    /// Starts `argv` with this process's environment plus `env` ("NAME=value",
    /// overriding), its stdout to /dev/null, and waits (up to 10 s) until
    /// 127.0.0.1:`port` accepts connections.
    listening_process(std::vector<std::string> argv, unsigned short port, std::vector<std::string> env = {})
        : port_(port) {
        std::vector<char*> args;
        for (auto& a : argv) args.push_back(a.data());
        args.push_back(nullptr);
        std::vector<std::string> env_s = env;
        for (char** e = environ; *e; ++e) {
            std::string_view kv(*e);
            bool overridden = false;
            for (const auto& o : env)
                if (kv.substr(0, kv.find('=') + 1) == std::string_view(o).substr(0, o.find('=') + 1)) overridden = true;
            if (!overridden) env_s.emplace_back(kv);
        }
        std::vector<char*> envp;
        for (auto& e : env_s) envp.push_back(e.data());
        envp.push_back(nullptr);
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
        int rc = ::posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), envp.data());
        posix_spawn_file_actions_destroy(&fa);
        REQUIRE(rc == 0);
        for (int i = 0; i < 1000; ++i) {
            asio::io_context io;
            asio::ip::tcp::socket s(io);
            std::error_code ec;
            s.connect({asio::ip::make_address("127.0.0.1"), port_}, ec);
            if (!ec) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        FAIL(argv[0] + " did not start listening on port " + std::to_string(port_));
    }
    ~listening_process() {
        ::kill(pid_, SIGTERM);
        ::waitpid(pid_, nullptr, 0);
    }
    listening_process(const listening_process&) = delete;
    listening_process& operator=(const listening_process&) = delete;

    unsigned short port() const { return port_; }
    /// "SCHEME://127.0.0.1:PORT" followed by `path`.
    std::string url(const std::string& path, const std::string& scheme = "http") const {
        return scheme + "://127.0.0.1:" + std::to_string(port_) + path;
    }

private:
    unsigned short port_;
    pid_t pid_ = -1;
};

}  // namespace polymcp::test
