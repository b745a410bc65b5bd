#include <catch2/catch.hpp>
#include <polymcp/polymcp.hpp>

using nlohmann::json;

namespace dec {
enum class mode { fast, safe };
struct inner {
    BOOST_HANA_DEFINE_STRUCT(inner, (int, n));
};
struct args {
    BOOST_HANA_DEFINE_STRUCT(args,
        (std::string, name),
        (std::int8_t, tiny),
        (unsigned, count),
        (std::optional<double>, scale),
        (std::vector<inner>, items),
        (std::map<std::string, bool>, flags),
        (mode, how));
};
struct constrained {
    BOOST_HANA_DEFINE_STRUCT(constrained, (std::string, code), (double, ratio), (std::vector<int>, list));
};
}  // namespace dec
POLYMCP_ENUM(dec::mode, fast, safe);
template <>
struct polymcp::describe<dec::constrained> {
    static polymcp::field_docs fields() {
        return {{"code", {.min_length = 2, .max_length = 3, .pattern = "^[A-Z]+$"}},
                {"ratio", {.minimum = 0, .exclusive_maximum = 1}},
                {"list", {.min_items = 1, .max_items = 2}}};
    }
};

namespace {
json valid() {
    return {{"name", "x"}, {"tiny", 5}, {"count", 3}, {"items", {{{"n", 1}}, {{"n", 2}}}},
            {"flags", {{"a", true}}}, {"how", "safe"}};
}
polymcp::decode_error fails(const json& j) {
    dec::args a;
    polymcp::decode_error e;
    REQUIRE_FALSE(polymcp::decode(j, a, e));
    return e;
}
template <class T>
polymcp::decode_error fails_as(const json& j) {
    T a;
    polymcp::decode_error e;
    REQUIRE_FALSE(polymcp::decode(j, a, e));
    return e;
}
}  // namespace

TEST_CASE("decode: valid arguments fill the struct", "[decode]") {
    dec::args a;
    polymcp::decode_error e;
    REQUIRE(polymcp::decode(valid(), a, e));
    CHECK(a.name == "x");
    CHECK(a.tiny == 5);
    CHECK(a.count == 3u);
    CHECK_FALSE(a.scale.has_value());
    REQUIRE(a.items.size() == 2);
    CHECK(a.items[1].n == 2);
    CHECK(a.flags.at("a"));
    CHECK(a.how == dec::mode::safe);

    json j = valid();
    j["scale"] = 2.5;
    j["unknown_member"] = "ignored";
    REQUIRE(polymcp::decode(j, a, e));
    CHECK(a.scale == 2.5);
    j["scale"] = nullptr;  // null leaves an optional empty
    REQUIRE(polymcp::decode(j, a, e));
    CHECK_FALSE(a.scale.has_value());
    j["count"] = 4.0;  // an integer-valued number is an integer (JSON Schema)
    REQUIRE(polymcp::decode(j, a, e));
    CHECK(a.count == 4u);
}

TEST_CASE("decode: errors name the JSON Pointer and the expectation", "[decode]") {
    json j = valid();
    j.erase("name");
    auto e = fails(j);
    CHECK(e.pointer == "/name");
    CHECK_THAT(e.message, Catch::Contains("required property \"name\" is missing"));

    j = valid();
    j["name"] = 5;
    e = fails(j);
    CHECK(e.what() == "/name: expected string, got integer 5");

    j = valid();
    j["tiny"] = 300;
    e = fails(j);
    CHECK(e.pointer == "/tiny");
    CHECK_THAT(e.message, Catch::Contains("[-128, 127]"));

    j = valid();
    j["count"] = -1;
    CHECK(fails(j).pointer == "/count");
    j["count"] = 1.5;
    CHECK(fails(j).pointer == "/count");

    j = valid();
    j["items"][1]["n"] = "two";
    e = fails(j);
    CHECK(e.pointer == "/items/1/n");

    j = valid();
    j["flags"] = {{"a/b~c", "yes"}};
    e = fails(j);
    CHECK(e.pointer == "/flags/a~1b~0c");  // RFC 6901 escaping
    CHECK_THAT(e.message, Catch::Contains("expected boolean"));

    j = valid();
    j["how"] = "slow";
    e = fails(j);
    CHECK_THAT(e.message, Catch::Contains("one of \"fast\", \"safe\""));

    e = fails(json::array());
    CHECK(e.pointer.empty());
    CHECK(e.what() == "(root): expected object, got array");
}

TEST_CASE("decode: describe<T> constraints are enforced", "[decode]") {
    using dec::constrained;
    const json ok = {{"code", "AB"}, {"ratio", 0.5}, {"list", {1}}};
    constrained c;
    polymcp::decode_error e;
    REQUIRE(polymcp::decode(ok, c, e));

    json j = ok;
    j["code"] = "A";
    CHECK_THAT(fails_as<constrained>(j).message, Catch::Contains("at least 2 characters"));
    j["code"] = "ABCD";
    CHECK_THAT(fails_as<constrained>(j).message, Catch::Contains("at most 3 characters"));
    j["code"] = "ab";
    CHECK_THAT(fails_as<constrained>(j).message, Catch::Contains("pattern"));
    j = ok;
    j["ratio"] = -0.1;
    CHECK_THAT(fails_as<constrained>(j).message, Catch::Contains(">= 0"));
    j["ratio"] = 1;
    CHECK_THAT(fails_as<constrained>(j).message, Catch::Contains("< 1"));
    j = ok;
    j["list"] = json::array();
    CHECK_THAT(fails_as<constrained>(j).message, Catch::Contains("at least 1 items"));
    j["list"] = {1, 2, 3};
    CHECK(fails_as<constrained>(j).pointer == "/list");
    // Length is counted in code points, not bytes: "ÄÖ" is 2 characters.
    j = ok;
    j["code"] = "\xC3\x84\xC3\x96";
    CHECK_THAT(fails_as<constrained>(j).message, Catch::Contains("pattern"));  // passes length, fails pattern
}
