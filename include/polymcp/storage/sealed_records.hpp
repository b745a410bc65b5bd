#ifndef POLYMCP_STORAGE_SEALED_RECORDS_HPP
#define POLYMCP_STORAGE_SEALED_RECORDS_HPP

/// @file polymcp/storage/sealed_records.hpp
/// `polymcp::storage::sealed_records<Storage, Cipher>`: the one store of
/// records that hold a secret. Connectors (their `auth_config`), OAuth
/// tokens and client registrations, and tenants' API credentials all live
/// in it.
///
/// **Layout.** A record of the collection is a JSON object of plain fields
/// (names, owners, flags: what may be listed and filtered) plus one member,
/// `options.member`, holding the secret sealed by `crypto::sealer`
/// (polymcp/crypto/sealed.hpp) for `options.purpose` and bound to ids the
/// caller names (tenant, user, record id, ...). The binding's format is the
/// sealer's, documented there: a value copied onto another record, or
/// sealed for another purpose, does not open.
///
/// **Errors.** One model: every operation reports failure through a
/// `std::error_code` and never throws for it. Storage failures keep the
/// storage's code (`storage::errc`: `not_found`, `conflict`,
/// `already_exists`, `unique_violation`, `unavailable`, `timeout`, ...);
/// a secret that does not open is `crypto::errc::authentication_failed`
/// (another key, an altered record, another owner's value) or the cipher's
/// own code; a sealed member that is not a string is
/// `storage::errc::corrupt_data`. Nothing is written when an operation
/// fails. No error or message holds a secret.
///
/// **Forms.** Each operation has a synchronous form (`get(..., ec)`: may
/// block on the backend; call it from worker threads) and an asynchronous
/// one (`async_get(..., token)`: any Asio completion token, completion
/// signature `void(std::error_code, R)`, delivered on the executor
/// associated with the completion handler). The object must outlive its
/// asynchronous operations.
///
/// @code
/// polymcp::storage::sealed_records<polymcp::storage::sqlite_storage, polymcp::crypto::fernet> tokens(
///     storage, polymcp::crypto::fernet(key), {.collection = "oauth_tokens", .purpose = "polymcp.oauth"});
/// std::error_code ec;
/// tokens.put("k1", {"alice|https://mcp.example.com"}, {{"kind", "token"}}, {{"access_token", "..."}}, ec);
/// auto back = tokens.get("k1", {"alice|https://mcp.example.com"}, ec);  // back->secret["access_token"]
/// @endcode
///
/// Thread-safety: as the storage's; the members are `const` or use only the
/// storage.

#include <polymcp/crypto/concepts.hpp>
#include <polymcp/crypto/error.hpp>
#include <polymcp/crypto/sealed.hpp>
#include <polymcp/storage/concepts.hpp>
#include <polymcp/storage/error.hpp>
#include <polymcp/storage/types.hpp>

#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/bind_executor.hpp>
#include <asio/dispatch.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace polymcp::storage {

/// Where and how `sealed_records` keeps its records.
struct sealed_records_options {
    /// The records collection.
    std::string collection{};
    /// What the secrets are (the sealer's purpose, e.g. "polymcp.connector").
    std::string purpose{};
    /// The member of each record that holds the sealed secret.
    std::string member = "sealed";
    /// Unique constraints over the plain fields, declared by `define`.
    std::vector<unique_constraint> unique{};
};

/// Whether `ec`, from a `sealed_records` operation, says that a secret did
/// not open or could not be sealed (a `crypto::errc`), rather than that the
/// storage failed (a `storage::errc`).
inline bool sealing_failed(std::error_code ec) noexcept { return ec && ec.category() == crypto::error_category(); }

/// One record as `sealed_records` reads it back.
struct sealed_record {
    std::string id{};  ///< the record's id
    /// The plain fields: the record's data without the sealed member.
    nlohmann::json fields = nlohmann::json::object();
    /// The opened secret; null when the record holds none.
    nlohmann::json secret{};
    /// The record's version (for the `expected` argument of `update`, `remove`).
    std::int64_t version = 0;
};

