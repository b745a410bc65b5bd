#ifndef POLYMCP_CLIENT_DETAIL_SSE_PARSER_HPP
#define POLYMCP_CLIENT_DETAIL_SSE_PARSER_HPP

// An incremental parser for the text/event-stream format (WHATWG HTML
// Living Standard, "Server-sent events" > "Parsing an event stream"), for
// the Streamable HTTP and HTTP+SSE client transports. Bytes go in as they
// arrive; whole events come out.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace polymcp::client::detail {

/// One dispatched event.
struct sse_event {
    std::string type;  ///< the `event` field; "message" when absent
    std::string data;  ///< the `data` lines joined with "\n"
    std::string id;    ///< the last event id in effect (may be empty)
};

class sse_parser {
public:
    /// @param max_event largest event (data bytes plus pending line) accepted, in bytes
    explicit sse_parser(std::size_t max_event) : max_event_(max_event) {}

    /// Feeds bytes; calls `sink(const sse_event&)` for every complete event.
    /// @return false when an event exceeds `max_event` (the stream must be abandoned)
    template <class Sink>
    bool feed(std::string_view bytes, Sink&& sink) {
        for (char c : bytes) {
            if (skip_lf_) {
                skip_lf_ = false;
                if (c == '\n') continue;
            }
            if (c == '\r' || c == '\n') {
                skip_lf_ = c == '\r';
                if (!line(sink)) return false;
                continue;
            }
            line_ += c;
            if (line_.size() + data_.size() > max_event_) return false;
        }
        return true;
    }

    /// The `retry` value in ms the stream last sent, if any.
    std::optional<long> retry_ms() const { return retry_; }
    /// The last event id the stream set (sent as Last-Event-ID to resume).
    const std::string& last_event_id() const { return last_id_; }

private:
    template <class Sink>
    bool line(Sink&& sink) {
        std::string l = std::move(line_);
        line_.clear();
        if (first_line_) {
            first_line_ = false;
            if (l.rfind("\xEF\xBB\xBF", 0) == 0) l.erase(0, 3);
        }
        if (l.empty()) {  // dispatch
            if (has_data_) {
                if (!data_.empty() && data_.back() == '\n') data_.pop_back();
                sse_event e{type_.empty() ? "message" : type_, std::move(data_), last_id_};
                data_.clear();
                type_.clear();
                has_data_ = false;
                sink(e);
            } else {
                type_.clear();
            }
            return true;
        }
        if (l[0] == ':') return true;  // comment
        auto colon = l.find(':');
        std::string_view field = colon == std::string::npos ? std::string_view(l) : std::string_view(l).substr(0, colon);
        std::string_view value;
        if (colon != std::string::npos) {
            value = std::string_view(l).substr(colon + 1);
            if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
        }
        if (field == "data") {
            data_.append(value);
            data_ += '\n';
            has_data_ = true;
            if (data_.size() > max_event_) return false;
        } else if (field == "event") {
            type_ = std::string(value);
        } else if (field == "id") {
            if (value.find('\0') == std::string_view::npos) last_id_ = std::string(value);
        } else if (field == "retry") {
            if (!value.empty() && value.size() < 10 && value.find_first_not_of("0123456789") == std::string_view::npos)
                retry_ = std::stol(std::string(value));
        }
        return true;
    }

    std::size_t max_event_;
    std::string line_;
    std::string data_;
    std::string type_;
    std::string last_id_;
    std::optional<long> retry_;
    bool has_data_ = false;
    bool skip_lf_ = false;
    bool first_line_ = true;  ///< a leading U+FEFF (BOM) is dropped from the first line
};

}  // namespace polymcp::client::detail

#endif
