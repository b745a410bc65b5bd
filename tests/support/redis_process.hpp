#ifndef POLYMCP_TESTS_SUPPORT_REDIS_PROCESS_HPP
#define POLYMCP_TESTS_SUPPORT_REDIS_PROCESS_HPP

// redis-server (POLYMCP_REDIS_SERVER) as a child process of a test, without
// persistence, on 127.0.0.1 and a given port: a test can stop it (SIGSTOP),
// let it go on (SIGCONT), kill it and start it again.

#include <csignal>
#include <cstdint>
#include <string>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace polymcp::test {

class redis_process {
public:
    explicit redis_process(std::uint16_t port) : port_(port) { start(); }
    ~redis_process() { kill(SIGKILL); }
    redis_process(const redis_process&) = delete;
    redis_process& operator=(const redis_process&) = delete;

    void start() {
        pid_ = ::fork();
        if (pid_ == 0) {
            int devnull = ::open("/dev/null", O_WRONLY);
            ::dup2(devnull, 1);
            ::dup2(devnull, 2);
            std::string p = std::to_string(port_);
            ::execl(POLYMCP_REDIS_SERVER, POLYMCP_REDIS_SERVER, "--bind", "127.0.0.1", "--port", p.c_str(), "--save",
                    "", "--appendonly", "no", "--loglevel", "warning", static_cast<char*>(nullptr));
            ::_exit(127);
        }
    }
    /// Sends `sig`; after SIGKILL or SIGTERM, waits for the process to end.
    void kill(int sig) {
        if (pid_ <= 0) return;
        ::kill(pid_, sig);
        if (sig == SIGKILL || sig == SIGTERM) {
            ::waitpid(pid_, nullptr, 0);
            pid_ = -1;
        }
    }

private:
    std::uint16_t port_;
    pid_t pid_ = -1;
};

}  // namespace polymcp::test

#endif
