#ifndef POLYMCP_RESOURCES_IMPL_URI_TEMPLATE_IPP
#define POLYMCP_RESOURCES_IMPL_URI_TEMPLATE_IPP

#include <polymcp/resources/uri_template.hpp>

#include <stdexcept>

namespace polymcp {

namespace resources_detail {

inline bool is_varchar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
}

inline bool is_unreserved(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~';
}

inline bool is_reserved(char c) {
    static constexpr std::string_view r = ":/?#[]@!$&'()*+,;=";
    return r.find(c) != std::string_view::npos;
}

inline std::string encode(std::string_view v, bool allow_reserved) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : v) {
        if (is_unreserved(static_cast<char>(c)) || (allow_reserved && is_reserved(static_cast<char>(c)))) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

inline std::string decode(std::string_view v) {
    auto nib = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] == '%' && i + 2 < v.size() && nib(v[i + 1]) >= 0 && nib(v[i + 2]) >= 0) {
            out += static_cast<char>(nib(v[i + 1]) * 16 + nib(v[i + 2]));
            i += 2;
        } else {
            out += v[i];
        }
    }
    return out;
}

inline std::string to_text(const nlohmann::json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_null()) return {};
    return v.dump();
}

}  // namespace resources_detail

uri_template::uri_template(std::string text) : text_(std::move(text)) {
    using namespace resources_detail;
    std::size_t i = 0;
    while (i < text_.size()) {
        auto open = text_.find('{', i);
        if (text_.find('}', i) < open)
            throw std::invalid_argument("URI template '" + text_ + "': '}' without '{' at offset " +
                                        std::to_string(text_.find('}', i)));
        if (open == std::string::npos) {
            parts_.push_back({true, text_.substr(i), 0, {}});
            break;
        }
        if (open > i) parts_.push_back({true, text_.substr(i, open - i), 0, {}});
        auto close = text_.find('}', open);
        if (close == std::string::npos)
            throw std::invalid_argument("URI template '" + text_ + "': unclosed '{' at offset " + std::to_string(open));
        std::string_view expr(text_.data() + open + 1, close - open - 1);
        part p{false, {}, 0, {}};
        if (!expr.empty() && std::string_view("+#./;?&").find(expr[0]) != std::string_view::npos) {
            p.op = expr[0];
            expr.remove_prefix(1);
        }
        std::size_t s = 0;
        while (true) {
            auto comma = expr.find(',', s);
            auto name = expr.substr(s, comma == std::string_view::npos ? std::string_view::npos : comma - s);
            if (name.empty())
                throw std::invalid_argument("URI template '" + text_ + "': empty variable name at offset " +
                                            std::to_string(open));
            for (char c : name)
                if (!is_varchar(c))
                    throw std::invalid_argument("URI template '" + text_ + "': variable '" + std::string(name) +
                                                "' at offset " + std::to_string(open) +
                                                " has a character outside A-Z a-z 0-9 _ . (prefix and explode "
                                                "modifiers are not supported)");
            p.names.emplace_back(name);
            if (comma == std::string_view::npos) break;
            s = comma + 1;
        }
        parts_.push_back(std::move(p));
        i = close + 1;
    }
}

std::vector<std::string> uri_template::variables() const {
    std::vector<std::string> v;
    for (const auto& p : parts_)
        if (!p.literal) v.insert(v.end(), p.names.begin(), p.names.end());
    return v;
}

std::string uri_template::expand(const nlohmann::json& vars) const {
    using namespace resources_detail;
    std::string out;
    for (const auto& p : parts_) {
        if (p.literal) { out += p.text; continue; }
        const bool reserved = p.op == '+' || p.op == '#';
        const char first = (p.op == '+' || p.op == 0) ? 0 : p.op;
        const char sep = (p.op == 0 || p.op == '+' || p.op == '#') ? ',' : (p.op == '?' ? '&' : p.op);
        const bool named = p.op == ';' || p.op == '?' || p.op == '&';
        bool any = false;
        for (const auto& n : p.names) {
            if (!vars.is_object() || !vars.contains(n) || vars[n].is_null()) continue;
            if (any) out += sep;
            else if (first) out += first;
            any = true;
            auto value = encode(to_text(vars[n]), reserved);
            if (named) {
                out += n;
                if (!value.empty() || p.op != ';') out += '=';
            }
            out += value;
        }
    }
    return out;
}

bool uri_template::match(std::string_view uri, nlohmann::json& vars) const {
    using namespace resources_detail;
    vars = nlohmann::json::object();
    std::size_t pos = 0;
    for (std::size_t k = 0; k < parts_.size(); ++k) {
        const auto& p = parts_[k];
        if (p.literal) {
            if (uri.substr(pos, p.text.size()) != p.text) return false;
            pos += p.text.size();
            continue;
        }
        // The extent of this expression: up to the next literal (or the end).
        std::size_t end = uri.size();
        if (k + 1 < parts_.size() && parts_[k + 1].literal) {
            auto next = uri.find(parts_[k + 1].text, pos);
            if (next == std::string_view::npos) return false;
            end = next;
        }
        std::string_view piece = uri.substr(pos, end - pos);
        pos = end;
        if (p.op == '?' || p.op == '&' || p.op == ';') {
            if (piece.empty()) continue;
            if (piece[0] != p.op) return false;
            piece.remove_prefix(1);
            const char sep = p.op == ';' ? ';' : '&';
            while (!piece.empty()) {
                auto amp = piece.find(sep);
                auto kv = piece.substr(0, amp);
                auto eq = kv.find('=');
                std::string key(kv.substr(0, eq));
                for (const auto& n : p.names)
                    if (n == key) vars[n] = eq == std::string_view::npos ? std::string() : decode(kv.substr(eq + 1));
                if (amp == std::string_view::npos) break;
                piece.remove_prefix(amp + 1);
            }
            continue;
        }
        if (p.op == '#' || p.op == '.' || p.op == '/') {
            if (piece.empty()) continue;
            if (piece[0] != p.op) return false;
            piece.remove_prefix(1);
        }
        const char sep = (p.op == '.' || p.op == '/') ? p.op : ',';
        for (std::size_t i = 0; i < p.names.size(); ++i) {
            auto cut = i + 1 < p.names.size() ? piece.find(sep) : std::string_view::npos;
            auto value = piece.substr(0, cut);
            if (p.op == 0 || p.op == '.' || p.op == '/') {
                if (value.empty() && p.names.size() == 1 && p.op == 0) return false;
                if (value.find_first_of("/?#") != std::string_view::npos) return false;
            }
            vars[p.names[i]] = decode(value);
            if (cut == std::string_view::npos) break;
            piece.remove_prefix(cut + 1);
        }
    }
    return pos == uri.size();
}

}  // namespace polymcp

#endif
