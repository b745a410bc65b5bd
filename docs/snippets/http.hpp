// The context of docs/http.md's code blocks: what a program using them would
// already have. tests/docs/snippets.py compiles each block after this file.
#pragma once
#include <polymcp/http/server.hpp>

#include <asio/io_context.hpp>
