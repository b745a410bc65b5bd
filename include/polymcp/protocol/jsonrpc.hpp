#ifndef POLYMCP_PROTOCOL_JSONRPC_HPP
#define POLYMCP_PROTOCOL_JSONRPC_HPP

/// @file polymcp/protocol/jsonrpc.hpp
/// JSON-RPC 2.0 messages as MCP uses them (https://www.jsonrpc.org/specification;
/// MCP 2025-11-25 "Base Protocol" > "Messages"): requests, notifications,
/// results and errors; parsing with precise errors and serialization.
///
/// MCP narrows JSON-RPC: ids are strings or integers, never null; `params` is
/// an object when present; batches exist only in revision 2025-03-26.

#include <polymcp/core/config.hpp>
#include <polymcp/core/error.hpp>
#include <polymcp/json/type_name.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace polymcp::jsonrpc {

using json = nlohmann::json;  ///< nlohmann/json's value type

/// The standard JSON-RPC 2.0 error codes (JSON-RPC 2.0 section 5.1), plus the
/// implementation-defined server error polymcp uses while shutting down.
namespace error_code {
inline constexpr int parse_error = -32700;       ///< invalid JSON
inline constexpr int invalid_request = -32600;   ///< JSON that is not a valid request object
inline constexpr int method_not_found = -32601;  ///< the method does not exist or is not available
inline constexpr int invalid_params = -32602;    ///< invalid method parameters
inline constexpr int internal_error = -32603;    ///< internal JSON-RPC error
inline constexpr int server_shutting_down = -32000;  ///< polymcp: the server no longer accepts requests
inline constexpr int resource_not_found = -32002;   ///< MCP 2025-11-25 "Resources" > "Error Handling"
/// polymcp: the caller's principal lacks a scope the tool or resource
/// declares (`data.requiredScopes`); over HTTP the answer is 403 instead.
inline constexpr int insufficient_scope = -32003;
/// polymcp: the session must authenticate first (tool-level auth,
/// polymcp/tool_auth/sign_in.hpp); the message says how.
inline constexpr int authentication_required = -32004;
/// MCP 2025-11-25 `URLElicitationRequiredError`: the client must complete
/// the URL-mode elicitations in `data.elicitations` first.
inline constexpr int url_elicitation_required = -32042;
/// MCP 2026-07-28 `HeaderMismatchError`: the HTTP headers that mirror the
/// body (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`, `Mcp-Param-*`)
/// are missing, malformed or differ from it; over HTTP with status 400.
inline constexpr int header_mismatch = -32020;
/// MCP 2026-07-28 `MissingRequiredClientCapabilityError`: serving the
/// request needs a capability the request's `clientCapabilities` lack
/// (`data.requiredCapabilities`, a ClientCapabilities object); HTTP 400.
inline constexpr int missing_required_client_capability = -32021;
/// MCP 2026-07-28 `UnsupportedProtocolVersionError`: the request's protocol
/// version is not one the server speaks (`data.supported`,
/// `data.requested`); HTTP 400.
inline constexpr int unsupported_protocol_version = -32022;
}  // namespace error_code

/// A request id: a string or an integer (MCP forbids null and fractional ids).
class request_id {
public:
    request_id() = default;  ///< the integer 0
    request_id(std::int64_t v) : v_(v) {}  ///< an integer id
    request_id(std::string v) : v_(std::move(v)) {}  ///< a string id
    request_id(const char* v) : v_(std::string(v)) {}  ///< a string id

    bool is_integer() const noexcept { return v_.index() == 0; }  ///< whether it is an integer
    bool is_string() const noexcept { return v_.index() == 1; }   ///< whether it is a string
    /// The integer. @throws std::bad_variant_access when it is a string
    std::int64_t integer() const { return std::get<0>(v_); }
    /// The string. @throws std::bad_variant_access when it is an integer
    const std::string& string() const { return std::get<1>(v_); }

