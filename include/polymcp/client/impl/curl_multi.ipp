#ifndef POLYMCP_CLIENT_IMPL_CURL_MULTI_IPP
#define POLYMCP_CLIENT_IMPL_CURL_MULTI_IPP

// Definitions for polymcp/client/curl_multi.hpp.

#include <polymcp/client/curl_multi.hpp>

#include <asio/experimental/as_tuple.hpp>
#include <asio/post.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <netinet/in.h>
#include <sys/socket.h>

#include <cctype>
#include <cstring>
#include <optional>
#include <mutex>

namespace polymcp::client {

namespace detail {

inline void global_init() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

inline std::size_t on_header(char* data, std::size_t size, std::size_t n, void* userp) {
    auto* t = static_cast<curl_transfer*>(userp);
    std::string_view line(data, size * n);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    if (line.rfind("HTTP/", 0) == 0) {  // a status line: a new response (after 1xx)
        t->headers.clear();
        t->headers_done = false;
        return size * n;
    }
    if (line.empty()) {
        long status = 0;
        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
        if (status >= 200 || status == 0) {
            t->status = status;
            t->headers_done = true;
            if (t->on_headers) t->on_headers();
        }
        return size * n;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return size * n;
    std::string name(line.substr(0, colon));
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    t->headers.emplace_back(std::move(name), std::string(value));
    return size * n;
}

inline std::size_t on_write(char* data, std::size_t size, std::size_t n, void* userp) {
    auto* t = static_cast<curl_transfer*>(userp);
    if (!t->headers_done) {  // no blank line seen (HTTP/1.0-style servers): headers are complete now
        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &t->status);
        t->headers_done = true;
        if (t->on_headers) t->on_headers();
    }
    if (t->on_body && !t->on_body(std::string_view(data, size * n))) return 0;  // CURLE_WRITE_ERROR
    return size * n;
}

// Easy handles kept for reuse on this thread, at most 64: creating one
// allocates its state and, on its first transfer, its 16 KiB receive buffer.
// A kept handle has been through curl_easy_reset (every option back to its
// default); connections and the DNS cache belong to the multi handle.
class easy_pool {
public:
    easy_pool() = default;
    easy_pool(const easy_pool&) = delete;
    easy_pool& operator=(const easy_pool&) = delete;
    ~easy_pool() {
        for (CURL* e : free_) curl_easy_cleanup(e);
    }
    CURL* take() {
        if (free_.empty()) return curl_easy_init();
        CURL* e = free_.back();
        free_.pop_back();
        return e;
    }
    void give(CURL* e) {
        if (free_.size() >= 64) {
            curl_easy_cleanup(e);
            return;
        }
        curl_easy_reset(e);
        free_.push_back(e);
    }

private:
    std::vector<CURL*> free_;
};

inline easy_pool& local_easy_pool() {
    thread_local easy_pool pool;
    return pool;
}

}  // namespace detail

curl_transfer::curl_transfer(const asio::any_io_executor& ex) : done_event(ex) {
    detail::global_init();
    easy = detail::local_easy_pool().take();
    if (!easy) throw client_error(errc::connection_failed, "libcurl could not create a transfer");
    curl_easy_setopt(easy, CURLOPT_PRIVATE, this);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &detail::on_header);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, this);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &detail::on_write);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, this);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
}

curl_transfer::~curl_transfer() {
    if (easy) detail::local_easy_pool().give(easy);
    if (request_headers) curl_slist_free_all(request_headers);
    if (resolve_list) curl_slist_free_all(resolve_list);
}

