#ifndef POLYMCP_GATEWAY_WEB_FILES_HPP
#define POLYMCP_GATEWAY_WEB_FILES_HPP

/// @file polymcp/gateway/web_files.hpp
/// `polymcp::gateway::web_files`: the gateway's web page, a directory of
/// built files (`index.html`, `assets/...`) read into memory once and served
/// on GET and HEAD with strict security headers.

#include <polymcp/http/message.hpp>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace polymcp::gateway {

/// Limits on what `web_files::load` reads.
struct web_files_limits {
    std::size_t max_files = 512;                 ///< files in the directory tree
    std::size_t max_bytes = 32u * 1024u * 1024u;  ///< bytes of all files together
};

/// The `Content-Security-Policy` of every page: scripts, styles, fonts and
/// fetches from the gateway's own origin only (no inline script or style),
/// images also as `data:` and `https:` URLs (catalog icons), no plugins, no `<base>`, forms posting only
/// to the gateway, and no framing (`frame-ancestors 'none'`).
inline constexpr const char* web_content_security_policy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; font-src 'self'; "
    "connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Sets the security headers of a page on `r`: `Content-Security-Policy`
/// (`web_content_security_policy`), `Referrer-Policy: no-referrer`,
/// `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`,
/// `Cross-Origin-Opener-Policy: same-origin` and
/// `Cross-Origin-Resource-Policy: same-origin`.
inline void set_web_security_headers(http::response& r) {
    r.fields.set("Content-Security-Policy", web_content_security_policy);
    r.fields.set("Referrer-Policy", "no-referrer");
    r.fields.set("X-Content-Type-Options", "nosniff");
    r.fields.set("X-Frame-Options", "DENY");
    r.fields.set("Cross-Origin-Opener-Policy", "same-origin");
    r.fields.set("Cross-Origin-Resource-Policy", "same-origin");
}

/// The media type of a file name by its extension (`.html`, `.js`, `.css`,
/// `.svg`, `.png`, `.json`, ...); `application/octet-stream` otherwise.
inline std::string web_content_type(std::string_view name) {
    const auto dot = name.rfind('.');
    const auto ext = dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
    if (ext == "html") return "text/html; charset=utf-8";
    if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
    if (ext == "css") return "text/css; charset=utf-8";
    if (ext == "json" || ext == "map") return "application/json";
    if (ext == "webmanifest") return "application/manifest+json";
    if (ext == "svg") return "image/svg+xml";
    if (ext == "png") return "image/png";
    if (ext == "ico") return "image/x-icon";
    if (ext == "webp") return "image/webp";
    if (ext == "woff2") return "font/woff2";
    if (ext == "txt") return "text/plain; charset=utf-8";
    return "application/octet-stream";
}

/// A built single-page application served from memory.
///
/// What it serves is fixed when it is loaded: a request names one of the
/// files read then, by its exact path, or gets `index.html` (a path of the
/// page's own router) or 404; nothing on disk is opened per request, so no
/// request path can reach another file.
///
/// Thread-safety: `respond` may be called from many threads at once.
class web_files {
public:
    /// One file: its media type, its bytes and its entity tag.
    struct file {
        std::string content_type{};  ///< its `Content-Type`, e.g. "text/html; charset=utf-8"
        std::string body{};        ///< its bytes
        std::string etag;  ///< a strong entity tag (RFC 9110 section 8.8.3), quoted
    };