    /// The id as JSON (a number or a string).
    POLYMCP_DECL json to_json() const;
    /// The id `j` holds: a string, or an integer in the 64-bit signed range;
    /// nullopt for anything else (null, a fraction, a larger integer, an
    /// object). Example: `request_id::from_json(msg["id"])`.
    POLYMCP_DECL static std::optional<request_id> from_json(const json& j);
    /// A key that distinguishes `1` from `"1"`, for maps of in-flight requests.
    POLYMCP_DECL std::string key() const;
    /// Equal when both are the same integer or the same string (`1` is not `"1"`).
    friend bool operator==(const request_id&, const request_id&) = default;

private:
    std::variant<std::int64_t, std::string> v_{std::int64_t{0}};
};

/// A JSON-RPC error object: `code`, a message a person can act on, and optional `data`.
struct error {
    int code = error_code::internal_error;  ///< one of `error_code`, or an application's own
    std::string message{};                  ///< what happened and what to do, for a person
    json data{};  ///< null when absent

    /// The error object: `{"code", "message", "data"?}`.
    POLYMCP_DECL json to_json() const;
};

/// An exception a handler throws to answer with a specific JSON-RPC error,
/// e.g. `throw jsonrpc::exception({error_code::invalid_params, "Unknown id 7", {{"id", 7}}})`.
class exception : public std::runtime_error {
public:
    /// Answers with `e`; `what()` is its message.
    explicit exception(jsonrpc::error e) : std::runtime_error(e.message), e_(std::move(e)) {}
    /// The error to answer with.
    const jsonrpc::error& error() const noexcept { return e_; }

private:
    jsonrpc::error e_;
};

/// MCP 2025-11-25 `URLElicitationRequiredError` ("Client Features" >
/// "Elicitation" > "URL Elicitation Required Error"): the request can go on
/// only after the user has completed the URL-mode elicitations (typically a
/// sign-in on a web page). A tool that throws it is answered with this
/// JSON-RPC error, code -32042, `data.elicitations` = `[{"mode": "url",
/// "elicitationId", "url", "message"}]`, rather than with an `isError` result.
class url_elicitation_required : public exception {
public:
    /// @param message what the error says (the reason the request stopped)
    /// @param elicitation_id unique per elicitation (the server may later send
    ///        `notifications/elicitation/complete` with it)
    /// @param url the page the user must visit (https, or http on loopback)
    /// @param why what the client shows the user beside the URL
    url_elicitation_required(std::string message, std::string elicitation_id, std::string url, std::string why)
        : exception({error_code::url_elicitation_required, std::move(message),
                     json{{"elicitations", json::array({json{{"mode", "url"},
                                                              {"elicitationId", std::move(elicitation_id)},
                                                              {"url", std::move(url)},
                                                              {"message", std::move(why)}}})}}}) {}
};

/// A request: expects exactly one response with the same id.
struct request {
    request_id id{};     ///< echoed by its response
    std::string method{};  ///< e.g. "tools/call"
    json params{};  ///< an object, or null when the message had no `params`
};

/// A notification: has no id and is never answered.
struct notification {
    std::string method{};  ///< e.g. "notifications/progress"
    json params{};  ///< an object, or null
};

/// A successful response.
struct response {
    request_id id{};  ///< the request's
    json result{};  ///< the method's result
};

/// An error response; `id` is absent when the request's id could not be read.
struct error_response {
    std::optional<request_id> id;  ///< the request's; absent (`null` on the wire) when unreadable
    jsonrpc::error error{};        ///< what went wrong
};

/// Any one JSON-RPC message.
using message = std::variant<request, notification, response, error_response>;

/// Serializes a result response as compact JSON (no trailing newline).
POLYMCP_DECL std::string serialize(const response& r);

/// Serializes an error response; the `id` member is omitted when unknown
/// (MCP 2025-11-25 schema: `JSONRPCErrorResponse.id` is optional).
POLYMCP_DECL std::string serialize(const error_response& r);

/// Serializes a request.
POLYMCP_DECL std::string serialize(const request& r);

/// Serializes a notification.
POLYMCP_DECL std::string serialize(const notification& n);

