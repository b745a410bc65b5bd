// crypto::sealer: every secret at rest is sealed one way, bound to its purpose
// and owner ids; a sealed value opens only where it was sealed for.
#include <catch2/catch.hpp>
#include <polymcp/crypto/aes_gcm.hpp>
#include <polymcp/crypto/fernet.hpp>
#include <polymcp/crypto/key_ring.hpp>
#include <polymcp/crypto/sealed.hpp>
#include <polymcp/storage/memory.hpp>
#include <polymcp/storage/sealed_records.hpp>

#include <asio/io_context.hpp>
#include <asio/strand.hpp>

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

namespace {
using store_t = polymcp::storage::sealed_records<polymcp::storage::memory_storage, crypto::fernet>;
namespace storage = polymcp::storage;

store_t make_store(std::shared_ptr<storage::memory_storage> backend, const crypto::fernet::key_type& key) {
    return store_t(std::move(backend), crypto::fernet(key),
                   {.collection = "secrets", .purpose = "polymcp.test", .member = "sealed", .unique = {{"name", {"owner", "name"}}}});
}
}  // namespace

TEST_CASE("sealed_records: plain fields stay readable, the secret is sealed at rest and opens only for its ids",
          "[storage][sealed]") {
    auto backend = std::make_shared<storage::memory_storage>();
    auto store = make_store(backend, crypto::fernet::generate_key());
    std::error_code ec;
    store.define(ec);
    REQUIRE_FALSE(ec);

    const json secret = {{"api_key", "sk-live-123"}};
    auto v1 = store.create("r1", {"t1", "ann"}, {{"owner", "ann"}, {"name", "one"}}, secret, ec);
    REQUIRE_FALSE(ec);
    CHECK(v1 == 1);

    // At rest: the fields as given, the secret only as a token.
    auto raw = backend->read("secrets", "r1", ec);
    REQUIRE(raw);
    CHECK(raw->data["name"] == "one");
    REQUIRE(raw->data["sealed"].is_string());
    CHECK(raw->data.dump().find("sk-live-123") == std::string::npos);

    auto back = store.get("r1", {"t1", "ann"}, ec);
    REQUIRE_FALSE(ec);
    REQUIRE(back);
    CHECK(back->secret == secret);
    CHECK(back->fields == json{{"owner", "ann"}, {"name", "one"}});
    CHECK(back->version == 1);

    // The same token copied onto another owner's record does not open there.
    store.create("r2", {"t1", "bob"}, {{"owner", "bob"}, {"name", "one"}}, json{{"api_key", "bob's"}}, ec);
    REQUIRE_FALSE(ec);
    auto bobs = backend->read("secrets", "r2", ec);
    bobs->data["sealed"] = raw->data["sealed"];
    backend->update("secrets", "r2", bobs->data, std::nullopt, ec);
    REQUIRE_FALSE(ec);
    auto stolen = store.get("r2", {"t1", "bob"}, ec);
    CHECK(ec == crypto::errc::authentication_failed);
    CHECK(storage::sealing_failed(ec));
    CHECK_FALSE(stolen);

    // Another key: the same error model.
    ec.clear();
    auto other = make_store(backend, crypto::fernet::generate_key());
    CHECK_FALSE(other.get("r1", {"t1", "ann"}, ec));
    CHECK(ec == crypto::errc::authentication_failed);

    // A sealed member that is not a string is corrupt data, not a crash.
    ec.clear();
    backend->update("secrets", "r2", json{{"owner", "bob"}, {"sealed", 42}}, std::nullopt, ec);
    CHECK_FALSE(store.get("r2", {"t1", "bob"}, ec));
    CHECK(ec == storage::errc::corrupt_data);
    CHECK_FALSE(storage::sealing_failed(ec));
}

