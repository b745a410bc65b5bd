#ifndef POLYMCP_CORE_IMPL_RANDOM_IPP
#define POLYMCP_CORE_IMPL_RANDOM_IPP

// Definitions for polymcp/core/random.hpp.

#include <polymcp/core/random.hpp>

#include <sys/random.h>

#include <cerrno>
#include <system_error>
#include <vector>

namespace polymcp {

std::string random_hex_id(std::size_t bytes) {
    std::vector<unsigned char> buf(bytes);
    std::size_t got = 0;
    while (got < bytes) {
        auto n = ::getrandom(buf.data() + got, bytes - got, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw std::system_error(errno, std::generic_category(), "getrandom for a random id");
        }
        got += static_cast<std::size_t>(n);
    }
    static constexpr char hex[] = "0123456789abcdef";
    std::string id;
    id.reserve(2 * bytes);
    for (unsigned char b : buf) {
        id += hex[b >> 4];
        id += hex[b & 15];
    }
    return id;
}

}  // namespace polymcp

#endif
