#ifndef POLYMCP_CONNECTORS_BODIES_HPP
#define POLYMCP_CONNECTORS_BODIES_HPP

/// @file polymcp/connectors/bodies.hpp
/// The request bodies of the connector manager as reflected structs, read by
/// polymcp's typed JSON decoder (polymcp/json/decode.hpp) with the same
/// `describe<>` constraints tools use: `endpoint_fields`, `server_body`,
/// `global_server_body`, `category_body`, `connector_body`,
/// `connector_patch`. Every member is optional in the struct; which ones a
/// request needs is the operation's rule (`name` to create, ...).
///
/// `decode_body(body, parts...)` reads one body into several parts and
/// refuses a member none of them names (a typo must not pass silently). Its
/// errors are the decoder's: the JSON Pointer of the offending value and
/// what was expected, e.g. `/name: expected a string of at most 64
/// characters, got 65`, or `/owner: unknown member; the members are name,
/// description, ...`. The REST API answers them with 400.

#include <polymcp/connectors/error.hpp>
#include <polymcp/json/decode.hpp>
#include <polymcp/json/describe.hpp>

#include <boost/hana/accessors.hpp>
#include <boost/hana/define_struct.hpp>
#include <boost/hana/pair.hpp>
#include <boost/hana/string.hpp>
#include <boost/hana/tuple.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace polymcp::connectors {

/// How to reach an MCP server, as a request body gives it
/// (polymcp/connectors/types.hpp `endpoint`). `query` is an object of
/// strings or an array of [name, value] string pairs.
struct endpoint_fields {
    BOOST_HANA_DEFINE_STRUCT(endpoint_fields,
                             (std::optional<std::string>, transport),
                             (std::optional<std::string>, url),
                             (std::optional<std::map<std::string, std::string>>, headers),
                             (std::optional<nlohmann::json>, query),
                             (std::optional<std::string>, command),
                             (std::optional<std::vector<std::string>>, args),
                             (std::optional<std::map<std::string, std::string>>, env),
                             (std::optional<std::vector<std::string>>, credential_env));
};

/// A catalog server's own members (beside its `endpoint_fields` and
/// `auth_config`), for creating and changing one. JSON names: `name`,
/// `description`, `requires_oauth`, `public`, `enabled`, `category_id`.
struct server_body {
    std::optional<std::string> name{};       ///< 1 to 64 characters
    std::optional<std::string> description{};  ///< up to 4096 characters
    std::optional<bool> requires_oauth{};    ///< connectors to it carry an OAuth grant
    std::optional<bool> is_public{};  ///< JSON `public`
    std::optional<bool> enabled{};           ///< whether it can be connected
    std::optional<std::string> category_id{};  ///< a `ctg_` id, or empty for none
};

/// A global catalog server from the gateway's configuration (beside its
/// `endpoint_fields` and `auth_config`).
struct global_server_body {
    BOOST_HANA_DEFINE_STRUCT(global_server_body,
                             (std::optional<std::string>, name),
                             (std::optional<std::string>, description),
                             (std::optional<bool>, requires_oauth));
};

/// A category of catalog servers, for creating and changing one.
struct category_body {
    BOOST_HANA_DEFINE_STRUCT(category_body,
                             (std::optional<std::string>, name),
                             (std::optional<std::string>, icon),
                             (std::optional<std::string>, color),
                             (std::optional<std::string>, description));
};

/// A new connector, or one to test (beside its `endpoint_fields` when it is
/// not made from a catalog server). `auth_config` is checked by its own
/// rules (polymcp/connectors/auth_config.hpp).
struct connector_body {
    BOOST_HANA_DEFINE_STRUCT(connector_body,
                             (std::optional<std::string>, name),
                             (std::optional<std::string>, description),
                             (std::optional<std::string>, server_id),
                             (std::optional<nlohmann::json>, auth_config));
};

