#ifndef POLYMCP_CLIENT_TOKEN_STORE_HPP
#define POLYMCP_CLIENT_TOKEN_STORE_HPP

/// @file polymcp/client/token_store.hpp
/// `polymcp::client::encrypted_token_store<Storage, Cipher>`: where an
/// `oauth_client` keeps its tokens and client registrations across restarts
/// and gateway instances, in the records of a *Storage*
/// (polymcp/storage/concepts.hpp), encrypted with a *Cipher*
/// (polymcp/crypto/concepts.hpp).
///
/// Each entry is one record whose id is the SHA-256 of its key (so that no
/// user, server or issuer appears in clear) and whose only field, `secret`,
/// is the value sealed for purpose "polymcp.oauth" and bound to the key
/// (polymcp/crypto/sealed.hpp). A sealed value copied under another key —
/// another user's, another server's — does not open there
/// (`crypto::errc::authentication_failed`).

#include <polymcp/client/oauth.hpp>
#include <polymcp/crypto/concepts.hpp>
#include <polymcp/crypto/sealed.hpp>
#include <polymcp/storage/concepts.hpp>
#include <polymcp/storage/error.hpp>

#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <system_error>

namespace polymcp::client {

/// A `token_store` on a storage policy, encrypted with a cipher policy (see
/// the file comment). Storage and cipher errors are thrown as
/// `std::system_error` with their codes. Thread-safe as its storage is.
template <storage::storage Storage, crypto::cipher Cipher>
class encrypted_token_store final : public token_store {
public:
    /// @param storage the records backend (kept)
    /// @param cipher seals the entries (copied)
    /// @param collection the records collection to use
    encrypted_token_store(std::shared_ptr<Storage> storage, Cipher cipher,
                          std::string collection = "polymcp_oauth_tokens")
        : storage_(std::move(storage)), sealer_(std::move(cipher)), collection_(std::move(collection)) {}

    /// Declares the collection (idempotent); call once at start.
    void define(std::error_code& ec) { storage_->define({collection_, {}}, ec); }

    asio::awaitable<std::optional<json>> load(const std::string& key) override {
        std::string collection = collection_, id = record_id(key);
        auto [ec, rec] = co_await storage_->async_read(collection, id, asio::experimental::as_tuple(asio::use_awaitable));
        if (ec) throw std::system_error(ec, "reading an OAuth token entry");
        if (!rec) co_return std::nullopt;
        auto secret = rec->data.find("secret");
        if (secret == rec->data.end() || !secret->is_string())
            throw std::system_error(make_error_code(storage::errc::corrupt_data), "an OAuth token entry has no secret");
        std::error_code dec;
        auto value = sealer_.open(purpose, {key}, secret->template get_ref<const std::string&>(), dec);
        if (dec)
            throw std::system_error(dec, "opening an OAuth token entry (a changed encryption key, an altered record, or "
                                         "an entry sealed for another key)");
        co_return value;
    }

    asio::awaitable<void> save(const std::string& key, json value) override {
        std::error_code ec;
        auto sealed = sealer_.seal(purpose, {key}, value, ec);
        if (ec) throw std::system_error(ec, "encrypting an OAuth token entry");
        json data = {{"secret", sealed}};
        std::string collection = collection_, id = record_id(key);
        auto [rec, existing] = co_await storage_->async_read(collection, id, asio::experimental::as_tuple(asio::use_awaitable));
        if (rec) throw std::system_error(rec, "reading an OAuth token entry");
        std::error_code wec;
        if (existing) {
            std::optional<std::int64_t> any_version;
            auto [e, r] = co_await storage_->async_update(collection, id, data, any_version,
                                                         asio::experimental::as_tuple(asio::use_awaitable));
            wec = e;
        } else {
            auto [e, r] = co_await storage_->async_create(collection, id, data,
                                                         asio::experimental::as_tuple(asio::use_awaitable));
            wec = e;
        }
        if (wec) throw std::system_error(wec, "writing an OAuth token entry");
    }

    asio::awaitable<void> erase(const std::string& key) override {
        std::string collection = collection_, id = record_id(key);
        std::optional<std::int64_t> any_version;
        auto [ec] = co_await storage_->async_remove(collection, id, any_version, asio::experimental::as_tuple(asio::use_awaitable));
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
    std::shared_ptr<Storage> storage_;
    crypto::sealer<Cipher> sealer_;
    std::string collection_;
};

}  // namespace polymcp::client

#endif
