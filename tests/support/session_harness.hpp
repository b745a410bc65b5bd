// A session driven in-process: messages go in through session::receive on the
// session's strand, and everything the session sends is captured as parsed JSON.
#pragma once

#include <polymcp/polymcp.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace test {

using json = nlohmann::json;

class capture_outbound : public polymcp::outbound {
public:
    void send(std::string m) override {
        std::lock_guard lock(mutex_);
        raw_.push_back(std::move(m));
    }
    std::vector<std::string> raw() const {
        std::lock_guard lock(mutex_);
        return raw_;
    }
    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return raw_.size();
    }

private:
    mutable std::mutex mutex_;
    std::vector<std::string> raw_;
};

struct harness {
    std::unique_ptr<polymcp::server_core> own;
    polymcp::server_core& core;
    std::shared_ptr<capture_outbound> out = std::make_shared<capture_outbound>();
    std::shared_ptr<polymcp::session> session = core.make_session(out);
    std::size_t seen = 0;

    explicit harness(std::shared_ptr<polymcp::tool_registry> tools, polymcp::server_options o = {})
        : own(std::make_unique<polymcp::server_core>(std::move(o), std::move(tools))), core(*own) {}
    explicit harness(polymcp::server_features f, polymcp::server_options o = {})
        : own(std::make_unique<polymcp::server_core>(std::move(o), std::move(f))), core(*own) {}
    /// A session of a server made elsewhere (a composed `polymcp::server`'s `core()`).
    explicit harness(polymcp::server_core& c) : core(c) {}

    /// Feeds one raw message and runs the io_context until it is idle.
    void feed(const std::string& text) {
        asio::post(session->get_executor(), [s = session, text] { s->receive(text); });
        pump();
    }
    void feed(const json& j) { feed(j.dump()); }

    /// Runs ready handlers (and timers due within `for_ms`).
    void pump(int for_ms = 0) {
        core.io().restart();
        if (for_ms > 0) core.io().run_for(std::chrono::milliseconds(for_ms));
        else core.io().poll();
    }
    /// Runs until `pred` holds or `timeout_ms` passes; returns pred().
    bool run_until(const std::function<bool()>& pred, int timeout_ms = 5000) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        while (!pred() && std::chrono::steady_clock::now() < deadline) pump(5);
        return pred();
    }

    /// Runs until `n` messages beyond those already taken were sent.
    bool wait_new(std::size_t n, int timeout_ms = 5000) {
        return run_until([&] { return out->size() >= seen + n; }, timeout_ms);
    }

    /// Messages sent since the last call to `take`, parsed.
    std::vector<json> take() {
        auto raw = out->raw();
        std::vector<json> r;
        for (; seen < raw.size(); ++seen) r.push_back(json::parse(raw[seen]));
        return r;
    }
    /// New responses only (messages with an id), skipping notifications.
    std::vector<json> take_responses() {
        std::vector<json> r;
        for (auto& m : take())
            if (m.contains("id")) r.push_back(std::move(m));
        return r;
    }
    /// Exactly one new response (notifications are skipped); throws otherwise.
    json take_response() {
        auto r = take_responses();
        if (r.size() != 1) throw std::runtime_error("expected exactly one response, got " + std::to_string(r.size()));
        return r[0];
    }

    /// Exactly one new message; fails the test otherwise.
    json take_one() {
        auto r = take();
        if (r.size() != 1) throw std::runtime_error("expected exactly one message, got " + std::to_string(r.size()));
        return r[0];
    }

    /// Performs a successful initialize handshake with `version`.
    json initialize(const std::string& version = "2025-11-25", json capabilities = json::object()) {
        feed(json{{"jsonrpc", "2.0"}, {"id", 0}, {"method", "initialize"},
                  {"params", {{"protocolVersion", version}, {"capabilities", std::move(capabilities)},
                              {"clientInfo", {{"name", "test"}, {"version", "1"}}}}}});
        auto r = take_one();
        feed(json{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
        return r;
    }
    static json request(json id, const std::string& method, json params = nullptr) {
        json j = {{"jsonrpc", "2.0"}, {"id", std::move(id)}, {"method", method}};
        if (!params.is_null()) j["params"] = std::move(params);
        return j;
    }
    static json call(json id, const std::string& tool, json args, json meta = nullptr) {
        json p = {{"name", tool}, {"arguments", std::move(args)}};
        if (!meta.is_null()) p["_meta"] = std::move(meta);
        return request(std::move(id), "tools/call", std::move(p));
    }
};

}  // namespace test
