#ifndef POLYMCP_STORAGE_DETAIL_WRITE_FORMS_HPP
#define POLYMCP_STORAGE_DETAIL_WRITE_FORMS_HPP

// CRTP base giving a model create, update, remove and commit of *Storage*
// from one member, `write(ops, out, ec)`, that applies a list of writes all
// or nothing and stores the last written record in `out` (when not null).
// The model befriends this base, so `write` can stay private.

#include <polymcp/storage/types.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace polymcp::storage::detail {

template <class Derived>
class write_forms {
public:
    /// Inserts a record (version 1); `already_exists`, `unique_violation`.
    record create(std::string_view collection, std::string_view id, const nlohmann::json& data,
                  std::error_code& ec) {
        record out;
        self().write({{write_op::kind::create, std::string(collection), std::string(id), data, {}}}, &out, ec);
        return ec ? record{} : out;
    }
    /// Replaces a record's data, version + 1; `not_found`, `conflict`, `unique_violation`.
    record update(std::string_view collection, std::string_view id, const nlohmann::json& data,
                  std::optional<std::int64_t> expected_version, std::error_code& ec) {
        record out;
        self().write({{write_op::kind::update, std::string(collection), std::string(id), data, expected_version}},
                     &out, ec);
        return ec ? record{} : out;
    }
    /// Deletes a record; `not_found`, `conflict`.
    void remove(std::string_view collection, std::string_view id, std::optional<std::int64_t> expected_version,
                std::error_code& ec) {
        self().write({{write_op::kind::remove, std::string(collection), std::string(id), nullptr, expected_version}},
                     nullptr, ec);
    }
    /// Applies every write of `batch` or none.
    void commit(const write_batch& batch, std::error_code& ec) { self().write(batch.ops(), nullptr, ec); }

private:
    Derived& self() noexcept { return static_cast<Derived&>(*this); }
};

}  // namespace polymcp::storage::detail

#endif
