// The context of docs/client.md's code blocks: what a program using them would
// already have. tests/docs/snippets.py compiles each block after this file.
#pragma once
#include <polymcp/client.hpp>
#include <polymcp/client/oauth.hpp>
#include <polymcp/client/oauth_loopback.hpp>
#include <polymcp/client/stdio.hpp>
#include <polymcp/client/streamable_http.hpp>
#include <polymcp/client/token_store.hpp>
#include <polymcp/crypto/fernet.hpp>
#include <polymcp/storage/sqlite.hpp>

#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>

#include <iostream>
#include <memory>
#include <string>
#include <system_error>

namespace mc = polymcp::client;

inline asio::io_context io;
inline asio::any_io_executor ex = io.get_executor();
inline mc::http_options http{.url = "https://mcp.example.com/mcp"};
inline mc::session s(std::make_shared<mc::streamable_http_transport>(ex, http));
inline auto key = polymcp::crypto::fernet::key_type::generate();
inline std::error_code ec;
inline void open_browser(const std::string& url) { std::cout << "Open " << url << "\n"; }
