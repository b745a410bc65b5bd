// The context of docs/storage.md's code blocks: what a program using them would
// already have. tests/docs/snippets.py compiles each block after this file.
#pragma once
#include <polymcp/storage/memory.hpp>
#include <polymcp/storage/postgres.hpp>
#include <polymcp/storage/redis.hpp>
#include <polymcp/storage/split.hpp>
#include <polymcp/storage/sqlite.hpp>

#include <asio/use_awaitable.hpp>

#include <chrono>
#include <string>
#include <system_error>

inline polymcp::storage::memory_storage store;
inline std::error_code ec;
inline nlohmann::json new_data = {{"owner", "alice"}, {"name", "files"}, {"url", "https://files.example.com/mcp"}};
inline std::string secret = "from a secret store";
inline polymcp::storage::redis_options redis_opts;
inline polymcp::storage::postgres_options pg_opts{.conninfo = "host=db dbname=polymcp"};
