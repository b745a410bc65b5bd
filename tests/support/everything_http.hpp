// examples/everything_server as a process listening on a free loopback
// port, stopped with its destructor (POLYMCP_EVERYTHING_SERVER names the binary).
#pragma once

#include "support/listening_process.hpp"

#include <string>
#include <vector>

namespace polymcp::test {

class everything_http {
public:
    /// @param extra more options, e.g. {"--tls-cert", cert, "--tls-key", key}
    explicit everything_http(std::vector<std::string> extra = {}) : port_(free_port()), process_(argv(port_, extra), port_) {}
    /// "http://127.0.0.1:PORT/mcp" (or with another scheme).
    std::string url(const char* scheme = "http") const { return process_.url("/mcp", scheme); }
    unsigned short port() const { return port_; }

private:
    static std::vector<std::string> argv(unsigned short port, const std::vector<std::string>& extra) {
        std::vector<std::string> a{POLYMCP_EVERYTHING_SERVER, "--port", std::to_string(port), "--quiet"};
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    }
    unsigned short port_;
    listening_process process_;
};

}  // namespace polymcp::test
