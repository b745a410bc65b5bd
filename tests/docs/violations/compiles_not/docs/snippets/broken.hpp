// The context of broken.md: a real header, so that only the block is wrong.
#pragma once
#include <polymcp/crypto/concepts.hpp>
