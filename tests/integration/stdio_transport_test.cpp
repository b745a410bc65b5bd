// The stdio transport in this process, over pipes (hello_stdio as a child
// process is in stdio_child_test.cpp).
#include <polymcp/polymcp.hpp>

#include <asio/steady_timer.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include <unistd.h>

TEST_CASE("stdio transport: on_shutdown stops the application's own work after the session, so that run returns",
          "[integration][stdio][shutdown]") {
    int in[2], out[2];
    REQUIRE(::pipe(in) == 0);
    REQUIRE(::pipe(out) == 0);
    std::shared_ptr<asio::steady_timer> own;
    std::atomic<bool> called{false}, returned{false};
    polymcp::stdio_transport::options o;
    o.input_fd = in[0];
    o.output_fd = out[1];
    o.handle_signals = false;
    o.on_shutdown = [&] {
        called = true;
        own->cancel();
    };
    polymcp::server<polymcp::stdio_transport> srv({}, polymcp::features(), polymcp::stdio_transport(o));
    // The application's own work on the server's io_context: a timer that would keep it busy for an hour.
    own = std::make_shared<asio::steady_timer>(srv.core().io(), std::chrono::hours(1));
    own->async_wait([own](std::error_code) {});
    std::thread runner([&] {
        srv.run();
        returned = true;
    });
    ::close(in[1]);  // end of input: the session shuts down
    for (int i = 0; i < 1000 && !returned; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(called);
    CHECK(returned);
    if (!returned) asio::post(srv.core().io(), [own] { own->cancel(); });  // let the test end anyway
    runner.join();
    own.reset();  // the timer must not outlive the server's io_context
    ::close(in[0]);
    ::close(out[0]);
    ::close(out[1]);
}
