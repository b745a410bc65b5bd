#include <catch2/catch.hpp>
#include <polymcp/protocol/jsonrpc.hpp>

#include "support/session_harness.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace polymcp;
using nlohmann::json;

namespace {
int error_code_of(const jsonrpc::parse_result& r) { return r.error ? r.error->error.code : 0; }
std::string slurp(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}
}  // namespace

TEST_CASE("jsonrpc: requests, notifications and responses are told apart", "[jsonrpc]") {
    auto r = jsonrpc::parse(R"({"jsonrpc":"2.0","id":7,"method":"tools/list","params":{"cursor":"x"}})");
    REQUIRE(r);
    auto& req = std::get<jsonrpc::request>(*r.value);
    CHECK(req.id == jsonrpc::request_id(7));
    CHECK(req.method == "tools/list");
    CHECK(req.params["cursor"] == "x");

    r = jsonrpc::parse(R"({"jsonrpc":"2.0","id":"abc","method":"ping"})");
    REQUIRE(r);
    CHECK(std::get<jsonrpc::request>(*r.value).id.string() == "abc");
    CHECK(std::get<jsonrpc::request>(*r.value).params.is_null());

    r = jsonrpc::parse(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
    REQUIRE(r);
    CHECK(std::holds_alternative<jsonrpc::notification>(*r.value));

    r = jsonrpc::parse(R"({"jsonrpc":"2.0","id":1,"result":{}})");
    REQUIRE(r);
    CHECK(std::holds_alternative<jsonrpc::response>(*r.value));

    r = jsonrpc::parse(R"({"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"nope"}})");
    REQUIRE(r);
    CHECK(std::get<jsonrpc::error_response>(*r.value).error.code == -32601);
}

TEST_CASE("jsonrpc: ids are strings or integers, never null", "[jsonrpc]") {
    CHECK(error_code_of(jsonrpc::parse(R"({"jsonrpc":"2.0","id":null,"method":"ping"})")) == -32600);
    CHECK(error_code_of(jsonrpc::parse(R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})")) == -32600);
    CHECK(error_code_of(jsonrpc::parse(R"({"jsonrpc":"2.0","id":[1],"method":"ping"})")) == -32600);
    CHECK(error_code_of(jsonrpc::parse(R"({"jsonrpc":"2.0","id":true,"method":"ping"})")) == -32600);
    // 1 and "1" are different ids.
    CHECK(jsonrpc::request_id(1).key() != jsonrpc::request_id("1").key());
    // An integer beyond the 64-bit signed range is refused, never wrapped.
    auto big = jsonrpc::parse(R"({"jsonrpc":"2.0","id":9223372036854775808,"method":"ping"})");
    REQUIRE(big.error);
    CHECK(big.error->error.code == -32600);
    CHECK(big.error->error.message.find("64-bit signed range") != std::string::npos);
    CHECK(jsonrpc::parse(R"({"jsonrpc":"2.0","id":9223372036854775807,"method":"ping"})").value.has_value());
}

TEST_CASE("jsonrpc: request_id::from_json reads the ids JSON-RPC allows and nothing else", "[jsonrpc]") {
    using jsonrpc::request_id;
    CHECK(request_id::from_json(nlohmann::json(7)) == request_id(7));
    CHECK(request_id::from_json(nlohmann::json(-7)) == request_id(-7));
    CHECK(request_id::from_json(nlohmann::json("7")) == request_id("7"));
    CHECK_FALSE(request_id::from_json(nlohmann::json(nullptr)));
    CHECK_FALSE(request_id::from_json(nlohmann::json(1.5)));
    CHECK_FALSE(request_id::from_json(nlohmann::json::array({1})));
    CHECK_FALSE(request_id::from_json(nlohmann::json(std::uint64_t{9223372036854775808ULL})));
}

TEST_CASE("jsonrpc: malformed messages get -32700 or -32600 with the id when readable", "[jsonrpc]") {
    auto r = jsonrpc::parse("{\"jsonrpc\":\"2.0\",");
    CHECK(error_code_of(r) == -32700);
    CHECK_THAT(r.error->error.message, Catch::Contains("Parse error"));
    CHECK_FALSE(r.error->id.has_value());

    r = jsonrpc::parse(R"({"jsonrpc":"1.0","id":3,"method":"ping"})");
    CHECK(error_code_of(r) == -32600);
    REQUIRE(r.error->id);
    CHECK(r.error->id->integer() == 3);

    CHECK(error_code_of(jsonrpc::parse(R"({"jsonrpc":"2.0","id":3,"method":5})")) == -32600);
    CHECK(error_code_of(jsonrpc::parse(R"({"jsonrpc":"2.0","id":3,"method":"x","params":"s"})")) == -32600);
    CHECK(error_code_of(jsonrpc::parse(R"({"jsonrpc":"2.0","id":3,"method":"x","params":[1]})")) == -32602);
    CHECK(error_code_of(jsonrpc::parse(R"({"jsonrpc":"2.0","id":3})")) == -32600);
    CHECK(error_code_of(jsonrpc::parse(R"("just a string")")) == -32600);
    CHECK(error_code_of(jsonrpc::parse(R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])")) == -32600);
    CHECK(error_code_of(jsonrpc::parse("")) == -32700);
}

TEST_CASE("jsonrpc: serialization round-trips and omits an unknown error id", "[jsonrpc]") {
    auto s = jsonrpc::serialize(jsonrpc::response{jsonrpc::request_id("a"), json{{"x", 1}}});
    CHECK(json::parse(s) == json{{"jsonrpc", "2.0"}, {"id", "a"}, {"result", {{"x", 1}}}});
    s = jsonrpc::serialize(jsonrpc::make_error(std::nullopt, -32700, "Parse error"));
    CHECK_FALSE(json::parse(s).contains("id"));
    s = jsonrpc::serialize(jsonrpc::notification{"notifications/progress", json{{"progress", 1}}});
    CHECK(json::parse(s)["method"] == "notifications/progress");
    CHECK_FALSE(json::parse(s).contains("id"));
}

TEST_CASE("jsonrpc: every JSONTestSuite n_ document yields -32700/-32600 and the session keeps serving",
          "[jsonrpc][JSONTestSuite]") {
    namespace fs = std::filesystem;
    const fs::path dir = fs::path(POLYMCP_TEST_DATA_DIR) / "JSONTestSuite/test_parsing";
    REQUIRE(fs::is_directory(dir));
    test::harness h(polymcp::tools().make_registry());
    h.initialize();
    int checked = 0;
    for (const auto& e : fs::directory_iterator(dir)) {
        const auto name = e.path().filename().string();
        if (name.rfind("n_", 0) != 0) continue;
        INFO(name);
        h.feed(slurp(e.path()));
        auto msgs = h.take();
        REQUIRE(msgs.size() == 1);
        const int code = msgs[0]["error"]["code"].get<int>();
        CHECK((code == -32700 || code == -32600));
        ++checked;
    }
    CHECK(checked >= 180);
    h.feed(test::harness::request(1, "ping"));
    CHECK(h.take_one()["result"] == json::object());
}
