#ifndef POLYMCP_CLIENT_IMPL_HTTP_EXCHANGE_IPP
#define POLYMCP_CLIENT_IMPL_HTTP_EXCHANGE_IPP

// Definitions for polymcp/client/http_exchange.hpp.

#include <polymcp/core/utf8.hpp>
#include <polymcp/client/http_exchange.hpp>

#include <polymcp/crypto/openssl.hpp>

#include <nlohmann/json.hpp>

#include <cctype>

namespace polymcp::client {

namespace detail {

struct url_handle {
    CURLU* h = curl_url();
    ~url_handle() { curl_url_cleanup(h); }
    std::string get(CURLUPart part, unsigned flags = 0) const {
        char* out = nullptr;
        if (curl_url_get(h, part, &out, flags) != CURLUE_OK || !out) return {};
        std::string s(out);
        curl_free(out);
        return s;
    }
};

inline void parse_into(url_handle& u, const std::string& url) {
    if (!u.h) throw client_error(errc::invalid_url, "libcurl could not allocate a URL");
    if (curl_url_set(u.h, CURLUPART_URL, url.c_str(), 0) != CURLUE_OK)
        throw client_error(errc::invalid_url, "\"" + url + "\" is not an absolute URL");
    auto scheme = u.get(CURLUPART_SCHEME);
    if (scheme != "http" && scheme != "https")
        throw client_error(errc::invalid_url, "\"" + url + "\" is not an http or https URL");
}

}  // namespace detail

std::string build_url(const http_options& options) {
    detail::url_handle u;
    detail::parse_into(u, options.url);
    for (const auto& [k, v] : options.query) {
        char* ek = curl_easy_escape(nullptr, k.c_str(), static_cast<int>(k.size()));
        char* ev = curl_easy_escape(nullptr, v.c_str(), static_cast<int>(v.size()));
        std::string kv = std::string(ek ? ek : "") + "=" + (ev ? ev : "");
        curl_free(ek);
        curl_free(ev);
        if (curl_url_set(u.h, CURLUPART_QUERY, kv.c_str(), CURLU_APPENDQUERY) != CURLUE_OK)
            throw client_error(errc::invalid_url, "cannot add the query parameter \"" + k + "\" to " + options.url);
    }
    return u.get(CURLUPART_URL);
}

std::string resolve_url(const std::string& base, const std::string& reference) {
    detail::url_handle u;
    detail::parse_into(u, base);
    if (curl_url_set(u.h, CURLUPART_URL, reference.c_str(), 0) != CURLUE_OK)
        throw client_error(errc::invalid_url, "\"" + reference + "\" is not a URL reference");
    return u.get(CURLUPART_URL);
}

std::string origin_of(const std::string& url) {
    detail::url_handle u;
    detail::parse_into(u, url);
    return u.get(CURLUPART_SCHEME) + "://" + u.get(CURLUPART_HOST) + ":" + u.get(CURLUPART_PORT, CURLU_DEFAULT_PORT);
}

std::shared_ptr<curl_transfer> make_transfer(const asio::any_io_executor& ex, const http_options& o,
                                             const std::string& url, const char* method, std::string body,
                                             const std::string& authorization, const char* content_type) {
    auto t = std::make_shared<curl_transfer>(ex);
    CURL* e = t->easy;
    curl_easy_setopt(e, CURLOPT_URL, url.c_str());
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.connect_timeout.count()));
    if (o.transfer_timeout.count() > 0) curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(o.transfer_timeout.count()));
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, o.verify_tls ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, o.verify_tls ? 2L : 0L);
    if (!o.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, o.ca_file.c_str());
    if (!o.proxy.empty()) curl_easy_setopt(e, CURLOPT_PROXY, o.proxy.c_str());
    else if (o.address_filter) curl_easy_setopt(e, CURLOPT_PROXY, "");  // no proxy from the environment: check the real peer
    curl_easy_setopt(e, CURLOPT_USERAGENT, o.user_agent.c_str());
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    if (o.address_filter || !o.resolve.empty()) t->guard_addresses(o.address_filter, o.resolve);
    std::string m(method);
    if (m == "POST") {
        t->request_body = std::move(body);
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->request_body.c_str());
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t->request_body.size()));
        t->add_header(std::string("Content-Type: ") + content_type);
    } else if (m != "GET") {
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
    }
    t->add_header("Expect:");  // no 100-continue round trip for large bodies
    for (const auto& [k, v] : o.headers) t->add_header(k + ": " + v);
    if (!authorization.empty()) t->add_header("Authorization: " + authorization);
    return t;
}

