#ifndef POLYMCP_CONNECTORS_TYPES_HPP
#define POLYMCP_CONNECTORS_TYPES_HPP

/// @file polymcp/connectors/types.hpp
/// The records of the connector manager and their JSON forms: an `endpoint`
/// (how to reach an MCP server), the catalog's `server_record`s (`mcp_` ids)
/// and `category`s (`ctg_` ids), users' `connector`s, a `caller`, and the
/// `validation_result` of testing a connection.
///
/// JSON field names are snake_case, as the gateway's API uses them
/// (docs/gateway.md). Request bodies and stored records are read by the
/// typed decoder (polymcp/connectors/bodies.hpp); a failure is a
/// `connector_error` whose message starts with the member's JSON Pointer.

#include <polymcp/auth/principal.hpp>
#include <polymcp/connectors/error.hpp>
#include <polymcp/core/config.hpp>
#include <polymcp/storage/types.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace polymcp::connectors {

using json = nlohmann::json;  ///< nlohmann/json's value type

/// The MCP transports an upstream can be reached by.
enum class transport_kind {
    stdio,            ///< a local command, spoken to over stdin/stdout ("stdio")
    sse,              ///< the 2024-11-05 HTTP+SSE transport ("sse")
    streamable_http,  ///< Streamable HTTP ("streamable_http")
};

/// "stdio", "sse" or "streamable_http".
POLYMCP_DECL std::string_view to_string(transport_kind t) noexcept;
/// The transport named `s`, or nothing.
POLYMCP_DECL std::optional<transport_kind> parse_transport(std::string_view s) noexcept;

/// How to reach an MCP server. Not secret: credentials belong in a
/// connector's `auth_config` (polymcp/connectors/auth_config.hpp), which is
/// encrypted, not in `headers`, `query` or `env`.
struct endpoint {
    transport_kind transport = transport_kind::streamable_http;  ///< how it is reached
    /// sse, streamable_http: the absolute http(s) URL of the MCP endpoint.
    std::string url{};
    /// sse, streamable_http: extra request headers.
    std::map<std::string, std::string> headers{};
    /// sse, streamable_http: query parameters appended to the URL's own
    /// (which are kept): "https://api.com?foo=1" with {bar: 2} is
    /// "https://api.com?foo=1&bar=2".
    std::vector<std::pair<std::string, std::string>> query{};
    /// stdio: the program (searched in PATH).
    std::string command{};
    /// stdio: the program's arguments.
    std::vector<std::string> args{};
    /// stdio: environment variables of the child, after the few it inherits
    /// (`upstream_options::stdio_inherited_environment`).
    std::map<std::string, std::string> env{};
    /// stdio: the environment variables that may carry a user's credential
    /// (an `api_key` auth_config's `env`), e.g. {"GITHUB_TOKEN"}. Declared
    /// by the administrator; each passes `credential_env_refusal`
    /// (polymcp/connectors/environment.hpp). A user's credential in any
    /// other variable is refused.
    std::vector<std::string> credential_env{};

    /// `{"transport", "url", "headers", "query", "command", "args", "env",
    /// "credential_env"}`, with the members of the other transports left out.
    POLYMCP_DECL json to_json() const;
    /// What a caller who may not change the server sees: `transport`, the
    /// URL's origin only (scheme, host, port: a path or query may hold a
    /// secret), the `command` without its arguments or environment, and
    /// `credential_env`.
    POLYMCP_DECL json to_public_json() const;
    /// Reads the form above (`query` may be an object or an array of
    /// [name, value] pairs) and checks it: `url` or `command` present; no
    /// credential outside `auth_config` (no URL userinfo, no `Authorization`,
    /// `Cookie`, `Proxy-Authorization` or other secret-looking header or
    /// query name, see `secret_field_refusal`); no header that frames HTTP
    /// or MCP (`Host`, `Content-Length`, `Mcp-Session-Id`, ...); environment
    /// names valid and `credential_env` names allowed; no NUL byte anywhere.
    /// A URL's further syntax is the validator's job.
    /// Read as `endpoint_fields` (polymcp/connectors/bodies.hpp) by the typed
    /// decoder.
    /// @throws connector_error `invalid_request` whose message starts with
    ///         the JSON Pointer of the member, e.g. `/headers/X-A: expected
    ///         string, got integer 1`
    POLYMCP_DECL static endpoint from_json(const json& j);
    /// Reads the endpoint of a stored record: the shapes `from_json` checks,
    /// without its refusals (applied when the record was written).
    POLYMCP_DECL static endpoint from_stored(const json& j);
};

