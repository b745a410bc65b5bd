// A real child process with its stdin and stdout on pipes, for tests that talk
// to a server the way a client does.
#pragma once

#include <polymcp/transport/detail/fd_writer.hpp>

#include <chrono>
#include <cerrno>
#include <csignal>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace test {

class child_process {
public:
    explicit child_process(std::vector<std::string> argv) {
        int in[2], out[2];
        if (::pipe2(in, O_CLOEXEC) || ::pipe2(out, O_CLOEXEC)) throw std::runtime_error("pipe failed");
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, in[0], 0);
        posix_spawn_file_actions_adddup2(&fa, out[1], 1);
        std::vector<char*> args;
        for (auto& a : argv) args.push_back(a.data());
        args.push_back(nullptr);
        int rc = posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), environ);
        posix_spawn_file_actions_destroy(&fa);
        ::close(in[0]);
        ::close(out[1]);
        if (rc != 0) throw std::runtime_error("posix_spawn failed: " + argv[0]);
        stdin_ = in[1];
        stdout_ = out[0];
        std::signal(SIGPIPE, SIG_IGN);
    }
    ~child_process() {
        close_stdin();
        if (stdout_ >= 0) ::close(stdout_);
        if (pid_ > 0 && !exit_code_) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;

    /// Writes all of `data`; returns false if the child closed its stdin.
    bool write(const std::string& data) {
        return polymcp::transport_detail::write_all(stdin_, data.data(), data.size());
    }
    bool write_line(const std::string& line) { return write(line + "\n"); }

    void close_stdin() {
        if (stdin_ >= 0) { ::close(stdin_); stdin_ = -1; }
    }

    /// The next line of stdout, or nullopt at EOF or after `timeout_ms`.
    std::optional<std::string> read_line(int timeout_ms = 5000) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        for (;;) {
            if (auto nl = buf_.find('\n'); nl != std::string::npos) {
                std::string line = buf_.substr(0, nl);
                buf_.erase(0, nl + 1);
                return line;
            }
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now()).count();
            if (left <= 0) return std::nullopt;
            pollfd p{stdout_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
            char tmp[65536];
            ssize_t n = ::read(stdout_, tmp, sizeof tmp);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return std::nullopt;
            buf_.append(tmp, static_cast<std::size_t>(n));
        }
    }

    void signal(int sig) { ::kill(pid_, sig); }

    /// Waits up to `timeout_ms` for exit; the exit status, or nullopt if still running.
    std::optional<int> wait(int timeout_ms = 10000) {
        if (exit_code_) return exit_code_;
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        while (std::chrono::steady_clock::now() < deadline) {
            int status = 0;
            pid_t r = ::waitpid(pid_, &status, WNOHANG);
            if (r == pid_) {
                exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
                return exit_code_;
            }
            ::usleep(2000);
        }
        return std::nullopt;
    }

private:
    pid_t pid_ = -1;
    int stdin_ = -1;
    int stdout_ = -1;
    std::string buf_;
    std::optional<int> exit_code_;
};

}  // namespace test
