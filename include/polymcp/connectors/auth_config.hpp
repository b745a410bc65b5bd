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
/// | `api_key` | `key`, and `header` (default "X-API-Key") or, for stdio, `env` | that header, or that environment variable |
/// | `oauth` | `access_token`; optional `refresh_token`, `expires_at` (Unix s), `token_endpoint`, `client_id`, `client_secret`, `scope` | `Authorization: Bearer <access_token>`, refreshed with the refresh token (RFC 6749 section 6) |
/// | `token_endpoint` | `url`, `authorization` (how the gateway authenticates to it); optional `token_field` ("token"), `expires_field` ("expires_at") | `Authorization: Bearer <token>` fetched from `url` (the "auto token sync" of seed 001, but the endpoint must require authentication) |

#include <polymcp/connectors/error.hpp>
#include <polymcp/connectors/types.hpp>
#include <polymcp/connectors/upstream.hpp>
#include <polymcp/core/config.hpp>

#include <nlohmann/json.hpp>

#include <string>

namespace polymcp::connectors {

/// Checks `config` against the forms above for an upstream of transport `t`
/// (an `api_key` with `env` only for stdio, with `header` only for HTTP);
/// null is `{"type": "none"}`.
/// @return its `type`
/// @throws connector_error `invalid_request` naming the member that is
///         missing or wrong (never echoing a secret)
POLYMCP_DECL std::string validate_auth_config(const nlohmann::json& config, transport_kind t);

/// The credentials of a `none`, `bearer`, `api_key` or `oauth` config (the
/// access token as it is, without refreshing). A `token_endpoint` config
/// gives none: its token comes from a token provider.
POLYMCP_DECL upstream_credentials static_credentials(const nlohmann::json& config);

}  // namespace polymcp::connectors

#if POLYMCP_HEADER_ONLY
#include <polymcp/connectors/impl/auth_config.ipp>
#endif

#endif