/// The changeable members of a connector (beside its `endpoint_fields`).
struct connector_patch {
    BOOST_HANA_DEFINE_STRUCT(connector_patch,
                             (std::optional<std::string>, name),
                             (std::optional<std::string>, description),
                             (std::optional<bool>, enabled),
                             (std::optional<nlohmann::json>, auth_config));
};

/// The `auth_config` of a connector or server, by `type`
/// (polymcp/connectors/auth_config.hpp says what each means). Every
/// secret member is one line of 1 to 16384 characters.
struct auth_type_field {
    BOOST_HANA_DEFINE_STRUCT(auth_type_field, (std::optional<std::string>, type));
};
/// `{"type": "none"}`.
struct auth_none {
    BOOST_HANA_DEFINE_STRUCT(auth_none, (std::string, type));
};
/// `{"type": "bearer", "token"}`.
struct auth_bearer {
    BOOST_HANA_DEFINE_STRUCT(auth_bearer, (std::string, type), (std::string, token));
};
/// `{"type": "api_key", "key", "header" | "query" | "env"}`.
struct auth_api_key {
    BOOST_HANA_DEFINE_STRUCT(auth_api_key,
                             (std::string, type),
                             (std::string, key),
                             (std::optional<std::string>, header),
                             (std::optional<std::string>, query),
                             (std::optional<std::string>, env));
};
/// `{"type": "oauth", "access_token", ...}`: a grant obtained elsewhere.
struct auth_oauth {
    BOOST_HANA_DEFINE_STRUCT(auth_oauth,
                             (std::string, type),
                             (std::string, access_token),
                             (std::optional<std::string>, refresh_token),
                             (std::optional<std::int64_t>, expires_at),
                             (std::optional<std::string>, token_endpoint),
                             (std::optional<std::string>, client_id),
                             (std::optional<std::string>, client_secret),
                             (std::optional<std::string>, scope));
};
/// `{"type": "oauth_sign_in", "client_id"?, "client_secret"?, "scope"?}`:
/// the gateway signs the user in to the upstream's authorization server.
struct auth_oauth_sign_in {
    BOOST_HANA_DEFINE_STRUCT(auth_oauth_sign_in,
                             (std::string, type),
                             (std::optional<std::string>, client_id),
                             (std::optional<std::string>, client_secret),
                             (std::optional<std::string>, scope));
};
/// `{"type": "oauth_client", "client_id", "client_secret"?}`: a catalog
/// server's client registered with its authorization server beforehand,
/// which the gateway uses when its users sign in (`oauth_sign_in`).
struct auth_oauth_client {
    BOOST_HANA_DEFINE_STRUCT(auth_oauth_client,
                             (std::string, type),
                             (std::string, client_id),
                             (std::optional<std::string>, client_secret));
};
/// `{"type": "token_endpoint", "url", "authorization", ...}`.
struct auth_token_endpoint {
    BOOST_HANA_DEFINE_STRUCT(auth_token_endpoint,
                             (std::string, type),
                             (std::string, url),
                             (std::string, authorization),
                             (std::optional<std::string>, token_field),
                             (std::optional<std::string>, expires_field));
};

}  // namespace polymcp::connectors

// `server_body` is reflected by hand: its JSON member `public` is a C++ keyword.
/// @cond INTERNAL
template <>
struct boost::hana::accessors_impl<polymcp::connectors::server_body> {
    static constexpr auto apply() {
        using boost::hana::make_pair;
        return boost::hana::make_tuple(
            make_pair(boost::hana::string_c<'n', 'a', 'm', 'e'>, [](auto&& s) -> auto& { return s.name; }),
            make_pair(boost::hana::string_c<'d', 'e', 's', 'c', 'r', 'i', 'p', 't', 'i', 'o', 'n'>,
                      [](auto&& s) -> auto& { return s.description; }),
            make_pair(boost::hana::string_c<'r', 'e', 'q', 'u', 'i', 'r', 'e', 's', '_', 'o', 'a', 'u', 't', 'h'>,
                      [](auto&& s) -> auto& { return s.requires_oauth; }),
            make_pair(boost::hana::string_c<'p', 'u', 'b', 'l', 'i', 'c'>, [](auto&& s) -> auto& { return s.is_public; }),
            make_pair(boost::hana::string_c<'e', 'n', 'a', 'b', 'l', 'e', 'd'>, [](auto&& s) -> auto& { return s.enabled; }),
            make_pair(boost::hana::string_c<'c', 'a', 't', 'e', 'g', 'o', 'r', 'y', '_', 'i', 'd'>,
                      [](auto&& s) -> auto& { return s.category_id; }));
    }
};
/// @endcond

