#ifndef POLYMCP_SERVER_DETAIL_REQUEST_BINDING_HPP
#define POLYMCP_SERVER_DETAIL_REQUEST_BINDING_HPP

// What a sealed requestState is bound to (MCP 2026-07-28 "Multi Round-Trip
// Requests" > "Server Requirements"): the request's method and params, and
// its caller. Shared by the dispatcher, which seals it, and the stateless
// endpoint, which opens it.

#include <polymcp/auth/principal.hpp>
#include <polymcp/protocol/jsonrpc.hpp>

#include <nlohmann/json.hpp>

namespace polymcp::server_detail {

// The method and the request's own params (its tool, prompt or resource and
// arguments), without what changes between round trips.
inline nlohmann::json binding_of(const jsonrpc::request& r) {
    nlohmann::json p = r.params.is_object() ? r.params : nlohmann::json::object();
    p.erase("_meta");
    p.erase("inputResponses");
    p.erase("requestState");
    return {{"method", r.method}, {"params", std::move(p)}};
}

// The caller: issuer, subject, tenant.
inline nlohmann::json caller_of(const auth::principal& who) {
    return {{"iss", who.issuer}, {"sub", who.subject}, {"ten", who.tenant}};
}

}  // namespace polymcp::server_detail

#endif
