#ifndef POLYMCP_CONNECTORS_DETAIL_STORAGE_OPS_HPP
#define POLYMCP_CONNECTORS_DETAIL_STORAGE_OPS_HPP

// Storage failures as connector errors: a unique violation is ALREADY_EXISTS,
// a version conflict CONFLICT, a missing record NOT_FOUND, anything else
// (the backend down, a timeout) STORAGE_UNAVAILABLE. Messages name the
// operation, never the data.

#include <polymcp/connectors/error.hpp>
#include <polymcp/storage/concepts.hpp>
#include <polymcp/storage/error.hpp>

#include <asio/awaitable.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace polymcp::connectors::detail {

[[noreturn]] inline void storage_failure(std::error_code ec, std::string_view what) {
    if (ec == storage::errc::unique_violation || ec == storage::errc::already_exists)
        throw connector_error(errc::already_exists, std::string(what) + ": the name is already taken");
    if (ec == storage::errc::conflict)
        throw connector_error(errc::conflict, std::string(what) + ": it was changed concurrently; read it again and retry");
    if (ec == storage::errc::not_found) throw connector_error(errc::not_found, std::string(what) + ": not found");
    throw connector_error(errc::storage_unavailable,
                          std::string(what) + ": the storage backend failed (" + ec.message() + "); try again later");
}

inline auto redirect(std::error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

/// Every record of `collection` matching `f`, page by page (at most `max`).
template <class Storage>
asio::awaitable<std::vector<storage::record>> list_all(Storage& s, std::string collection, storage::filter f,
                                                       std::string_view what, std::size_t max = 100'000) {
    std::vector<storage::record> out;
    storage::page_request pr;
    pr.limit = 1000;
    for (;;) {
        std::error_code ec;
        auto page = co_await s.async_list(collection, f, pr, redirect(ec));
        if (ec) storage_failure(ec, what);
        for (auto& r : page.records) out.push_back(std::move(r));
        if (page.next_cursor.empty() || out.size() >= max) break;
        pr.cursor = page.next_cursor;
    }
    co_return out;
}

}  // namespace polymcp::connectors::detail

#endif