namespace detail {
// CURLOPT_OPENSOCKETFUNCTION: the address curl is about to connect to, after
// any DNS resolution; refusing it here catches DNS rebinding too.
inline curl_socket_t open_socket(void* data, curlsocktype purpose, curl_sockaddr* a) {
    auto* t = static_cast<curl_transfer*>(data);
    if (purpose == CURLSOCKTYPE_IPCXN && t->address_filter) {
        std::optional<asio::ip::address> addr;
        if (a->family == AF_INET && a->addrlen >= sizeof(sockaddr_in)) {
            const auto* in = reinterpret_cast<const sockaddr_in*>(&a->addr);
            asio::ip::address_v4::bytes_type b;
            std::memcpy(b.data(), &in->sin_addr, 4);
            addr = asio::ip::address_v4(b);
        } else if (a->family == AF_INET6 && a->addrlen >= sizeof(sockaddr_in6)) {
            const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&a->addr);
            asio::ip::address_v6::bytes_type b;
            std::memcpy(b.data(), &in6->sin6_addr, 16);
            addr = asio::ip::address_v6(b, in6->sin6_scope_id);
        }
        if (!addr || !t->address_filter(*addr)) {
            if (!t->abort_error)
                t->abort_error = client_error(errc::address_blocked,
                                              "the connection to " + (addr ? addr->to_string() : std::string("an address")) +
                                                  " was refused: that address is not allowed (address_filter)");
            return CURL_SOCKET_BAD;
        }
    }
    return ::socket(a->family, a->socktype, a->protocol);
}
}  // namespace detail

void curl_transfer::guard_addresses(std::function<bool(const asio::ip::address&)> filter,
                                    const std::vector<std::string>& resolve) {
    if (filter) {
        address_filter = std::move(filter);
        curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, &detail::open_socket);
        curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, this);
    }
    for (const auto& r : resolve) resolve_list = curl_slist_append(resolve_list, r.c_str());
    if (resolve_list) curl_easy_setopt(easy, CURLOPT_RESOLVE, resolve_list);
}

std::string curl_transfer::header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (k == name) return v;
    return {};
}

void curl_transfer::add_header(const std::string& line) { request_headers = curl_slist_append(request_headers, line.c_str()); }

curl_multi::curl_multi(asio::any_io_executor ex) : ex_(std::move(ex)), timer_(ex_) {
    detail::global_init();
    multi_ = curl_multi_init();
    if (!multi_) throw client_error(errc::connection_failed, "libcurl could not create a multi handle");
    curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &curl_multi::on_socket);
    curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &curl_multi::on_timer);
    curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
}

curl_multi::~curl_multi() {
    for (auto& [easy, t] : active_) curl_multi_remove_handle(multi_, easy);
    active_.clear();
    for (auto& [s, w] : sockets_) w->desc.release();
    sockets_.clear();
    curl_multi_cleanup(multi_);
}

int curl_multi::on_socket(CURL*, curl_socket_t s, int what, void* userp, void*) {
    auto* self = static_cast<curl_multi*>(userp);
    if (what == CURL_POLL_REMOVE) {
        auto it = self->sockets_.find(s);
        if (it != self->sockets_.end()) {
            it->second->desc.release();  // curl owns and closes the socket; pending waits abort
            self->sockets_.erase(it);
        }
        return 0;
    }
    auto& w = self->sockets_[s];
    if (!w) {
        w = std::make_unique<socket_watch>(self->ex_);
        w->id = self->next_watch_id_++;
        std::error_code ec;
        w->desc.assign(s, ec);
        if (ec) {
            self->sockets_.erase(s);
            return -1;
        }
    }
    w->what = what;
    self->arm(s);
    return 0;
}

int curl_multi::on_timer(CURLM*, long timeout_ms, void* userp) {
    auto* self = static_cast<curl_multi*>(userp);
    if (timeout_ms < 0) {
        self->timer_.cancel();
        return 0;
    }
    std::weak_ptr<curl_multi> weak = self->weak_from_this();
    if (timeout_ms == 0) {
        // "As soon as possible, not from within the callback": a posted
        // action, not a timer due now (which would reprogram the reactor's
        // timerfd twice for every transfer curl adds).
        self->timer_.cancel();
        asio::post(self->ex_, [weak] {
            if (auto me = weak.lock()) me->action(CURL_SOCKET_TIMEOUT, 0);
        });
        return 0;
    }
    self->timer_.expires_after(std::chrono::milliseconds(timeout_ms));
    self->timer_.async_wait([weak](std::error_code ec) {
        if (ec) return;
        if (auto me = weak.lock()) me->action(CURL_SOCKET_TIMEOUT, 0);
    });
    return 0;
}

