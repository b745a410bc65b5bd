// crypto::sealer: every secret at rest is sealed one way, bound to its purpose
// and owner ids; a sealed value opens only where it was sealed for.
#include <catch2/catch.hpp>
#include <polymcp/crypto/aes_gcm.hpp>
#include <polymcp/crypto/fernet.hpp>
#include <polymcp/crypto/key_ring.hpp>
#include <polymcp/crypto/sealed.hpp>

#include <initializer_list>
#include <string>
#include <vector>

namespace crypto = polymcp::crypto;
using nlohmann::json;

namespace {

template <class C>
C make_cipher();
template <>
crypto::fernet make_cipher<crypto::fernet>() { return crypto::fernet(crypto::fernet::generate_key()); }
template <>
crypto::aes_256_gcm make_cipher<crypto::aes_256_gcm>() { return crypto::aes_256_gcm(crypto::aes_256_gcm::generate_key()); }
template <>
crypto::key_ring<crypto::fernet> make_cipher<crypto::key_ring<crypto::fernet>>() {
    return crypto::key_ring<crypto::fernet>(
        {crypto::fernet(crypto::fernet::generate_key()), crypto::fernet(crypto::fernet::generate_key())});
}

using ciphers = std::tuple<crypto::fernet, crypto::aes_256_gcm, crypto::key_ring<crypto::fernet>>;

}  // namespace

TEST_CASE("seal_binding: every field length-prefixed, so no purpose and ids spell another", "[crypto][sealed]") {
    CHECK(crypto::seal_binding("polymcp.connector", {"t1", "ann", "con_1"}) ==
          "polymcp.sealed.v1\n17:polymcp.connector\n2:t1\n3:ann\n5:con_1\n");
    const std::vector<std::string> distinct = {
        crypto::seal_binding("p", {"a", "b"}),    crypto::seal_binding("p", {"a\n1:b"}), crypto::seal_binding("p", {"ab"}),
        crypto::seal_binding("p", {"b", "a"}),    crypto::seal_binding("p", {"a", "b", ""}),
        crypto::seal_binding("p", {}),            crypto::seal_binding("p\n1:a", {"b"}),
        crypto::seal_binding("q", {"a", "b"})};
    for (std::size_t i = 0; i < distinct.size(); ++i)
        for (std::size_t j = i + 1; j < distinct.size(); ++j) {
            CAPTURE(i, j);
            CHECK(distinct[i] != distinct[j]);
        }
}

TEMPLATE_LIST_TEST_CASE("sealer: a value opens only for the purpose and ids it was sealed for", "[crypto][sealed]",
                        ciphers) {
    const crypto::sealer<TestType> s(make_cipher<TestType>());
    const json secret = {{"type", "bearer"}, {"token", "tok-secret-123"}};
    const auto token = s.seal("polymcp.connector", {"acme", "ann", "con_1"}, secret);
    CHECK(token.find("tok-secret") == std::string::npos);

    std::error_code ec;
    CHECK(s.open("polymcp.connector", {"acme", "ann", "con_1"}, token, ec) == secret);
    CHECK_FALSE(ec);

    struct elsewhere {
        const char* why;
        std::string purpose;
        std::vector<std::string> ids;
    };
    const std::vector<elsewhere> refused = {
        {"another purpose", "polymcp.server", {"acme", "ann", "con_1"}},
        {"another tenant", "polymcp.connector", {"other", "ann", "con_1"}},
        {"another user", "polymcp.connector", {"acme", "bob", "con_1"}},
        {"another connector", "polymcp.connector", {"acme", "ann", "con_2"}},
        {"ids reordered", "polymcp.connector", {"ann", "acme", "con_1"}},
        {"an id more", "polymcp.connector", {"acme", "ann", "con_1", ""}},
        {"an id less", "polymcp.connector", {"acme", "ann"}},
    };
    for (const auto& e : refused) {
        CAPTURE(e.why);
        std::error_code oec;
        json v;
        if (e.ids.size() == 2) v = s.open(e.purpose, {e.ids[0], e.ids[1]}, token, oec);
        else if (e.ids.size() == 3) v = s.open(e.purpose, {e.ids[0], e.ids[1], e.ids[2]}, token, oec);
        else v = s.open(e.purpose, {e.ids[0], e.ids[1], e.ids[2], e.ids[3]}, token, oec);
        CHECK(oec == crypto::errc::authentication_failed);
        CHECK(v.is_null());
    }

    SECTION("an altered token is refused by the cipher") {
        auto altered = token;
        altered[altered.size() / 2] = altered[altered.size() / 2] == 'A' ? 'B' : 'A';
        std::error_code aec;
        CHECK(s.open("polymcp.connector", {"acme", "ann", "con_1"}, altered, aec).is_null());
        CHECK(aec);
    }
    SECTION("a token the key made without the envelope does not open") {
        const auto raw = s.cipher().encrypt(secret.dump(), TestType::binds_associated_data
                                                               ? crypto::seal_binding("polymcp.connector", {"acme", "ann", "con_1"})
                                                               : std::string());
        std::error_code rec;
        CHECK(s.open("polymcp.connector", {"acme", "ann", "con_1"}, raw, rec).is_null());
        CHECK(rec == crypto::errc::authentication_failed);
    }
    SECTION("the throwing form throws the code, and its message holds neither token nor secret") {
        try {
            (void)s.open("polymcp.server", {"con_1"}, token);
            FAIL("no exception");
        } catch (const std::system_error& e) {
            CHECK(e.code() == crypto::errc::authentication_failed);
            CHECK(std::string(e.what()).find(token) == std::string::npos);
            CHECK(std::string(e.what()).find("tok-secret") == std::string::npos);
        }
    }
}

TEST_CASE("sealer: AES-256-GCM binds the binding as associated data", "[crypto][sealed]") {
    const crypto::aes_256_gcm c(crypto::aes_256_gcm::generate_key());
    const crypto::sealer<crypto::aes_256_gcm> s(c);
    const auto token = s.seal("polymcp.oauth", {"alice|https://mcp.example.com"}, json{{"access_token", "a"}});
    std::error_code ec;
    (void)c.decrypt(token, {}, ec);
    CHECK(ec == crypto::errc::authentication_failed);  // without the binding the tag fails
    ec.clear();
    auto plain = c.decrypt(token, crypto::seal_binding("polymcp.oauth", {"alice|https://mcp.example.com"}), ec);
    REQUIRE_FALSE(ec);
    CHECK(json::parse(plain)["v"]["access_token"] == "a");
}