// The constraints of the bodies' members (JSON Schema 2020-12 keywords,
// checked by the decoder; lengths in Unicode code points). docs/gateway.md
// ("API reference") lists them for the REST API.
/// @cond INTERNAL
template <>
struct polymcp::describe<polymcp::connectors::endpoint_fields> {
    static polymcp::field_docs fields() {
        return {{"transport", {.description = "stdio, sse or streamable_http", .min_length = 1, .max_length = 32}},
                {"url", {.description = "the absolute http(s) URL of the MCP endpoint", .min_length = 1, .max_length = 8192}},
                {"command", {.description = "stdio: the program", .min_length = 1, .max_length = 4096}}};
    }
};
template <>
struct polymcp::describe<polymcp::connectors::server_body> {
    static polymcp::field_docs fields() {
        return {{"name", {.min_length = 1, .max_length = 64}},
                {"description", {.max_length = 4096}},
                {"category_id", {.min_length = 1, .max_length = 64}}};
    }
};
template <>
struct polymcp::describe<polymcp::connectors::global_server_body> {
    static polymcp::field_docs fields() {
        return {{"name", {.min_length = 1, .max_length = 64}}, {"description", {.max_length = 4096}}};
    }
};
template <>
struct polymcp::describe<polymcp::connectors::category_body> {
    static polymcp::field_docs fields() {
        return {{"name", {.min_length = 1, .max_length = 64}},
                {"icon", {.description = "a URL or an emoji", .max_length = 2048}},
                {"color", {.description = "e.g. #4CAF50", .max_length = 64}},
                {"description", {.max_length = 4096}}};
    }
};
template <>
struct polymcp::describe<polymcp::connectors::connector_body> {
    static polymcp::field_docs fields() {
        return {{"name", {.min_length = 1, .max_length = 64}},
                {"description", {.max_length = 4096}},
                {"server_id", {.min_length = 1, .max_length = 64}}};
    }
};
template <>
struct polymcp::describe<polymcp::connectors::connector_patch> {
    static polymcp::field_docs fields() {
        return {{"name", {.min_length = 1, .max_length = 64}}, {"description", {.max_length = 4096}}};
    }
};

template <>
struct polymcp::describe<polymcp::connectors::auth_bearer> {
    static polymcp::field_docs fields() { return {{"token", {.min_length = 1, .max_length = 16384}}}; }
};
template <>
struct polymcp::describe<polymcp::connectors::auth_api_key> {
    static polymcp::field_docs fields() {
        return {{"key", {.min_length = 1, .max_length = 16384}},
                {"header", {.min_length = 1, .max_length = 256}},
                {"query", {.min_length = 1, .max_length = 256}},
                {"env", {.min_length = 1, .max_length = 256}}};
    }
};
template <>
struct polymcp::describe<polymcp::connectors::auth_oauth> {
    static polymcp::field_docs fields() {
        return {{"access_token", {.min_length = 1, .max_length = 16384}},
                {"refresh_token", {.min_length = 1, .max_length = 16384}},
                {"expires_at", {.description = "Unix time, s"}},
                {"token_endpoint", {.min_length = 1, .max_length = 8192}},
                {"client_id", {.min_length = 1, .max_length = 1024}},
                {"client_secret", {.min_length = 1, .max_length = 16384}},
                {"scope", {.max_length = 4096}}};
    }
};
template <>
struct polymcp::describe<polymcp::connectors::auth_token_endpoint> {
    static polymcp::field_docs fields() {
        return {{"url", {.min_length = 1, .max_length = 8192}},
                {"authorization", {.min_length = 1, .max_length = 16384}},
                {"token_field", {.min_length = 1, .max_length = 128}},
                {"expires_field", {.min_length = 1, .max_length = 128}}};
    }
};
/// @endcond

