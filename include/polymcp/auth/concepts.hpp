#ifndef POLYMCP_AUTH_CONCEPTS_HPP
#define POLYMCP_AUTH_CONCEPTS_HPP

/// @file polymcp/auth/concepts.hpp
/// The *AuthPolicy* named requirement, checked by `polymcp::auth::auth_policy`.
///
/// A type `A` is an *AuthPolicy* when, for `const A a` and `const auth_request r`:
///
/// | expression | returns | requirement |
/// |---|---|---|
/// | `a.authenticate(r)` | `auth_result` | the caller's principal, or a rejection with its HTTP status and RFC 6750 error code; never throws for bad input (an exception is answered 500 and logged as a bug) |
///
/// and `A` is copy constructible. Optional members, used when present:
///
/// | expression | returns | default |
/// |---|---|---|
/// | `a.challenge(rej)` | `std::string`: the `WWW-Authenticate` value for a rejection | `bearer_challenge(rej)` |
/// | `a.documents()` | `std::vector<well_known_document>` served on GET by the HTTP transport | none |
/// | `a.may_block()` | `bool`: `authenticate` may wait on the network (a JWKS refresh); the transport then calls it on the blocking thread pool | `false` |
/// | `a.name()` | `std::string_view` for diagnostics | "custom" |
/// | `A::anonymous` | `static constexpr bool`: the policy lets everyone in (the `none` policy) | `false` |
///
/// Thread-safety: `authenticate` is called concurrently from many threads.
///
/// Security: a policy must compare secrets in constant time, must not log or
/// store the credential, and must not put it into the principal (MCP
/// security best practices, "Token Passthrough").

#include <polymcp/auth/request.hpp>

#include <concepts>
#include <string>
#include <string_view>
#include <vector>

namespace polymcp::auth {

/// Satisfied by auth policies: see the named requirement in this header.
template <class A>
concept auth_policy = std::copy_constructible<A> && requires(const A& a, const auth_request& r) {
    { a.authenticate(r) } -> std::same_as<auth_result>;
};

}  // namespace polymcp::auth

#endif
