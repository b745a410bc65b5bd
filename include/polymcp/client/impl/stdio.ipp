#ifndef POLYMCP_CLIENT_IMPL_STDIO_IPP
#define POLYMCP_CLIENT_IMPL_STDIO_IPP

// Definitions for polymcp/client/stdio.hpp.

#include <polymcp/core/utf8.hpp>
#include <polymcp/client/stdio.hpp>

#include <asio/experimental/as_tuple.hpp>
#include <asio/buffer.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <deque>

#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace polymcp::client {

namespace detail {

/// write(2) without letting a closed pipe raise SIGPIPE in this process: the
/// signal is blocked in this thread for the call and a SIGPIPE it caused is
/// consumed (the library must not change the program's signal dispositions).
inline ssize_t write_no_sigpipe(int fd, const char* p, std::size_t n) {
    sigset_t pipe_set, old, pend;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigpending(&pend);
    const bool was_pending = sigismember(&pend, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    ssize_t r = ::write(fd, p, n);
    int e = errno;
    if (r < 0 && e == EPIPE && !was_pending) {
        timespec zero{0, 0};
        while (sigtimedwait(&pipe_set, nullptr, &zero) < 0 && errno == EINTR) {
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    errno = e;
    return r;
}

inline int decode_wait_status(int st) {
    if (WIFEXITED(st)) return WEXITSTATUS(st);
    if (WIFSIGNALED(st)) return -WTERMSIG(st);
    return -1;
}

struct stdio_state : std::enable_shared_from_this<stdio_state> {
    stdio_state(asio::any_io_executor e, stdio_options o)
        : ex(std::move(e)), options(std::move(o)), in(ex), out(ex), err(ex) {}

    asio::any_io_executor ex;
    stdio_options options;
    asio::posix::stream_descriptor in, out, err;
    transport_handlers handlers;
    pid_t pid = -1;
    bool exited = false;
    int status = 0;
    bool closing = false;
    bool reported = false;
    bool got_valid = false;
    bool stderr_done = false;
    bool finished = false;  ///< terminate() has reaped the child and closed the pipes
    std::string tail;
    std::string stderr_line;
    std::deque<std::string> queue;
    bool writing = false;

    std::string describe() const {
        std::string d = "stdio: " + options.command;
        for (const auto& a : options.args) d += " " + a;
        return d;
    }

    void try_reap() {
        if (exited || pid <= 0) return;
        int st = 0;
        pid_t r = ::waitpid(pid, &st, WNOHANG);
        if (r == pid || (r < 0 && errno == ECHILD)) {
            exited = true;
            status = r == pid ? decode_wait_status(st) : -1;
        }
    }

    void reap_blocking() {
        if (exited || pid <= 0) return;
        int st = 0;
        pid_t r;
        while ((r = ::waitpid(pid, &st, 0)) < 0 && errno == EINTR) {
        }
        exited = true;
        status = r == pid ? decode_wait_status(st) : -1;
    }

    /// Signals the child's whole process group (its pgid is its pid).
    void signal_group(int sig) const {
        if (pid > 0) ::kill(-pid, sig);
    }

    /// Waits until the child exited or `d` passed (polls waitpid every 10 ms).
    asio::awaitable<bool> wait_exit(std::chrono::milliseconds d) {
        auto self = shared_from_this();
        asio::steady_timer t(ex);
        auto deadline = std::chrono::steady_clock::now() + d;
        try_reap();
        while (!exited && std::chrono::steady_clock::now() < deadline) {
            t.expires_after(std::chrono::milliseconds(10));
            co_await t.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
            try_reap();
        }
        co_return exited;
    }

    std::string tail_excerpt() const {
        std::string t = tail;
        while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
        if (t.size() > 1000) {
            std::size_t from = t.size() - 1000;
            while (from < t.size() && (static_cast<unsigned char>(t[from]) & 0xC0) == 0x80) ++from;  // a character's start
            t = "..." + t.substr(from);
        }
        t = utf8_valid(t);
        return t.empty() ? std::string() : "; its stderr ended with: " + t;
    }

    std::string exit_text() const {
        if (!exited) return "closed its stdout";
        if (status >= 0) return "exited with status " + std::to_string(status);
        return "was killed by signal " + std::to_string(-status);
    }

    /// Reports the end of the connection once, then makes sure the child ends.
    void fail(errc code, const std::string& message) {
        if (reported) return;
        reported = true;
        auto self = shared_from_this();
        if (handlers.on_close) handlers.on_close(client_error(code, message));
        if (!closing) asio::co_spawn(ex, [self]() { return self->terminate(); }, asio::detached);
    }

    void handle_line(std::string& line) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) return;
        json j = json::parse(line, nullptr, false);
        if (j.is_discarded()) {
            std::string ex = utf8_excerpt(line, 200);
            if (!got_valid)
                return fail(errc::invalid_mcp_server,
                            "the server process (" + describe() + ") wrote something that is not JSON-RPC to stdout: " + ex);
            if (options.diagnostics) options.diagnostics("ignored a line on stdout that is not JSON: " + ex);
            return;
        }
        got_valid = true;
        if (handlers.on_message) handlers.on_message(std::move(j));
    }

    asio::awaitable<void> read_stdout() {
        auto self = shared_from_this();
        std::vector<char> buf(64 * 1024);
        std::string line;
        for (;;) {
            auto [ec, n] = co_await out.async_read_some(asio::buffer(buf), asio::experimental::as_tuple(asio::use_awaitable));
            if (ec) break;
            std::size_t start = 0;
            for (std::size_t i = 0; i < n; ++i) {
                if (buf[i] != '\n') continue;
                if (line.size() + (i - start) > options.max_message_size) break;
                line.append(buf.data() + start, i - start);
                handle_line(line);
                line.clear();
                start = i + 1;
                if (reported) break;
            }
            if (reported) break;
            line.append(buf.data() + start, n - start);
            if (line.size() > options.max_message_size) {
                fail(errc::message_too_large, "the server process (" + describe() + ") sent a message over the " +
                                                  std::to_string(options.max_message_size) + "-byte limit");
                break;
            }
        }
        if (reported) {
            // Keep draining stdout so that a child blocked writing can see its stdin close and exit.
            for (;;) {
                auto [ec, n] = co_await out.async_read_some(asio::buffer(buf), asio::experimental::as_tuple(asio::use_awaitable));
                if (ec) co_return;
            }
        }
        if (closing || reported) co_return;
        // End of stdout: the child is exiting; give it and its stderr a moment.
        co_await wait_exit(std::chrono::milliseconds(1000));
        fail(errc::connection_closed, "the server process (" + describe() + ") " + exit_text() + tail_excerpt());
    }

    asio::awaitable<void> read_stderr() {
        auto self = shared_from_this();
        std::vector<char> buf(16 * 1024);
        for (;;) {
            auto [ec, n] = co_await err.async_read_some(asio::buffer(buf), asio::experimental::as_tuple(asio::use_awaitable));
            if (ec) break;
            tail.append(buf.data(), n);
            if (tail.size() > options.stderr_tail_size) tail.erase(0, tail.size() - options.stderr_tail_size);
            if (!options.on_stderr) continue;
            for (std::size_t i = 0; i < n; ++i) {
                if (buf[i] == '\n') {
                    options.on_stderr(stderr_line);
                    stderr_line.clear();
                } else if (stderr_line.size() < options.max_message_size) {
                    stderr_line += buf[i];
                }
            }
        }
        if (options.on_stderr && !stderr_line.empty()) options.on_stderr(stderr_line);
        stderr_done = true;
    }

    /// MCP "Lifecycle" > "Shutdown" for stdio: close stdin, wait, SIGTERM, wait, SIGKILL.
    asio::awaitable<void> terminate() {
        auto self = shared_from_this();
        if (pid <= 0) co_return;
        if (closing) {  // another coroutine is terminating the child: wait for it
            asio::steady_timer t(ex);
            while (!finished) {
                t.expires_after(std::chrono::milliseconds(10));
                co_await t.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
            }
            co_return;
        }
        closing = true;
        std::error_code ignored;
        in.close(ignored);
        if (!co_await wait_exit(options.shutdown_grace)) {
            signal_group(SIGTERM);
            if (!co_await wait_exit(options.shutdown_grace)) {
                signal_group(SIGKILL);
                if (!co_await wait_exit(std::chrono::milliseconds(5000))) reap_blocking();
            }
        }
        signal_group(SIGKILL);  // whatever the child started and left behind
        // Let the readers drain what the child wrote before it ended.
        if (!stderr_done) {
            asio::steady_timer t(ex);
            t.expires_after(std::chrono::milliseconds(50));
            co_await t.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
        }
        out.close(ignored);
        err.close(ignored);
        finished = true;
    }

    void kill_now() {
        closing = true;
        std::error_code ignored;
        if (pid > 0 && !exited) {
            signal_group(SIGKILL);
            reap_blocking();
        }
        if (pid > 0) signal_group(SIGKILL);
        in.close(ignored);
        out.close(ignored);
        err.close(ignored);
        finished = true;
    }

    void spawn() {
        if (options.command.empty()) throw client_error(errc::invalid_url, "the stdio server has no command");
        int pin[2] = {-1, -1}, pout[2] = {-1, -1}, perr[2] = {-1, -1};
        auto close_all = [&] {
            for (int* p : {pin, pout, perr})
                for (int i = 0; i < 2; ++i)
                    if (p[i] >= 0) ::close(p[i]);
        };
        if (::pipe2(pin, O_CLOEXEC) || ::pipe2(pout, O_CLOEXEC) || ::pipe2(perr, O_CLOEXEC)) {
            int e = errno;
            close_all();
            throw client_error(errc::connection_failed, "cannot create pipes for " + describe() + ": " + std::strerror(e));
        }
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, pin[0], 0);
        posix_spawn_file_actions_adddup2(&fa, pout[1], 1);
        posix_spawn_file_actions_adddup2(&fa, perr[1], 2);
        if (!options.working_directory.empty())
            posix_spawn_file_actions_addchdir_np(&fa, options.working_directory.c_str());
        posix_spawnattr_t attr;
        posix_spawnattr_init(&attr);
        sigset_t none, all;
        sigemptyset(&none);
        sigfillset(&all);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setsigdefault(&attr, &all);
        posix_spawnattr_setpgroup(&attr, 0);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

        std::vector<std::string> argv_s{options.command};
        argv_s.insert(argv_s.end(), options.args.begin(), options.args.end());
        std::vector<char*> argv;
        for (auto& a : argv_s) argv.push_back(a.data());
        argv.push_back(nullptr);
        std::map<std::string, std::string> envm;
        if (options.inherit_environment)
            for (char** e = environ; e && *e; ++e) {
                std::string_view kv(*e);
                auto eq = kv.find('=');
                if (eq != std::string_view::npos) envm.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
            }
        for (const auto& [k, v] : options.env) envm[k] = v;
        std::vector<std::string> env_s;
        for (const auto& [k, v] : envm) env_s.push_back(k + "=" + v);
        std::vector<char*> envp;
        for (auto& s : env_s) envp.push_back(s.data());
        envp.push_back(nullptr);

        int rc = ::posix_spawnp(&pid, options.command.c_str(), &fa, &attr, argv.data(), envp.data());
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
        ::close(pin[0]);
        ::close(pout[1]);
        ::close(perr[1]);
        pin[0] = pout[1] = perr[1] = -1;
        if (rc != 0) {
            pid = -1;
            close_all();
            throw client_error(errc::connection_failed, "cannot start the server process (" + describe() +
                                                            "): " + std::strerror(rc));
        }
        for (int fd : {pin[1], pout[0], perr[0]}) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
        in.assign(pin[1]);
        out.assign(pout[0]);
        err.assign(perr[0]);
    }

    asio::awaitable<void> send(json message) {
        auto self = shared_from_this();
        // A half-written line would corrupt the stream: writes are not cancellable.
        co_await asio::this_coro::reset_cancellation_state(asio::disable_cancellation());
        if (pid <= 0) throw client_error(errc::not_initialized, "the stdio transport is not started");
        if (closing || reported || !in.is_open())
            throw client_error(errc::connection_closed, "the server process (" + describe() + ") is not running");
        queue.push_back(message.dump(-1, ' ', false, json::error_handler_t::replace) + "\n");
        if (writing) co_return;  // the active writer sends it, in order
        writing = true;
        while (!queue.empty()) {
            std::string s = std::move(queue.front());
            queue.pop_front();
            std::size_t off = 0;
            while (off < s.size()) {
                if (!in.is_open()) break;
                ssize_t r = write_no_sigpipe(in.native_handle(), s.data() + off, s.size() - off);
                if (r > 0) {
                    off += static_cast<std::size_t>(r);
                } else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                    auto [ec] = co_await in.async_wait(asio::posix::stream_descriptor::wait_write,
                                                       asio::experimental::as_tuple(asio::use_awaitable));
                    if (ec) break;
                } else if (r < 0 && errno == EINTR) {
                    continue;
                } else {
                    break;
                }
            }
            if (off < s.size()) {
                writing = false;
                queue.clear();
                throw client_error(errc::connection_closed,
                                   "cannot write to the server process (" + describe() + "): it closed its stdin" +
                                       tail_excerpt());
            }
        }
        writing = false;
    }
};

}  // namespace detail