/// Serializes any message.
POLYMCP_DECL std::string serialize(const message& m);

/// Any JSON value as compact text, with invalid UTF-8 in its strings replaced
/// by U+FFFD (RFC 8259 section 8.1), so that text a peer sent never makes
/// serializing throw. Thread-safe (pure).
POLYMCP_DECL std::string serialize_json(const json& j);

/// What a server answers to one received message: nothing (a notification,
/// a response, a cancelled request), a result, an error, or the answers to
/// the elements of a 2025-03-26 batch (JSON-RPC 2.0 section 6). Transports
/// serialize it and derive their own status codes from `kind()` and
/// `as_error()`, never from its text.
///
/// Example:
/// @code
/// jsonrpc::reply r = jsonrpc::make_error(request_id(7), error_code::method_not_found, "Method not found: 'x'");
/// assert(r.kind() == jsonrpc::reply::kind_t::error && r.as_error()->error.code == -32601);
/// std::string body = r.serialize();  // {"jsonrpc":"2.0","id":7,"error":{...}}
/// @endcode
/// Thread-safety: a value type; distinct objects may be used concurrently.
class reply {
public:
    /// What the reply holds.
    enum class kind_t { none, result, error, batch };
    /// One element of a batch's answer.
    using answer = std::variant<response, error_response>;

    /// No answer.
    reply() noexcept = default;
    /// A result response.
    reply(response r) : v_(std::move(r)) {}  // NOLINT(google-explicit-constructor): a response is a reply
    /// An error response.
    reply(error_response e) : v_(std::move(e)) {}  // NOLINT(google-explicit-constructor)

    /// The answer to a batch: the answers of its requests, in any order
    /// (JSON-RPC 2.0 section 6). Elements that are `none` are left out; a
    /// batch of notifications only is answered with nothing.
    POLYMCP_DECL static reply batch(std::vector<reply> answers);

    /// What the reply holds.
    kind_t kind() const noexcept { return static_cast<kind_t>(v_.index()); }
    /// Whether nothing answers the message.
    bool empty() const noexcept { return v_.index() == 0; }
    /// The result response, or null.
    const response* as_result() const noexcept { return std::get_if<response>(&v_); }
    /// The error response, or null.
    const error_response* as_error() const noexcept { return std::get_if<error_response>(&v_); }
    /// The answers of a batch, or null.
    const std::vector<answer>* as_batch() const noexcept { return std::get_if<std::vector<answer>>(&v_); }

    /// The reply as compact JSON text (a batch as an array); "" when empty.
    POLYMCP_DECL std::string serialize() const;

private:
    std::variant<std::monostate, response, error_response, std::vector<answer>> v_;
};

/// Makes an error response.
POLYMCP_DECL error_response make_error(std::optional<request_id> id, int code, std::string message,
                                              json data = nullptr);


/// The outcome of reading one JSON value as a JSON-RPC message: either a
/// message or the error response to send back.
struct parse_result {
    std::optional<message> value{};  ///< set on success
    std::optional<error_response> error{};  ///< set on failure
    explicit operator bool() const noexcept { return value.has_value(); }  ///< whether it is a message
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
POLYMCP_DECL parse_result from_json(const json& j);

/// Parses text as JSON (RFC 8259, strict: no comments, no trailing commas,
/// valid UTF-8) into `out`.
/// @return true on success; on failure fills `err` with a -32700 error response
///         whose message says where parsing stopped. Never throws.
POLYMCP_DECL bool parse_json(std::string_view text, json& out, error_response& err);

/// Parses one text message (not a batch): JSON, then JSON-RPC shape.
/// A JSON array yields a -32600 "batches are not supported" error; callers
/// that speak 2025-03-26 handle arrays themselves before calling this.
/// Never throws.
POLYMCP_DECL parse_result parse(std::string_view text);

}  // namespace polymcp::jsonrpc

#if POLYMCP_HEADER_ONLY
#include <polymcp/protocol/impl/jsonrpc.ipp>
#endif

#endif
