// The context of docs/api/cipher.md's code blocks.
#pragma once
#include <polymcp/crypto/concepts.hpp>
#include <polymcp/crypto/key_ring.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
