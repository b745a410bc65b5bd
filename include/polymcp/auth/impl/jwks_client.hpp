#ifndef POLYMCP_AUTH_IMPL_JWKS_CLIENT_HPP
#define POLYMCP_AUTH_IMPL_JWKS_CLIENT_HPP

// Definitions for polymcp/auth/jwks_client.hpp (inline: this part is
// optional and links libcurl, so it is not part of polymcp::compiled).

#include <polymcp/auth/jwks_client.hpp>

#include <curl/curl.h>

#include <mutex>
#include <stdexcept>

namespace polymcp::auth {

namespace detail {
inline void global_init() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}
struct sink {
    std::string body;
    std::size_t limit = 0;
    bool too_large = false;
};
inline std::size_t write(char* p, std::size_t size, std::size_t n, void* user) {
    auto* s = static_cast<sink*>(user);
    if (s->body.size() + size * n > s->limit) {
        s->too_large = true;
        return 0;  // aborts the transfer
    }
    s->body.append(p, size * n);
    return size * n;
}
}  // namespace detail

inline jwks_client::jwks_client(jwks_options options)
    : options_(std::move(options)), keys_(std::make_shared<const jwk_set>()) {
    if (options_.url.empty()) throw std::invalid_argument("polymcp::auth::jwks_client: no URL");
    if (options_.url.rfind("https://", 0) != 0 && !(options_.allow_http && options_.url.rfind("http://", 0) == 0))
        throw std::invalid_argument("polymcp::auth::jwks_client: the JWKS URL must be https (keys must come over TLS)");
    detail::global_init();
}

inline std::error_code jwks_client::fetch(std::string* why) const {
    auto fail = [why](std::string text) -> std::error_code {
        if (why) *why = std::move(text);
        return errc::key_fetch_failed;
    };
    ++fetches_;
    CURL* curl = curl_easy_init();
    if (!curl) return fail("libcurl could not create a handle");
    detail::sink s;
    s.limit = options_.max_document_bytes;
    curl_easy_setopt(curl, CURLOPT_URL, options_.url.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, options_.allow_http ? "http,https" : "https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!options_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &detail::write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "polymcp-jwks");
    struct curl_slist* headers = curl_slist_append(nullptr, "Accept: application/json, application/jwk-set+json");
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (s.too_large)
        return fail("the JWKS document exceeds " + std::to_string(options_.max_document_bytes) + " bytes");
    if (rc != CURLE_OK) return fail(std::string("fetching the JWKS failed: ") + curl_easy_strerror(rc));
    if (status != 200) return fail("the JWKS URL answered HTTP " + std::to_string(status));
    auto j = nlohmann::json::parse(s.body, nullptr, false);
    if (j.is_discarded()) return fail("the JWKS document is not JSON");
    jwk_set set;
    std::string reason;
    if (jwk_set::parse(j, set, &reason)) return fail("the JWKS document was refused: " + reason);
    std::lock_guard lock(mu_);
    keys_ = std::make_shared<const jwk_set>(std::move(set));
    fetched_ = clock::now();
    return {};
}

inline bool jwks_client::fetch_if_due(std::chrono::seconds min_interval) const {
    std::lock_guard flight(fetch_mu_);
    {
        std::lock_guard lock(mu_);
        const auto now = clock::now();
        if (ever_attempted_ && now - attempted_ < min_interval) return false;
        ever_attempted_ = true;
        attempted_ = now;
    }
    return !fetch(nullptr);
}

inline std::shared_ptr<const jwk_set> jwks_client::current() const {
    bool stale;
    {
        std::lock_guard lock(mu_);
        stale = !ever_attempted_ || (clock::now() - fetched_ > options_.max_age);
    }
    if (stale) fetch_if_due(options_.min_refresh_interval);
    std::lock_guard lock(mu_);
    return keys_;
}

inline std::shared_ptr<const jwk_set> jwks_client::refresh_for(std::string_view) {
    if (!fetch_if_due(options_.min_refresh_interval)) return nullptr;
    std::lock_guard lock(mu_);
    return keys_;
}

inline std::error_code jwks_client::refresh(std::string* why) {
    std::lock_guard flight(fetch_mu_);
    {
        std::lock_guard lock(mu_);
        ever_attempted_ = true;
        attempted_ = clock::now();
    }
    return fetch(why);
}

}  // namespace polymcp::auth

#endif