void curl_multi::arm(curl_socket_t s) {
    auto it = sockets_.find(s);
    if (it == sockets_.end()) return;
    auto& w = *it->second;
    std::weak_ptr<curl_multi> weak = weak_from_this();
    if ((w.what & CURL_POLL_IN) && !w.reading) {
        w.reading = true;
        w.desc.async_wait(asio::posix::stream_descriptor::wait_read, [weak, s, id = w.id](std::error_code ec) {
            if (auto me = weak.lock()) me->on_ready(s, id, CURL_CSELECT_IN, ec);
        });
    }
    if ((w.what & CURL_POLL_OUT) && !w.writing) {
        w.writing = true;
        w.desc.async_wait(asio::posix::stream_descriptor::wait_write, [weak, s, id = w.id](std::error_code ec) {
            if (auto me = weak.lock()) me->on_ready(s, id, CURL_CSELECT_OUT, ec);
        });
    }
}

void curl_multi::on_ready(curl_socket_t s, std::uint64_t id, int direction, std::error_code ec) {
    auto it = sockets_.find(s);
    if (it == sockets_.end() || it->second->id != id) return;  // a socket curl has since dropped
    (direction == CURL_CSELECT_IN ? it->second->reading : it->second->writing) = false;
    if (ec) return;
    action(s, direction);
    arm(s);
}

void curl_multi::action(curl_socket_t s, int direction) {
    auto self = shared_from_this();  // a callback may drop the last other reference
    int running = 0;
    curl_multi_socket_action(multi_, s, direction, &running);
    collect_done();
}

void curl_multi::collect_done() {
    int left = 0;
    while (CURLMsg* m = curl_multi_info_read(multi_, &left))
        if (m->msg == CURLMSG_DONE) finish(m->easy_handle, m->data.result);
}

void curl_multi::finish(CURL* easy, CURLcode code) {
    auto it = active_.find(easy);
    if (it == active_.end()) return;
    auto t = it->second;
    active_.erase(it);
    curl_multi_remove_handle(multi_, easy);
    t->result = code;
    t->done = true;
    t->done_event.cancel();
}

void curl_multi::abort_all() {
    auto all = active_;
    for (auto& [easy, t] : all) finish(easy, CURLE_ABORTED_BY_CALLBACK);
}

asio::awaitable<CURLcode> curl_multi::perform(std::shared_ptr<curl_transfer> t) {
    auto self = shared_from_this();
    if (t->request_headers) curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->request_headers);
    t->done_event.expires_at(asio::steady_timer::time_point::max());
    active_.emplace(t->easy, t);
    if (CURLMcode mc = curl_multi_add_handle(multi_, t->easy); mc != CURLM_OK) {
        active_.erase(t->easy);
        throw client_error(errc::connection_failed, std::string("libcurl refused the transfer: ") + curl_multi_strerror(mc));
    }
    auto cs = co_await asio::this_coro::cancellation_state;
    while (!t->done) {
        co_await t->done_event.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
        if (!t->done && cs.cancelled() != asio::cancellation_type::none) {
            active_.erase(t->easy);
            curl_multi_remove_handle(multi_, t->easy);
            t->done = true;
            throw client_error(errc::cancelled, "the HTTP request was cancelled");
        }
    }
    co_return t->result;
}

client_error curl_error(CURLcode code, const char* detail, const std::string& what) {
    std::string d = detail && *detail ? std::string(detail) : std::string(curl_easy_strerror(code));
    auto make = [&](errc e, const std::string& msg) { return client_error(e, msg + " (" + d + ")"); };
    switch (code) {
        case CURLE_UNSUPPORTED_PROTOCOL:
        case CURLE_URL_MALFORMAT: return make(errc::invalid_url, "the URL " + what + " cannot be used");
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY: return make(errc::dns_failure, "the host of " + what + " does not resolve");
        case CURLE_COULDNT_CONNECT: return make(errc::connection_failed, "cannot connect to " + what);
        case CURLE_OPERATION_TIMEDOUT: return make(errc::timeout, what + " did not answer in time");
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        case CURLE_SSL_INVALIDCERTSTATUS:
            return make(errc::tls_error, "TLS with " + what + " failed");
        case CURLE_TOO_MANY_REDIRECTS: return make(errc::http_error, what + " redirects too often");
        default: return make(errc::connection_closed, "the connection to " + what + " failed");
    }
}

}  // namespace polymcp::client

#endif
