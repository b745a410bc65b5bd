#ifndef POLYMCP_PROTOCOL_JSONRPC_HPP
#define POLYMCP_PROTOCOL_JSONRPC_HPP

/// @file polymcp/protocol/jsonrpc.hpp
/// JSON-RPC 2.0 messages as MCP uses them (https://www.jsonrpc.org/specification;
/// MCP 2025-11-25 "Base Protocol" > "Messages"): requests, notifications,
/// results and errors; parsing with precise errors and serialization.
///
/// MCP narrows JSON-RPC: ids are strings or integers, never null; `params` is
/// an object when present; batches exist only in revision 2025-03-26.

#include <polymcp/core/error.hpp>
#include <polymcp/json/detail/type_name.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace polymcp::jsonrpc {

using json = nlohmann::json;

/// The standard JSON-RPC 2.0 error codes (JSON-RPC 2.0 section 5.1), plus the
/// implementation-defined server error polymcp uses while shutting down.
namespace error_code {
inline constexpr int parse_error = -32700;       ///< invalid JSON
inline constexpr int invalid_request = -32600;   ///< JSON that is not a valid request object
inline constexpr int method_not_found = -32601;  ///< the method does not exist or is not available
inline constexpr int invalid_params = -32602;    ///< invalid method parameters
inline constexpr int internal_error = -32603;    ///< internal JSON-RPC error
inline constexpr int server_shutting_down = -32000;  ///< polymcp: the server no longer accepts requests
}  // namespace error_code

/// A request id: a string or an integer (MCP forbids null and fractional ids).
class request_id {
public:
    request_id() = default;
    request_id(std::int64_t v) : v_(v) {}
    request_id(std::string v) : v_(std::move(v)) {}
    request_id(const char* v) : v_(std::string(v)) {}

    bool is_integer() const noexcept { return v_.index() == 0; }
    bool is_string() const noexcept { return v_.index() == 1; }
    std::int64_t integer() const { return std::get<0>(v_); }
    const std::string& string() const { return std::get<1>(v_); }

    /// The id as JSON (a number or a string).
    json to_json() const {
        return is_integer() ? json(integer()) : json(string());
    }
    /// A key that distinguishes `1` from `"1"`, for maps of in-flight requests.
    std::string key() const {
        return is_integer() ? "i" + std::to_string(integer()) : "s" + string();
    }
    friend bool operator==(const request_id&, const request_id&) = default;

private:
    std::variant<std::int64_t, std::string> v_{std::int64_t{0}};
};

/// A JSON-RPC error object: `code`, a message a person can act on, and optional `data`.
struct error {
    int code = error_code::internal_error;
    std::string message;
    json data;  ///< null when absent

    json to_json() const {
        json e = {{"code", code}, {"message", message}};
        if (!data.is_null()) e["data"] = data;
        return e;
    }
};

/// A request: expects exactly one response with the same id.
struct request {
    request_id id;
    std::string method;
    json params;  ///< an object, or null when the message had no `params`
};

/// A notification: has no id and is never answered.
struct notification {
    std::string method;
    json params;  ///< an object, or null
};

/// A successful response.
struct response {
    request_id id;
    json result;
};

/// An error response; `id` is absent when the request's id could not be read.
struct error_response {
    std::optional<request_id> id;
    jsonrpc::error error;
};

/// Any one JSON-RPC message.
using message = std::variant<request, notification, response, error_response>;

