#ifndef POLYMCP_CONNECTORS_AUTH_CONFIG_HPP
#define POLYMCP_CONNECTORS_AUTH_CONFIG_HPP

/// @file polymcp/connectors/auth_config.hpp
/// A connector's `auth_config`: the credentials a user gives for their
/// upstream, checked here, stored only encrypted (bound to tenant, user and
/// connector), never returned by any API after creation. The forms, by
/// `type`:
///
/// | type | members | sent as |
/// |---|---|---|
/// | `none` | | nothing |
/// | `bearer` | `token` | `Authorization: Bearer <token>` |
/// | `api_key` | `key`, and for HTTP `header` (default "X-API-Key") or `query` (a query parameter's name); for stdio `env`, one of the server's `credential_env` (may be left out when it declares exactly one) | that header, query parameter or environment variable |
/// | `oauth` | `access_token`; optional `refresh_token`, `expires_at` (Unix s), `token_endpoint`, `client_id`, `client_secret`, `scope` | `Authorization: Bearer <access_token>`, refreshed with the refresh token (RFC 6749 section 6) |
/// | `oauth_sign_in` | optional `client_id` and `client_secret` (a client registered with the upstream's authorization server beforehand), `scope` | the gateway signs the user in (`connector_manager::begin_sign_in`): OAuth 2.1 authorization code with PKCE against the authorization server the upstream names (RFC 9728); the tokens it receives are added to this config, sealed, and sent as `Authorization: Bearer`, refreshed like `oauth` |
/// | `token_endpoint` | `url`, `authorization` (how the gateway authenticates to it); optional `token_field` ("token"), `expires_field` ("expires_at") | `Authorization: Bearer <token>` fetched from `url` (the endpoint must require authentication) |
///
/// A stdio server takes a user's credential only as `none` or `api_key`, in
/// a variable its administrator declared: a user never names a variable of
/// a process the gateway starts (polymcp/connectors/environment.hpp).
///
/// A catalog server's own credentials (`validate_server_auth_config`), sent on every
/// user's connections to it, are `none`, `bearer` or `api_key`; for stdio,
/// `env` is the administrator's choice among the names the refusal list
/// allows. An HTTP server may instead carry `oauth_client` (`client_id`,
/// optional `client_secret`): nothing is sent, and the gateway signs its
/// users in (`oauth_sign_in` connectors) as that pre-registered client
/// unless a user gives their own.

#include <polymcp/connectors/error.hpp>
#include <polymcp/connectors/types.hpp>
#include <polymcp/connectors/upstream.hpp>
#include <polymcp/core/config.hpp>

#include <nlohmann/json.hpp>

#include <string>

namespace polymcp::connectors {

/// Checks a user's `config` against the forms above for an upstream `ep`;
/// null is `{"type": "none"}`.
/// @return its `type`
/// @throws connector_error `invalid_request` naming the member that is
///         missing or wrong (never echoing a secret)
POLYMCP_DECL std::string validate_auth_config(const nlohmann::json& config, const endpoint& ep);

/// What a user gave for an `oauth_sign_in` config (`type`, `client_id`,
/// `client_secret`, `scope`), without the tokens a sign-in added; any other
/// config as it is (one whose `type` is not the string `oauth_sign_in`
/// among them). It throws nothing of its own (only `std::bad_alloc`).
POLYMCP_DECL nlohmann::json sign_in_request(const nlohmann::json& config);

/// Checks the credentials of a catalog server itself (`none`, `bearer`,
/// `api_key`, `oauth_client`), see above.
/// @return its `type`
/// @throws connector_error `invalid_request` as `validate_auth_config`
POLYMCP_DECL std::string validate_server_auth_config(const nlohmann::json& config, const endpoint& ep);

/// `config` with the `env` of an `api_key` for a stdio server filled in
/// when it is missing and `ep` declares exactly one `credential_env`. It
/// runs before validation, so it reads `config` as untrusted: anything
/// else, malformed or not (a `type` that is not a string, a config that is
/// not an object), comes back unchanged for `validate_auth_config` or
/// `validate_server_auth_config` to refuse.
/// @throws nothing of its own (only `std::bad_alloc`)
POLYMCP_DECL nlohmann::json with_default_env(nlohmann::json config, const endpoint& ep);

/// The credentials of a `none`, `bearer`, `api_key` or `oauth` config (the
/// access token as it is, without refreshing). A `token_endpoint` config
/// gives none: its token comes from a token provider.
POLYMCP_DECL upstream_credentials static_credentials(const nlohmann::json& config);

}  // namespace polymcp::connectors

#if POLYMCP_HEADER_ONLY
#include <polymcp/connectors/impl/auth_config.ipp>
#endif

#endif
