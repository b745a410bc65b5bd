#ifndef POLYMCP_STORAGE_IMPL_MEMORY_IPP
#define POLYMCP_STORAGE_IMPL_MEMORY_IPP

// Definitions for polymcp/storage/memory.hpp.

#include <polymcp/storage/memory.hpp>

#include <charconv>
#include <limits>

namespace polymcp::storage {

memory_storage::entry* memory_storage::live(std::string_view key) {
    auto it = kv_.find(key);
    if (it == kv_.end()) return nullptr;
    if (it->second.expires && it->second.expiry->first <= clock::now()) {
        erase_entry(it);
        return nullptr;
    }
    return &it->second;
}

void memory_storage::purge_expired() {
    auto now = clock::now();
    while (!expiries_.empty() && expiries_.begin()->first <= now) {
        auto it = kv_.find(expiries_.begin()->second);
        if (it != kv_.end()) erase_entry(it);  // erases the index node too
        else expiries_.erase(expiries_.begin());
    }
}

void memory_storage::clear_expiry(entry& e) {
    if (e.expires) expiries_.erase(e.expiry);
    e.expires = false;
}

void memory_storage::set_expiry(entry& e, const std::string& key, ttl t) {
    clear_expiry(e);
    if (t.count() > 0) {
        e.expiry = expiries_.emplace(clock::now() + t, key);
        e.expires = true;
    }
}

void memory_storage::erase_entry(std::map<std::string, entry, std::less<>>::iterator it) {
    clear_expiry(it->second);
    kv_.erase(it);
}

std::optional<std::string> memory_storage::get(std::string_view key, std::error_code& ec) {
    ec.clear();
    if (!detail::valid_name(key)) {
        ec = errc::invalid_argument;
        return std::nullopt;
    }
    std::lock_guard lock(mu_);
    entry* e = live(key);
    if (e == nullptr) return std::nullopt;
    if (e->is_set) {
        ec = errc::wrong_type;
        return std::nullopt;
    }
    return e->value;
}

void memory_storage::set(std::string_view key, std::string_view value, ttl t, std::error_code& ec) {
    ec.clear();
    if (!detail::valid_name(key) || t.count() < 0) {
        ec = errc::invalid_argument;
        return;
    }
    std::lock_guard lock(mu_);
    purge_expired();
    auto [it, inserted] = kv_.try_emplace(std::string(key));
    it->second.is_set = false;
    it->second.members.clear();
    it->second.value.assign(value);
    set_expiry(it->second, it->first, t);
}

bool memory_storage::set_if_absent(std::string_view key, std::string_view value, ttl t, std::error_code& ec) {
    ec.clear();
    if (!detail::valid_name(key) || t.count() < 0) {
        ec = errc::invalid_argument;
        return false;
    }
    std::lock_guard lock(mu_);
    purge_expired();
    if (live(key) != nullptr) return false;
    auto it = kv_.try_emplace(std::string(key)).first;
    it->second.value.assign(value);
    set_expiry(it->second, it->first, t);
    return true;
}

bool memory_storage::erase(std::string_view key, std::error_code& ec) {
    ec.clear();
    if (!detail::valid_name(key)) {
        ec = errc::invalid_argument;
        return false;
    }
    std::lock_guard lock(mu_);
    if (live(key) == nullptr) return false;
    erase_entry(kv_.find(key));
    return true;
}

bool memory_storage::expire(std::string_view key, ttl t, std::error_code& ec) {
    ec.clear();
    if (!detail::valid_name(key) || t.count() < 0) {
        ec = errc::invalid_argument;
        return false;
    }
    std::lock_guard lock(mu_);
    entry* e = live(key);
    if (e == nullptr) return false;
    set_expiry(*e, kv_.find(key)->first, t);
    return true;
}

std::int64_t memory_storage::increment(std::string_view key, std::int64_t delta, std::error_code& ec) {
    ec.clear();
    if (!detail::valid_name(key)) {
        ec = errc::invalid_argument;
        return 0;
    }
    std::lock_guard lock(mu_);
    entry* e = live(key);
    std::int64_t current = 0;
    if (e != nullptr) {
        if (e->is_set) {
            ec = errc::wrong_type;
            return 0;
        }
        auto [p, err] = std::from_chars(e->value.data(), e->value.data() + e->value.size(), current);
        if (err != std::errc() || p != e->value.data() + e->value.size()) {
            ec = errc::wrong_type;
            return 0;
        }
    }
    std::int64_t next = 0;
    if (__builtin_add_overflow(current, delta, &next)) {
        ec = errc::invalid_argument;
        return 0;
    }
    if (e == nullptr) e = &kv_.try_emplace(std::string(key)).first->second;
    e->value = std::to_string(next);
    return next;
}

bool memory_storage::set_add(std::string_view key, std::string_view member, std::error_code& ec) {
    ec.clear();
    if (!detail::valid_name(key)) {
        ec = errc::invalid_argument;
        return false;
    }
    std::lock_guard lock(mu_);
    purge_expired();
    entry* e = live(key);
    if (e == nullptr) {
        e = &kv_.try_emplace(std::string(key)).first->second;
        e->is_set = true;
    } else if (!e->is_set) {
        ec = errc::wrong_type;
        return false;
    }
    return e->members.emplace(member).second;
}

bool memory_storage::set_remove(std::string_view key, std::string_view member, std::error_code& ec) {
    ec.clear();
    if (!detail::valid_name(key)) {
        ec = errc::invalid_argument;
        return false;
    }
    std::lock_guard lock(mu_);
    entry* e = live(key);
    if (e == nullptr) return false;
    if (!e->is_set) {
        ec = errc::wrong_type;
        return false;
    }
    auto it = e->members.find(member);
    if (it == e->members.end()) return false;
    e->members.erase(it);
    if (e->members.empty()) erase_entry(kv_.find(key));
    return true;
}

std::vector<std::string> memory_storage::set_members(std::string_view key, std::error_code& ec) {
    ec.clear();
    if (!detail::valid_name(key)) {
        ec = errc::invalid_argument;
        return {};
    }
    std::lock_guard lock(mu_);
    entry* e = live(key);
    if (e == nullptr) return {};
    if (!e->is_set) {
        ec = errc::wrong_type;
        return {};
    }
    return {e->members.begin(), e->members.end()};
}

scan_page memory_storage::scan(std::string_view prefix, std::string_view cursor, std::size_t count,
                               std::error_code& ec) {
    ec.clear();
    scan_page out;
    count = detail::clamp_limit(count);
    std::lock_guard lock(mu_);
    purge_expired();
    auto it = cursor.empty() ? kv_.lower_bound(prefix) : kv_.upper_bound(cursor);
    for (; it != kv_.end() && out.keys.size() < count; ++it) {
        if (it->first.compare(0, prefix.size(), prefix) != 0) {
            if (it->first > prefix) break;  // past every key with this prefix
            continue;
        }
        out.keys.push_back(it->first);
    }
    if (it != kv_.end() && it->first.compare(0, prefix.size(), prefix) == 0 && !out.keys.empty())
        out.next_cursor = out.keys.back();
    return out;
}

std::size_t memory_storage::erase_prefix(std::string_view prefix, std::error_code& ec) {
    ec.clear();
    std::size_t n = 0;
    std::string cursor;
    do {
        auto page = scan(prefix, cursor, detail::max_page, ec);
        if (ec) return n;
        {
            std::lock_guard lock(mu_);
            for (const auto& k : page.keys) {
                auto it = kv_.find(k);
                if (it != kv_.end()) {
                    erase_entry(it);
                    ++n;
                }
            }
        }
        cursor = page.next_cursor;
    } while (!cursor.empty());
    return n;
}

void memory_storage::ping(std::error_code& ec) { ec.clear(); }

void memory_storage::define(const collection_schema& schema, std::error_code& ec) {
    ec.clear();
    if (!detail::valid_name(schema.name)) {
        ec = errc::invalid_argument;
        return;
    }
    std::lock_guard lock(mu_);
    auto [it, inserted] = collections_.try_emplace(schema.name);
    it->second.schema = schema;
    if (!inserted) {
        // Re-index under the (possibly changed) constraints.
        it->second.unique.clear();
        for (const auto& [id, r] : it->second.records)
            for (auto& [name, value] : detail::unique_values(schema, r.data))
                it->second.unique.emplace(std::pair{name, value}, id);
    }
}

void memory_storage::put(collection& c, record r) {
    for (auto& [name, value] : detail::unique_values(c.schema, r.data)) c.unique[{name, value}] = r.id;
    auto id = r.id;
    c.records.insert_or_assign(std::move(id), std::move(r));
}

void memory_storage::drop(collection& c, std::string_view id) {
    auto it = c.records.find(id);
    if (it == c.records.end()) return;
    for (auto& [name, value] : detail::unique_values(c.schema, it->second.data)) c.unique.erase({name, value});
    c.records.erase(it);
}

std::error_code memory_storage::apply(const write_op& op, std::vector<undo>& log, record* out) {
    if (auto e = detail::check_write(op)) return e;
    auto cit = collections_.find(op.collection);
    if (cit == collections_.end()) return errc::invalid_argument;
    collection& c = cit->second;
    auto rit = c.records.find(op.id);
    switch (op.op) {
        case write_op::kind::create:
            if (rit != c.records.end()) return errc::already_exists;
            break;
        case write_op::kind::update:
        case write_op::kind::remove:
            if (rit == c.records.end()) return errc::not_found;
            if (op.expected_version && *op.expected_version != rit->second.version) return errc::conflict;
            break;
    }
    if (op.op != write_op::kind::remove) {
        for (auto& [name, value] : detail::unique_values(c.schema, op.data)) {
            auto u = c.unique.find({name, value});
            if (u != c.unique.end() && u->second != op.id) return errc::unique_violation;
        }
    }
    log.push_back({op.collection, op.id, rit == c.records.end() ? std::nullopt : std::optional(rit->second)});
    std::int64_t version = rit == c.records.end() ? 1 : rit->second.version + 1;
    drop(c, op.id);
    if (op.op != write_op::kind::remove) {
        record r{op.id, op.data, version};
        if (out != nullptr) *out = r;
        put(c, std::move(r));
    }
    return {};
}

void memory_storage::roll_back(std::vector<undo>& log) {
    for (auto it = log.rbegin(); it != log.rend(); ++it) {
        collection& c = collections_.find(it->collection)->second;
        drop(c, it->id);
        if (it->before) put(c, std::move(*it->before));
    }
    log.clear();
}

record memory_storage::create(std::string_view collection, std::string_view id, const nlohmann::json& data,
                              std::error_code& ec) {
    write_op op{write_op::kind::create, std::string(collection), std::string(id), data, {}};
    std::vector<undo> log;
    record out;
    std::lock_guard lock(mu_);
    ec = apply(op, log, &out);
    return ec ? record{} : out;
}

std::optional<record> memory_storage::read(std::string_view collection, std::string_view id, std::error_code& ec) {
    ec.clear();
    std::lock_guard lock(mu_);
    auto cit = collections_.find(collection);
    if (cit == collections_.end() || !detail::valid_name(id)) {
        ec = errc::invalid_argument;
        return std::nullopt;
    }
    auto rit = cit->second.records.find(id);
    if (rit == cit->second.records.end()) return std::nullopt;
    return rit->second;
}

record memory_storage::update(std::string_view collection, std::string_view id, const nlohmann::json& data,
                              std::optional<std::int64_t> expected_version, std::error_code& ec) {
    write_op op{write_op::kind::update, std::string(collection), std::string(id), data, expected_version};
    std::vector<undo> log;
    record out;
    std::lock_guard lock(mu_);
    ec = apply(op, log, &out);
    return ec ? record{} : out;
}

void memory_storage::remove(std::string_view collection, std::string_view id,
                            std::optional<std::int64_t> expected_version, std::error_code& ec) {
    write_op op{write_op::kind::remove, std::string(collection), std::string(id), nullptr, expected_version};
    std::vector<undo> log;
    std::lock_guard lock(mu_);
    ec = apply(op, log, nullptr);
}

page memory_storage::list(std::string_view collection, const filter& f, const page_request& request,
                          std::error_code& ec) {
    ec.clear();
    page out;
    std::size_t limit = detail::clamp_limit(request.limit);
    std::lock_guard lock(mu_);
    auto cit = collections_.find(collection);
    if (cit == collections_.end()) {
        ec = errc::invalid_argument;
        return out;
    }
    const auto& records = cit->second.records;
    auto it = request.cursor.empty() ? records.begin() : records.upper_bound(request.cursor);
    for (; it != records.end(); ++it) {
        if (!f.matches(it->second.data)) continue;
        if (out.records.size() == limit) {
            out.next_cursor = out.records.back().id;
            break;
        }
        out.records.push_back(it->second);
    }
    return out;
}

void memory_storage::commit(const write_batch& batch, std::error_code& ec) {
    ec.clear();
    std::vector<undo> log;
    std::lock_guard lock(mu_);
    for (const auto& op : batch.ops()) {
        if ((ec = apply(op, log, nullptr))) {
            roll_back(log);
            return;
        }
    }
}

void memory_storage::publish(std::string_view channel, std::string_view message, std::error_code& ec) {
    hub_.publish(channel, message, ec);
}

subscription memory_storage::subscribe(std::string_view channel, message_handler handler, std::error_code& ec) {
    return hub_.subscribe(channel, std::move(handler), ec);
}

}  // namespace polymcp::storage

#endif
