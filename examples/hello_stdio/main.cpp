// hello_stdio: the smallest polymcp server worth copying.
//
// Three typed tools over stdio:
//   echo(text)                 -> the text back
//   add(a, b)                  -> {"sum": a + b} (structuredContent + outputSchema)
//   countdown(from, delay_ms)  -> a coroutine that reports progress every step
//                                 and stops when the client cancels
//
// Build:  cmake --preset release && cmake --build --preset release --target hello_stdio
// Run:    build/release/examples/hello_stdio/hello_stdio   (then speak MCP on stdin)

#include <polymcp/polymcp.hpp>

#include <chrono>
#include <string>

struct echo_args {
    BOOST_HANA_DEFINE_STRUCT(echo_args, (std::string, text));
};

struct add_args {
    BOOST_HANA_DEFINE_STRUCT(add_args, (double, a), (double, b));
};

struct add_result {
    BOOST_HANA_DEFINE_STRUCT(add_result, (double, sum));
};

struct countdown_args {
    BOOST_HANA_DEFINE_STRUCT(countdown_args, (int, from), (std::optional<int>, delay_ms));
};

// Optional documentation: descriptions and constraints end up in inputSchema
// and are checked before the handler runs.
template <>
struct polymcp::describe<echo_args> {
    static polymcp::field_docs fields() { return {{"text", {.description = "Text to send back"}}}; }
};
template <>
struct polymcp::describe<add_args> {
    static polymcp::field_docs fields() {
        return {{"a", {.description = "First addend"}}, {"b", {.description = "Second addend"}}};
    }
};
template <>
struct polymcp::describe<countdown_args> {
    static polymcp::field_docs fields() {
        return {{"from", {.description = "Number to count down from", .minimum = 0, .maximum = 1000}},
                {"delay_ms", {.description = "Pause between steps in ms (default 100)",
                              .minimum = 0, .maximum = 60000}}};
    }
};

int main() {
    auto echo = polymcp::tool<"echo">("Returns the text it is given",
                                      [](echo_args args) { return args.text; })
                    .annotations({.read_only_hint = true, .open_world_hint = false});

    auto add = polymcp::tool<"add">("Adds two numbers",
                                    [](add_args args) { return add_result{args.a + args.b}; })
                   .title("Add two numbers")
                   .annotations({.read_only_hint = true, .open_world_hint = false});

    auto countdown = polymcp::tool<"countdown">(
        "Counts down to zero, one step per delay, reporting progress; stops when cancelled",
        [](countdown_args args, polymcp::request_context& ctx) -> asio::awaitable<std::string> {
            asio::steady_timer timer(co_await asio::this_coro::executor);
            const auto delay = std::chrono::milliseconds(args.delay_ms.value_or(100));
            for (int i = 0; i < args.from; ++i) {
                ctx.report_progress(i, args.from, std::to_string(args.from - i) + " to go");
                timer.expires_after(delay);
                co_await timer.async_wait(asio::use_awaitable);  // throws when cancelled
            }
            ctx.report_progress(args.from, args.from, "liftoff");
            co_return "countdown from " + std::to_string(args.from) + " finished";
        });

    polymcp::server srv({.info = {.name = "hello-stdio",
                                  .version = polymcp::version_string,
                                  .title = "polymcp hello (stdio)"},
                         .instructions = "Tools: echo, add, countdown."},
                        polymcp::tools(echo, add, countdown));
    return srv.run() ? 1 : 0;
}
