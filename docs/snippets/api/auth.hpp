// The context of docs/api/auth.md's code blocks.
#pragma once
#include <polymcp/auth/concepts.hpp>
#include <polymcp/server.hpp>
#include <polymcp/transport/streamable_http.hpp>

#include <string>
#include <string_view>
