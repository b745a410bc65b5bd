#ifndef POLYMCP_STORAGE_DETAIL_POOL_HPP
#define POLYMCP_STORAGE_DETAIL_POOL_HPP

// A fixed set of backend connections, lent to one operation at a time: the
// bound on how many operations a model runs against its backend at once.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace polymcp::storage::detail {

template <class Connection>
class connection_pool {
public:
    /// A connection on loan; back to the pool when destroyed.
    class lease {
    public:
        lease(connection_pool& pool, std::unique_ptr<Connection> c) : pool_(&pool), c_(std::move(c)) {}
        lease(lease&& o) noexcept : pool_(o.pool_), c_(std::move(o.c_)) {}
        lease& operator=(lease&&) = delete;
        ~lease() {
            if (c_) pool_->add(std::move(c_));
        }
        Connection& operator*() const noexcept { return *c_; }
        Connection* operator->() const noexcept { return c_.get(); }

    private:
        connection_pool* pool_;
        std::unique_ptr<Connection> c_;
    };

    /// Puts a connection (back) into the pool.
    void add(std::unique_ptr<Connection> c) {
        {
            std::lock_guard lock(mu_);
            idle_.push_back(std::move(c));
        }
        cv_.notify_one();
    }

    /// Waits until a connection is free and lends it.
    lease acquire() {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return !idle_.empty(); });
        auto c = std::move(idle_.back());
        idle_.pop_back();
        return lease(*this, std::move(c));
    }

private:
    std::mutex mu_;
    std::condition_variable cv_;
    std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace polymcp::storage::detail

#endif
