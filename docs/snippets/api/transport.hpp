// The context of docs/api/transport.md's code blocks.
#pragma once
#include <polymcp/server.hpp>
#include <polymcp/transport/concepts.hpp>

#include <system_error>