/// The members of a request body that describe an endpoint (`endpoint::from_json`).
inline constexpr std::string_view endpoint_members[] = {"transport", "url",  "headers", "query",
                                                        "command",   "args", "env",     "credential_env"};

/// The first endpoint member `body` has, or an empty view.
POLYMCP_DECL std::string_view first_endpoint_member(const json& body);

/// Copies the endpoint members `patch` has onto `endpoint_json` (an
/// `endpoint::to_json()`), for `endpoint::from_json` to read again.
/// @return whether `patch` had any
POLYMCP_DECL bool merge_endpoint_members(json& endpoint_json, const json& patch);

/// Why a header or query parameter named `name` may not be part of an
/// endpoint's public description, or an empty string when it may:
/// `Authorization`, `Proxy-Authorization`, `Cookie` and any name containing
/// "key", "token", "secret", "passw", "auth", "session", "credential",
/// "cookie" or "signature" (case-insensitively) carry credentials, which
/// belong in a sealed `auth_config`. Thread-safe (pure).
POLYMCP_DECL std::string secret_field_refusal(std::string_view name);

/// Who acts on the connector manager: a user of a tenant, from the auth
/// policy's principal (polymcp/auth/principal.hpp).
struct caller {
    std::string tenant{};  ///< the tenant every record it touches belongs to
    std::string user;    ///< the user id (the principal's subject)
    /// May manage the catalog: public servers, stdio servers, categories.
    bool admin = false;

    /// The caller a principal is: its tenant and subject; `admin` when it
    /// was granted `admin_scope`.
    POLYMCP_DECL static caller of(const auth::principal& p, std::string_view admin_scope = "polymcp:admin");
    /// The storage key part naming this user: `make_key({tenant, user})`.
    std::string key() const { return storage::make_key({tenant, user}); }
};

/// A catalog entry: an MCP server users can connect to. Id "mcp_" + 16 hex
/// digits.
struct server_record {
    std::string id{};             ///< "mcp_" + 16 hex digits
    std::string name{};           ///< 1 to 64 characters, unique per owner
    std::string description{};    ///< up to 4096 characters
    endpoint server;              ///< how to reach it
    bool requires_oauth = false;  ///< connectors to it carry an OAuth grant
    std::string tenant;           ///< the owner's tenant; empty for a global server (from configuration)
    std::string owner{};          ///< the owner's user id; empty for a global server
    bool is_public = false;       ///< visible to every user of `tenant` (of every tenant when global)
    bool enabled = true;          ///< disabled servers cannot be connected
    std::string category_id{};    ///< a `ctg_` id, or empty
    std::int64_t created_at = 0;  ///< Unix time, s
    std::int64_t updated_at = 0;  ///< Unix time, s
    std::int64_t version = 0;     ///< the storage record's version
    /// The kind of the server's own credentials ("none", "bearer",
    /// "api_key"): sent to it on every connection of every user.
    std::string auth_type = "none";
    /// The server's own `auth_config`, sealed by the connector manager's
    /// cipher; write-only: no JSON form contains it.
    std::string auth_sealed{};

    /// Every member but `auth_sealed`; with `full` false, the endpoint as
    /// `endpoint::to_public_json` shows it (for callers who may not change
    /// the server).
    POLYMCP_DECL json to_json(bool full = true) const;
    /// Reads a stored record. @throws connector_error `storage_unavailable` for a malformed one
    POLYMCP_DECL static server_record from_record(const storage::record& r);
};

