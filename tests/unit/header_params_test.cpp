// x-mcp-header annotations (MCP 2026-07-28 "Streamable HTTP" > "Custom
// Headers from Tool Parameters"): which schemas are valid, how values become
// header text, and how a server compares received headers with the body.

#include <polymcp/polymcp.hpp>
#include <polymcp/protocol/header_params.hpp>

#include <catch2/catch.hpp>

using nlohmann::json;
using polymcp::header_param;

namespace {
struct located {
    BOOST_HANA_DEFINE_STRUCT(located, (std::string, zone));
};
struct query_args {
    BOOST_HANA_DEFINE_STRUCT(query_args, (std::string, region), (std::optional<located>, where), (std::string, sql));
};
struct bad_number_args {
    BOOST_HANA_DEFINE_STRUCT(bad_number_args, (double, ratio));
};
}  // namespace

template <>
struct polymcp::describe<located> {
    static polymcp::field_docs fields() { return {{"zone", {.header = "Zone"}}}; }
};
template <>
struct polymcp::describe<query_args> {
    static polymcp::field_docs fields() { return {{"region", {.description = "Where", .header = "Region"}}}; }
};
template <>
struct polymcp::describe<bad_number_args> {
    static polymcp::field_docs fields() { return {{"ratio", {.header = "Ratio"}}}; }
};

namespace {
json schema_with(json properties) { return {{"type", "object"}, {"properties", std::move(properties)}}; }

std::string why_invalid(const json& schema) {
    std::vector<header_param> out;
    std::string error;
    return polymcp::header_params_of(schema, out, error) ? std::string() : error;
}
}  // namespace

TEST_CASE("x-mcp-header: a reflected struct's field docs name the header", "[header_params]") {
    auto s = polymcp::schema_of<query_args>();
    CHECK(s["properties"]["region"]["x-mcp-header"] == "Region");
    CHECK_FALSE(s["properties"]["sql"].contains("x-mcp-header"));
    auto params = polymcp::header_params_of(s);
    REQUIRE(params.size() == 2);
    CHECK(params[0].name == "Region");
    CHECK(params[0].path == std::vector<std::string>{"region"});
    CHECK(params[0].type == "string");
    // A nested struct's field is reachable through properties only.
    CHECK(params[1].name == "Zone");
    CHECK(params[1].path == std::vector<std::string>{"where", "zone"});
}

TEST_CASE("x-mcp-header: invalid annotations are refused with the reason", "[header_params]") {
    CHECK(why_invalid(schema_with({{"a", {{"type", "string"}, {"x-mcp-header", "Region"}}}})).empty());
    CHECK(why_invalid(schema_with({{"a", {{"type", {"string", "null"}}, {"x-mcp-header", "Region"}}}})).empty());
    CHECK(why_invalid(schema_with({{"a", {{"type", "string"}, {"x-mcp-header", ""}}}})).find("token") !=
          std::string::npos);
    CHECK(why_invalid(schema_with({{"a", {{"type", "string"}, {"x-mcp-header", "Bad Name"}}}})).find("token") !=
          std::string::npos);
    CHECK(why_invalid(schema_with({{"a", {{"type", "string"}, {"x-mcp-header", "Line\r\nBreak"}}}})).find("token") !=
          std::string::npos);
    CHECK(why_invalid(schema_with({{"a", {{"type", "string"}, {"x-mcp-header", "Region"}}},
                                   {"b", {{"type", "string"}, {"x-mcp-header", "REGION"}}}}))
              .find("twice") != std::string::npos);
    CHECK(why_invalid(schema_with({{"a", {{"type", "number"}, {"x-mcp-header", "Ratio"}}}})).find("integer") !=
          std::string::npos);
    CHECK(why_invalid(schema_with({{"a", {{"type", "object"}, {"x-mcp-header", "Obj"}}}})).find("integer") !=
          std::string::npos);
    // Not statically reachable: inside items, anyOf, $defs.
    CHECK_FALSE(why_invalid(schema_with({{"list", {{"type", "array"},
                                                   {"items", {{"type", "string"}, {"x-mcp-header", "Item"}}}}}}))
                    .empty());
    json any = schema_with({{"a", {{"type", "string"}}}});
    any["anyOf"] = json::array({{{"properties", {{"a", {{"type", "string"}, {"x-mcp-header", "A"}}}}}}});
    CHECK(why_invalid(any).find("reachable") != std::string::npos);
    json defs = schema_with({{"a", {{"$ref", "#/$defs/a"}}}});
    defs["$defs"]["a"] = {{"type", "string"}, {"x-mcp-header", "A"}};
    CHECK_FALSE(why_invalid(defs).empty());
    // A property merely named x-mcp-header is not an annotation.
    CHECK(why_invalid(schema_with({{"x-mcp-header", {{"type", "string"}}}})).empty());
    CHECK_THROWS_AS(polymcp::header_params_of(schema_with({{"a", {{"type", "number"}, {"x-mcp-header", "A"}}}})),
                    std::invalid_argument);
}

