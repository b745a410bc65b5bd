// The MCP client over stdio: polymcp::client::session driving real server
// processes — examples/everything_server, and a scripted Python server that
// misbehaves on request — through every client call, plus the process
// lifecycle (clean and forced termination, no zombies).

#include <polymcp/client.hpp>

#include "support/client_walkthrough.hpp"
#include "support/expect_client_error.hpp"
#include "support/run_coro.hpp"

#include <catch2/catch.hpp>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <fstream>
#include <thread>

#include <sys/wait.h>

namespace mc = polymcp::client;
using polymcp::json;
using namespace std::chrono_literals;

namespace {

std::shared_ptr<mc::stdio_transport> everything(asio::io_context& io) {
    return std::make_shared<mc::stdio_transport>(io.get_executor(),
                                                 mc::stdio_options{.command = POLYMCP_EVERYTHING_SERVER, .args = {"--stdio"}});
}

std::shared_ptr<mc::stdio_transport> scripted(asio::io_context& io, std::vector<std::string> args,
                                              std::chrono::milliseconds grace = 2000ms) {
    args.insert(args.begin(), POLYMCP_SCRIPTED_SERVER);
    return std::make_shared<mc::stdio_transport>(
        io.get_executor(), mc::stdio_options{.command = POLYMCP_PYTHON, .args = std::move(args), .shutdown_grace = grace});
}

using polymcp::test::expect_error;

/// Reaped: no process, not even a zombie, has this id.
bool process_gone(int pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

/// Dead: gone, or a zombie waiting for its parent (init, for an orphan; in a
/// container, init may never reap it, which is not the client's business).
bool process_dead(int pid) {
    if (process_gone(pid)) return true;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    auto paren = line.rfind(')');
    return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'Z';
}

}  // namespace

TEST_CASE("client over stdio: every client call against everything_server", "[client][stdio]") {
    asio::io_context io;
    auto t = everything(io);
    polymcp::test::walkthrough_log log;
    mc::session s(t, polymcp::test::walkthrough_options(log));
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        co_await polymcp::test::walk_everything(s, log);
        co_await s.close();
        CHECK_FALSE(s.is_open());
    });
    REQUIRE(t->exit_status());
    CHECK(*t->exit_status() == 0);  // it ended on stdin EOF, not by signal
    CHECK(process_gone(t->pid()));
}

TEST_CASE("client over stdio: resources/updated after subscribe", "[client][stdio]") {
    asio::io_context io;
    polymcp::test::check_resource_updated(io, everything(io));
}

TEST_CASE("client over stdio: every client call against everything_server, statelessly (2026-07-28)",
          "[client][stdio][stateless]") {
    asio::io_context io;
    auto t = everything(io);
    polymcp::test::walkthrough_log log;
    mc::session s(t, polymcp::test::walkthrough_options(log, mc::protocol_era::dual));
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        co_await polymcp::test::walk_everything(s, log, "2026-07-28");
        co_await s.close();
    });
    REQUIRE(t->exit_status());
    CHECK(*t->exit_status() == 0);
}

TEST_CASE("client over stdio: resources/updated on a subscriptions/listen stream (2026-07-28)",
          "[client][stdio][stateless]") {
    asio::io_context io;
    polymcp::test::check_resource_updated(io, everything(io), mc::protocol_era::modern);
}

TEST_CASE("client over stdio: a request without a handler gets -32601", "[client][stdio]") {
    asio::io_context io;
    mc::session s(everything(io));  // no sampling handler: capability not declared
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        co_await s.initialize();
        std::string name = "test_sampling";
        json args = {{"prompt", "x"}};
        auto r = co_await s.call_tool(name, args);
        CHECK(std::get<polymcp::text_content>(r.content[0]).text.find("Sampling not supported") == 0);
        co_await s.close();
    });
}

TEST_CASE("client: list calls follow cursors and refuse a cursor loop", "[client][stdio]") {
    asio::io_context io;
    SECTION("two pages") {
        mc::session s(scripted(io, {"normal"}));
        test::run_coro(io, [&]() -> asio::awaitable<void> {
            co_await s.initialize();
            auto tools = co_await s.list_tools();
            REQUIRE(tools.size() == 3);
            CHECK(tools[0].name == "slow");
            CHECK(tools[2].name == "seen");
            co_await s.close();
        });
    }
    SECTION("a server that repeats its cursor") {
        mc::session s(scripted(io, {"cursor_loop"}));
        test::run_coro(io, [&]() -> asio::awaitable<void> {
            co_await s.initialize();
            auto e = co_await expect_error([&]() -> asio::awaitable<void> { co_await s.list_tools(); });
            CHECK(e.value() == mc::errc::invalid_mcp_server);
            CHECK(std::string(e.what()).find("repeated the cursor") != std::string::npos);
            co_await s.close();
        });
    }
}