/// Serializes a result response as compact JSON (no trailing newline).
inline std::string serialize(const response& r) {
    json j = {{"jsonrpc", "2.0"}, {"id", r.id.to_json()}, {"result", r.result}};
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

/// Serializes an error response; the `id` member is omitted when unknown
/// (MCP 2025-11-25 schema: `JSONRPCErrorResponse.id` is optional).
inline std::string serialize(const error_response& r) {
    json j = {{"jsonrpc", "2.0"}};
    if (r.id) j["id"] = r.id->to_json();
    j["error"] = r.error.to_json();
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

/// Serializes a request.
inline std::string serialize(const request& r) {
    json j = {{"jsonrpc", "2.0"}, {"id", r.id.to_json()}, {"method", r.method}};
    if (!r.params.is_null()) j["params"] = r.params;
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

/// Serializes a notification.
inline std::string serialize(const notification& n) {
    json j = {{"jsonrpc", "2.0"}, {"method", n.method}};
    if (!n.params.is_null()) j["params"] = n.params;
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

/// Serializes any message.
inline std::string serialize(const message& m) {
    return std::visit([](const auto& x) { return serialize(x); }, m);
}

/// Makes an error response.
inline error_response make_error(std::optional<request_id> id, int code, std::string message,
                                 json data = nullptr) {
    return error_response{std::move(id), error{code, std::move(message), std::move(data)}};
}


/// The outcome of reading one JSON value as a JSON-RPC message: either a
/// message or the error response to send back.
struct parse_result {
    std::optional<message> value;   ///< set on success
    std::optional<error_response> error;  ///< set on failure
    explicit operator bool() const noexcept { return value.has_value(); }
};

/// Reads an already-parsed JSON value as one JSON-RPC message (not a batch).
///
/// Rules (JSON-RPC 2.0 sections 4-5, narrowed by MCP): an object with
/// `"jsonrpc": "2.0"`; a request has a string `method` and an `id` that is a
/// string or an integer; a notification has a `method` and no `id`; `params`,
/// when present, is an object (an array gets -32602, anything else -32600); a
/// response has `id` and exactly one of `result` or `error`.
/// @return the message, or the -32600/-32602 error response to send (with the
///         id when it could be read). Never throws for any input.
inline parse_result from_json(const json& j) {
    auto fail = [](std::optional<request_id> id, int code, std::string msg) {
        return parse_result{std::nullopt, make_error(std::move(id), code, std::move(msg))};
    };
    if (!j.is_object())
        return fail(std::nullopt, error_code::invalid_request,
                    "Invalid Request: a JSON-RPC message must be an object, got " +
                        std::string(json_detail::type_name(j)));

    // Read the id first so that later errors can carry it.
    std::optional<request_id> id;
    bool has_id = false;
    std::string id_problem;
    if (auto it = j.find("id"); it != j.end()) {
        has_id = true;
        if (it->is_number_integer()) {
            id = request_id(it->get<std::int64_t>());
        } else if (it->is_number_unsigned()) {
            if (it->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))
                id_problem = "Invalid Request: integer id out of the 64-bit signed range";
            else
                id = request_id(static_cast<std::int64_t>(it->get<std::uint64_t>()));
        } else if (it->is_string()) {
            id = request_id(it->get<std::string>());
        } else {
            id_problem = "Invalid Request: \"id\" must be a string or an integer, got " +
                         std::string(json_detail::type_name(*it)) +
                         (it->is_null() ? " (MCP does not allow null ids)" : "");
        }
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
                            std::string(json_detail::type_name(*m)));
        json params;
        if (auto p = j.find("params"); p != j.end()) {
            if (p->is_array())
                return fail(id, error_code::invalid_params,
                            "Invalid params: MCP \"params\" must be an object, got array");
            if (!p->is_object())
                return fail(id, error_code::invalid_request,
                            "Invalid Request: \"params\" must be an object, got " +
                                std::string(json_detail::type_name(*p)));
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

/// Parses text as JSON (RFC 8259, strict: no comments, no trailing commas,
/// valid UTF-8) into `out`.
/// @return true on success; on failure fills `err` with a -32700 error response
///         whose message says where parsing stopped. Never throws.
inline bool parse_json(std::string_view text, json& out, error_response& err) {
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

/// Parses one text message (not a batch): JSON, then JSON-RPC shape.
/// A JSON array yields a -32600 "batches are not supported" error; callers
/// that speak 2025-03-26 handle arrays themselves before calling this.
/// Never throws.
inline parse_result parse(std::string_view text) {
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