/// A category of catalog servers. Id "ctg_" + 16 hex digits.
struct category {
    std::string id{};             ///< "ctg_" + 16 hex digits
    std::string name{};           ///< unique
    std::string icon{};           ///< a URL or an emoji
    std::string color{};          ///< e.g. "#4CAF50"
    std::string description{};    ///< up to 4096 characters
    std::int64_t created_at = 0;  ///< Unix time, s
    std::int64_t updated_at = 0;  ///< Unix time, s
    std::int64_t version = 0;     ///< the storage record's version

    /// Every member, as the REST API returns it.
    POLYMCP_DECL json to_json() const;
    /// Reads a stored record. @throws connector_error `storage_unavailable` for a malformed one
    POLYMCP_DECL static category from_record(const storage::record& r);
};

/// A user's connector: their own connection to an MCP server, with their
/// credentials. Id "con_" + 16 hex digits.
struct connector {
    std::string id{};             ///< "con_" + 16 hex digits
    std::string tenant{};         ///< its user's tenant
    std::string user{};           ///< the user it belongs to
    std::string name{};           ///< 1 to 64 characters, unique per user; the tools' namespace
    std::string description{};    ///< up to 4096 characters
    std::string server_id{};      ///< the catalog server it was made from, or empty
    endpoint server;              ///< how to reach the upstream
    std::string auth_type{};      ///< "none", "bearer", "api_key", "oauth", "token_endpoint"
    bool enabled = true;          ///< disabled connectors are not connected
    json tools = json::array();   ///< the `Tool` objects discovered when validated
    json server_info{};           ///< the upstream's `serverInfo`
    std::string protocol_version{};  ///< negotiated when validated
    /// An `oauth_sign_in` connector whose user has not signed in to the
    /// upstream yet (or must again): it cannot connect until then.
    bool needs_sign_in = false;
    std::int64_t created_at = 0;  ///< Unix time, s
    std::int64_t updated_at = 0;  ///< Unix time, s
    std::int64_t version = 0;     ///< the storage record's version

    /// Everything above; never the credentials (`auth_config`), which no
    /// API returns after creation.
    POLYMCP_DECL json to_json() const;
    /// Reads a stored record. @throws connector_error `storage_unavailable` for a malformed one
    POLYMCP_DECL static connector from_record(const storage::record& r);
};

/// The outcome of testing a connection (`test_connection`).
struct validation_result {
    bool success = false;          ///< whether it connected, initialized and listed its tools
    errc error = errc::success;    ///< when not `success`
    std::string message{};         ///< what happened and what to do
    json server_info;              ///< the upstream's `serverInfo` (success)
    std::string protocol_version;  ///< negotiated (success)
    json tools = json::array();    ///< its `Tool` objects (success)
    std::string note{};            ///< e.g. "Connected, but the server offers no tools."
    int http_status = 0;       ///< HTTP_ERROR, AUTH_REQUIRED
    std::string resource_metadata{};  ///< AUTH_REQUIRED: RFC 9728 metadata URL from the challenge
    std::string scope{};           ///< AUTH_REQUIRED: scopes asked for
    /// AUTH_REQUIRED: `{"resource", "authorization_servers", "scopes_supported"}`
    /// from the protected resource metadata (RFC 9728), or null when unread.
    json protected_resource{};
    std::int64_t elapsed_ms = 0;   ///< how long the test took

    /// `{"success", "server_info", "protocol_version", "tools", "note", "elapsed_ms"}`
    /// or `{"success": false, "error": "TIMEOUT", "message", ...}`.
    POLYMCP_DECL json to_json() const;
    /// A failed result from a connector error.
    POLYMCP_DECL static validation_result failure(const connector_error& e, std::int64_t elapsed_ms = 0);
};

/// A new record id: `prefix` + 16 lower-case hex digits from the operating
/// system's CSPRNG, e.g. "mcp_3f9a0c1d2e4b5a67".
POLYMCP_DECL std::string make_id(std::string_view prefix);

/// Seconds since the Unix epoch.
POLYMCP_DECL std::int64_t unix_now() noexcept;

}  // namespace polymcp::connectors

#if POLYMCP_HEADER_ONLY
#include <polymcp/connectors/impl/types.ipp>
#endif

#endif
