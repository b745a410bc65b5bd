// The context of docs/portability.md's code blocks: what a test using them
// would already have. tests/docs/snippets.py compiles each block after this file.
#pragma once
#include <polymcp/client.hpp>
#include <polymcp/client/stdio.hpp>
#include <polymcp/storage/memory.hpp>

#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

#include <memory>
#include <string>

inline asio::io_context io;
inline polymcp::storage::memory_storage store;
inline polymcp::client::session session(std::make_shared<polymcp::client::stdio_transport>(
    io.get_executor(), polymcp::client::stdio_options{.command = "./hello_stdio"}));
inline std::string name = "echo";
inline nlohmann::json args = {{"message", "hi"}};
