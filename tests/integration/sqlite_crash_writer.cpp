// Writes to a sqlite_storage as fast as it can and prints each write once it
// is acknowledged ("r <n>" for a record, "k <n>" for an ephemeral key), until
// it is killed. Used by sqlite_crash_test.cpp, which kills it with SIGKILL.
//   sqlite_crash_writer <path> <first n>

#include <polymcp/storage/sqlite.hpp>

#include <cstdio>
#include <string>

#include <unistd.h>

int main(int argc, char** argv) {
    if (argc != 3) return 2;
    polymcp::storage::sqlite_options o;
    o.path = argv[1];
    o.pool_size = 1;
    polymcp::storage::sqlite_storage s(o);
    std::error_code ec;
    s.define({"acks", {{"n", {"n"}}}}, ec);
    if (ec) return 3;
    for (long n = std::stol(argv[2]);; ++n) {
        s.create("acks", "r" + std::to_string(n), {{"n", n}, {"pad", std::string(200, 'x')}}, ec);
        if (ec) return 4;
        std::string line = "r " + std::to_string(n) + "\n";
        if (::write(1, line.data(), line.size()) < 0) return 5;
        s.set("k" + std::to_string(n), std::to_string(n), polymcp::storage::ttl(0), ec);
        if (ec) return 6;
        line = "k " + std::to_string(n) + "\n";
        if (::write(1, line.data(), line.size()) < 0) return 5;
    }
}
