#ifndef POLYMCP_STORAGE_DETAIL_CHANNEL_HUB_HPP
#define POLYMCP_STORAGE_DETAIL_CHANNEL_HUB_HPP

// The subscriptions of one storage object and their delivery: every model
// keeps its handlers here; in-process models deliver from publish(), Redis
// and PostgreSQL from their listener thread.

#include <polymcp/storage/error.hpp>
#include <polymcp/storage/subscription.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace polymcp::storage::detail {

// Clears `ec`, or sets errc::invalid_argument for a channel or message
// publish() refuses; whether they may be published.
inline bool publishable(std::string_view channel, std::string_view message, std::error_code& ec) {
    ec.clear();
    if (valid_channel(channel) && valid_message(message)) return true;
    ec = errc::invalid_argument;
    return false;
}

class channel_hub {
public:
    // publish() of an in-process model: validates, then delivers here.
    void publish(std::string_view channel, std::string_view message, std::error_code& ec) {
        if (publishable(channel, message, ec)) deliver(channel, message);
    }

    // subscribe() of every model: validates, then adds.
    subscription subscribe(std::string_view channel, message_handler handler, std::error_code& ec) {
        ec.clear();
        if (!valid_channel(channel) || !handler) {
            ec = errc::invalid_argument;
            return {};
        }
        return add(std::string(channel), std::move(handler));
    }

    // Subscribes `handler` to `channel` (already validated).
    subscription add(std::string channel, message_handler handler) {
        auto e = std::make_shared<entry>();
        e->handler = std::move(handler);
        {
            std::lock_guard lock(st_->mu);
            st_->subs.emplace(std::move(channel), e);
        }
        return subscription([ws = std::weak_ptr<state>(st_), e] {
            if (auto st = ws.lock()) {
                std::lock_guard lock(st->mu);
                for (auto it = st->subs.begin(); it != st->subs.end(); ++it)
                    if (it->second == e) {
                        st->subs.erase(it);
                        break;
                    }
            }
            std::lock_guard call(e->call);  // waits for a call on another thread; recursive for the handler's own
            e->active = false;
        });
    }

    // Calls the handlers of `channel` with `payload`, one after the other.
    void deliver(std::string_view channel, std::string_view payload) {
        for (auto& e : matching(&channel)) call(*e, {}, payload);
    }

    // Tells every handler that messages were lost.
    void deliver_lost() {
        for (auto& e : matching(nullptr)) call(*e, errc::messages_lost, {});
    }

    bool empty() const {
        std::lock_guard lock(st_->mu);
        return st_->subs.empty();
    }

private:
    struct entry {
        message_handler handler;
        std::recursive_mutex call;
        bool active = true;  // guarded by call
    };
    struct state {
        mutable std::mutex mu;
        std::multimap<std::string, std::shared_ptr<entry>, std::less<>> subs;  // guarded by mu
    };

    std::vector<std::shared_ptr<entry>> matching(const std::string_view* channel) const {
        std::vector<std::shared_ptr<entry>> out;
        std::lock_guard lock(st_->mu);
        if (channel == nullptr) {
            for (auto& [name, e] : st_->subs) out.push_back(e);
        } else {
            auto [from, to] = st_->subs.equal_range(*channel);
            for (auto it = from; it != to; ++it) out.push_back(it->second);
        }
        return out;
    }

    static void call(entry& e, std::error_code ec, std::string_view payload) {
        std::lock_guard lock(e.call);
        if (!e.active) return;
        try {
            e.handler(ec, payload);
        } catch (...) {
            // A handler must not throw; one that does loses only this message.
        }
    }

    std::shared_ptr<state> st_ = std::make_shared<state>();
};

}  // namespace polymcp::storage::detail

#endif
