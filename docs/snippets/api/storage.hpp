// The context of docs/api/storage.md's code blocks.
#pragma once
#include <polymcp/storage/concepts.hpp>

#include <asio/async_result.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <vector>