/// Records with one sealed secret each (see the file comment).
template <storage Storage, crypto::cipher Cipher>
class sealed_records {
public:
    /// @param storage the backend (kept)
    /// @param cipher seals the secrets (copied; a key ring rotates them)
    /// @param options the collection, the purpose, the member, unique constraints
    sealed_records(std::shared_ptr<Storage> storage, Cipher cipher, sealed_records_options options)
        : storage_(std::move(storage)), sealer_(std::move(cipher)), opts_(std::move(options)) {}

    const sealed_records_options& options() const noexcept { return opts_; }  ///< the settings it was made with
    /// The backend, for what involves no secret (listing plain fields, locks).
    Storage& backend() const noexcept { return *storage_; }

    // ---- sealing without a record ----

    /// `secret` sealed for this store's purpose and bound to `ids`; "" and `ec` on failure.
    std::string seal(const crypto::seal_ids& ids, const nlohmann::json& secret, std::error_code& ec) const {
        return sealer_.seal(opts_.purpose, ids, secret, ec);
    }
    /// What `seal` sealed, when it opens under `ids`; null and `ec` otherwise.
    nlohmann::json open(const crypto::seal_ids& ids, std::string_view token, std::error_code& ec) const {
        return sealer_.open(opts_.purpose, ids, token, ec);
    }

    /// The record `rec` as read back: its plain fields, and its secret opened
    /// under `ids` (null when the member is absent or "").
    sealed_record unseal(record rec, const crypto::seal_ids& ids, std::error_code& ec) const {
        sealed_record out{std::move(rec.id), std::move(rec.data), nullptr, rec.version};
        if (!out.fields.is_object()) {
            ec = errc::corrupt_data;
            return out;
        }
        auto m = out.fields.find(opts_.member);
        if (m == out.fields.end()) return out;
        if (!m->is_string()) {
            ec = errc::corrupt_data;
            return out;
        }
        const std::string token = m->template get<std::string>();
        out.fields.erase(m);
        if (!token.empty()) out.secret = open(ids, token, ec);
        return out;
    }

    // ---- synchronous forms ----

    /// Declares the collection and its unique constraints (idempotent).
    void define(std::error_code& ec) const { storage_->define(schema(), ec); }

    /// The record `id` with its secret opened under `ids`; nothing when absent.
    std::optional<sealed_record> get(const std::string& id, const crypto::seal_ids& ids, std::error_code& ec) const {
        auto r = storage_->read(opts_.collection, id, ec);
        if (ec || !r) return std::nullopt;
        auto out = unseal(std::move(*r), ids, ec);
        if (ec) return std::nullopt;
        return out;
    }

    /// Creates the record `id`: `fields` (an object) plus `secret` sealed
    /// under `ids` (null: no secret). `already_exists`, `unique_violation`.
    /// @return the new record's version
    std::int64_t create(const std::string& id, const crypto::seal_ids& ids, nlohmann::json fields,
                        const nlohmann::json& secret, std::error_code& ec) const {
        auto data = with_secret(std::move(fields), ids, secret, ec);
        if (ec) return 0;
        return storage_->create(opts_.collection, id, data, ec).version;
    }

    /// Replaces the record `id` with `fields` and, when `secret` is given,
    /// a new sealed secret (else the stored one is kept), if its version is
    /// `expected` (nullopt: any). `not_found`, `conflict`, `unique_violation`.
    /// @return the new version
    std::int64_t update(const std::string& id, const crypto::seal_ids& ids, nlohmann::json fields,
                        const std::optional<nlohmann::json>& secret, std::optional<std::int64_t> expected,
                        std::error_code& ec) const {
        nlohmann::json data;
        if (secret) {
            data = with_secret(std::move(fields), ids, *secret, ec);
        } else {
            auto r = storage_->read(opts_.collection, id, ec);
            if (!ec && !r) ec = errc::not_found;
            if (!ec) data = keep_secret(std::move(fields), *r);
        }
        if (ec) return 0;
        return storage_->update(opts_.collection, id, data, expected, ec).version;
    }

