#ifndef POLYMCP_PROTOCOL_IMPL_JSONRPC_IPP
#define POLYMCP_PROTOCOL_IMPL_JSONRPC_IPP

// Definitions of the non-template functions declared in polymcp/protocol/jsonrpc.hpp.

#include <polymcp/protocol/jsonrpc.hpp>

namespace polymcp::jsonrpc {

json request_id::to_json() const {
    return is_integer() ? json(integer()) : json(string());
}

std::optional<request_id> request_id::from_json(const json& j) {
    if (j.is_number_unsigned()) {
        if (j.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
        return request_id(static_cast<std::int64_t>(j.get<std::uint64_t>()));
    }
    if (j.is_number_integer()) return request_id(j.get<std::int64_t>());
    if (j.is_string()) return request_id(j.get<std::string>());
    return std::nullopt;
}

std::string request_id::key() const {
    return is_integer() ? "i" + std::to_string(integer()) : "s" + string();
}

json error::to_json() const {
    json e = {{"code", code}, {"message", message}};
    if (!data.is_null()) e["data"] = data;
    return e;
}

namespace detail {
// Appends the compact text of `j` (invalid UTF-8 replaced by U+FFFD).
inline void append_json(std::string& out, const json& j) {
    out += j.dump(-1, ' ', false, json::error_handler_t::replace);
}
}  // namespace detail

// Each message is written member by member, in the order nlohmann::json
// gives an object's members (sorted by name), without copying the params or
// result into a new object first.
std::string serialize(const response& r) {
    std::string out = "{\"id\":";
    detail::append_json(out, r.id.to_json());
    out += ",\"jsonrpc\":\"2.0\",\"result\":";
    detail::append_json(out, r.result);
    out += '}';
    return out;
}

std::string serialize(const error_response& r) {
    std::string out = "{\"error\":";
    detail::append_json(out, r.error.to_json());
    if (r.id) {
        out += ",\"id\":";
        detail::append_json(out, r.id->to_json());
    }
    out += ",\"jsonrpc\":\"2.0\"}";
    return out;
}

std::string serialize(const request& r) {
    std::string out = "{\"id\":";
    detail::append_json(out, r.id.to_json());
    out += ",\"jsonrpc\":\"2.0\",\"method\":";
    detail::append_json(out, json(r.method));
    if (!r.params.is_null()) {
        out += ",\"params\":";
        detail::append_json(out, r.params);
    }
    out += '}';
    return out;
}

std::string serialize(const notification& n) {
    std::string out = "{\"jsonrpc\":\"2.0\",\"method\":";
    detail::append_json(out, json(n.method));
    if (!n.params.is_null()) {
        out += ",\"params\":";
        detail::append_json(out, n.params);
    }
    out += '}';
    return out;
}

std::string serialize_json(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string serialize(const message& m) {
    return std::visit([](const auto& x) { return serialize(x); }, m);
}

reply reply::batch(std::vector<reply> answers) {
    std::vector<answer> out;
    out.reserve(answers.size());
    for (auto& a : answers) {
        if (auto* r = std::get_if<response>(&a.v_)) out.emplace_back(std::move(*r));
        else if (auto* e = std::get_if<error_response>(&a.v_)) out.emplace_back(std::move(*e));
        else if (auto* b = std::get_if<std::vector<answer>>(&a.v_))
            for (auto& x : *b) out.push_back(std::move(x));
    }
    reply r;
    if (!out.empty()) r.v_ = std::move(out);
    return r;
}

std::string reply::serialize() const {
    return std::visit(
        [](const auto& v) -> std::string {
            using V = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<V, std::monostate>) {
                return {};
            } else if constexpr (std::is_same_v<V, std::vector<answer>>) {
                std::string out = "[";
                for (const auto& a : v) {
                    if (out.size() > 1) out += ',';
                    out += std::visit([](const auto& x) { return jsonrpc::serialize(x); }, a);
                }
                return out + "]";
            } else {
                return jsonrpc::serialize(v);
            }
        },
        v_);
}

error_response make_error(std::optional<request_id> id, int code, std::string message,
                          json data) {
    return error_response{std::move(id), error{code, std::move(message), std::move(data)}};
}

parse_result from_json(const json& j) {
    auto fail = [](std::optional<request_id> id, int code, std::string msg) {
        return parse_result{std::nullopt, make_error(std::move(id), code, std::move(msg))};
    };
    if (!j.is_object())
        return fail(std::nullopt, error_code::invalid_request,
                    "Invalid Request: a JSON-RPC message must be an object, got " +
                        std::string(json_type_name(j)));

    // Read the id first so that later errors can carry it.
    std::optional<request_id> id;
    bool has_id = false;
    std::string id_problem;
    if (auto it = j.find("id"); it != j.end()) {
        has_id = true;
        id = request_id::from_json(*it);
        if (!id && it->is_number_unsigned())
            id_problem = "Invalid Request: integer id out of the 64-bit signed range";
        else if (!id)
            id_problem = "Invalid Request: \"id\" must be a string or an integer, got " +
                         std::string(json_type_name(*it)) +
                         (it->is_null() ? " (MCP does not allow null ids)" : "");
    }
    auto jv = j.find("jsonrpc");
    if (jv == j.end() || !jv->is_string() || jv->get_ref<const std::string&>() != "2.0")
        return fail(id, error_code::invalid_request,
                    "Invalid Request: member \"jsonrpc\" must be the string \"2.0\"");
    if (!id_problem.empty()) return fail(std::nullopt, error_code::invalid_request, id_problem);

    auto m = j.find("method");
    const bool has_result = j.contains("result");
    const bool has_error = j.contains("error");
    if (m != j.end()) {
        if (has_result || has_error)
            return fail(id, error_code::invalid_request,
                        "Invalid Request: a message cannot have both \"method\" and \"result\"/\"error\"");
        if (!m->is_string())
            return fail(id, error_code::invalid_request,
                        "Invalid Request: \"method\" must be a string, got " +
                            std::string(json_type_name(*m)));
        json params;
        if (auto p = j.find("params"); p != j.end()) {
            if (p->is_array())
                return fail(id, error_code::invalid_params,
                            "Invalid params: MCP \"params\" must be an object, got array");
            if (!p->is_object())
                return fail(id, error_code::invalid_request,
                            "Invalid Request: \"params\" must be an object, got " +
                                std::string(json_type_name(*p)));
            params = *p;
        }
        if (has_id)
            return parse_result{request{*id, m->get<std::string>(), std::move(params)}, std::nullopt};
        return parse_result{notification{m->get<std::string>(), std::move(params)}, std::nullopt};
    }
    if (has_result && has_error)
        return fail(id, error_code::invalid_request,
                    "Invalid Request: a response cannot have both \"result\" and \"error\"");
    if (has_result) {
        if (!has_id)
            return fail(std::nullopt, error_code::invalid_request, "Invalid Request: a response needs an \"id\"");
        return parse_result{response{*id, j.at("result")}, std::nullopt};
    }
    if (has_error) {
        const json& e = j.at("error");
        if (!e.is_object() || !e.contains("code") || !e["code"].is_number_integer() ||
            !e.contains("message") || !e["message"].is_string())
            return fail(id, error_code::invalid_request,
                        "Invalid Request: \"error\" must be an object with an integer \"code\" and a "
                        "string \"message\"");
        error err{e["code"].get<int>(), e["message"].get<std::string>(), e.value("data", json())};
        return parse_result{error_response{id, std::move(err)}, std::nullopt};
    }
    return fail(id, error_code::invalid_request,
                "Invalid Request: a message needs \"method\" (request or notification) or "
                "\"result\"/\"error\" (response)");
}

bool parse_json(std::string_view text, json& out, error_response& err) {
    try {
        out = json::parse(text.begin(), text.end(), nullptr, true, false);
        return true;
    } catch (const json::parse_error& e) {
        std::string what = e.what();
        // nlohmann's message starts with "[json.exception.parse_error.101] "; keep what follows.
        if (auto p = what.find("] "); p != std::string::npos) what.erase(0, p + 2);
        err = make_error(std::nullopt, error_code::parse_error, "Parse error: " + what);
        return false;
    } catch (const std::exception& e) {
        err = make_error(std::nullopt, error_code::parse_error, std::string("Parse error: ") + e.what());
        return false;
    }
}

parse_result parse(std::string_view text) {
    json j;
    error_response err;
    if (!parse_json(text, j, err)) return parse_result{std::nullopt, std::move(err)};
    if (j.is_array())
        return parse_result{std::nullopt,
                            make_error(std::nullopt, error_code::invalid_request,
                                       "Invalid Request: JSON-RPC batches are not supported by this "
                                       "protocol revision (removed in MCP 2025-06-18)")};
    return from_json(j);
}

}  // namespace polymcp::jsonrpc

#endif
