#ifndef POLYMCP_CONNECTORS_VALIDATOR_HPP
#define POLYMCP_CONNECTORS_VALIDATOR_HPP

/// @file polymcp/connectors/validator.hpp
/// Testing a connection: `test_connection` runs `initialize` and
/// `tools/list` against an upstream within a time limit and answers with the
/// server's info and tools, or with a typed error code and a message a user
/// can act on (`validation_result`, polymcp/connectors/types.hpp). A server
/// that answers but offers no tools is a success with a note.

#include <polymcp/connectors/types.hpp>
#include <polymcp/connectors/upstream.hpp>
#include <polymcp/core/config.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

#include <chrono>
#include <cstddef>

namespace polymcp::connectors {

/// Settings of `test_connection`.
struct validator_options {
    /// The whole test (resolve, connect, initialize, tools/list), in ms.
    std::chrono::milliseconds timeout{10'000};
    /// At most this many tools are kept (a server listing more fails with
    /// INVALID_MCP_SERVER, so that no store fills up).
    std::size_t max_tools = 1'000;
    /// How upstreams are reached (SSRF policy, TLS).
    upstream_options upstream{};
};

/// Tests the upstream `ep` with `creds`: initialize, tools/list, close.
///
/// On `AUTH_REQUIRED` the result carries the upstream's HTTP status, the
/// `resource_metadata` URL and `scope` of its challenge (MCP 2025-11-25
/// "Authorization" > "Protected Resource Metadata Discovery"), and, when the
/// metadata document could be read within the time left, its
/// `authorization_servers` and `scopes_supported` in `protected_resource`.
///
/// Never throws for a failing upstream: every failure is a result with
/// `success == false`, one of INVALID_URL, SSRF_BLOCKED, DNS_FAILURE,
/// CONNECTION_FAILED, TLS_ERROR, TIMEOUT, HTTP_ERROR, AUTH_REQUIRED,
/// INVALID_MCP_SERVER, PROTOCOL_VERSION_UNSUPPORTED, UPSTREAM_ERROR.
/// Thread-safety: run on `ex`; any number of tests may run at once.
POLYMCP_DECL asio::awaitable<validation_result> test_connection(asio::any_io_executor ex, endpoint ep,
                                                                upstream_credentials creds,
                                                                validator_options options = {});

}  // namespace polymcp::connectors

#if POLYMCP_HEADER_ONLY
#include <polymcp/connectors/impl/validator.ipp>
#endif

#endif