    /// Creates or replaces the record `id` (any version): `fields` plus
    /// `secret` sealed under `ids`. @return the record's version
    std::int64_t put(const std::string& id, const crypto::seal_ids& ids, nlohmann::json fields,
                     const nlohmann::json& secret, std::error_code& ec) const {
        auto data = with_secret(std::move(fields), ids, secret, ec);
        if (ec) return 0;
        auto r = storage_->read(opts_.collection, id, ec);
        if (ec) return 0;
        if (r) return storage_->update(opts_.collection, id, data, std::nullopt, ec).version;
        auto v = storage_->create(opts_.collection, id, data, ec).version;
        if (ec == errc::already_exists) {  // created meanwhile: replace it
            ec.clear();
            v = storage_->update(opts_.collection, id, data, std::nullopt, ec).version;
        }
        return v;
    }

    /// Deletes the record `id` if its version is `expected` (nullopt: any).
    /// `not_found`, `conflict`.
    void remove(const std::string& id, std::optional<std::int64_t> expected, std::error_code& ec) const {
        storage_->remove(opts_.collection, id, expected, ec);
    }

    // ---- asynchronous forms ----

    /// `define` without blocking. Completion `void(std::error_code)`.
    template <class CompletionToken>
    auto async_define(CompletionToken&& token) const {
        return storage_->async_define(schema(), std::forward<CompletionToken>(token));
    }

    /// `get` without blocking. Completion
    /// `void(std::error_code, std::optional<sealed_record>)`; the secret is
    /// opened on the completion handler's executor.
    template <class CompletionToken>
    auto async_get(std::string id, std::vector<std::string> ids, CompletionToken&& token) const {
        return asio::async_initiate<CompletionToken, void(std::error_code, std::optional<sealed_record>)>(
            [this](auto handler, std::string id, std::vector<std::string> ids) {
                auto ex = asio::get_associated_executor(handler);
                auto h = std::make_shared<decltype(handler)>(std::move(handler));
                storage_->async_read(opts_.collection, std::move(id),
                                     asio::bind_executor(ex, [this, h, ids = std::move(ids)](std::error_code ec,
                                                                                             std::optional<record> r) {
                                         std::optional<sealed_record> out;
                                         if (!ec && r) {
                                             auto s = unseal(std::move(*r), ids, ec);
                                             if (!ec) out = std::move(s);
                                         }
                                         std::move (*h)(ec, std::move(out));
                                     }));
            },
            token, std::move(id), std::move(ids));
    }

    /// `create` without blocking. Completion `void(std::error_code, std::int64_t)`.
    template <class CompletionToken>
    auto async_create(std::string id, std::vector<std::string> ids, nlohmann::json fields, nlohmann::json secret,
                      CompletionToken&& token) const {
        return async_write(false, std::move(id), std::move(ids), std::move(fields), std::move(secret),
                           std::forward<CompletionToken>(token));
    }

    /// `update` without blocking. Completion `void(std::error_code, std::int64_t)`.
    template <class CompletionToken>
    auto async_update(std::string id, std::vector<std::string> ids, nlohmann::json fields,
                      std::optional<nlohmann::json> secret, std::optional<std::int64_t> expected,
                      CompletionToken&& token) const {
        return asio::async_initiate<CompletionToken, void(std::error_code, std::int64_t)>(
            [this, expected](auto handler, std::string id, std::vector<std::string> ids, nlohmann::json fields,
                             std::optional<nlohmann::json> secret) {
                auto ex = asio::get_associated_executor(handler);
                auto h = std::make_shared<decltype(handler)>(std::move(handler));
                auto write = [this, h, ex, id, expected](nlohmann::json data) {
                    storage_->async_update(opts_.collection, id, std::move(data), expected,
                                           asio::bind_executor(ex, version_to(h)));
                };
                if (secret) {
                    std::error_code ec;
                    auto data = with_secret(std::move(fields), ids, *secret, ec);
                    if (ec) return fail(ex, h, ec);
                    return write(std::move(data));
                }
                storage_->async_read(opts_.collection, id,
                                     asio::bind_executor(ex, [this, h, write, fields = std::move(fields)](
                                                                 std::error_code ec, std::optional<record> r) mutable {
                                         if (!ec && !r) ec = errc::not_found;
                                         if (ec) return std::move (*h)(ec, std::int64_t{0});
                                         write(keep_secret(std::move(fields), *r));
                                     }));
            },
            token, std::move(id), std::move(ids), std::move(fields), std::move(secret));
    }