TEST_CASE("client: timeouts, progress that extends them, and the absolute cap", "[client][stdio]") {
    asio::io_context io;
    mc::session s(scripted(io, {"normal"}));
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        co_await s.initialize();
        std::string slow = "slow";
        json args = {{"steps", 8}, {"gap_ms", 100}};  // about 800 ms, progress every 100 ms

        mc::request_options ro;
        int seen = 0;
        ro.on_progress = [&](const mc::progress_info&) { ++seen; };
        ro.timeout = 400ms;  // shorter than the call, longer than the gap between progress
        auto r = co_await s.call_tool(slow, args, ro);
        CHECK(std::get<polymcp::text_content>(r.content[0]).text == "slow done");
        CHECK(seen == 8);

        ro.max_timeout = 450ms;  // progress cannot extend past the cap
        auto start = std::chrono::steady_clock::now();
        auto e = co_await expect_error([&]() -> asio::awaitable<void> { co_await s.call_tool(slow, args, ro); });
        CHECK(e.value() == mc::errc::timeout);
        CHECK(std::chrono::steady_clock::now() - start < 5s);

        mc::request_options plain;  // no progress callback: no token, no extension
        plain.timeout = 300ms;
        e = co_await expect_error([&]() -> asio::awaitable<void> { co_await s.call_tool(slow, args, plain); });
        CHECK(e.value() == mc::errc::timeout);
        CHECK(std::string(e.what()).find("within 300 ms") != std::string::npos);

        // The server heard about both abandoned requests (MCP "Cancellation").
        std::string seen_tool = "seen";
        r = co_await s.call_tool(seen_tool, nullptr);
        CHECK(r.structured_content["cancelled"].size() == 2);
        co_await s.close();
    });
}

TEST_CASE("client: cancelling an in-flight call through its cancellation slot", "[client][stdio]") {
    asio::io_context io;
    mc::session s(scripted(io, {"normal"}));
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        co_await s.initialize();
        asio::cancellation_signal cancel;
        std::optional<mc::errc> outcome;
        std::string hang = "hang";
        asio::co_spawn(
            io, [&]() -> asio::awaitable<void> { co_await s.call_tool(hang, nullptr); },
            asio::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr e) {
                try {
                    if (e) std::rethrow_exception(e);
                } catch (const mc::client_error& ce) {
                    outcome = ce.value();
                }
            }));
        asio::steady_timer t(io);
        t.expires_after(200ms);
        co_await t.async_wait(asio::use_awaitable);
        CHECK_FALSE(outcome);
        cancel.emit(asio::cancellation_type::terminal);
        for (int i = 0; i < 50 && !outcome; ++i) {
            t.expires_after(10ms);
            co_await t.async_wait(asio::use_awaitable);
        }
        REQUIRE(outcome);
        CHECK(*outcome == mc::errc::cancelled);
        // The session goes on, and the server got notifications/cancelled for the call.
        std::string seen_tool = "seen";
        auto r = co_await s.call_tool(seen_tool, nullptr);
        CHECK(r.structured_content["cancelled"].size() == 1);
        co_await s.close();
    });
}

