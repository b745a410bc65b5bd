#include <catch2/catch.hpp>
#include <polymcp/polymcp.hpp>

#include <map>
#include <optional>
#include <vector>

using nlohmann::json;

namespace shop {
enum class size { small, medium, large };
struct address {
    BOOST_HANA_DEFINE_STRUCT(address, (std::string, street), (std::optional<std::string>, city));
};
struct order {
    BOOST_HANA_DEFINE_STRUCT(order,
        (std::string, item),
        (int, quantity),
        (std::uint64_t, serial),
        (std::int16_t, small_int),
        (double, price),
        (bool, gift),
        (std::optional<std::string>, note),
        (std::vector<std::string>, tags),
        (std::map<std::string, double>, extras),
        (size, cup),
        (address, ship_to),
        (std::vector<address>, history),
        (nlohmann::json, anything));
};
struct plain {  // adapted rather than defined
    std::string a;
    int b;
};
struct documented {
    BOOST_HANA_DEFINE_STRUCT(documented, (std::string, code), (double, ratio), (std::vector<int>, items));
};
struct typo {
    BOOST_HANA_DEFINE_STRUCT(typo, (int, x));
};
}  // namespace shop

BOOST_HANA_ADAPT_STRUCT(shop::plain, a, b);
POLYMCP_ENUM(shop::size, small, medium, large);

template <>
struct polymcp::describe<shop::documented> {
    static constexpr const char* description = "A documented struct";
    static polymcp::field_docs fields() {
        return {{"code", {.description = "Code", .min_length = 2, .max_length = 4, .pattern = "^[A-Z]+$"}},
                {"ratio", {.description = "Ratio", .minimum = 0, .exclusive_maximum = 1.5}},
                {"items", {.min_items = 1, .max_items = 3, .default_value = json::array({1})}}};
    }
};
template <>
struct polymcp::describe<shop::typo> {
    static polymcp::field_docs fields() { return {{"y", {.description = "no such member"}}}; }
};

TEST_CASE("schema: a reflected struct becomes a JSON Schema 2020-12 object", "[schema]") {
    const json s = polymcp::schema_of<shop::order>();
    CHECK(s["type"] == "object");
    const json& p = s["properties"];
    CHECK(p["item"] == json{{"type", "string"}});
    CHECK(p["quantity"]["type"] == "integer");
    CHECK(p["quantity"]["minimum"] == std::numeric_limits<int>::min());
    CHECK(p["quantity"]["maximum"] == std::numeric_limits<int>::max());
    CHECK(p["serial"] == json{{"type", "integer"}, {"minimum", 0}});
    CHECK(p["small_int"]["maximum"] == 32767);
    CHECK(p["price"] == json{{"type", "number"}});
    CHECK(p["gift"] == json{{"type", "boolean"}});
    CHECK(p["note"] == json{{"type", "string"}});
    CHECK(p["tags"] == json{{"type", "array"}, {"items", {{"type", "string"}}}});
    CHECK(p["extras"] == json{{"type", "object"}, {"additionalProperties", {{"type", "number"}}}});
    CHECK(p["cup"] == json{{"type", "string"}, {"enum", {"small", "medium", "large"}}});
    CHECK(p["ship_to"]["type"] == "object");
    CHECK(p["ship_to"]["required"] == json{"street"});
    CHECK(p["history"]["items"]["properties"].contains("city"));
    CHECK(p["anything"] == json::object());
    // Optional members are not required; everything else is, in declaration order.
    CHECK(s["required"] == json{"item", "quantity", "serial", "small_int", "price", "gift", "tags",
                                "extras", "cup", "ship_to", "history", "anything"});
}

TEST_CASE("schema: BOOST_HANA_ADAPT_STRUCT works like DEFINE_STRUCT", "[schema]") {
    const json s = polymcp::schema_of<shop::plain>();
    CHECK(s["properties"]["a"]["type"] == "string");
    CHECK(s["properties"]["b"]["type"] == "integer");
    CHECK(s["required"] == json{"a", "b"});
}

TEST_CASE("schema: describe<T> adds descriptions and constraints", "[schema]") {
    const json s = polymcp::schema_of<shop::documented>();
    CHECK(s["description"] == "A documented struct");
    CHECK(s["properties"]["code"] == json{{"type", "string"}, {"description", "Code"}, {"minLength", 2},
                                          {"maxLength", 4}, {"pattern", "^[A-Z]+$"}});
    CHECK(s["properties"]["ratio"]["minimum"] == 0);
    CHECK(s["properties"]["ratio"]["exclusiveMaximum"] == 1.5);
    CHECK(s["properties"]["items"]["minItems"] == 1);
    CHECK(s["properties"]["items"]["maxItems"] == 3);
    CHECK(s["properties"]["items"]["default"] == json::array({1}));
}

TEST_CASE("schema: a describe<T> naming a non-member is reported at startup", "[schema]") {
    CHECK_THROWS_WITH(polymcp::schema_of<shop::typo>(), Catch::Contains("'y'"));
}

TEST_CASE("encode: structs, optionals, enums, maps and vectors", "[encode]") {
    shop::order o{};
    o.item = "tea";
    o.quantity = 2;
    o.cup = shop::size::large;
    o.tags = {"hot"};
    o.extras = {{"milk", 0.5}};
    o.ship_to.street = "Main";
    const json j = polymcp::encode(o);
    CHECK(j["item"] == "tea");
    CHECK(j["cup"] == "large");
    CHECK_FALSE(j.contains("note"));            // nullopt is omitted
    CHECK_FALSE(j["ship_to"].contains("city"));
    CHECK(j["extras"]["milk"] == 0.5);
    CHECK(j["tags"] == json{"hot"});
}
