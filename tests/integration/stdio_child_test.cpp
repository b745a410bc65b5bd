// hello_stdio as a real child process over pipes.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/child_process.hpp"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

using nlohmann::json;

namespace {
const std::string init_line =
    R"({"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"it","version":"1"}}})";
const std::string initialized_line = R"({"jsonrpc":"2.0","method":"notifications/initialized"})";

json read_json(test::child_process& c, int timeout_ms = 5000) {
    auto line = c.read_line(timeout_ms);
    REQUIRE(line.has_value());
    return json::parse(*line);  // stdout carries nothing but JSON-RPC messages
}
void handshake(test::child_process& c) {
    REQUIRE(c.write_line(init_line));
    auto r = read_json(c);
    REQUIRE(r["id"] == "init");
    REQUIRE(r["result"]["protocolVersion"] == "2025-11-25");
    REQUIRE(c.write_line(initialized_line));
}
std::string call(int id, const std::string& tool, const json& args, const json& meta = nullptr) {
    json p = {{"name", tool}, {"arguments", args}};
    if (!meta.is_null()) p["_meta"] = meta;
    return json{{"jsonrpc", "2.0"}, {"id", id}, {"method", "tools/call"}, {"params", p}}.dump();
}
}  // namespace

TEST_CASE("stdio: a client lists and calls the tools of hello_stdio", "[integration][stdio]") {
    test::child_process c({POLYMCP_HELLO_STDIO});
    handshake(c);
    REQUIRE(c.write_line(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})"));
    auto tools = read_json(c)["result"]["tools"];
    std::set<std::string> names;
    for (auto& t : tools) names.insert(t["name"]);
    CHECK(names == std::set<std::string>{"add", "countdown", "echo"});
    REQUIRE(c.write_line(call(2, "add", {{"a", 1.5}, {"b", 2}})));
    auto r = read_json(c);
    CHECK(r["id"] == 2);
    CHECK(r["result"]["structuredContent"]["sum"] == 3.5);
    c.close_stdin();
    CHECK(c.wait() == 0);
}

TEST_CASE("stdio: every response to requests already read is written before exit", "[integration][stdio]") {
    test::child_process c({POLYMCP_HELLO_STDIO});
    handshake(c);
    const int n = 2000;
    std::string burst;
    for (int i = 0; i < n; ++i) burst += call(i, "echo", {{"text", "m" + std::to_string(i)}}) + "\n";
    burst += call(n, "countdown", {{"from", 3}, {"delay_ms", 20}}) + "\n";  // still running at EOF
    REQUIRE(c.write(burst));
    c.close_stdin();
    std::set<int> ids;
    while (auto line = c.read_line(10000)) {
        auto m = json::parse(*line);
        if (m.contains("id")) {
            CHECK_FALSE(m.contains("error"));
            ids.insert(m["id"].get<int>());
        }
    }
    CHECK(ids.size() == static_cast<std::size_t>(n + 1));
    CHECK(c.wait() == 0);
}

TEST_CASE("stdio: bad lines get errors and the server keeps serving", "[integration][stdio][bad-input]") {
    test::child_process c({POLYMCP_HELLO_STDIO});
    handshake(c);
    REQUIRE(c.write_line("this is not json"));
    CHECK(read_json(c)["error"]["code"] == -32700);
    REQUIRE(c.write_line(R"({"jsonrpc":"2.0","id":1,"method":"no/such/method"})"));
    auto e = read_json(c);
    CHECK(e["id"] == 1);
    CHECK(e["error"]["code"] == -32601);
    REQUIRE(c.write_line(call(2, "add", {{"a", "one"}, {"b", 2}})));
    auto r = read_json(c);
    CHECK(r["result"]["isError"] == true);
    CHECK_THAT(r["result"]["content"][0]["text"].get<std::string>(), Catch::Contains("/a: expected number"));

    // A line over the 4 MiB default limit: one error, then business as usual.
    REQUIRE(c.write_line(std::string(5 * 1024 * 1024, 'x')));
    auto big = read_json(c);
    CHECK(big["error"]["code"] == -32600);
    CHECK_THAT(big["error"]["message"].get<std::string>(), Catch::Contains("4194304"));
    REQUIRE(c.write_line(R"({"jsonrpc":"2.0","id":3,"method":"ping"})"));
    CHECK(read_json(c)["id"] == 3);
}

TEST_CASE("stdio: JSONTestSuite n_ documents over the pipe never break the server", "[integration][stdio][JSONTestSuite]") {
    namespace fs = std::filesystem;
    const fs::path dir = fs::path(POLYMCP_TEST_DATA_DIR) / "JSONTestSuite/test_parsing";
    REQUIRE(fs::is_directory(dir));
    test::child_process c({POLYMCP_HELLO_STDIO});
    handshake(c);
    std::size_t lines = 0;
    for (const auto& e : fs::directory_iterator(dir)) {
        if (e.path().filename().string().rfind("n_", 0) != 0) continue;
        std::ifstream f(e.path(), std::ios::binary);
        std::stringstream s;
        s << f.rdbuf();
        std::string doc = s.str();
        // On stdio a newline ends a message: each line of the document is one message.
        lines += static_cast<std::size_t>(std::count(doc.begin(), doc.end(), '\n')) + 1;
        REQUIRE(c.write_line(doc));
    }
    REQUIRE(c.write_line(R"({"jsonrpc":"2.0","id":"after","method":"ping"})"));
    std::size_t errors = 0;
    for (;;) {
        auto m = read_json(c);
        if (m.contains("id") && m["id"] == "after") break;
        int code = m["error"]["code"];
        CHECK((code == -32700 || code == -32600));
        ++errors;
    }
    CHECK(errors == lines);
}

TEST_CASE("stdio: SIGTERM lets in-flight work finish, then exits 0", "[integration][stdio][shutdown]") {
    test::child_process c({POLYMCP_HELLO_STDIO});
    handshake(c);
    REQUIRE(c.write_line(call(1, "countdown", {{"from", 3}, {"delay_ms", 50}}, {{"progressToken", 1}})));
    auto first = read_json(c);  // the first progress notification: the call is running
    CHECK(first["method"] == "notifications/progress");
    c.signal(SIGTERM);
    json last;
    while (auto line = c.read_line(5000)) {
        auto m = json::parse(*line);
        if (m.contains("id")) last = m;
    }
    CHECK(last["id"] == 1);
    CHECK(last["result"]["content"][0]["text"] == "countdown from 3 finished");
    CHECK(c.wait() == 0);
}

TEST_CASE("stdio: cancellation stops a coroutine tool without a response", "[integration][stdio][cancellation]") {
    test::child_process c({POLYMCP_HELLO_STDIO});
    handshake(c);
    REQUIRE(c.write_line(call(1, "countdown", {{"from", 1000}, {"delay_ms", 10}}, {{"progressToken", "p"}})));
    CHECK(read_json(c)["method"] == "notifications/progress");
    REQUIRE(c.write_line(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}})"));
    REQUIRE(c.write_line(R"({"jsonrpc":"2.0","id":2,"method":"ping"})"));
    c.close_stdin();
    bool saw_response_1 = false, saw_ping = false;
    while (auto line = c.read_line(5000)) {
        auto m = json::parse(*line);
        if (m.contains("id") && m["id"] == 1) saw_response_1 = true;
        if (m.contains("id") && m["id"] == 2) saw_ping = true;
    }
    CHECK(saw_ping);
    CHECK_FALSE(saw_response_1);
    CHECK(c.wait(3000) == 0);  // exits promptly: nothing is left in flight
}
