// The context of docs/auth.md's code blocks: what a program using them would
// already have. tests/docs/snippets.py compiles each block after this file.
#pragma once
#include <polymcp/auth.hpp>
#include <polymcp/auth/jwks_client.hpp>
#include <polymcp/crypto/fernet.hpp>
#include <polymcp/polymcp.hpp>
#include <polymcp/storage/sqlite.hpp>
#include <polymcp/tool_auth/sign_in.hpp>
#include <polymcp/transport/streamable_http.hpp>

#include <string>
#include <system_error>

namespace auth_context {
struct echo_args { BOOST_HANA_DEFINE_STRUCT(echo_args, (std::string, message)); };
}  // namespace auth_context

inline auto echo = polymcp::tool<"echo">("Echoes its message",
                                         [](auth_context::echo_args a) { return a.message; });
inline auto features = polymcp::tools(echo);
inline polymcp::streamable_http_options http;
inline polymcp::server_options opts{.info = {.name = "files", .version = "1.0"}};
inline std::error_code ec;

// The OAuth resource server of the first block.
inline polymcp::auth::protected_resource_options resource{
    .resource = "https://mcp.example.com/mcp", .authorization_servers = {"https://as.example.com"}};
inline polymcp::auth::jwt_verifier verifier(
    {.algorithms = {polymcp::auth::jws_algorithm::RS256},
     .issuer = "https://as.example.com",
     .audiences = {"https://mcp.example.com/mcp"}},
    polymcp::auth::jwk_set{});

// Tenant credentials: a SQLite database and a Fernet key.
inline auto storage = std::make_shared<polymcp::storage::sqlite_storage>(polymcp::storage::sqlite_options{});
inline auto key = polymcp::crypto::fernet::key_type::generate();
struct sms_args { BOOST_HANA_DEFINE_STRUCT(sms_args, (std::string, to), (std::string, text)); };
struct sms_sender {
    std::string send(const std::string& to, const std::string& text) { return "sent to " + to + ": " + text; }
};
template <class Account> sms_sender sms_gateway(const Account&) { return {}; }

// Tool-level sign-in.
inline auto check_with_chat_service = [](const auto& login) {
    return login.token.empty() ? polymcp::tool_auth::verification{.message = "no token"}
                               : polymcp::tool_auth::verification::success();
};
struct event_stream { void reconnect(); };
inline event_stream events;
inline auto post_message = polymcp::tool<"post_message">("Posts a message",
                                                         [](auth_context::echo_args a) { return a.message; });