TEST_CASE("x-mcp-header: a registry refuses a tool with an invalid annotation", "[header_params]") {
    auto reg = polymcp::make_dynamic_tool_registry();
    std::error_code ec;
    reg->add(polymcp::tool<"ratio">("", [](bad_number_args a) { return std::to_string(a.ratio); }).entry(), ec);
    CHECK(ec == polymcp::errc::invalid_tool_schema);
    CHECK(reg->find("ratio") == nullptr);
    try {
        reg->add(polymcp::tool<"ratio">("", [](bad_number_args a) { return std::to_string(a.ratio); }));
        FAIL("no exception");
    } catch (const std::system_error& e) {
        CHECK(e.code() == polymcp::errc::invalid_tool_schema);
        CHECK(std::string(e.what()).find("Ratio") != std::string::npos);
    }
    reg->add(polymcp::tool<"query">("", [](query_args a) { return a.sql; }).entry(), ec);
    CHECK_FALSE(ec);
}

TEST_CASE("x-mcp-header: values become header text by their JSON type", "[header_params]") {
    header_param p{"X", {"a"}, "string"};
    CHECK(polymcp::header_param_text(p, {{"a", "us-west1"}}) == "us-west1");
    CHECK(polymcp::header_param_text(p, {{"a", -7}}) == "-7");
    CHECK(polymcp::header_param_text(p, {{"a", false}}) == "false");
    CHECK_FALSE(polymcp::header_param_text(p, {{"a", nullptr}}));
    CHECK_FALSE(polymcp::header_param_text(p, {{"b", "x"}}));
    CHECK_FALSE(polymcp::header_param_text(p, {{"a", json::array()}}));
    header_param nested{"Z", {"where", "zone"}, "string"};
    CHECK(polymcp::header_param_text(nested, {{"where", {{"zone", "z1"}}}}) == "z1");
    CHECK_FALSE(polymcp::header_param_text(nested, {{"where", "z1"}}));
}

TEST_CASE("x-mcp-header: the server compares received headers with the body", "[header_params]") {
    const std::vector<header_param> params = {{"Region", {"region"}, "string"}, {"Count", {"count"}, "integer"}};
    using headers = polymcp::received_param_headers;
    auto h = [](std::string raw, std::optional<std::string> value) {
        return polymcp::received_param_header{std::move(raw), std::move(value)};
    };
    const json body = {{"region", "eu"}, {"count", 42}};
    CHECK_FALSE(polymcp::param_header_mismatch(params, body, headers{{"region", h("eu", "eu")}, {"count", h("42", "42")}}));
    CHECK_FALSE(polymcp::param_header_mismatch(params, body, headers{{"region", h("eu", "eu")}, {"count", h("42.0", "42.0")}}));
    auto missing = polymcp::param_header_mismatch(params, body, headers{{"region", h("eu", "eu")}});
    REQUIRE(missing);
    CHECK(missing->find("Mcp-Param-Count") != std::string::npos);
    auto differs = polymcp::param_header_mismatch(params, body, headers{{"region", h("us", "us")}, {"count", h("42", "42")}});
    REQUIRE(differs);
    CHECK(differs->find("'us'") != std::string::npos);
    CHECK(polymcp::param_header_mismatch(params, body, headers{{"region", h("eu", "eu")}, {"count", h("4x", "4x")}}));
    auto malformed = polymcp::param_header_mismatch(params, body,
                                                    headers{{"region", h("=?base64?ZXU?=", std::nullopt)}, {"count", h("42", "42")}});
    REQUIRE(malformed);
    CHECK(malformed->find("base64") != std::string::npos);
    // No value in the body: no header expected, and one sent anyway does not match.
    CHECK_FALSE(polymcp::param_header_mismatch(params, {{"region", "eu"}, {"count", nullptr}}, headers{{"region", h("eu", "eu")}}));
    CHECK(polymcp::param_header_mismatch(params, {{"region", "eu"}}, headers{{"region", h("eu", "eu")}, {"count", h("1", "1")}}));
    // Headers of names nobody annotated are ignored.
    CHECK_FALSE(polymcp::param_header_mismatch(params, body, headers{{"region", h("eu", "eu")}, {"count", h("42", "42")},
                                                                    {"other", h("x", "x")}}));
}