stdio_transport::stdio_transport(asio::any_io_executor ex, stdio_options options)
    : state_(std::make_shared<detail::stdio_state>(std::move(ex), std::move(options))) {}

stdio_transport::~stdio_transport() { state_->kill_now(); }

asio::any_io_executor stdio_transport::get_executor() const { return state_->ex; }

asio::awaitable<void> stdio_transport::async_start(transport_handlers handlers) {
    auto s = state_;
    if (s->pid > 0) throw client_error(errc::not_initialized, "the stdio transport was already started");
    s->handlers = std::move(handlers);
    s->spawn();
    asio::co_spawn(s->ex, [s]() { return s->read_stdout(); }, asio::detached);
    asio::co_spawn(s->ex, [s]() { return s->read_stderr(); }, asio::detached);
    co_return;
}

asio::awaitable<void> stdio_transport::async_send(json message) {
    auto s = state_;
    co_await s->send(std::move(message));
}

asio::awaitable<void> stdio_transport::async_close() {
    auto s = state_;
    co_await s->terminate();
}

std::string stdio_transport::describe() const { return state_->describe(); }
int stdio_transport::pid() const noexcept { return state_->pid; }
std::string stdio_transport::stderr_tail() const { return state_->tail; }
std::optional<int> stdio_transport::exit_status() const noexcept {
    if (!state_->exited) return std::nullopt;
    return state_->status;
}

}  // namespace polymcp::client

#endif
