// mcp_cli: a small command-line MCP client on polymcp::client.
//
// usage: mcp_cli [OPTIONS] COMMAND TARGET [ARGS]
//
// TARGET is an http(s) URL (Streamable HTTP; with --sse, the 2024-11-05
// HTTP+SSE endpoint) or a command line that starts a stdio server, e.g.
// "npx -y @modelcontextprotocol/server-everything" (split on spaces;
// quote an argument with ' or ").
//
// COMMAND
//   info TARGET                         server name, version, protocol, capabilities
//   list-tools TARGET                   one tool per line: name, then description
//   call TARGET TOOL ['{json}']         calls TOOL with the JSON object as arguments
//   list-resources TARGET               one resource per line: URI, name
//   read TARGET URI                     prints the resource's text (or blob size)
//   list-prompts TARGET                 one prompt per line
//   get-prompt TARGET NAME ['{json}']   prints the prompt's messages
//
// OPTIONS
//   --header 'Name: value'   an extra HTTP header (repeatable)
//   --bearer TOKEN           send "Authorization: Bearer TOKEN"
//   --sse                    TARGET is a 2024-11-05 HTTP+SSE endpoint
//   --timeout MS             per-request timeout (progress extends it); default 60000
//   --era dual|modern|legacy which MCP revisions to speak: dual (default) uses the
//                            stateless 2026-07-28 when the server does, else the
//                            2025-11-25 initialize handshake; modern or legacy pin one
//   --ca-file FILE           trust the CA certificates in FILE (PEM)
//   --json                   print results as JSON instead of text
//   --verbose                show the server's log messages and a stdio server's stderr
//
// Progress of long calls is shown on stderr. Exit status: 0 on success, 1
// when the call failed (or the tool reported an error), 2 for bad usage.

#include <polymcp/client.hpp>
#include <polymcp/client/legacy_sse.hpp>
#include <polymcp/client/streamable_http.hpp>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

namespace mc = polymcp::client;
using json = nlohmann::json;

namespace {

int usage() {
    std::fprintf(stderr,
                 "usage: mcp_cli [--header 'N: v'] [--bearer TOKEN] [--sse] [--era dual|modern|legacy] [--timeout MS] [--ca-file FILE] [--json] "
                 "[--verbose]\n"
                 "               (info|list-tools|list-resources|list-prompts) TARGET\n"
                 "       mcp_cli [OPTIONS] call TARGET TOOL ['{json}']\n"
                 "       mcp_cli [OPTIONS] read TARGET URI\n"
                 "       mcp_cli [OPTIONS] get-prompt TARGET NAME ['{json}']\n"
                 "TARGET: an http(s) URL, or a command line that starts a stdio server\n");
    return 2;
}

/// Splits a command line on spaces, honouring '...' and "..." quotes.
std::vector<std::string> split_command(const std::string& s) {
    std::vector<std::string> out;
    std::string cur;
    bool have = false;
    char quote = 0;
    for (char c : s) {
        if (quote) {
            if (c == quote) quote = 0;
            else cur += c;
        } else if (c == '\'' || c == '"') {
            quote = c;
            have = true;
        } else if (c == ' ' || c == '\t') {
            if (have || !cur.empty()) out.push_back(cur);
            cur.clear();
            have = false;
        } else {
            cur += c;
        }
    }
    if (have || !cur.empty()) out.push_back(cur);
    return out;
}

std::string render(const polymcp::content_block& b) {
    return std::visit(
        [](const auto& c) -> std::string {
            using C = std::decay_t<decltype(c)>;
            if constexpr (std::is_same_v<C, polymcp::text_content>) return c.text;
            else if constexpr (std::is_same_v<C, polymcp::image_content>)
                return "[image " + c.mime_type + ", " + std::to_string(c.data.size() * 3 / 4) + " bytes]";
            else if constexpr (std::is_same_v<C, polymcp::audio_content>)
                return "[audio " + c.mime_type + ", " + std::to_string(c.data.size() * 3 / 4) + " bytes]";
            else if constexpr (std::is_same_v<C, polymcp::resource_link>) return "[link " + c.uri + "] " + c.name;
            else return "[resource " + c.uri + "]\n" + c.text.value_or("(binary)");
        },
        b);
}

json parse_object(const std::string& text, const char* what) {
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        throw std::invalid_argument(std::string(what) + " must be a JSON object, e.g. '{\"message\": \"hi\"}'");
    return j;
}

}  // namespace

