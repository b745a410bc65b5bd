#ifndef POLYMCP_CONNECTORS_IMPL_UPSTREAM_IPP
#define POLYMCP_CONNECTORS_IMPL_UPSTREAM_IPP

// Definitions for polymcp/connectors/upstream.hpp.

#include <polymcp/client/http_exchange.hpp>
#include <polymcp/client/legacy_sse.hpp>
#include <polymcp/client/stdio.hpp>
#include <polymcp/client/streamable_http.hpp>
#include <polymcp/connectors/environment.hpp>
#include <polymcp/connectors/upstream.hpp>

#include <asio/experimental/as_tuple.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <curl/curl.h>

#include <cstdlib>

namespace polymcp::connectors {

namespace detail {

inline std::chrono::milliseconds remaining(std::chrono::steady_clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    return left.count() > 0 ? left : std::chrono::milliseconds(0);
}

struct url_parts {
    std::string host;  // without IPv6 brackets
    std::string port;
};

inline url_parts split_url(const std::string& url) {
    CURLU* u = curl_url();
    url_parts p;
    if (!u) throw connector_error(errc::invalid_url, "libcurl could not allocate a URL");
    auto get = [u](CURLUPart part, unsigned flags) {
        char* out = nullptr;
        std::string s;
        if (curl_url_get(u, part, &out, flags) == CURLUE_OK && out) s = out;
        curl_free(out);
        return s;
    };
    bool userinfo = false;
    if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
        p.host = get(CURLUPART_HOST, 0);
        p.port = get(CURLUPART_PORT, CURLU_DEFAULT_PORT);
        userinfo = !get(CURLUPART_USER, 0).empty() || !get(CURLUPART_PASSWORD, 0).empty() ||
                   !get(CURLUPART_OPTIONS, 0).empty();
    }
    curl_url_cleanup(u);
    if (userinfo)
        throw connector_error(errc::invalid_url,
                              "the URL carries a user name or password; credentials belong in the sealed auth_config");
    if (p.host.size() >= 2 && p.host.front() == '[' && p.host.back() == ']') p.host = p.host.substr(1, p.host.size() - 2);
    if (auto pct = p.host.find('%'); pct != std::string::npos && p.host.find(':') != std::string::npos)
        p.host = p.host.substr(0, pct);  // an IPv6 zone id
    if (p.host.empty()) throw connector_error(errc::invalid_url, "\"" + url + "\" has no host");
    return p;
}

}  // namespace detail

std::string describe(const endpoint& ep) {
    if (ep.transport == transport_kind::stdio) return "the command '" + ep.command + "'";
    return "the MCP server at " + ep.url;
}

