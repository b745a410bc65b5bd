// RFC 6570 URI templates as MCP resource templates use them: expansion
// (RFC 6570 section 3.2 examples) and matching a URI back to its variables.

#include <polymcp/resources/uri_template.hpp>

#include <catch2/catch.hpp>

using nlohmann::json;
using polymcp::uri_template;

TEST_CASE("uri_template expands levels 1 to 3 as RFC 6570 section 3.2 shows", "[uri_template]") {
    const json vars = {{"var", "value"}, {"hello", "Hello World!"}, {"path", "/foo/bar"}, {"x", "1024"}, {"y", "768"},
                       {"empty", ""}};
    CHECK(uri_template("{var}").expand(vars) == "value");
    CHECK(uri_template("{hello}").expand(vars) == "Hello%20World%21");
    CHECK(uri_template("{+path}/here").expand(vars) == "/foo/bar/here");
    CHECK(uri_template("{+hello}").expand(vars) == "Hello%20World!");
    CHECK(uri_template("X{#var}").expand(vars) == "X#value");
    CHECK(uri_template("map?{x,y}").expand(vars) == "map?1024,768");
    CHECK(uri_template("X{.var}").expand(vars) == "X.value");
    CHECK(uri_template("{/var,x}/here").expand(vars) == "/value/1024/here");
    CHECK(uri_template("{;x,y,empty}").expand(vars) == ";x=1024;y=768;empty");
    CHECK(uri_template("{?x,y,empty}").expand(vars) == "?x=1024&y=768&empty=");
    CHECK(uri_template("?fixed=yes{&x}").expand(vars) == "?fixed=yes&x=1024");
    CHECK(uri_template("{?undef}").expand(vars).empty());
}

TEST_CASE("uri_template matches a URI and recovers decoded variables", "[uri_template]") {
    json v;
    REQUIRE(uri_template("test://template/{id}/data").match("test://template/123/data", v));
    CHECK(v == json{{"id", "123"}});
    REQUIRE(uri_template("users://{name}").match("users://Ada%20L", v));
    CHECK(v["name"] == "Ada L");
    REQUIRE(uri_template("file://{+path}").match("file:///etc/hosts", v));
    CHECK(v["path"] == "/etc/hosts");
    REQUIRE(uri_template("search://items{?q,limit}").match("search://items?limit=5&q=red", v));
    CHECK(v == json{{"q", "red"}, {"limit", "5"}});
    REQUIRE(uri_template("search://items{?q,limit}").match("search://items", v));
    CHECK(v == json::object());
    REQUIRE(uri_template("geo://{lat},{lon}").match("geo://1.5,2.5", v));
    CHECK(v == json{{"lat", "1.5"}, {"lon", "2.5"}});

    CHECK_FALSE(uri_template("test://template/{id}/data").match("test://template/1/2/data", v));  // no '/' in {id}
    CHECK_FALSE(uri_template("test://template/{id}/data").match("test://template//data", v));    // empty value
    CHECK_FALSE(uri_template("test://template/{id}/data").match("test://other/1/data", v));
    CHECK_FALSE(uri_template("test://template/{id}").match("test://template/1?x", v));
}

TEST_CASE("uri_template rejects malformed templates with the offset", "[uri_template]") {
    CHECK_THROWS_WITH(uri_template("a{b"), Catch::Contains("unclosed '{' at offset 1"));
    CHECK_THROWS_WITH(uri_template("a}b"), Catch::Contains("'}' without '{'"));
    CHECK_THROWS_WITH(uri_template("{}"), Catch::Contains("empty variable name"));
    CHECK_THROWS_WITH(uri_template("{var:3}"), Catch::Contains("prefix and explode"));
    CHECK(uri_template("x://{a}{b}").variables() == std::vector<std::string>{"a", "b"});
}