int main(int argc, char** argv) {
    mc::http_options http;
    bool sse = false, as_json = false, verbose = false;
    mc::protocol_era era = mc::protocol_era::dual;
    std::chrono::milliseconds timeout{60'000};
    std::vector<std::string> pos;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
        if (a == "--header") {
            const char* v = value();
            if (!v) return usage();
            std::string h = v;
            auto colon = h.find(':');
            if (colon == std::string::npos) return usage();
            std::string val = h.substr(colon + 1);
            while (!val.empty() && val.front() == ' ') val.erase(0, 1);
            http.headers[h.substr(0, colon)] = val;
        } else if (a == "--bearer") {
            const char* v = value();
            if (!v) return usage();
            http.auth = std::make_shared<mc::bearer_token>(v);
        } else if (a == "--timeout") {
            const char* v = value();
            if (!v) return usage();
            timeout = std::chrono::milliseconds(std::atol(v));
        } else if (a == "--ca-file") {
            const char* v = value();
            if (!v) return usage();
            http.ca_file = v;
        } else if (a == "--era") {
            const char* v = value();
            if (!v) return usage();
            std::string e = v;
            if (e == "dual") era = mc::protocol_era::dual;
            else if (e == "modern") era = mc::protocol_era::modern;
            else if (e == "legacy") era = mc::protocol_era::legacy;
            else return usage();
        } else if (a == "--sse") {
            sse = true;
        } else if (a == "--json") {
            as_json = true;
        } else if (a == "--verbose") {
            verbose = true;
        } else if (a.rfind("--", 0) == 0) {
            return usage();
        } else {
            pos.push_back(a);
        }
    }
    if (pos.size() < 2) return usage();
    const std::string command = pos[0], target = pos[1];

    asio::io_context io;
    std::shared_ptr<mc::transport> transport;
    if (target.rfind("http://", 0) == 0 || target.rfind("https://", 0) == 0) {
        http.url = target;
        if (sse) transport = std::make_shared<mc::sse_transport>(io.get_executor(), http);
        else transport = std::make_shared<mc::streamable_http_transport>(io.get_executor(), http);
    } else {
        auto words = split_command(target);
        if (words.empty()) return usage();
        mc::stdio_options so{.command = words[0], .args = {words.begin() + 1, words.end()}};
        if (verbose) so.on_stderr = [](std::string_view l) { std::fprintf(stderr, "[server] %.*s\n", int(l.size()), l.data()); };
        transport = std::make_shared<mc::stdio_transport>(io.get_executor(), so);
    }

    mc::session_options so;
    so.era = sse ? mc::protocol_era::legacy : era;  // HTTP+SSE (2024-11-05) is legacy by nature
    so.client_info = {.name = "polymcp-mcp-cli", .version = "0.1.0"};
    so.request_timeout = timeout;
    so.diagnostics = [verbose](std::string_view d) {
        if (verbose) std::fprintf(stderr, "mcp_cli: %.*s\n", int(d.size()), d.data());
    };
    if (verbose)
        so.on_log = [](const mc::log_message& m) {
            std::fprintf(stderr, "[%s] %s\n", std::string(polymcp::to_string(m.level)).c_str(), m.data.dump().c_str());
        };
    mc::session s(transport, so);

    int status = 0;
    auto run = [&]() -> asio::awaitable<void> {
        auto init = co_await s.initialize();
        if (command == "info") {
            if (as_json) std::cout << init.raw.dump(2) << "\n";
            else
                std::cout << init.server_info.name << " " << init.server_info.version << " (MCP "
                          << init.protocol_version << ")\ncapabilities: " << init.capabilities.raw.dump() << "\n"
                          << (init.instructions.empty() ? "" : "instructions: " + init.instructions + "\n");
        } else if (command == "list-tools") {
            auto tools = co_await s.list_tools();
            for (const auto& t : tools) {
                if (as_json) std::cout << t.raw.dump() << "\n";
                else std::cout << t.name << (t.description.empty() ? "" : "  " + t.description.substr(0, t.description.find('\n'))) << "\n";
            }
        } else if (command == "call") {
            if (pos.size() < 3 || pos.size() > 4) throw std::invalid_argument("call needs TARGET TOOL ['{json}']");
            json args = pos.size() == 4 ? parse_object(pos[3], "the arguments") : json::object();
            mc::request_options ro;
            ro.on_progress = [](const mc::progress_info& p) {
                if (p.total && *p.total > 0)
                    std::fprintf(stderr, "progress %g/%g (%.0f%%)%s%s\n", p.progress, *p.total,
                                 100.0 * p.progress / *p.total, p.message.empty() ? "" : " ", p.message.c_str());
                else
                    std::fprintf(stderr, "progress %g%s%s\n", p.progress, p.message.empty() ? "" : " ", p.message.c_str());
            };
            auto r = co_await s.call_tool(pos[2], args, ro);
            if (as_json) {
                std::cout << r.raw.dump(2) << "\n";
            } else {
                for (const auto& b : r.content) std::cout << render(b) << "\n";
                if (!r.structured_content.is_null() && r.content.empty())
                    std::cout << r.structured_content.dump(2) << "\n";
            }
            if (r.is_error) status = 1;
        } else if (command == "list-resources") {
            auto resources = co_await s.list_resources();
            auto templates = co_await s.list_resource_templates();
            for (const auto& r : resources) std::cout << (as_json ? r.raw.dump() : r.uri + "  " + r.name) << "\n";
            for (const auto& t : templates)
                std::cout << (as_json ? t.raw.dump() : t.uri_template + "  " + t.name + " (template)") << "\n";
        } else if (command == "read") {
            if (pos.size() != 3) throw std::invalid_argument("read needs TARGET URI");
            auto r = co_await s.read_resource(pos[2]);
            if (as_json) std::cout << r.raw.dump(2) << "\n";
            else
                for (const auto& c : r.contents)
                    std::cout << (c.text ? *c.text : "[" + c.mime_type + " blob, " + std::to_string(c.blob->size() * 3 / 4) + " bytes]")
                              << "\n";
        } else if (command == "list-prompts") {
            auto prompts = co_await s.list_prompts();
            for (const auto& p : prompts)
                std::cout << (as_json ? p.raw.dump() : p.name + (p.description.empty() ? "" : "  " + p.description)) << "\n";
        } else if (command == "get-prompt") {
            if (pos.size() < 3 || pos.size() > 4) throw std::invalid_argument("get-prompt needs TARGET NAME ['{json}']");
            std::map<std::string, std::string> args;
            if (pos.size() == 4) {
                json given = parse_object(pos[3], "the prompt arguments");  // a named local: items() must not outlive it
                for (const auto& [k, v] : given.items()) args[k] = v.is_string() ? v.get<std::string>() : v.dump();
            }
            auto r = co_await s.get_prompt(pos[2], args);
            if (as_json) std::cout << r.raw.dump(2) << "\n";
            else
                for (const auto& m : r.messages) std::cout << m.role << ": " << render(m.content) << "\n";
        } else {
            throw std::invalid_argument("unknown command \"" + command + "\"");
        }
    };
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            // Whatever happens, end the session (and a stdio server) before returning.
            std::exception_ptr failure;
            try {
                co_await run();
            } catch (...) {
                failure = std::current_exception();
            }
            co_await s.close();
            if (failure) std::rethrow_exception(failure);
        },
        [&](std::exception_ptr e) {
            if (!e) return;
            try {
                std::rethrow_exception(e);
            } catch (const std::invalid_argument& x) {
                std::fprintf(stderr, "mcp_cli: %s\n", x.what());
                status = 2;
            } catch (const mc::client_error& x) {
                std::fprintf(stderr, "mcp_cli: %s\n", x.what());
                status = 1;
            } catch (const std::exception& x) {
                std::fprintf(stderr, "mcp_cli: %s\n", x.what());
                status = 1;
            }
        });
    io.run();
    return status;
}
