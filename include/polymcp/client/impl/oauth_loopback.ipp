#ifndef POLYMCP_CLIENT_IMPL_OAUTH_LOOPBACK_IPP
#define POLYMCP_CLIENT_IMPL_OAUTH_LOOPBACK_IPP

// Definitions for polymcp/client/oauth_loopback.hpp.

#include <polymcp/client/oauth_loopback.hpp>
#include <polymcp/http/server.hpp>

#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <mutex>
#include <optional>
#include <thread>

#include <curl/curl.h>

namespace polymcp::client {

authorization_handler loopback_authorization(asio::any_io_executor ex, std::string redirect_uri,
                                             std::function<void(const std::string&)> open,
                                             std::chrono::seconds timeout) {
    return [ex, redirect_uri, open, timeout](std::string authorization_url) -> asio::awaitable<std::string> {
        // Where to listen: the redirect URI's host (loopback only) and port.
        CURLU* u = curl_url();
        auto part = [&](CURLUPart p, unsigned flags = 0) {
            char* out = nullptr;
            std::string s;
            if (curl_url_get(u, p, &out, flags) == CURLUE_OK && out) s = out;
            curl_free(out);
            return s;
        };
        std::string host, port, path;
        if (u && curl_url_set(u, CURLUPART_URL, redirect_uri.c_str(), 0) == CURLUE_OK) {
            host = part(CURLUPART_HOST);
            port = part(CURLUPART_PORT, CURLU_DEFAULT_PORT);
            path = part(CURLUPART_PATH);
        }
        std::string scheme = u ? part(CURLUPART_SCHEME) : "";
        curl_url_cleanup(u);
        if (scheme != "http" || (host != "127.0.0.1" && host != "localhost" && host != "[::1]"))
            throw client_error(errc::auth_required,
                               "the redirect URI " + redirect_uri + " is not an http loopback URI (RFC 8252 section 7.3)");

        struct shared {
            std::mutex m;
            std::optional<std::string> redirect;
        };
        auto got = std::make_shared<shared>();
        asio::io_context io;
        polymcp::http::server_options so;
        so.address = host == "localhost" ? "127.0.0.1" : (host == "[::1]" ? "::1" : host);
        so.port = static_cast<std::uint16_t>(std::stoi(port));
        so.diagnostics = [](std::string_view) {};
        polymcp::http::server srv(io, so, [got, path, redirect_uri](polymcp::http::request req, auto res) {
            if (req.method != "GET" || req.path() != path) return res->respond(polymcp::http::response::error(404));
            {
                std::lock_guard lock(got->m);
                if (!got->redirect) {
                    auto q = req.target.find('?');
                    got->redirect = redirect_uri + (q == std::string::npos ? "" : req.target.substr(q));
                }
            }
            res->respond(polymcp::http::response::with_body(
                200, "text/html; charset=utf-8",
                "<!DOCTYPE html><html><body><p>Authorization complete. You may close this window.</p></body></html>"));
        });
        std::error_code ec;
        srv.listen(ec);
        if (ec)
            throw client_error(errc::auth_required, "cannot listen for the OAuth redirect on " + so.address + ":" + port +
                                                        ": " + ec.message());
        std::thread runner([&io] { io.run(); });
        struct stop_on_exit {
            polymcp::http::server& s;
            asio::io_context& io;
            std::thread& t;
            ~stop_on_exit() {
                s.stop();
                io.stop();
                t.join();
            }
        } stopper{srv, io, runner};

        if (open) open(authorization_url);
        asio::steady_timer t(ex);
        auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            {
                std::lock_guard lock(got->m);
                if (got->redirect) co_return *got->redirect;
            }
            if (std::chrono::steady_clock::now() >= deadline)
                throw client_error(errc::auth_required, "no OAuth redirect reached " + redirect_uri + " within " +
                                                            std::to_string(timeout.count()) + " s");
            t.expires_after(std::chrono::milliseconds(50));
            co_await t.async_wait(asio::use_awaitable);
        }
    };
}

}  // namespace polymcp::client

#endif
