// The context of docs/connectors.md's code blocks: what a program using them
// would already have. tests/docs/snippets.py compiles each block after this file;
// the page's first block declares `pc`, `storage`, `manager`, `store` and `m`.
#pragma once
#include <polymcp/auth/api_key.hpp>
#include <polymcp/connectors/session_tools.hpp>
#include <polymcp/crypto/fernet.hpp>
#include <polymcp/polymcp.hpp>
#include <polymcp/transport/streamable_http.hpp>

#include <asio/io_context.hpp>

#include <iostream>
#include <string>

inline asio::io_context io;
inline auto key = polymcp::crypto::fernet::key_type::generate();
inline polymcp::connectors::session_key chat{"acme", "alice", "chat-42"};
inline std::string connector_id = "c_0d5e";
inline void report(int status, const std::string& message) { std::cerr << status << ": " << message << "\n"; }
inline auto registry = polymcp::make_dynamic_tool_registry();
inline polymcp::streamable_http_options http;
inline polymcp::auth::api_key_auth my_policy;
