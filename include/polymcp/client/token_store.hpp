#ifndef POLYMCP_CLIENT_TOKEN_STORE_HPP
#define POLYMCP_CLIENT_TOKEN_STORE_HPP

/// @file polymcp/client/token_store.hpp
/// `polymcp::client::encrypted_token_store<Storage, Cipher>`: where an
/// `oauth_client` keeps its tokens and client registrations across restarts
/// and gateway instances, in the records of a *Storage*
/// (polymcp/storage/concepts.hpp), encrypted with a *Cipher*
/// (polymcp/crypto/concepts.hpp).
///
/// Each entry is one record of a `storage::sealed_records`
/// (polymcp/storage/sealed_records.hpp) whose id is the SHA-256 of its key
/// (so that no user, server or issuer appears in clear) and whose only
/// field, `secret`, is the value sealed for purpose "polymcp.oauth" and
/// bound to the key (polymcp/crypto/sealed.hpp). A sealed value copied under another key —
/// another user's, another server's — does not open there
/// (`crypto::errc::authentication_failed`).

#include <polymcp/client/oauth.hpp>
#include <polymcp/crypto/concepts.hpp>
#include <polymcp/storage/concepts.hpp>
#include <polymcp/storage/error.hpp>
#include <polymcp/storage/sealed_records.hpp>

#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <system_error>
#include <vector>

namespace polymcp::client {

/// A `token_store` on a storage policy, encrypted with a cipher policy (see
/// the file comment), kept in a `storage::sealed_records`. Storage and
/// cipher errors are thrown as `std::system_error` with their codes.
/// Thread-safe as its storage is.
template <storage::storage Storage, crypto::cipher Cipher>
class encrypted_token_store final : public token_store {
public:
    /// @param storage the records backend (kept)
    /// @param cipher seals the entries (copied)
    /// @param collection the records collection to use
    encrypted_token_store(std::shared_ptr<Storage> storage, Cipher cipher,
                          std::string collection = "polymcp_oauth_tokens")
        : records_(std::move(storage), std::move(cipher),
                   {.collection = std::move(collection), .purpose = std::string(purpose), .member = "secret"}) {}

    /// Declares the collection (idempotent); call once at start.
    void define(std::error_code& ec) { records_.define(ec); }

    asio::awaitable<std::optional<json>> load(const std::string& key) override {
        std::string id = record_id(key);
        std::vector<std::string> ids{key};
        auto [ec, rec] = co_await records_.async_get(std::move(id), std::move(ids), asio::experimental::as_tuple(asio::use_awaitable));
        if (storage::sealing_failed(ec))
            throw std::system_error(ec, "opening an OAuth token entry (a changed encryption key, an altered record, or "
                                        "an entry sealed for another key)");
        if (ec) throw std::system_error(ec, "reading an OAuth token entry");
        if (!rec) co_return std::nullopt;
        if (rec->secret.is_null())
            throw std::system_error(make_error_code(storage::errc::corrupt_data), "an OAuth token entry has no secret");
        co_return std::move(rec->secret);
    }

    asio::awaitable<void> save(const std::string& key, json value) override {
        std::string id = record_id(key);
        std::vector<std::string> ids{key};
        auto [ec, version] = co_await records_.async_put(std::move(id), std::move(ids), json::object(), std::move(value),
                                                         asio::experimental::as_tuple(asio::use_awaitable));
        if (storage::sealing_failed(ec)) throw std::system_error(ec, "encrypting an OAuth token entry");
        if (ec) throw std::system_error(ec, "writing an OAuth token entry");
    }

    asio::awaitable<void> erase(const std::string& key) override {
        std::string id = record_id(key);
        std::optional<std::int64_t> any_version;
        auto [ec] = co_await records_.async_remove(std::move(id), any_version, asio::experimental::as_tuple(asio::use_awaitable));
        if (ec && ec != storage::errc::not_found) throw std::system_error(ec, "erasing an OAuth token entry");
    }

    /// The record id of `key`: lower-case hex SHA-256.
    static std::string record_id(const std::string& key) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        EVP_Digest(key.data(), key.size(), md, &n, EVP_sha256(), nullptr);
        static constexpr char hex[] = "0123456789abcdef";
        std::string out;
        for (unsigned i = 0; i < n; ++i) {
            out += hex[md[i] >> 4];
            out += hex[md[i] & 15];
        }
        return out;
    }

    /// The purpose entries are sealed for (polymcp/crypto/sealed.hpp), bound to their key.
    static constexpr std::string_view purpose = "polymcp.oauth";

private:
    storage::sealed_records<Storage, Cipher> records_;
};

}  // namespace polymcp::client

#endif
