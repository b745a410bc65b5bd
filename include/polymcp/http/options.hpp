#ifndef POLYMCP_HTTP_OPTIONS_HPP
#define POLYMCP_HTTP_OPTIONS_HPP

/// @file polymcp/http/options.hpp
/// Configuration of the HTTP/1.1 server: where it listens and every limit it
/// enforces. Each limit is explicit; the defaults suit an MCP server on the
/// public internet behind nothing at all. docs/http.md lists them with the
/// status each one answers.

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace polymcp::http {

class stream_layer;

/// Settings of `polymcp::http::server`.
struct server_options {
    /// Address to bind. Loopback by default (MCP 2025-11-25 "Transports" >
    /// "Security Warning": local servers bind only to localhost).
    std::string address = "127.0.0.1";
    /// TCP port; 0 picks a free one (see `server::local_endpoint`).
    std::uint16_t port = 0;

    /// Longest request-target (the URL in the request line), in bytes: 414.
    std::size_t max_target_bytes = 8 * 1024;
    /// Longest single header line (name and value), in bytes: 431.
    std::size_t max_field_bytes = 8 * 1024;
    /// All header lines of one request together, in bytes: 431.
    std::size_t max_header_bytes = 16 * 1024;
    /// Most header fields in one request: 431.
    std::size_t max_fields = 100;
    /// Largest request body after de-chunking, in bytes: 413.
    std::size_t max_body_bytes = 4 * 1024 * 1024;
    /// Bytes queued for a connection but not yet taken by the client, beyond
    /// which the connection is closed (a client that never reads cannot grow
    /// server memory). A single response larger than this is still sent.
    std::size_t max_output_bytes = 8 * 1024 * 1024;
    /// Open connections at most; more are answered 503 and closed.
    std::size_t max_connections = 1024;

    /// From the first byte of a request until its header is complete, in ms: 408.
    std::chrono::milliseconds header_timeout{10'000};
    /// From the end of the header until the body is complete, in ms: 408.
    std::chrono::milliseconds body_timeout{30'000};
    /// How long a connection may stay open with no request in progress, in ms
    /// (then it is closed without a response, as RFC 9112 section 9.8 allows).
    std::chrono::milliseconds idle_timeout{60'000};

    /// Serve HTTPS: every accepted connection is wrapped in TLS by this layer,
    /// normally `polymcp::http::tls_context::from_files(certificate, key)`
    /// (polymcp/http/tls.hpp, link polymcp::https). Null: plain HTTP. The TLS
    /// handshake must finish within `header_timeout`.
    std::shared_ptr<stream_layer> tls{};
    /// Where the server reports rejected requests and connection errors: one
    /// line each, with the peer address and the reason, never header values
    /// or bodies. Called from I/O threads; must be thread-safe.
    std::function<void(std::string_view)> diagnostics = [](std::string_view s) {
        std::fprintf(stderr, "polymcp http: %.*s\n", static_cast<int>(s.size()), s.data());
    };
};

}  // namespace polymcp::http

#endif