TEST_CASE("client: servers that misbehave give typed errors", "[client][stdio]") {
    asio::io_context io;

    SECTION("a command that does not exist") {
        mc::session s(std::make_shared<mc::stdio_transport>(
            io.get_executor(), mc::stdio_options{.command = "/nonexistent/mcp-server"}));
        test::run_coro(io, [&]() -> asio::awaitable<void> {
            auto e = co_await expect_error([&]() -> asio::awaitable<void> { co_await s.initialize(); });
            CHECK(e.value() == mc::errc::connection_failed);
            CHECK(std::string(e.what()).find("No such file or directory") != std::string::npos);
        });
    }
    SECTION("a program that writes HTML") {
        auto t = scripted(io, {"html"}, 200ms);
        mc::session s(t);
        test::run_coro(io, [&]() -> asio::awaitable<void> {
            auto e = co_await expect_error([&]() -> asio::awaitable<void> { co_await s.initialize(); });
            CHECK(e.value() == mc::errc::invalid_mcp_server);
            CHECK(std::string(e.what()).find("<!DOCTYPE html>") != std::string::npos);
            co_await s.close();
        });
        CHECK(process_gone(t->pid()));
    }
    SECTION("an unknown protocol version") {
        auto t = scripted(io, {"version", "1999-01-01"});
        mc::session s(t);
        test::run_coro(io, [&]() -> asio::awaitable<void> {
            auto e = co_await expect_error([&]() -> asio::awaitable<void> { co_await s.initialize(); });
            CHECK(e.value() == mc::errc::protocol_version_unsupported);
            CHECK(std::string(e.what()).find("1999-01-01") != std::string::npos);
            CHECK_FALSE(s.is_open());
        });
        CHECK(process_gone(t->pid()));  // the client closed the connection
    }
    SECTION("an older revision is accepted") {
        mc::session s(scripted(io, {"version", "2024-11-05"}));
        test::run_coro(io, [&]() -> asio::awaitable<void> {
            auto init = co_await s.initialize();
            CHECK(init.protocol_version == "2024-11-05");
            co_await s.close();
        });
    }
    SECTION("a process that exits in the middle of a call") {
        auto t = scripted(io, {"normal"});
        mc::session s(t);
        test::run_coro(io, [&]() -> asio::awaitable<void> {
            co_await s.initialize();
            std::string name = "exit";
            auto e = co_await expect_error([&]() -> asio::awaitable<void> { co_await s.call_tool(name, nullptr); });
            CHECK(e.value() == mc::errc::connection_closed);
            CHECK(std::string(e.what()).find("exited with status 7") != std::string::npos);
            CHECK(std::string(e.what()).find("the scripted server gives up") != std::string::npos);
            CHECK_FALSE(s.is_open());
            // Later calls fail at once with the same reason.
            e = co_await expect_error([&]() -> asio::awaitable<void> { co_await s.ping(); });
            CHECK(e.value() == mc::errc::connection_closed);
        });
        CHECK(process_gone(t->pid()));
    }
    SECTION("an oversized message") {
        auto t = std::make_shared<mc::stdio_transport>(
            io.get_executor(), mc::stdio_options{.command = POLYMCP_PYTHON,
                                                 .args = {POLYMCP_SCRIPTED_SERVER, "normal"},
                                                 .max_message_size = 1024 * 1024});
        mc::session s(t);
        test::run_coro(io, [&]() -> asio::awaitable<void> {
            co_await s.initialize();
            std::string name = "huge";
            auto e = co_await expect_error([&]() -> asio::awaitable<void> { co_await s.call_tool(name, nullptr); });
            CHECK(e.value() == mc::errc::message_too_large);
            co_await s.close();
        });
        CHECK(process_gone(t->pid()));
    }
    SECTION("stray output and unknown ids after a good start are skipped") {
        std::vector<std::string> diagnostics;
        auto t = std::make_shared<mc::stdio_transport>(
            io.get_executor(),
            mc::stdio_options{.command = POLYMCP_PYTHON,
                              .args = {POLYMCP_SCRIPTED_SERVER, "normal"},
                              .diagnostics = [&](std::string_view d) { diagnostics.emplace_back(d); }});
        mc::session_options so;
        so.diagnostics = [&](std::string_view d) { diagnostics.emplace_back(d); };
        mc::session s(t, so);
        test::run_coro(io, [&]() -> asio::awaitable<void> {
            co_await s.initialize();
            std::string name = "garbage";
            auto r = co_await s.call_tool(name, nullptr);
            CHECK(std::get<polymcp::text_content>(r.content[0]).text == "after garbage");
            name = "stray_id";
            r = co_await s.call_tool(name, nullptr);
            CHECK(std::get<polymcp::text_content>(r.content[0]).text == "after stray");
            co_await s.close();
        });
        REQUIRE(diagnostics.size() == 2);
        CHECK(diagnostics[0].find("this is not json") != std::string::npos);
        CHECK(diagnostics[1].find("unknown request id 9999") != std::string::npos);
    }
    SECTION("notifications with members of the wrong type are read as far as they make sense; a callback that "
            "throws is reported, not thrown") {
        std::vector<std::string> diagnostics;
        std::vector<mc::log_message> logs;
        std::vector<json> progress, other;
        mc::session_options so;
        so.diagnostics = [&](std::string_view d) { diagnostics.emplace_back(d); };
        so.on_log = [&](const mc::log_message& m) {
            logs.push_back(m);
            if (m.data == "thrown at") throw std::runtime_error("the application's log callback failed");
        };
        so.on_progress = [&](const json& p) { progress.push_back(p); };
        so.on_resource_updated = [&](const std::string& uri) { other.push_back(uri); };
        mc::session s(scripted(io, {"normal"}), so);
        test::run_coro(io, [&]() -> asio::awaitable<void> {
            co_await s.initialize();
            std::string name = "ill_typed";
            auto r = co_await s.call_tool(name, nullptr);
            CHECK(std::get<polymcp::text_content>(r.content[0]).text == "after ill-typed");
            co_await s.ping();  // the session goes on
            co_await s.close();
        });
        REQUIRE(logs.size() == 3);
        CHECK(logs[0].level == polymcp::logging_level::info);  // level 5 is no level
        CHECK(logs[0].logger.empty());
        CHECK(logs[0].data == "level 5");
        CHECK(logs[1].level == polymcp::logging_level::warning);
        CHECK(logs[1].logger == "w");
        CHECK(logs[2].level == polymcp::logging_level::error);
        CHECK(logs[2].data == "after the throw");
        REQUIRE(progress.size() == 1);  // no request has that token: the session-wide callback
        CHECK(progress[0]["progressToken"] == json::array({1}));
        CHECK(other.empty());  // a uri that is not a string names no resource
        REQUIRE(diagnostics.size() == 2);
        CHECK_THAT(diagnostics[0], Catch::Contains("MCP \"params\" must be an object, got array"));
        CHECK_THAT(diagnostics[1], Catch::Contains("handling it threw: the application's log callback failed"));
    }
    SECTION("calls before initialize") {
        mc::session s(scripted(io, {"normal"}));
        test::run_coro(io, [&]() -> asio::awaitable<void> {
            auto e = co_await expect_error([&]() -> asio::awaitable<void> { co_await s.ping(); });
            CHECK(e.value() == mc::errc::not_initialized);
        });
    }
}