    /// `put` without blocking. Completion `void(std::error_code, std::int64_t)`.
    template <class CompletionToken>
    auto async_put(std::string id, std::vector<std::string> ids, nlohmann::json fields, nlohmann::json secret,
                   CompletionToken&& token) const {
        return async_write(true, std::move(id), std::move(ids), std::move(fields), std::move(secret),
                           std::forward<CompletionToken>(token));
    }

    /// `remove` without blocking. Completion `void(std::error_code)`.
    template <class CompletionToken>
    auto async_remove(std::string id, std::optional<std::int64_t> expected, CompletionToken&& token) const {
        return storage_->async_remove(opts_.collection, std::move(id), expected, std::forward<CompletionToken>(token));
    }

private:
    // Seals `secret` into `fields`, then creates the record (`replace`
    // false) or creates or replaces it (`replace` true).
    template <class CompletionToken>
    auto async_write(bool replace, std::string id, std::vector<std::string> ids, nlohmann::json fields,
                     nlohmann::json secret, CompletionToken&& token) const {
        return asio::async_initiate<CompletionToken, void(std::error_code, std::int64_t)>(
            [this, replace](auto handler, std::string id, std::vector<std::string> ids, nlohmann::json fields,
                   nlohmann::json secret) {
                auto ex = asio::get_associated_executor(handler);
                auto h = std::make_shared<decltype(handler)>(std::move(handler));
                std::error_code ec;
                auto data = with_secret(std::move(fields), ids, secret, ec);
                if (ec) return fail(ex, h, ec);
                auto done = version_to(h);
                if (!replace)
                    return storage_->async_create(opts_.collection, std::move(id), std::move(data),
                                                  asio::bind_executor(ex, done));
                auto update = [this, ex, id, data, done] {
                    storage_->async_update(opts_.collection, id, data, std::nullopt, asio::bind_executor(ex, done));
                };
                storage_->async_read(
                    opts_.collection, id,
                    asio::bind_executor(ex, [this, h, ex, id, data, done, update](std::error_code ec,
                                                                                 std::optional<record> r) {
                        if (ec) return std::move (*h)(ec, std::int64_t{0});
                        if (r) return update();
                        storage_->async_create(opts_.collection, id, data,
                                               asio::bind_executor(ex, [done, update](std::error_code ec, record r) {
                                                   if (ec == errc::already_exists) return update();  // created meanwhile
                                                   done(ec, std::move(r));
                                               }));
                    }));
            },
            token, std::move(id), std::move(ids), std::move(fields), std::move(secret));
    }

    collection_schema schema() const { return {opts_.collection, opts_.unique}; }

    // A storage completion that hands the written record's version (0 on failure) to the shared handler `h`.
    template <class Handler>
    static auto version_to(std::shared_ptr<Handler> h) {
        return [h](std::error_code ec, record r) { std::move (*h)(ec, ec ? std::int64_t{0} : r.version); };
    }

    // Completes the shared handler `h` with `ec` on `ex` (a failure before any storage call).
    template <class Executor, class Handler>
    static void fail(const Executor& ex, std::shared_ptr<Handler> h, std::error_code ec) {
        asio::dispatch(ex, [h, ec] { std::move (*h)(ec, std::int64_t{0}); });
    }

    nlohmann::json with_secret(nlohmann::json fields, const crypto::seal_ids& ids, const nlohmann::json& secret,
                               std::error_code& ec) const {
        if (!fields.is_object()) fields = nlohmann::json::object();
        if (secret.is_null()) {
            fields.erase(opts_.member);
            return fields;
        }
        fields[opts_.member] = seal(ids, secret, ec);
        return fields;
    }

    nlohmann::json keep_secret(nlohmann::json fields, const record& stored) const {
        if (!fields.is_object()) fields = nlohmann::json::object();
        fields.erase(opts_.member);
        if (stored.data.is_object())
            if (auto m = stored.data.find(opts_.member); m != stored.data.end()) fields[opts_.member] = *m;
        return fields;
    }

    std::shared_ptr<Storage> storage_;
    crypto::sealer<Cipher> sealer_;
    sealed_records_options opts_;
};

}  // namespace polymcp::storage

#endif
