#ifndef POLYMCP_STORAGE_IMPL_ERROR_IPP
#define POLYMCP_STORAGE_IMPL_ERROR_IPP

// Definitions for polymcp/storage/error.hpp.

#include <polymcp/storage/error.hpp>

namespace polymcp::storage {

namespace detail {
class storage_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "polymcp.storage"; }
    std::string message(int ev) const override {
        switch (static_cast<errc>(ev)) {
            case errc::success: return "success";
            case errc::unavailable: return "storage backend unavailable";
            case errc::timeout: return "storage backend did not answer within the operation timeout";
            case errc::unique_violation: return "a record with this value of a unique field already exists";
            case errc::already_exists: return "a record with this id already exists";
            case errc::not_found: return "no record with this id";
            case errc::conflict: return "the record was changed by another writer (version conflict)";
            case errc::wrong_type: return "the key holds a value of another type";
            case errc::invalid_argument: return "invalid storage argument";
            case errc::corrupt_data: return "stored data could not be decoded";
            case errc::backend_error: return "storage backend error";
            case errc::shut_down: return "storage was shut down";
            case errc::messages_lost: return "channel delivery was interrupted; messages published meanwhile were lost";
        }
        return "unknown polymcp.storage error";
    }
};
}  // namespace detail

const std::error_category& error_category() noexcept {
    static const detail::storage_category_impl cat;
    return cat;
}

}  // namespace polymcp::storage

#endif
