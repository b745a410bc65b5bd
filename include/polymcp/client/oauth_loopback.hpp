#ifndef POLYMCP_CLIENT_OAUTH_LOOPBACK_HPP
#define POLYMCP_CLIENT_OAUTH_LOOPBACK_HPP

/// @file polymcp/client/oauth_loopback.hpp
/// `loopback_authorization`: the redirect step of `oauth_client` for desktop
/// applications (RFC 8252 section 7.3, loopback interface redirection). It
/// listens on the loopback host and port of the redirect URI with
/// polymcp::http::server, gives the authorization URL to the application
/// (to open a browser, or to print), waits for the browser to come back,
/// answers it with a page saying the window may be closed, and returns the
/// redirect URL. Link `polymcp::client_http` and `polymcp::http`.

#include <polymcp/client/oauth.hpp>
#include <polymcp/core/config.hpp>

#include <chrono>
#include <functional>
#include <string>

namespace polymcp::client {

/// An `authorization_handler` that receives the redirect on loopback.
/// @param ex the executor the handler's coroutine runs on
/// @param redirect_uri "http://127.0.0.1:PORT/path" (or localhost); the
///        listener binds that port for the duration of one authorization
/// @param open receives the authorization URL: open a browser with it, or print it
/// @param timeout how long to wait for the browser, in s
/// @throws (from the handler) client_error(errc::auth_required) when the
///         port cannot be bound or no redirect came within `timeout`
POLYMCP_DECL authorization_handler loopback_authorization(asio::any_io_executor ex, std::string redirect_uri,
                                                          std::function<void(const std::string&)> open,
                                                          std::chrono::seconds timeout = std::chrono::seconds(300));

}  // namespace polymcp::client

#if POLYMCP_HEADER_ONLY
#include <polymcp/client/impl/oauth_loopback.ipp>
#endif

#endif