namespace polymcp::connectors {

/// Reads `value` (a JSON object found at the JSON Pointer `at`, "" for a
/// whole body) into each of `parts`, refusing a member none of them names.
/// Unknown-member and type errors name the member by JSON Pointer (RFC 6901)
/// from the body's root.
/// @throws connector_error `invalid_request` with the decoder's message
template <class... Parts>
void decode_object(std::string_view at, const nlohmann::json& value, Parts&... parts) {
    if (!value.is_object())
        throw connector_error(errc::invalid_request,
                              at.empty() ? std::string("the request body must be a JSON object")
                                         : std::string(at) + ": expected object, got " + describe_json_value(value));
    for (auto it = value.begin(); it != value.end(); ++it) {
        bool known = false;
        std::string list;
        auto note = [&]<class P>(const P*) {
            for_each_member<P>([&](const char* name, auto) {
                known = known || it.key() == name;
                list += (list.empty() ? "" : ", ") + std::string(name);
            });
        };
        (note(static_cast<const Parts*>(nullptr)), ...);
        if (!known) {
            std::string pointer(at);
            append_pointer_token(pointer, it.key());
            throw connector_error(errc::invalid_request, pointer + ": unknown member; the members are " + list);
        }
    }
    auto read = [&](auto& part) {
        decode_error err;
        if (!polymcp::decode(value, part, err)) {
            err.pointer = std::string(at) + err.pointer;
            throw connector_error(errc::invalid_request, err.what());
        }
    };
    (read(parts), ...);
}

/// `decode_object("", body, parts...)`: a whole request body.
/// @throws connector_error `invalid_request` with the decoder's message
template <class... Parts>
void decode_body(const nlohmann::json& body, Parts&... parts) {
    decode_object("", body, parts...);
}

/// Refuses a name with control characters (U+0000 to U+001F, U+007F) or
/// only spaces.
/// @param pointer where it is, a JSON pointer (e.g. "/name"), for the message
/// @param name the name
/// @throws connector_error `invalid_request`
inline void check_name(std::string_view pointer, const std::string& name) {
    bool blank = true;
    for (unsigned char c : name) {
        if (c < 0x20 || c == 0x7f)
            throw connector_error(errc::invalid_request, std::string(pointer) +
                                                             ": expected a name without control characters (line "
                                                             "breaks, tabs, NUL)");
        blank = blank && c == ' ';
    }
    if (blank) throw connector_error(errc::invalid_request, std::string(pointer) + ": expected a name with a visible character");
}

/// Refuses free text (descriptions, icons) with a NUL byte.
/// @throws connector_error `invalid_request`
inline void check_text(std::string_view pointer, const std::string& text) {
    if (text.find('\0') != std::string::npos)
        throw connector_error(errc::invalid_request, std::string(pointer) + ": expected text without NUL bytes");
}

/// `name` checked by `check_name` when present; throws when it is absent
/// and `required`.
inline void check_name(std::string_view pointer, const std::optional<std::string>& name, bool required) {
    if (name) return check_name(pointer, *name);
    if (required)
        throw connector_error(errc::invalid_request, std::string(pointer) + ": required property \"" +
                                                         std::string(pointer.substr(1)) + "\" is missing");
}

}  // namespace polymcp::connectors

#endif
