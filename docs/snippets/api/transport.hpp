// The context of docs/api/transport.md's code blocks.
#pragma once
#include <polymcp/transport/concepts.hpp>

#include <system_error>
