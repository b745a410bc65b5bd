#include <catch2/catch.hpp>
#include <polymcp/polymcp.hpp>

#include "support/session_harness.hpp"

using nlohmann::json;

namespace {
struct text_args {
    BOOST_HANA_DEFINE_STRUCT(text_args, (std::string, text));
};
polymcp::tool_entry named(const std::string& name) {
    auto t = polymcp::tool<"placeholder">("d", [](text_args a) { return a.text; }).entry();
    t.name = name;
    t.descriptor["name"] = name;
    return t;
}
std::vector<std::string> names(const polymcp::tool_registry::page& p) {
    std::vector<std::string> n;
    for (auto& t : p.tools) n.push_back(t->name);
    return n;
}
}  // namespace

TEST_CASE("registry: tools are listed in name order with opaque, resumable cursors", "[registry]") {
    auto r = polymcp::make_dynamic_tool_registry();
    for (auto n : {"delta", "alpha", "echo", "charlie", "bravo"}) r->add(named(n));
    std::error_code ec;
    auto p1 = r->list("", 2, ec);
    REQUIRE_FALSE(ec);
    CHECK(names(p1) == std::vector<std::string>{"alpha", "bravo"});
    REQUIRE_FALSE(p1.next_cursor.empty());
    auto p2 = r->list(p1.next_cursor, 2, ec);
    CHECK(names(p2) == std::vector<std::string>{"charlie", "delta"});
    // A removal between pages does not skip or repeat tools.
    r->remove("charlie");
    auto p3 = r->list(p2.next_cursor, 2, ec);
    CHECK(names(p3) == std::vector<std::string>{"echo"});
    CHECK(p3.next_cursor.empty());
    r->list("not-a-cursor", 2, ec);
    CHECK(ec == polymcp::errc::invalid_params);
}

TEST_CASE("registry: duplicate and invalid names are refused with typed errors", "[registry]") {
    auto r = polymcp::make_dynamic_tool_registry();
    std::error_code ec;
    r->add(named("one"), ec);
    CHECK_FALSE(ec);
    r->add(named("one"), ec);
    CHECK(ec == polymcp::errc::duplicate_tool);
    r->add(named("has space"), ec);
    CHECK(ec == polymcp::errc::invalid_tool_name);
    r->add(named(std::string(129, 'a')), ec);
    CHECK(ec == polymcp::errc::invalid_tool_name);
    CHECK_THROWS_AS(r->add(named("one")), std::system_error);
    CHECK(r->size() == 1);
    CHECK(polymcp::is_valid_tool_name("get.user_v2-x"));
}

TEST_CASE("registry: a dynamic registry announces changes to initialized sessions", "[registry][session]") {
    auto r = polymcp::make_dynamic_tool_registry();
    test::harness h(r);
    r->add(named("first"));  // before initialize: nothing is sent
    h.pump();
    CHECK(h.take().empty());
    auto init = h.initialize();
    CHECK(init["result"]["capabilities"]["tools"]["listChanged"] == true);
    r->add(named("second"));
    h.pump();
    auto msgs = h.take();
    REQUIRE(msgs.size() == 1);
    CHECK(msgs[0]["method"] == "notifications/tools/list_changed");
    CHECK_FALSE(msgs[0].contains("id"));
    CHECK(r->remove("first"));
    CHECK_FALSE(r->remove("first"));
    h.pump();
    CHECK(h.take().size() == 1);
    h.feed(test::harness::request(1, "tools/list"));
    auto list = h.take_one();
    REQUIRE(list["result"]["tools"].size() == 1);
    CHECK(list["result"]["tools"][0]["name"] == "second");
}

TEST_CASE("registry: a static tool set says listChanged false", "[registry]") {
    auto echo = polymcp::tool<"echo">("e", [](text_args a) { return a.text; });
    test::harness h(polymcp::tools(echo).make_registry());
    CHECK(h.initialize()["result"]["capabilities"]["tools"]["listChanged"] == false);
}
