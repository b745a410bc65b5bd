// The context of docs/composition.md's code blocks: what a program using them
// would already have. tests/docs/snippets.py compiles each block after this file.
#pragma once
#include <polymcp/auth.hpp>
#include <polymcp/connectors/manager.hpp>
#include <polymcp/connectors/session_tools.hpp>
#include <polymcp/crypto/fernet.hpp>
#include <polymcp/crypto/key_ring.hpp>
#include <polymcp/gateway/config.hpp>
#include <polymcp/gateway/policies.hpp>
#include <polymcp/gateway/session_auth.hpp>
#include <polymcp/polymcp.hpp>
#include <polymcp/storage/memory.hpp>
#include <polymcp/storage/redis.hpp>
#include <polymcp/transport/streamable_http.hpp>

#include <asio/io_context.hpp>

#include <memory>
#include <string>

namespace composition_context {
struct echo_args { BOOST_HANA_DEFINE_STRUCT(echo_args, (std::string, message)); };
struct add_args { BOOST_HANA_DEFINE_STRUCT(add_args, (double, a), (double, b)); };
}  // namespace composition_context

// The tools and options of examples/hello_stdio and examples/everything_server.
inline auto echo = polymcp::tool<"echo">("Echoes its message",
                                         [](composition_context::echo_args a) { return a.message; });
inline auto add = polymcp::tool<"add">("Adds two numbers",
                                       [](composition_context::add_args a) { return a.a + a.b; });
inline auto features = polymcp::tools(echo, add);
inline polymcp::server_options options{.info = {.name = "files", .version = "1.0.0"}};
inline polymcp::streamable_http_options http;

// JWT bearer tokens checked against a JWK Set; Redis; a Fernet key.
inline polymcp::auth::jwt_options jwt{.algorithms = {polymcp::auth::jws_algorithm::ES256},
                                      .issuer = "https://as.example.com",
                                      .audiences = {"https://mcp.example.com/mcp"}};
inline polymcp::auth::jwk_set keys;
inline polymcp::storage::redis_options redis;
inline auto key = polymcp::crypto::fernet::key_type::generate();

// The gateway's parts (examples/gateway/main.cpp): its storage, key ring, configuration and
// registry, and the auth policy its configuration chose.
using Storage = polymcp::storage::memory_storage;
inline auto storage = std::make_shared<Storage>();
inline polymcp::gateway::cipher_type cipher({polymcp::crypto::fernet(key)});
inline polymcp::gateway::config cfg;
inline auto registry = polymcp::make_dynamic_tool_registry();
inline polymcp::auth::any_auth policy{polymcp::auth::no_auth{}};
