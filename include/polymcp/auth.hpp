#ifndef POLYMCP_AUTH_HPP
#define POLYMCP_AUTH_HPP

/// @file polymcp/auth.hpp
/// Every auth policy (docs/auth.md). Needs OpenSSL: link `polymcp::crypto`.

#include <polymcp/auth/any_auth.hpp>
#include <polymcp/auth/api_key.hpp>
#include <polymcp/auth/bearer.hpp>
#include <polymcp/auth/concepts.hpp>
#include <polymcp/auth/error.hpp>
#include <polymcp/auth/jwk.hpp>
#include <polymcp/auth/jws.hpp>
#include <polymcp/auth/jwt.hpp>
#include <polymcp/auth/none.hpp>
#include <polymcp/auth/principal.hpp>
#include <polymcp/auth/request.hpp>
#include <polymcp/auth/resource_server.hpp>

#endif
