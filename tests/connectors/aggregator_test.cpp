// Aggregated tool names: `<connector>__<tool>`, sanitised to
// ^[a-zA-Z0-9_-]{1,64}$, shortened with a hash when too long, collisions
// renamed by a stable rule and reported, never shadowed; and the schema
// normalisation for LLM function-calling APIs.

#include <polymcp/connectors/aggregator.hpp>

#include <catch2/catch.hpp>

#include <regex>
#include <set>

namespace pc = polymcp::connectors;
using nlohmann::json;

namespace {

pc::connection_state connected(const std::string& id, const std::string& name, std::vector<std::string> tools) {
    pc::connection_state s;
    s.connector_id = id;
    s.name = name;
    s.status = pc::connection_status::connected;
    for (const auto& t : tools) s.tools.push_back({{"name", t}, {"description", "d " + t}, {"inputSchema", {{"type", "object"}}}});
    return s;
}

std::vector<std::string> names(const pc::aggregation& a) {
    std::vector<std::string> out;
    for (const auto& t : a.tools) out.push_back(t.name);
    return out;
}

}  // namespace

TEST_CASE("aggregation: namespaced, sanitised, with the reverse map", "[connectors][aggregator]") {
    auto a = pc::aggregate({connected("con_1", "git hub", {"search.issues", "create-pr"}),
                            connected("con_2", "slack", {"post"})});
    CHECK(names(a) == std::vector<std::string>{"git_hub__create-pr", "git_hub__search_issues", "slack__post"});
    const auto* t = a.find("git_hub__search_issues");
    REQUIRE(t);
    CHECK(t->connector_id == "con_1");
    CHECK(t->tool_name == "search.issues");
    CHECK(t->descriptor["name"] == "git_hub__search_issues");
    CHECK(t->descriptor["description"] == "d search.issues");
    CHECK(a.find("nope") == nullptr);
    CHECK(a.collisions.empty());
    // Disconnected states and tools without a name contribute nothing.
    auto off = connected("con_3", "off", {"x"});
    off.status = pc::connection_status::disconnected;
    auto odd = connected("con_4", "odd", {});
    odd.tools.push_back({{"description", "no name"}});
    CHECK(pc::aggregate({off, odd}).tools.empty());
}

TEST_CASE("aggregation: long names are shortened with a stable hash", "[connectors][aggregator]") {
    const std::string long_tool(80, 't');
    auto a = pc::aggregate({connected("con_1", "connector", {long_tool})});
    REQUIRE(a.tools.size() == 1);
    const auto& n = a.tools[0].name;
    CHECK(n.size() == 64);
    CHECK(std::regex_match(n, std::regex("^connector__t+_[0-9a-f]{8}$")));
    CHECK(pc::aggregate({connected("con_1", "connector", {long_tool})}).tools[0].name == n);  // deterministic
    CHECK(pc::aggregate({connected("con_9", "connector", {long_tool})}).tools[0].name != n);  // depends on the connector
    pc::aggregation_options o;
    o.max_name_length = 20;
    auto shorter = pc::aggregate({connected("con_1", "connector", {"tool"})}, o);
    CHECK(shorter.tools[0].name.size() <= 20);
}

TEST_CASE("aggregation: collisions are renamed by a stable rule and reported", "[connectors][aggregator]") {
    // "a.b" and "a_b" sanitise alike; so do connectors "git hub" and "git_hub".
    std::vector<pc::connection_state> states = {connected("con_2", "git_hub", {"search"}),
                                                connected("con_1", "git hub", {"search", "a.b", "a_b"})};
    auto a = pc::aggregate(states);
    auto all = names(a);
    CHECK(std::set<std::string>(all.begin(), all.end()).size() == all.size());  // nothing shadowed
    CHECK(all.size() == 4);
    for (const auto& n : all) CHECK(std::regex_match(n, std::regex("^[a-zA-Z0-9_-]{1,64}$")));
    CHECK(a.collisions.size() == 2);
    // "git hub" < "git_hub": the first connector by name keeps git_hub__search.
    REQUIRE(a.find("git_hub__search"));
    CHECK(a.find("git_hub__search")->connector_id == "con_1");
    // "a.b" < "a_b": a.b keeps the name.
    CHECK(a.find("git_hub__a_b")->tool_name == "a.b");
    for (const auto& c : a.collisions) CHECK(c.find("is listed as") != std::string::npos);
    // The same input in another order gives the same names.
    std::vector<pc::connection_state> swapped = {states[1], states[0]};
    CHECK(names(pc::aggregate(swapped)) == all);
}

TEST_CASE("aggregation: schemas normalised for function-calling APIs on request", "[connectors][aggregator]") {
    CHECK(pc::normalize_schema(nullptr) == json{{"type", "object"}, {"properties", json::object()}});
    CHECK(pc::normalize_schema({{"type", "string"}}) == json{{"type", "object"}, {"properties", json::object()}});
    auto s = pc::normalize_schema({{"properties", {{"q", {{"type", "string"}}}}}, {"required", {"q", "ghost"}}});
    CHECK(s["type"] == "object");
    CHECK(s["required"] == json::array({"q"}));
    CHECK(pc::normalize_schema({{"type", "object"}, {"required", {"ghost"}}}).contains("required") == false);

    auto st = connected("con_1", "c", {"t"});
    st.tools[0]["inputSchema"] = {{"type", "object"}, {"required", {"missing"}}};
    pc::aggregation_options o;
    o.normalize_schemas = true;
    auto a = pc::aggregate({st}, o);
    CHECK(a.tools[0].descriptor["inputSchema"] == json{{"type", "object"}, {"properties", json::object()}});
    CHECK(pc::aggregate({st}).tools[0].descriptor["inputSchema"]["required"] == json::array({"missing"}));  // untouched by default
}