    /// Reads every regular file under `root` into memory, keyed by its
    /// path below `root` with a leading slash (`/index.html`,
    /// `/assets/index-3f2a.js`). Symbolic links and other non-regular files
    /// are skipped.
    /// @param root a directory holding `index.html`
    /// @param limits how many files and bytes it may hold
    /// @throws std::runtime_error naming `root` when it is not a readable
    ///         directory with `index.html`, or a limit is passed
    static web_files load(const std::filesystem::path& root, web_files_limits limits = {}) {
        namespace fs = std::filesystem;
        std::error_code ec;
        if (!fs::is_regular_file(root / "index.html", ec))
            throw std::runtime_error("the web page directory " + root.string() + " has no index.html");
        web_files out;
        std::size_t bytes = 0;
        for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::none, ec);
             !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
            if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
            if (out.files_.size() == limits.max_files)
                throw std::runtime_error("the web page directory " + root.string() + " holds more than " +
                                         std::to_string(limits.max_files) + " files");
            std::ifstream in(it->path(), std::ios::binary);
            std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            if (!in.good() && !in.eof()) throw std::runtime_error("cannot read " + it->path().string());
            bytes += body.size();
            if (bytes > limits.max_bytes)
                throw std::runtime_error("the web page directory " + root.string() + " holds more than " +
                                         std::to_string(limits.max_bytes) + " bytes");
            const auto rel = "/" + it->path().lexically_relative(root).generic_string();
            file f{web_content_type(rel), std::move(body), {}};
            f.etag = etag_of(f.body);
            out.files_.emplace(rel, std::move(f));
        }
        if (ec) throw std::runtime_error("cannot read the web page directory " + root.string() + ": " + ec.message());
        return out;
    }

    /// The number of files held.
    std::size_t size() const noexcept { return files_.size(); }

    /// The file at `path` (e.g. "/index.html"), or null.
    const file* find(std::string_view path) const {
        auto it = files_.find(path);
        return it == files_.end() ? nullptr : &it->second;
    }

    /// Answers a request for the page:
    /// - GET or HEAD of a file it holds: 200 with the file (HEAD without the
    ///   body), or 304 when `If-None-Match` names its entity tag;
    /// - `/` and any other path whose last segment has no `.`: `index.html`
    ///   (the page's own routes, such as `/connectors`);
    /// - another path: 404; another method: 405 with `Allow: GET, HEAD`.
    ///
    /// Every answer has the security headers (`set_web_security_headers`).
    /// `index.html` is `Cache-Control: no-cache` (revalidated each time);
    /// files under `/assets/`, whose names carry a hash of their content,
    /// are cached for a year as immutable.
    http::response respond(const http::request& req) const {
        http::response r;
        if (req.method != "GET" && req.method != "HEAD") {
            r = http::response::error(405, "the web page answers GET and HEAD");
            r.fields.set("Allow", "GET, HEAD");
        } else {
            const auto path = req.path();
            const file* f = find(path);
            std::string_view served = path;
            if (!f && is_page_route(path)) {
                f = find("/index.html");
                served = "/index.html";
            }
            if (!f) {
                r = http::response::error(404, "no such file in the web page");
            } else if (auto inm = req.fields.get("If-None-Match"); inm && etag_matches(*inm, f->etag)) {
                r.status = 304;
                r.fields.set("ETag", f->etag);
                r.fields.set("Cache-Control", cache_control(served));
            } else {
                r = http::response::with_body(200, f->content_type, req.method == "HEAD" ? std::string() : f->body);
                r.fields.set("ETag", f->etag);
                r.fields.set("Cache-Control", cache_control(served));
            }
        }
        set_web_security_headers(r);
        return r;
    }

private:
    // A path of the page's router: "/" or a last segment without a dot.
    static bool is_page_route(std::string_view path) {
        if (path.empty() || path.front() != '/') return false;
        const auto last = path.substr(path.rfind('/') + 1);
        return last.find('.') == std::string_view::npos;
    }

    static std::string cache_control(std::string_view path) {
        return path.rfind("/assets/", 0) == 0 ? "public, max-age=31536000, immutable" : "no-cache";
    }

    // FNV-1a over the bytes and their length: identical files give identical
    // tags on every instance of the gateway.
    static std::string etag_of(std::string_view body) {
        std::uint64_t h = 14695981039346656037ull;
        for (unsigned char c : body) h = (h ^ c) * 1099511628211ull;
        char buf[48];
        std::snprintf(buf, sizeof buf, "\"%016llx-%zx\"", static_cast<unsigned long long>(h), body.size());
        return buf;
    }

    // If-None-Match (RFC 9110 section 13.1.2): "*" or a list of tags, weak
    // ones compared weakly.
    static bool etag_matches(std::string_view header, std::string_view tag) {
        std::size_t i = 0;
        while (i < header.size()) {
            while (i < header.size() && (header[i] == ' ' || header[i] == '\t' || header[i] == ',')) ++i;
            auto end = header.find(',', i);
            if (end == std::string_view::npos) end = header.size();
            auto item = header.substr(i, end - i);
            while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
            if (item == "*") return true;
            if (item.rfind("W/", 0) == 0) item.remove_prefix(2);
            if (item == tag) return true;
            i = end;
        }
        return false;
    }

    std::map<std::string, file, std::less<>> files_;
};

}  // namespace polymcp::gateway

#endif
