#ifndef POLYMCP_STORAGE_ERROR_HPP
#define POLYMCP_STORAGE_ERROR_HPP

/// @file polymcp/storage/error.hpp
/// The typed errors of the storage policy (polymcp/storage/concepts.hpp) as a
/// `std::error_code` category. Messages are fixed text: they never contain
/// keys, values or record contents.

#include <polymcp/core/config.hpp>

#include <string>
#include <system_error>

namespace polymcp::storage {

/// Why a storage operation failed. Nothing was written when an operation fails.
enum class errc {
    success = 0,
    /// The backend cannot be reached (connection refused, closed or lost).
    unavailable,
    /// The backend did not answer within the configured operation timeout.
    timeout,
    /// A create or update would give two records of a collection the same
    /// value for a unique constraint.
    unique_violation,
    /// `create` with an id that already exists in the collection.
    already_exists,
    /// No record with that id (update, remove).
    not_found,
    /// The record's version is not the one the write expected (optimistic
    /// concurrency: someone else wrote it first); reread and retry.
    conflict,
    /// A key or member operation on a key that holds the other kind of value
    /// (a set where a string is stored, or the reverse), or `increment` of a
    /// value that is not a 64-bit integer.
    wrong_type,
    /// An argument the backend cannot store: an empty key or id, an unknown
    /// collection, a record that is not a JSON object, a malformed cursor.
    invalid_argument,
    /// Data read back from the backend could not be decoded.
    corrupt_data,
    /// Any other failure reported by the backend (its own message is logged
    /// by the backend, never put into this code).
    backend_error,
    /// The storage object was shut down.
    shut_down,
    /// Given to a channel subscription's handler (polymcp/storage/subscription.hpp)
    /// when delivery resumes after the connection to the backend was lost:
    /// messages published meanwhile did not arrive. Resynchronise from the
    /// stored state.
    messages_lost,
};

/// The category of `polymcp::storage::errc` codes (name "polymcp.storage"). Thread-safe.
POLYMCP_DECL const std::error_category& error_category() noexcept;

/// Makes a `std::error_code` from a `polymcp::storage::errc` (found by ADL).
inline std::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), storage::error_category()};
}

}  // namespace polymcp::storage

template <>
struct std::is_error_code_enum<polymcp::storage::errc> : std::true_type {};

#if POLYMCP_HEADER_ONLY
#include <polymcp/storage/impl/error.ipp>
#endif

#endif
