#ifndef POLYMCP_STORAGE_REENCRYPT_HPP
#define POLYMCP_STORAGE_REENCRYPT_HPP

/// @file polymcp/storage/reencrypt.hpp
/// `reencrypt`: moves every encrypted field of a collection to a key ring's
/// primary key, batch by batch, while the server keeps serving (the second
/// step of key rotation, docs/cipher.md).

#include <polymcp/crypto/key_ring.hpp>
#include <polymcp/storage/concepts.hpp>

#include <atomic>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace polymcp::storage {

/// What `reencrypt` does.
struct reencrypt_options {
    /// The collection whose records hold tokens.
    std::string collection{};
    /// Top-level string fields holding tokens; absent or non-string fields are skipped.
    std::vector<std::string> fields{};
    /// Records per batch: each batch is read as one page and written as one transaction.
    std::size_t batch_size = 100;
    /// The associated data each field was encrypted with (empty for Fernet).
    std::function<std::string(const record&, std::string_view field)> associated_data{};
    /// Set to true (from any thread) to stop after the current batch.
    const std::atomic<bool>* stop = nullptr;
};

/// What `reencrypt` did.
struct reencrypt_report {
    std::size_t records = 0;    ///< records read
    std::size_t rotated = 0;    ///< fields moved to the primary key
    std::size_t conflicts = 0;  ///< records changed by another writer meanwhile (left for the next run)
    std::size_t failed = 0;     ///< fields no key of the ring decrypts (left untouched)
};

/// Re-encrypts, under the ring's primary key, every field of `options.fields`
/// in every record of `options.collection` that is not under it yet,
/// keeping plaintexts, associated data and timestamps.
///
/// Each batch is one page read and one `commit` whose updates expect the
/// versions read, so a record changed meanwhile by the server is skipped
/// (counted in `conflicts`, never overwritten) and a crash leaves every
/// record either rotated or as it was. Running it again is harmless. Blocks
/// the calling thread: run it on a background thread
/// (`std::jthread t([&] { reencrypt(store, ring, options, ec); });`).
///
/// @param store the records' storage
/// @param ring the keys: the primary one encrypts, every one may decrypt
/// @param options the collection, the fields and the batch size
/// @param ec a storage error that stopped the run (records committed before
///           it stay rotated); decryption failures are counted, not errors.
template <storage S, crypto::cipher C>
reencrypt_report reencrypt(S& store, const crypto::key_ring<C>& ring, const reencrypt_options& options,
                           std::error_code& ec) {
    ec.clear();
    reencrypt_report report;
    page_request request{options.batch_size, {}};
    do {
        if (options.stop != nullptr && options.stop->load()) break;
        page p = store.list(options.collection, filter{}, request, ec);
        if (ec) return report;
        write_batch batch;
        std::vector<std::size_t> rotated_per_op;  // fields rotated by each update of the batch
        for (const record& r : p.records) {
            ++report.records;
            nlohmann::json data = r.data;
            std::size_t changed = 0;
            for (const auto& field : options.fields) {
                auto it = data.find(field);
                if (it == data.end() || !it->is_string()) continue;
                std::string ad = options.associated_data ? options.associated_data(r, field) : std::string();
                const auto& token = it->template get_ref<const std::string&>();
                if (ring.is_primary(token, ad)) continue;
                std::error_code cec;
                std::string fresh = ring.rotate(token, ad, cec);
                if (cec) {
                    ++report.failed;
                    continue;
                }
                *it = std::move(fresh);
                ++changed;
            }
            if (changed != 0) {
                batch.update(options.collection, r.id, std::move(data), r.version);
                rotated_per_op.push_back(changed);
            }
        }
        if (!batch.empty()) {
            store.commit(batch, ec);
            if (ec == errc::conflict) {
                // Someone wrote one of these records: apply the rest one by one.
                ec.clear();
                for (std::size_t i = 0; i < batch.ops().size(); ++i) {
                    const auto& op = batch.ops()[i];
                    std::error_code one;
                    store.update(op.collection, op.id, op.data, op.expected_version, one);
                    if (one == errc::conflict || one == errc::not_found) {
                        ++report.conflicts;
                    } else if (one) {
                        ec = one;
                        return report;
                    } else {
                        report.rotated += rotated_per_op[i];
                    }
                }
            } else if (ec) {
                return report;
            } else {
                for (auto n : rotated_per_op) report.rotated += n;
            }
        }
        request.cursor = p.next_cursor;
    } while (!request.cursor.empty());
    return report;
}

}  // namespace polymcp::storage

#endif