asio::awaitable<client::http_options> guarded_http_options(asio::any_io_executor ex, const endpoint& ep,
                                                           const upstream_credentials& creds,
                                                           const upstream_options& o,
                                                           std::chrono::steady_clock::time_point deadline) {
    using namespace detail;
    client::http_options h;
    h.url = ep.url;
    h.headers = ep.headers;
    for (const auto& [k, v] : creds.headers) h.headers[k] = v;
    h.query = ep.query;
    h.query.insert(h.query.end(), creds.query.begin(), creds.query.end());
    h.auth = creds.auth;
    h.verify_tls = o.verify_tls;
    h.ca_file = o.ca_file;
    h.proxy = o.proxy;
    h.max_message_size = o.max_message_size;
    h.user_agent = o.client_info.name + "/" + o.client_info.version;
    h.connect_timeout = std::max(std::chrono::milliseconds(1), remaining(deadline));
    h.address_filter = o.ssrf.address_filter();
    h.max_auth_retries = 1;  // a refused token is refreshed once and the request retried once, never more

    std::string full;
    try {
        full = client::build_url(h);
    } catch (const client::client_error& e) {
        throw connector_error(errc::invalid_url,
                              std::string(e.what()) + "; give the absolute http:// or https:// URL of the MCP endpoint");
    }
    const auto parts = split_url(full);

    std::vector<asio::ip::address> addresses;
    std::error_code lit_ec;
    auto literal = asio::ip::make_address(parts.host, lit_ec);
    if (!lit_ec) {
        addresses.push_back(literal);
    } else {
        asio::ip::tcp::resolver resolver(ex);
        asio::steady_timer timer(ex);
        timer.expires_at(deadline);
        bool timed_out = false;
        timer.async_wait([&resolver, &timed_out](std::error_code ec) {
            if (!ec) {
                timed_out = true;
                resolver.cancel();
            }
        });
        std::string host = parts.host, port = parts.port;
        auto [ec, results] = co_await resolver.async_resolve(host, port, asio::experimental::as_tuple(asio::use_awaitable));
        timer.cancel();
        if (timed_out)
            throw connector_error(errc::timeout, "resolving the host name " + parts.host + " took too long");
        if (ec || results.empty())
            throw connector_error(errc::dns_failure, "the host name " + parts.host +
                                                         " does not resolve; check the URL for typos");
        for (const auto& r : results) addresses.push_back(r.endpoint().address());
    }

    std::vector<asio::ip::address> allowed;
    for (const auto& a : addresses)
        if (o.ssrf.allows(a)) allowed.push_back(a);
    if (allowed.empty()) {
        const auto& a = addresses.front();
        std::string via = lit_ec ? parts.host + " resolves to " + a.to_string() : a.to_string() + " is";
        throw connector_error(errc::ssrf_blocked,
                              via + ", " + std::string(connectors::describe(classify(a))) +
                                  "; the gateway does not connect to loopback, private, link-local or reserved "
                                  "addresses unless its configuration allows them (ssrf_policy)");
    }
    if (lit_ec) {
        // Pin the host to the addresses checked, so no later DNS answer is used.
        std::string pin = parts.host + ":" + parts.port + ":";
        for (std::size_t i = 0; i < allowed.size(); ++i) {
            if (i) pin += ",";
            pin += allowed[i].is_v6() ? "[" + allowed[i].to_string() + "]" : allowed[i].to_string();
        }
        h.resolve.push_back(std::move(pin));
    }
    co_return h;
}

asio::awaitable<std::shared_ptr<client::session>> open_upstream(asio::any_io_executor ex, const endpoint& ep,
                                                                const upstream_credentials& creds,
                                                                const upstream_options& o,
                                                                client::session_options session,
                                                                std::chrono::steady_clock::time_point deadline) {
    std::shared_ptr<client::transport> transport;
    if (ep.transport == transport_kind::stdio) {
        if (ep.command.empty())
            throw connector_error(errc::invalid_url, "a stdio server needs a command");
        client::stdio_options so;
        so.command = ep.command;
        so.args = ep.args;
        so.inherit_environment = false;
        so.env = child_environment(o.stdio_inherited_environment, ep.env, ep.credential_env, creds.env);
        so.max_message_size = o.max_message_size;
        so.on_stderr = o.on_stderr;
        transport = std::make_shared<client::stdio_transport>(ex, std::move(so));
    } else {
        auto h = co_await guarded_http_options(ex, ep, creds, o, deadline);
        if (ep.transport == transport_kind::sse) transport = std::make_shared<client::sse_transport>(ex, std::move(h));
        else transport = std::make_shared<client::streamable_http_transport>(ex, std::move(h));
    }
    session.client_info = o.client_info;
    auto s = std::make_shared<client::session>(std::move(transport), std::move(session));
    auto left = detail::remaining(deadline);
    if (left.count() <= 0) throw connector_error(errc::timeout, describe(ep) + " did not answer in time");
    client::request_options ro;
    ro.timeout = left;
    ro.max_timeout = left;
    co_await s->initialize(std::move(ro));
    co_return s;
}

}  // namespace polymcp::connectors

#endif
