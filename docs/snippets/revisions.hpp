// The context of docs/revisions.md's code blocks: what a program using them
// would already have. tests/docs/snippets.py compiles each block after this file.
#pragma once
#include <polymcp/polymcp.hpp>

#include <asio/use_awaitable.hpp>
