// Collects the diagnostics lines a server reports, for tests that check what
// was logged (and what was not).
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace polymcp::test {

class log_capture {
public:
    /// A thread-safe `diagnostics` callback that records each line here.
    std::function<void(std::string_view)> sink() {
        return [this](std::string_view s) {
            std::lock_guard lock(mutex_);
            lines_.emplace_back(s);
        };
    }
    /// Whether any recorded line contains `needle`.
    bool logged(const std::string& needle) const {
        std::lock_guard lock(mutex_);
        for (const auto& l : lines_)
            if (l.find(needle) != std::string::npos) return true;
        return false;
    }

private:
    mutable std::mutex mutex_;
    std::vector<std::string> lines_;
};

}  // namespace polymcp::test
