// The context of docs/api/auth.md's code blocks.
#pragma once
#include <polymcp/auth/concepts.hpp>

#include <string>
#include <string_view>