TEST_CASE("sealed_records: updates keep or replace the secret, expect versions, and write nothing on failure",
          "[storage][sealed]") {
    auto backend = std::make_shared<storage::memory_storage>();
    auto store = make_store(backend, crypto::fernet::generate_key());
    std::error_code ec;
    store.define(ec);
    store.create("r1", {"a"}, {{"owner", "a"}, {"name", "n"}}, json{{"k", 1}}, ec);
    REQUIRE_FALSE(ec);

    // Fields only: the stored secret stays.
    auto v2 = store.update("r1", {"a"}, {{"owner", "a"}, {"name", "renamed"}}, std::nullopt, 1, ec);
    REQUIRE_FALSE(ec);
    CHECK(v2 == 2);
    auto r = store.get("r1", {"a"}, ec);
    CHECK(r->fields["name"] == "renamed");
    CHECK(r->secret == json{{"k", 1}});

    // A stale version is a conflict, and nothing changes.
    store.update("r1", {"a"}, {{"owner", "a"}, {"name", "lost"}}, json{{"k", 2}}, 1, ec);
    CHECK(ec == storage::errc::conflict);
    ec.clear();
    r = store.get("r1", {"a"}, ec);
    CHECK(r->fields["name"] == "renamed");
    CHECK(r->secret == json{{"k", 1}});

    // A unique constraint holds over the plain fields.
    store.create("r2", {"a"}, {{"owner", "a"}, {"name", "renamed"}}, json{{"k", 3}}, ec);
    CHECK(ec == storage::errc::unique_violation);
    ec.clear();

    // put creates, then replaces whatever version is there.
    store.put("r3", {"a"}, {{"owner", "a"}, {"name", "p"}}, json{{"k", 4}}, ec);
    REQUIRE_FALSE(ec);
    auto v = store.put("r3", {"a"}, {{"owner", "a"}, {"name", "p"}}, json{{"k", 5}}, ec);
    REQUIRE_FALSE(ec);
    CHECK(v == 2);
    CHECK(store.get("r3", {"a"}, ec)->secret == json{{"k", 5}});

    // A null secret leaves the record without one; updating a missing record is not_found.
    store.put("r4", {"a"}, {{"owner", "a"}, {"name", "q"}}, nullptr, ec);
    CHECK(store.get("r4", {"a"}, ec)->secret.is_null());
    store.update("nope", {"a"}, json::object(), std::nullopt, std::nullopt, ec);
    CHECK(ec == storage::errc::not_found);
    ec.clear();
    store.remove("r3", 1, ec);
    CHECK(ec == storage::errc::conflict);
    ec.clear();
    store.remove("r3", std::nullopt, ec);
    CHECK_FALSE(ec);
    CHECK_FALSE(store.get("r3", {"a"}, ec));
}

TEST_CASE("sealed_records: the asynchronous forms complete with (error_code, value) on the handler's executor",
          "[storage][sealed]") {
    asio::io_context io;
    auto strand = asio::make_strand(io);
    auto backend = std::make_shared<storage::memory_storage>();
    auto store = make_store(backend, crypto::fernet::generate_key());
    std::vector<std::string> steps;
    bool on_strand = true;
    store.async_define(asio::bind_executor(strand, [&](std::error_code ec) {
        steps.push_back("define " + ec.message());
        store.async_put("r1", {"t", "u"}, {{"owner", "u"}, {"name", "x"}}, {{"token", "abc"}},
                        asio::bind_executor(strand, [&](std::error_code ec, std::int64_t version) {
                            on_strand = on_strand && strand.running_in_this_thread();
                            steps.push_back("put " + std::to_string(version) + (ec ? " " + ec.message() : ""));
                            store.async_update("r1", {"t", "u"}, {{"owner", "u"}, {"name", "y"}}, std::nullopt, 1,
                                               asio::bind_executor(strand, [&](std::error_code ec, std::int64_t v) {
                                                   on_strand = on_strand && strand.running_in_this_thread();
                                                   steps.push_back("update " + std::to_string(v) + (ec ? " " + ec.message() : ""));
                                                   store.async_get("r1", {"t", "other"},
                                                                   asio::bind_executor(strand, [&](std::error_code ec,
                                                                                                   std::optional<storage::sealed_record> r) {
                                                       steps.push_back(std::string("get other ") +
                                                                       (ec == crypto::errc::authentication_failed ? "refused" : "opened") +
                                                                       (r ? " value" : ""));
                                                       store.async_get("r1", {"t", "u"},
                                                                       asio::bind_executor(strand, [&](std::error_code ec,
                                                                                                       std::optional<storage::sealed_record> r) {
                                                           on_strand = on_strand && strand.running_in_this_thread();
                                                           steps.push_back("get " + (r ? r->fields["name"].get<std::string>() + " " +
                                                                                             r->secret["token"].get<std::string>()
                                                                                       : ec.message()));
                                                       }));
                                                   }));
                                               }));
                        }));
    }));
    io.run();
    CHECK(steps == std::vector<std::string>{"define Success", "put 1", "update 2", "get other refused", "get y abc"});
    CHECK(on_strand);
}