asio::awaitable<fetch_result> fetch(std::shared_ptr<curl_multi> multi, const http_options& options, const char* method,
                                    const std::string& url, std::string body, std::vector<std::string> headers,
                                    const char* content_type, std::size_t max_body) {
    auto t = make_transfer(multi->get_executor(), options, url, method, std::move(body), {}, content_type);
    for (const auto& h : headers) t->add_header(h);
    fetch_result r;
    curl_transfer* tp = t.get();
    t->on_body = [&r, tp, max_body, &url](std::string_view d) {
        if (r.body.size() + d.size() > max_body) {
            tp->abort_error = client_error(errc::message_too_large,
                                           url + " sent more than " + std::to_string(max_body) + " bytes");
            return false;
        }
        r.body.append(d);
        return true;
    };
    CURLcode rc = co_await multi->perform(t);
    if (t->abort_error) throw *t->abort_error;
    if (rc != CURLE_OK) throw curl_error(rc, t->error_buffer, url);
    r.status = t->status;
    r.content_type = media_type(t->header("content-type"));
    r.location = t->header("location");
    co_return r;
}

std::string media_type(const std::string& content_type) {
    std::string m = content_type.substr(0, content_type.find(';'));
    while (!m.empty() && (m.back() == ' ' || m.back() == '\t')) m.pop_back();
    while (!m.empty() && (m.front() == ' ' || m.front() == '\t')) m.erase(0, 1);
    for (auto& c : m) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return m;
}

client_error status_error(const curl_transfer& t, const std::string& body, const std::string& url, bool had_session) {
    const long s = t.status;
    std::string detail;
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (!j.is_discarded() && j.is_object() && j.contains("error") && j["error"].is_object() &&
        j["error"].contains("message") && j["error"]["message"].is_string())
        detail = j["error"]["message"].get<std::string>();
    else if (!body.empty())
        detail = utf8_excerpt(body, 200);
    std::string suffix = detail.empty() ? std::string() : ": " + detail;
    if (s >= 300 && s < 400) {
        auto loc = t.header("location");
        client_error e(errc::http_error, url + " answered HTTP " + std::to_string(s) + " redirecting to " +
                                             (loc.empty() ? std::string("nowhere") : loc) +
                                             "; redirects are not followed: configure the final URL");
        e.http_status = static_cast<int>(s);
        return e;
    }
    if (s == 401 || s == 403) {
        auto challenge = parse_bearer_challenge(t.header("www-authenticate"));
        std::string what = s == 401 ? "requires authorization" : "refused the credentials";
        if (challenge && challenge->error == "insufficient_scope")
            what = "requires more scopes (" + (challenge->scope.empty() ? std::string("unnamed") : challenge->scope) + ")";
        client_error e(errc::auth_required, url + " " + what + " (HTTP " + std::to_string(s) + ")" + suffix);
        e.http_status = static_cast<int>(s);
        e.challenge = std::move(challenge);
        return e;
    }
    if (s == 404 && had_session) {
        client_error e(errc::session_expired, url + " no longer knows this MCP session (HTTP 404): initialize again");
        e.http_status = 404;
        return e;
    }
    client_error e(errc::http_error, url + " answered HTTP " + std::to_string(s) + suffix);
    e.http_status = static_cast<int>(s);
    return e;
}

std::string encode_header_value(std::string_view value) {
    constexpr std::string_view prefix = "=?base64?", suffix = "?=";
    bool plain = true;
    for (unsigned char c : value)
        if (c < 0x20 || c > 0x7E) plain = false;
    if (!value.empty() && (value.front() == ' ' || value.back() == ' ')) plain = false;
    if (value.size() >= prefix.size() + suffix.size() && value.substr(0, prefix.size()) == prefix &&
        value.substr(value.size() - suffix.size()) == suffix)
        plain = false;
    if (plain) return std::string(value);
    std::string b = crypto::base64url_encode(
        std::span<const unsigned char>(reinterpret_cast<const unsigned char*>(value.data()), value.size()));
    for (auto& c : b) c = c == '-' ? '+' : c == '_' ? '/' : c;  // the standard alphabet
    return std::string(prefix) + b + std::string(suffix);
}

std::string header_line(const std::string& name, const std::string& value) {
    return value.empty() ? name + ";" : name + ": " + value;
}

}  // namespace polymcp::client

#endif
