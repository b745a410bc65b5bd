// Test support: runs a polymcp Streamable HTTP server on a thread and waits
// until it listens; stops and joins it on destruction.
#ifndef POLYMCP_TEST_SUPPORT_RUNNING_SERVER_HPP
#define POLYMCP_TEST_SUPPORT_RUNNING_SERVER_HPP

#include <polymcp/server.hpp>
#include <polymcp/transport/streamable_http.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <thread>

namespace polymcp::test {

class running_server {
public:
    using server_type = polymcp::server<polymcp::streamable_http_transport, polymcp::auth::any_auth>;

    template <class Features>
    running_server(polymcp::server_options so, Features&& features, polymcp::streamable_http_options ho,
                   polymcp::auth::any_auth auth = {})
        : srv_(std::make_unique<server_type>(std::move(so), std::forward<Features>(features),
                                             polymcp::streamable_http_transport(std::move(ho)), std::move(auth))) {
        runner_ = std::thread([this] { srv_->run(); });
        for (int i = 0; i < 500 && port_ == 0; ++i) {
            port_ = srv_->transport().local_endpoint().port();
            if (!port_) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        REQUIRE(port_ != 0);
    }
    ~running_server() {
        srv_->transport().stop();
        runner_.join();
    }
    running_server(const running_server&) = delete;
    running_server& operator=(const running_server&) = delete;

    unsigned short port() const noexcept { return port_; }
    server_type& server() noexcept { return *srv_; }

private:
    std::unique_ptr<server_type> srv_;
    std::thread runner_;
    unsigned short port_ = 0;
};

}  // namespace polymcp::test

#endif
