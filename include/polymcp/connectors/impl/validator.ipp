#ifndef POLYMCP_CONNECTORS_IMPL_VALIDATOR_IPP
#define POLYMCP_CONNECTORS_IMPL_VALIDATOR_IPP

// Definitions for polymcp/connectors/validator.hpp.

#include <polymcp/client/http_exchange.hpp>
#include <polymcp/connectors/detail/fetch.hpp>
#include <polymcp/connectors/validator.hpp>

#include <asio/co_spawn.hpp>
#include <asio/strand.hpp>
#include <asio/use_awaitable.hpp>


namespace polymcp::connectors {

namespace detail {

// What to do about each failure, appended to the client's description.
inline std::string hint(errc e, std::chrono::milliseconds timeout) {
    switch (e) {
        case errc::connection_failed: return "check the host, the port and that the server is running";
        case errc::tls_error: return "the server's certificate must be valid for its host name and issued by a trusted CA";
        case errc::timeout:
            return "no answer within " + std::to_string(timeout.count()) + " ms; check that the server is running and reachable";
        case errc::http_error: return "check that the URL is the server's MCP endpoint (often ending in /mcp)";
        case errc::auth_required: return "the server requires authorization: give credentials in auth_config";
        case errc::invalid_mcp_server:
            return "this does not look like an MCP server; check that the URL is its MCP endpoint (often ending in /mcp), "
                   "not a web page";
        case errc::protocol_version_unsupported:
            return "the server speaks no MCP revision this gateway speaks (2024-11-05 to 2025-11-25)";
        default: return {};
    }
}

// RFC 9728: the metadata document named by the challenge, else the
// well-known one for the endpoint's path, else for its root.
inline asio::awaitable<void> read_protected_resource(asio::any_io_executor ex, const endpoint& ep,
                                                     const validator_options& o,
                                                     std::chrono::steady_clock::time_point deadline,
                                                     validation_result& r) {
    if (ep.transport == transport_kind::stdio) co_return;
    std::vector<std::string> candidates;
    try {
        if (!r.resource_metadata.empty()) candidates.push_back(r.resource_metadata);
        std::string origin = client::origin_of(ep.url);
        auto after_scheme = ep.url.find("://");
        auto path_start = ep.url.find('/', after_scheme == std::string::npos ? 0 : after_scheme + 3);
        std::string path = path_start == std::string::npos ? std::string() : ep.url.substr(path_start);
        path = path.substr(0, path.find_first_of("?#"));
        if (!path.empty() && path != "/") candidates.push_back(origin + "/.well-known/oauth-protected-resource" + path);
        candidates.push_back(origin + "/.well-known/oauth-protected-resource");
    } catch (const std::exception&) {
        co_return;
    }
    for (const auto& url : candidates) {
        bool ok = false;
        try {
            std::string method = "GET", no_body, json_type = "application/json";
            std::vector<std::string> no_headers;
            auto res = co_await detail::guarded_fetch(ex, method, url, std::move(no_headers), std::move(no_body),
                                                      json_type, o.upstream, deadline);
            auto doc = nlohmann::json::parse(res.body, nullptr, false);
            if (res.status == 200 && doc.is_object()) {
                nlohmann::json pr = nlohmann::json::object();
                static constexpr const char* members[] = {"resource", "authorization_servers", "scopes_supported"};
                for (const char* k : members)
                    if (doc.contains(k)) pr[k] = doc[k];
                r.protected_resource = std::move(pr);
                if (r.resource_metadata.empty()) r.resource_metadata = url;
                ok = true;
            }
        } catch (const std::exception&) {
        }
        if (ok || std::chrono::steady_clock::now() >= deadline) break;
    }
}

inline std::int64_t ms_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace detail

namespace detail {
// The test itself, on `ex`, a strand: the client's transports need one handler at a time.
inline asio::awaitable<validation_result> test_on(asio::any_io_executor ex, endpoint ep, upstream_credentials creds,
                                                  validator_options options) {
    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    const auto deadline = start + options.timeout;
    std::optional<connector_error> failure;
    std::shared_ptr<client::session> s;
    validation_result out;
    try {
        client::session_options session_settings;  // a named local: docs/portability.md
        s = co_await open_upstream(ex, ep, creds, options.upstream, std::move(session_settings), deadline);
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
        if (left.count() <= 0) throw connector_error(errc::timeout, describe(ep) + " did not answer in time");
        client::request_options ro;
        ro.timeout = left;
        ro.max_timeout = left;
        auto tools = co_await s->list_tools(std::move(ro));
        if (tools.size() > options.max_tools)
            throw connector_error(errc::invalid_mcp_server, describe(ep) + " lists " + std::to_string(tools.size()) +
                                                                " tools, more than the limit of " +
                                                                std::to_string(options.max_tools));
        out.success = true;
        const auto& init = s->server();
        out.protocol_version = init.protocol_version;
        out.server_info = init.raw.is_object() && init.raw.contains("serverInfo") ? init.raw["serverInfo"]
                                                                                    : nlohmann::json::object();
        for (const auto& t : tools) out.tools.push_back(t.raw);
        if (tools.empty()) out.note = "Connected, but the server offers no tools.";
    } catch (const connector_error& e) {
        failure = e;
    } catch (const client::client_error& e) {
        failure = from_client_error(e, describe(ep));
    } catch (const std::exception& e) {
        failure = connector_error(errc::upstream_error, describe(ep) + " failed: " + e.what());
    }
    if (s) {
        try {
            co_await s->close();
        } catch (const std::exception&) {
        }
    }
    if (!failure) {
        out.elapsed_ms = detail::ms_since(start);
        co_return out;
    }
    auto h = detail::hint(failure->value(), options.timeout);
    connector_error e = *failure;
    if (!h.empty()) {
        connector_error with(failure->value(), std::string(failure->what()) + "; " + h);
        with.http_status = failure->http_status;
        with.resource_metadata = failure->resource_metadata;
        with.scope = failure->scope;
        e = with;
    }
    auto r = validation_result::failure(e);
    if (r.error == errc::auth_required) {
        // Within what is left of the test's time limit.
        if (clock::now() < deadline) co_await detail::read_protected_resource(ex, ep, options, deadline, r);
    }
    r.elapsed_ms = detail::ms_since(start);
    co_return r;
}
}  // namespace detail

asio::awaitable<validation_result> test_connection(asio::any_io_executor ex, endpoint ep, upstream_credentials creds,
                                                   validator_options options) {
    auto strand = asio::make_strand(ex);
    co_return co_await asio::co_spawn(strand, detail::test_on(strand, std::move(ep), std::move(creds), std::move(options)),
                                      asio::use_awaitable);
}

}  // namespace polymcp::connectors

#endif