TEST_CASE("stdio transport: arguments, environment, working directory and stderr", "[client][stdio]") {
    asio::io_context io;
    std::vector<std::string> stderr_lines;
    std::vector<json> messages;
    auto t = std::make_shared<mc::stdio_transport>(
        io.get_executor(),
        mc::stdio_options{
            .command = "sh",
            .args = {"-c",
                     "echo \"{\\\"jsonrpc\\\":\\\"2.0\\\",\\\"method\\\":\\\"x\\\",\\\"params\\\":{\\\"arg\\\":\\\"$0\\\","
                     "\\\"env\\\":\\\"$POLYMCP_TEST_VAR\\\",\\\"cwd\\\":\\\"$(pwd)\\\"}}\"; echo to-stderr >&2",
                     "first arg"},
            .env = {{"POLYMCP_TEST_VAR", "value with spaces"}},
            .working_directory = "/tmp",
            .on_stderr = [&](std::string_view l) { stderr_lines.emplace_back(l); }});
    std::optional<mc::client_error> closed;
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        co_await t->async_start({[&](json m) { messages.push_back(std::move(m)); },
                                 [&](const mc::client_error& e) { closed = e; }});
        asio::steady_timer timer(io);
        for (int i = 0; i < 300 && !closed; ++i) {
            timer.expires_after(10ms);
            co_await timer.async_wait(asio::use_awaitable);
        }
    });
    REQUIRE(messages.size() == 1);
    CHECK(messages[0]["params"]["arg"] == "first arg");
    CHECK(messages[0]["params"]["env"] == "value with spaces");
    CHECK(messages[0]["params"]["cwd"] == "/tmp");
    REQUIRE(closed);
    CHECK(closed->value() == mc::errc::connection_closed);
    CHECK(std::string(closed->what()).find("exited with status 0") != std::string::npos);
    CHECK(stderr_lines == std::vector<std::string>{"to-stderr"});
    CHECK(t->stderr_tail() == "to-stderr\n");
}

