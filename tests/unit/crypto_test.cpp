// The cipher policy (polymcp/crypto/): Fernet against the official vectors
// and Python `cryptography`'s edge cases, AES-256-GCM with associated data,
// key rings and rotation, key loading, and errors that never carry secrets.

#include <polymcp/crypto.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>

namespace crypto = polymcp::crypto;
using crypto::errc;
using crypto::fernet;
using nlohmann::json;

static_assert(crypto::cipher<fernet>);
static_assert(crypto::cipher<crypto::aes_256_gcm>);
static_assert(crypto::cipher<crypto::key_ring<fernet>>);
static_assert(crypto::cipher<crypto::key_ring<crypto::aes_256_gcm>>);
static_assert(!crypto::cipher<int>);
static_assert(!crypto::cipher<std::string>);

namespace {

json load(const std::string& name) {
    std::string path = POLYMCP_TEST_DATA_DIR;
    path.append("/fernet/").append(name);
    std::ifstream in(path);
    REQUIRE(in.good());
    return json::parse(in);
}

// "1985-10-26T01:20:00-07:00" -> seconds since the Unix epoch.
std::uint64_t parse_time(const std::string& s) {
    int y, mo, d, h, mi, se, oh, om;
    char sign;
    REQUIRE(std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d%c%d:%d", &y, &mo, &d, &h, &mi, &se, &sign, &oh, &om) == 9);
    using namespace std::chrono;
    auto days = sys_days{year{y} / month{static_cast<unsigned>(mo)} / day{static_cast<unsigned>(d)}};
    auto t = days.time_since_epoch() + hours{h} + minutes{mi} + seconds{se};
    auto offset = hours{oh} + minutes{om};
    t = sign == '-' ? t + offset : t - offset;
    return static_cast<std::uint64_t>(duration_cast<seconds>(t).count());
}

std::string latin1_to_bytes(const std::string& utf8) {
    // The vectors write binary plaintexts as latin-1 code points in JSON.
    std::u32string cps;
    std::string out;
    for (std::size_t i = 0; i < utf8.size();) {
        unsigned char c = static_cast<unsigned char>(utf8[i]);
        if (c < 0x80) {
            out.push_back(static_cast<char>(c));
            ++i;
        } else {
            REQUIRE((c & 0xE0) == 0xC0);
            out.push_back(static_cast<char>(((c & 0x1F) << 6) | (static_cast<unsigned char>(utf8[i + 1]) & 0x3F)));
            i += 2;
        }
    }
    return out;
}

fernet fernet_from(const std::string& secret) { return fernet(fernet::key_type::from_base64url(secret)); }

std::error_code decrypt_error(const fernet& f, const std::string& token, const crypto::decrypt_options& opt = {}) {
    std::error_code ec;
    auto p = f.decrypt(token, {}, opt, ec);
    CHECK(p.empty());
    return ec;
}

// Flips one byte of the decoded token and re-encodes it.
std::string tamper(const std::string& token, std::size_t index) {
    crypto::bytes raw;
    REQUIRE(crypto::base64url_decode(token, raw));
    raw[index] ^= 0x01;
    return crypto::base64url_encode(raw);
}

}  // namespace

TEST_CASE("Fernet reproduces every token of the specification's generate vectors", "[crypto][fernet]") {
    for (const auto& v : load("generate.json")) {
        auto f = fernet_from(v["secret"]);
        std::array<unsigned char, 16> iv{};
        for (std::size_t i = 0; i < 16; ++i) iv[i] = v["iv"][i].get<unsigned char>();
        std::error_code ec;
        auto token = f.encrypt_from_parts(v["src"].get<std::string>(), parse_time(v["now"]), iv, ec);
        REQUIRE_FALSE(ec);
        CHECK(token == v["token"].get<std::string>());
    }
}

TEST_CASE("Fernet decrypts the specification's verify vectors within their TTL", "[crypto][fernet]") {
    for (const auto& v : load("verify.json")) {
        auto f = fernet_from(v["secret"]);
        crypto::decrypt_options opt{.ttl = std::chrono::seconds(v["ttl_sec"].get<int>()), .now = parse_time(v["now"])};
        CHECK(f.decrypt(v["token"].get<std::string>(), {}, opt) == v["src"].get<std::string>());
    }
}

TEST_CASE("Fernet rejects each of the specification's invalid tokens with its typed error", "[crypto][fernet]") {
    const std::map<std::string, errc> expected{
        {"incorrect mac", errc::authentication_failed},
        {"too short", errc::invalid_token},
        {"invalid base64", errc::invalid_token},
        {"payload size not multiple of block size", errc::invalid_token},
        {"payload padding error", errc::invalid_token},
        {"far-future TS (unacceptable clock skew)", errc::not_yet_valid},
        {"expired TTL", errc::expired},
        {"incorrect IV (causes padding error)", errc::invalid_token},
    };
    auto vectors = load("invalid.json");
    REQUIRE(vectors.size() == expected.size());
    for (const auto& v : vectors) {
        const std::string desc = v["desc"];
        INFO(desc);
        REQUIRE(expected.count(desc) == 1);
        auto f = fernet_from(v["secret"]);
        crypto::decrypt_options opt{.ttl = std::chrono::seconds(v["ttl_sec"].get<int>()), .now = parse_time(v["now"])};
        CHECK(decrypt_error(f, v["token"], opt) == expected.at(desc));
        // The throwing overload says what failed and nothing secret.
        try {
            (void)f.decrypt(v["token"].get<std::string>(), {}, opt);
            FAIL("no exception");
        } catch (const std::system_error& e) {
            std::string what = e.what();
            CHECK(e.code() == expected.at(desc));
            CHECK(what.find(v["secret"].get<std::string>()) == std::string::npos);
            CHECK(what.find(v["token"].get<std::string>().substr(0, 20)) == std::string::npos);
        }
    }
}

TEST_CASE("Fernet behaves as Python cryptography on its TTL, skew, encoding and MultiFernet edges",
          "[crypto][fernet]") {
    auto doc = load("python_cryptography_interop.json");
    std::size_t checked = 0;
    for (const auto& c : doc["cases"]) {
        const std::string id = c["id"];
        INFO(id);
        crypto::decrypt_options opt;
        if (c.contains("ttl_sec") && !c["ttl_sec"].is_null()) opt.ttl = std::chrono::seconds(c["ttl_sec"].get<int>());
        if (c.contains("now_unix") && !c["now_unix"].is_null()) opt.now = c["now_unix"].get<std::uint64_t>();
        const std::string token = c["token"];
        if (id == "multifernet-rotate") {
            std::vector<fernet> keys;
            for (const auto& s : c["secrets"]) keys.push_back(fernet_from(s));
            crypto::key_ring<fernet> ring(keys);
            auto rotated = ring.rotate(token);
            CHECK(rotated != token);
            std::error_code ec;
            CHECK(keys[0].extract_timestamp(rotated, {}, ec) == c["expect_rotated_timestamp"].get<std::uint64_t>());
            CHECK_FALSE(ec);
            CHECK(keys[0].decrypt(rotated) == c["expect_plaintext"].get<std::string>());
            CHECK(decrypt_error(keys[1], rotated) == errc::authentication_failed);
            // Python's own rotated token reads the same.
            CHECK(ring.decrypt(c["example_rotated_token"].get<std::string>()) == "rotate me");
            ++checked;
            continue;
        }
        std::string plaintext;
        std::error_code ec;
        if (c.contains("secrets")) {
            std::vector<fernet> keys;
            for (const auto& s : c["secrets"]) keys.push_back(fernet_from(s));
            plaintext = crypto::key_ring<fernet>(keys).decrypt(token, {}, opt, ec);
        } else {
            plaintext = fernet_from(c["secret"]).decrypt(token, {}, opt, ec);
        }
        if (c["result"] == "ok") {
            CHECK_FALSE(ec);
            CHECK(plaintext == latin1_to_bytes(c["plaintext"]));
        } else {
            CHECK(c["result"] == "InvalidToken");
            CHECK(ec);
            CHECK(ec.category() == crypto::error_category());
        }
        ++checked;
    }
    CHECK(checked == doc["cases"].size());
}

TEST_CASE("Fernet round-trips every plaintext length with a fresh IV each time", "[crypto][fernet]") {
    auto f = fernet(fernet::generate_key());
    std::set<std::string> tokens;
    for (std::size_t n = 0; n <= 100; ++n) {
        std::string pt(n, '\0');
        for (std::size_t i = 0; i < n; ++i) pt[i] = static_cast<char>(i * 37 + n);
        auto a = f.encrypt(pt);
        auto b = f.encrypt(pt);
        CHECK(a != b);
        CHECK(a.size() % 4 == 0);
        CHECK(a.find_first_of("+/") == std::string::npos);
        CHECK(f.decrypt(a) == pt);
        CHECK(f.decrypt(b) == pt);
        tokens.insert(a);
    }
    CHECK(tokens.size() == 101);
}

TEST_CASE("Fernet refuses every altered, truncated or re-padded token without releasing plaintext",
          "[crypto][fernet]") {
    auto f = fernet(fernet::generate_key());
    auto token = f.encrypt("a credential worth protecting");
    crypto::bytes raw;
    REQUIRE(crypto::base64url_decode(token, raw));

    SECTION("any flipped byte") {
        for (std::size_t i = 0; i < raw.size(); ++i) {
            INFO("byte " << i);
            auto e = decrypt_error(f, tamper(token, i));
            // The version byte makes it another format; anything else breaks the HMAC.
            CHECK(e == (i == 0 ? errc::invalid_token : errc::authentication_failed));
        }
    }
    SECTION("any truncation") {
        for (std::size_t n = 0; n < raw.size(); ++n) {
            crypto::bytes cut(raw.begin(), raw.begin() + static_cast<std::ptrdiff_t>(n));
            auto e = decrypt_error(f, crypto::base64url_encode(cut));
            CHECK((e == errc::invalid_token || e == errc::authentication_failed));
        }
    }
    SECTION("padding stripped, or junk after it") {
        auto unpadded = token;
        while (!unpadded.empty() && unpadded.back() == '=') unpadded.pop_back();
        if (unpadded != token) CHECK(decrypt_error(f, unpadded) == errc::invalid_token);
        CHECK(decrypt_error(f, token + "AAAA") == errc::invalid_token);
        CHECK(decrypt_error(f, "") == errc::invalid_token);
        CHECK(decrypt_error(f, "====") == errc::invalid_token);
    }
    SECTION("another key") {
        auto other = fernet(fernet::generate_key());
        CHECK(decrypt_error(other, token) == errc::authentication_failed);
    }
    SECTION("associated data is refused, not ignored") {
        std::error_code ec;
        CHECK(f.encrypt("x", "tenant=a", ec).empty());
        CHECK(ec == errc::associated_data_unsupported);
        CHECK(f.decrypt(token, "tenant=a", ec).empty());
        CHECK(ec == errc::associated_data_unsupported);
    }
}

TEST_CASE("Keys load from base64url text, the environment and files, with clear errors", "[crypto][keys]") {
    auto key = fernet::generate_key();
    const std::string text = key.to_base64url();
    CHECK(text.size() == 44);
    auto f = fernet(key);
    auto token = f.encrypt("x");

    SECTION("text, with surrounding whitespace") {
        CHECK(fernet(fernet::key_type::from_base64url(" " + text + "\n")).decrypt(token) == "x");
    }
    SECTION("malformed and missing keys") {
        std::error_code ec;
        CHECK_FALSE(fernet::key_type::from_base64url(text.substr(0, 40), ec));
        CHECK(ec == errc::malformed_key);
        CHECK_FALSE(fernet::key_type::from_base64url("not a key at all!", ec));
        CHECK(ec == errc::malformed_key);
        CHECK_FALSE(crypto::secret_key<16>::from_base64url(text, ec));  // 32 bytes where 16 are expected
        CHECK(ec == errc::malformed_key);
        CHECK_FALSE(fernet::key_type::from_base64url("   ", ec));
        CHECK(ec == errc::missing_key);
    }
    SECTION("environment variable") {
        ::setenv("POLYMCP_TEST_ENCRYPTION_KEY", text.c_str(), 1);
        CHECK(fernet(fernet::key_type::from_environment("POLYMCP_TEST_ENCRYPTION_KEY")).decrypt(token) == "x");
        ::setenv("POLYMCP_TEST_ENCRYPTION_KEY", "c2hvcnQ=", 1);
        try {
            (void)fernet::key_type::from_environment("POLYMCP_TEST_ENCRYPTION_KEY");
            FAIL("no exception");
        } catch (const std::system_error& e) {
            CHECK(e.code() == errc::malformed_key);
            CHECK(std::string(e.what()).find("POLYMCP_TEST_ENCRYPTION_KEY") != std::string::npos);
            CHECK(std::string(e.what()).find("c2hvcnQ") == std::string::npos);
        }
        ::unsetenv("POLYMCP_TEST_ENCRYPTION_KEY");
        std::error_code ec;
        CHECK_FALSE(fernet::key_type::from_environment("POLYMCP_TEST_ENCRYPTION_KEY", ec));
        CHECK(ec == errc::missing_key);
    }
    SECTION("file with a trailing newline, and a missing file") {
        std::string path = "polymcp_test_key_" + std::to_string(::getpid());
        std::ofstream(path) << text << "\n";
        CHECK(fernet(fernet::key_type::from_file(path)).decrypt(token) == "x");
        std::remove(path.c_str());
        std::error_code ec;
        CHECK_FALSE(fernet::key_type::from_file(path, ec));
        CHECK(ec == errc::missing_key);
    }
}

TEST_CASE("AES-256-GCM binds each token to its associated data", "[crypto][aes_gcm]") {
    crypto::aes_256_gcm c(crypto::aes_256_gcm::generate_key());
    const std::string owner = "tenant=t1;user=u7;connector=mcp_a;field=api_key";
    auto token = c.encrypt("sk-live-123", owner);

    CHECK(c.decrypt(token, owner) == "sk-live-123");
    CHECK(c.encrypt("", owner) != c.encrypt("", owner));
    CHECK(c.decrypt(c.encrypt("", owner), owner).empty());

    std::error_code ec;
    SECTION("a token moved to another record does not decrypt") {
        CHECK(c.decrypt(token, "tenant=t2;user=u7;connector=mcp_a;field=api_key", ec).empty());
        CHECK(ec == errc::authentication_failed);
        CHECK(c.decrypt(token, "", ec).empty());
        CHECK(ec == errc::authentication_failed);
    }
    SECTION("another key is named as such") {
        crypto::aes_256_gcm other(crypto::aes_256_gcm::generate_key());
        CHECK(other.decrypt(token, owner, ec).empty());
        CHECK(ec == errc::wrong_key);
    }
    SECTION("any altered byte fails before any plaintext is released") {
        crypto::bytes raw;
        REQUIRE(crypto::base64url_decode(token, raw));
        for (std::size_t i = 0; i < raw.size(); ++i) {
            INFO("byte " << i);
            auto out = c.decrypt(tamper(token, i), owner, ec);
            CHECK(out.empty());
            CHECK(ec == (i == 0 ? errc::invalid_token : i < 5 ? errc::wrong_key : errc::authentication_failed));
        }
        for (std::size_t n = 0; n < raw.size(); ++n) {
            crypto::bytes cut(raw.begin(), raw.begin() + static_cast<std::ptrdiff_t>(n));
            CHECK(c.decrypt(crypto::base64url_encode(cut), owner, ec).empty());
            CHECK(ec);
        }
    }
    SECTION("TTL and timestamp as Fernet's") {
        auto t = c.encrypt_at_time("x", owner, 1'700'000'000, ec);
        REQUIRE_FALSE(ec);
        CHECK(c.extract_timestamp(t, owner, ec) == 1'700'000'000);
        crypto::decrypt_options opt{.ttl = std::chrono::seconds(60), .now = 1'700'000'060};
        CHECK(c.decrypt(t, owner, opt, ec) == "x");
        opt.now = 1'700'000'061;
        CHECK(c.decrypt(t, owner, opt, ec).empty());
        CHECK(ec == errc::expired);
        opt.now = 1'700'000'000 - 61;
        CHECK(c.decrypt(t, owner, opt, ec).empty());
        CHECK(ec == errc::not_yet_valid);
        CHECK(c.extract_timestamp(t, "other", ec) == 0);
        CHECK(ec == errc::authentication_failed);
    }
    SECTION("a Fernet token is not mistaken for one") {
        auto f = fernet(fernet::generate_key());
        CHECK(c.decrypt(f.encrypt("x"), "", ec).empty());
        CHECK(ec == errc::invalid_token);
    }
}

TEST_CASE("AES-256-GCM nonces do not repeat", "[crypto][aes_gcm]") {
    crypto::aes_256_gcm c(crypto::aes_256_gcm::generate_key());
    std::set<std::string> nonces;
    for (int i = 0; i < 2000; ++i) {
        crypto::bytes raw;
        REQUIRE(crypto::base64url_decode(c.encrypt("same", "same"), raw));
        nonces.insert(std::string(raw.begin() + 13, raw.begin() + 25));
    }
    CHECK(nonces.size() == 2000);
}

TEST_CASE("A key ring encrypts under its primary key, decrypts under any, and rotates", "[crypto][key_ring]") {
    auto k_old = fernet::generate_key();
    auto k_new = fernet::generate_key();
    fernet old_only(k_old);
    auto old_token = old_only.encrypt_at_time("creds", {}, 1000, *std::make_unique<std::error_code>());

    auto ring = crypto::key_ring<fernet>::from_key_list(k_new.to_base64url() + ", " + k_old.to_base64url());
    CHECK(ring.size() == 2);
    CHECK(ring.decrypt(old_token) == "creds");
    CHECK_FALSE(ring.is_primary(old_token));

    auto fresh = ring.encrypt("new creds");
    CHECK(fernet(k_new).decrypt(fresh) == "new creds");
    CHECK(ring.is_primary(fresh));

    auto rotated = ring.rotate(old_token);
    CHECK(ring.is_primary(rotated));
    std::error_code ec;
    CHECK(fernet(k_new).extract_timestamp(rotated, {}, ec) == 1000);
    CHECK(old_only.decrypt(rotated, {}, ec).empty());
    CHECK(ec == errc::authentication_failed);

    SECTION("a token under no key of the ring") {
        CHECK(ring.decrypt(fernet(fernet::generate_key()).encrypt("x"), {}, ec).empty());
        CHECK(ec == errc::authentication_failed);
        CHECK(ring.rotate("garbage", {}, ec).empty());
        CHECK(ec == errc::invalid_token);
    }
    SECTION("an expired token is reported as expired, and still rotates") {
        crypto::decrypt_options opt{.ttl = std::chrono::seconds(60), .now = 5000};
        CHECK(ring.decrypt(old_token, {}, opt, ec).empty());
        CHECK(ec == errc::expired);
    }
    SECTION("bad key lists") {
        CHECK_FALSE(crypto::key_ring<fernet>::from_key_list("", ec));
        CHECK(ec == errc::missing_key);
        CHECK_FALSE(crypto::key_ring<fernet>::from_key_list(k_new.to_base64url() + ",,", ec));
        CHECK(ec == errc::malformed_key);
        CHECK_FALSE(crypto::key_ring<fernet>::from_key_list(k_new.to_base64url() + ",abc", ec));
        CHECK(ec == errc::malformed_key);
    }
}

TEST_CASE("An AES-256-GCM key ring picks keys by id and keeps associated data through rotation",
          "[crypto][key_ring]") {
    using gcm = crypto::aes_256_gcm;
    auto k1 = gcm::generate_key(), k2 = gcm::generate_key();
    crypto::key_ring<gcm> old_ring({gcm(k1)});
    crypto::key_ring<gcm> ring({gcm(k2), gcm(k1)});
    auto t = old_ring.encrypt("v", "owner=a");
    CHECK(ring.decrypt(t, "owner=a") == "v");
    std::error_code ec;
    auto r = ring.rotate(t, "owner=a", ec);
    REQUIRE_FALSE(ec);
    CHECK(gcm(k2).decrypt(r, "owner=a") == "v");
    CHECK(ring.rotate(t, "owner=b", ec).empty());
    CHECK(ec == errc::authentication_failed);
    CHECK(crypto::key_ring<gcm>({gcm(gcm::generate_key())}).decrypt(t, "owner=a", ec).empty());
    CHECK(ec == errc::wrong_key);
}
