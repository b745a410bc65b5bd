// The context of docs/cipher.md's code blocks: what a program using them would
// already have. tests/docs/snippets.py compiles each block after this file.
#pragma once
#include <polymcp/crypto.hpp>
#include <polymcp/storage/sealed_records.hpp>
#include <polymcp/storage/sqlite.hpp>

#include <memory>
#include <string>
#include <system_error>

using key = polymcp::crypto::fernet::key_type;  // as the page's first block names it
inline std::error_code ec;
inline auto ring = polymcp::crypto::key_ring<polymcp::crypto::fernet>::from_environment("POLYMCP_ENCRYPTION_KEYS");
inline nlohmann::json credentials = {{"account_sid", "AC123"}, {"auth_token", "secret"}};
inline auto storage = std::make_shared<polymcp::storage::sqlite_storage>(polymcp::storage::sqlite_options{});
inline std::string old_token = ring.encrypt("sk-live-123");
