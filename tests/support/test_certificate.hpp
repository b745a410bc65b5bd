// A fresh self-signed certificate for localhost and 127.0.0.1, made with the
// openssl command and removed again with its directory.
#pragma once

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <unistd.h>

namespace polymcp::test {

/// Valid by this machine's clock, for two days.
struct test_certificate {
    std::filesystem::path dir;
    std::string cert, key;
    test_certificate() {
        static int made = 0;
        dir = std::filesystem::temp_directory_path() /
              ("polymcp-tls-" + std::to_string(::getpid()) + "-" + std::to_string(made++));
        std::filesystem::create_directories(dir);
        cert = (dir / "cert.pem").string();
        key = (dir / "key.pem").string();
        std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
                          "-keyout '" + key + "' -out '" + cert +
                          "' -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null";
        REQUIRE(std::system(cmd.c_str()) == 0);
    }
    ~test_certificate() { std::filesystem::remove_all(dir); }
};

}  // namespace polymcp::test