TEST_CASE("stdio transport: a child that ignores EOF and SIGTERM is killed, with its own children", "[client][stdio]") {
    asio::io_context io;
    auto t = scripted(io, {"ignore_term"}, 300ms);
    int grandchild = 0;
    test::run_coro(io, [&]() -> asio::awaitable<void> {
        co_await t->async_start({[](json) {}, [](const mc::client_error&) {}});
        asio::steady_timer timer(io);
        for (int i = 0; i < 500 && t->stderr_tail().find('\n') == std::string::npos; ++i) {
            timer.expires_after(10ms);
            co_await timer.async_wait(asio::use_awaitable);
        }
        auto tail = t->stderr_tail();
        REQUIRE(tail.rfind("grandchild ", 0) == 0);
        grandchild = std::stoi(tail.substr(11));
        auto start = std::chrono::steady_clock::now();
        co_await t->async_close();
        auto took = std::chrono::steady_clock::now() - start;
        CHECK(took >= 600ms);  // stdin closed, grace, SIGTERM ignored, grace, SIGKILL
        CHECK(took < 5s);
    });
    REQUIRE(t->exit_status());
    CHECK(*t->exit_status() == -SIGKILL);
    CHECK(process_gone(t->pid()));  // reaped: not even a zombie
    // The grandchild was in the child's process group and got SIGKILL too.
    for (int i = 0; i < 100 && !process_dead(grandchild); ++i) std::this_thread::sleep_for(10ms);
    CHECK(process_dead(grandchild));
}

TEST_CASE("stdio transport: destroying it kills and reaps the child", "[client][stdio]") {
    asio::io_context io;
    int pid = 0;
    {
        auto t = scripted(io, {"normal"});
        test::run_coro(io, [&]() -> asio::awaitable<void> {
            co_await t->async_start({[](json) {}, [](const mc::client_error&) {}});
        });
        pid = t->pid();
        REQUIRE(pid > 0);
        CHECK_FALSE(process_gone(pid));
    }
    CHECK(process_gone(pid));
    int st = 0;
    CHECK(::waitpid(pid, &st, WNOHANG) == -1);  // already reaped by the transport
}

TEST_CASE("client: the Asio-style forms complete any token with (error_code, result), the message in diagnostics",
          "[client][stdio][async]") {
    asio::io_context io;
    mc::session s(everything(io));
    polymcp::diagnostics diag;
    auto run_until = [&io](const bool& done) {
        io.restart();  // the last run may have left it out of work, hence stopped
        while (!done && io.run_one() > 0) {
        }
    };

    // Before initialize: the client's code, no exception.
    bool done = false;
    std::error_code early;
    s.async_list_tools({}, diag, [&](std::error_code ec, std::vector<mc::tool_info>) {
        early = ec;
        done = true;
    });
    run_until(done);
    CHECK(early == mc::errc::not_initialized);
    CHECK_FALSE(diag.message.empty());

    done = false;
    mc::initialize_result info;
    std::error_code init;
    s.async_initialize({}, diag, [&](std::error_code ec, mc::initialize_result r) {
        init = ec;
        info = std::move(r);
        done = true;
    });
    run_until(done);
    REQUIRE(done);
    REQUIRE_FALSE(init);
    CHECK(s.is_open());
    CHECK(diag.message.empty());
    CHECK(info.server_info.name == "mcp-conformance-test-server");

    test::run_coro(io, [&]() -> asio::awaitable<void> {
        using asio::experimental::as_tuple;
        auto [ec, r] = co_await s.async_call_tool("test_simple_text", json::object(), {}, diag, as_tuple(asio::use_awaitable));
        INFO(diag.message);
        REQUIRE_FALSE(ec);
        CHECK(std::get<polymcp::text_content>(r.content[0]).text == "This is a simple text response for testing.");
        // A JSON-RPC error from the server: rpc_error, the server's message in diag.
        auto [rec, none] = co_await s.async_read_resource("test://no/such/resource", {}, diag, as_tuple(asio::use_awaitable));
        CHECK(rec == mc::errc::rpc_error);
        CHECK(diag.message.find("test://no/such/resource") != std::string::npos);
        CHECK(none.contents.empty());
        auto [pec] = co_await s.async_ping({}, diag, as_tuple(asio::use_awaitable));
        CHECK_FALSE(pec);
        auto [cec] = co_await s.async_close(diag, as_tuple(asio::use_awaitable));
        CHECK_FALSE(cec);
    });
}
