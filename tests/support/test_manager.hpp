// A connector manager on in-memory storage for the connector tests: loopback
// upstreams allowed (the test servers listen there), a 10 s test timeout,
// its collections declared.
#pragma once

#include <polymcp/connectors/manager.hpp>
#include <polymcp/crypto/fernet.hpp>
#include <polymcp/storage/memory.hpp>

#include "support/run_coro.hpp"

#include <asio/io_context.hpp>

#include <chrono>
#include <memory>

namespace polymcp::test {

using test_manager = connectors::connector_manager<storage::memory_storage, crypto::fernet>;

/// The defaults, with loopback upstreams allowed and a 10 s test timeout.
inline connectors::manager_options test_manager_options() {
    connectors::manager_options o;
    o.validation.upstream.ssrf.allow_loopback = true;
    o.validation.timeout = std::chrono::seconds(10);
    return o;
}

/// A manager on `storage` (share one between two managers for two gateway
/// instances in one process, or give each a storage object of its own on one
/// Redis or PostgreSQL for two processes), sealing with `key`, its
/// collections declared.
template <class Storage = storage::memory_storage>
std::shared_ptr<connectors::connector_manager<Storage, crypto::fernet>> make_test_manager(
    asio::io_context& io, std::shared_ptr<Storage> storage, const crypto::fernet::key_type& key,
    connectors::manager_options o = test_manager_options()) {
    auto m = std::make_shared<connectors::connector_manager<Storage, crypto::fernet>>(io.get_executor(), std::move(storage),
                                                                                       crypto::fernet(key), std::move(o));
    ::test::run_coro(io, [&]() -> asio::awaitable<void> { co_await m->define(); });
    return m;
}

}  // namespace polymcp::test
