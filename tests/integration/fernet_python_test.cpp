// Fernet interop with Python `cryptography` (Debian's python3-cryptography),
// both ways, through a real python3 child process: tokens polymcp writes
// decrypt in Python, tokens Python writes decrypt in polymcp, and a rotated
// MultiFernet token reads on the other side.

#include <polymcp/crypto.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/wait.h>

namespace crypto = polymcp::crypto;

namespace {

// Runs `python3 -c <script> args...` with POLYMCP_TEST_KEYS in its
// environment and returns its standard output with the trailing newline
// removed; fails the test on a non-zero exit.
std::string run_python(const std::string& keys, const std::string& script, const std::string& args) {
    ::setenv("POLYMCP_TEST_KEYS", keys.c_str(), 1);
    std::string cmd = POLYMCP_PYTHON;
    cmd.append(" -c '").append(script).append("' '").append(args).append("'");
    FILE* p = ::popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    std::string out;
    std::array<char, 4096> buf{};
    while (auto n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
    int status = ::pclose(p);
    ::unsetenv("POLYMCP_TEST_KEYS");
    INFO(cmd);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

std::string hex(const std::string& s) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (unsigned char c : s) {
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 15]);
    }
    return out;
}

const char* py_decrypt =
    "import os,sys\n"
    "from cryptography.fernet import Fernet, MultiFernet\n"
    "f = MultiFernet([Fernet(k) for k in os.environ[\"POLYMCP_TEST_KEYS\"].split(\",\")])\n"
    "print(f.decrypt(sys.argv[1].encode(), ttl=3600).hex())\n";
const char* py_encrypt =
    "import os,sys\n"
    "from cryptography.fernet import Fernet, MultiFernet\n"
    "f = MultiFernet([Fernet(k) for k in os.environ[\"POLYMCP_TEST_KEYS\"].split(\",\")])\n"
    "print(f.encrypt(bytes.fromhex(sys.argv[1])).decode())\n";
const char* py_rotate =
    "import os,sys\n"
    "from cryptography.fernet import Fernet, MultiFernet\n"
    "f = MultiFernet([Fernet(k) for k in os.environ[\"POLYMCP_TEST_KEYS\"].split(\",\")])\n"
    "print(f.rotate(sys.argv[1].encode()).decode())\n";
const char* py_generate_key =
    "from cryptography.fernet import Fernet\n"
    "print(Fernet.generate_key().decode())\n";

const std::array<std::string, 5> plaintexts{
    std::string(), std::string("hello"), std::string("exactly sixteen!"),
    std::string("\x00\xff\x00\x80 binary", 11), std::string(1000, 'x')};

}  // namespace

TEST_CASE("Tokens polymcp writes decrypt in Python cryptography", "[crypto][fernet][python]") {
    auto key = crypto::fernet::generate_key();
    crypto::fernet f(key);
    for (const auto& pt : plaintexts) {
        auto token = f.encrypt(pt);
        CHECK(run_python(key.to_base64url(), py_decrypt, token) == hex(pt));
    }
}

TEST_CASE("Tokens Python cryptography writes decrypt in polymcp, with a key Python generated",
          "[crypto][fernet][python]") {
    auto key_text = run_python("", py_generate_key, "");
    crypto::fernet f(crypto::fernet::key_type::from_base64url(key_text));
    for (const auto& pt : plaintexts) {
        auto token = run_python(key_text, py_encrypt, hex(pt));
        CHECK(f.decrypt(token, {}, {.ttl = std::chrono::seconds(3600)}) == pt);
    }
}

TEST_CASE("Key rotation agrees with MultiFernet both ways", "[crypto][fernet][python]") {
    auto k_old = crypto::fernet::generate_key();
    auto k_new = crypto::fernet::generate_key();
    auto keys = k_new.to_base64url() + "," + k_old.to_base64url();
    auto ring = crypto::key_ring<crypto::fernet>::from_key_list(keys);
    crypto::fernet old_key(k_old), new_key(k_new);

    // polymcp rotates, Python (holding only the new key) reads.
    auto rotated = ring.rotate(old_key.encrypt("rotate me"));
    CHECK(run_python(k_new.to_base64url(), py_decrypt, rotated) == hex("rotate me"));
    // Python rotates, polymcp (holding only the new key) reads, timestamp kept.
    std::error_code ec;
    auto t = old_key.encrypt_at_time("and me", {}, crypto::detail::unix_time_now() - 100, ec);
    auto py_rotated = run_python(keys, py_rotate, t);
    CHECK(new_key.decrypt(py_rotated) == "and me");
    CHECK(new_key.extract_timestamp(py_rotated, {}, ec) == old_key.extract_timestamp(t, {}, ec));
}
