#ifndef POLYMCP_CLIENT_TYPES_HPP
#define POLYMCP_CLIENT_TYPES_HPP

/// @file polymcp/client/types.hpp
/// The MCP results a client receives, as typed structures (MCP 2025-11-25
/// schema: `InitializeResult`, `Tool`, `CallToolResult`, `Resource`,
/// `ResourceTemplate`, `ReadResourceResult`, `Prompt`, `GetPromptResult`,
/// `CompleteResult`), each with the JSON it was read from in `raw`.
///
/// Reading is strict about what the schema requires (a tool without a
/// `name`, a content block without its `text`) and lenient about what it
/// does not know: unknown members stay in `raw`, and content blocks of an
/// unknown `type` are left out of the typed view (they too stay in `raw`).
/// Every `from_json` throws `client_error(errc::invalid_mcp_server)` with
/// the path of the offending member.

#include <polymcp/core/config.hpp>
#include <polymcp/client/error.hpp>
#include <polymcp/protocol/content.hpp>
#include <polymcp/protocol/types.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace polymcp::client {

/// What a server declared it supports (schema `ServerCapabilities`).
struct server_capabilities {
    bool tools = false;                   ///< `tools`: it serves `tools/list` and `tools/call`
    bool tools_list_changed = false;      ///< `tools.listChanged`: it notifies changes of its tool list
    bool resources = false;               ///< `resources`: it serves `resources/list` and `resources/read`
    bool resources_subscribe = false;     ///< `resources.subscribe`: it accepts `resources/subscribe`
    bool resources_list_changed = false;  ///< `resources.listChanged`: it notifies changes of its resource list
    bool prompts = false;                 ///< `prompts`: it serves `prompts/list` and `prompts/get`
    bool prompts_list_changed = false;    ///< `prompts.listChanged`: it notifies changes of its prompt list
    bool logging = false;                 ///< `logging`: it sends `notifications/message` and accepts `logging/setLevel`
    bool completions = false;             ///< `completions`: it serves `completion/complete`
    json raw = json::object();  ///< the `capabilities` object as received
};

/// The server's answer to `initialize` (schema `InitializeResult`).
struct initialize_result {
    std::string protocol_version{};   ///< the revision the session speaks, e.g. "2025-11-25"
    server_capabilities capabilities{};  ///< what the server supports
    implementation server_info{};      ///< the server's `serverInfo`: name, version, title
    std::string instructions{};       ///< optional; empty when absent
    json raw{};                        ///< the result as received
};

/// A tool a server offers (schema `Tool`).
struct tool_info {
    std::string name{};                  ///< what `tools/call` names it by
    std::string title{};                 ///< for people; empty when absent
    std::string description{};           ///< for the model; empty when absent
    json input_schema = json::object();  ///< a JSON Schema object
    json output_schema{};                ///< a JSON Schema object, or null when absent
    tool_annotations annotations;        ///< behaviour hints (read-only, destructive, ...)
    std::vector<icon> icons{};           ///< icons for a user interface
    json meta{};                         ///< `_meta`, or null
    json raw{};                          ///< the `Tool` as received
};

/// The result of `tools/call` (schema `CallToolResult`), with `raw`.
struct call_tool_result : polymcp::call_tool_result {
    json raw{};  ///< the result as received
};

/// A resource a server lists (schema `Resource`).
struct resource_info {
    std::string uri{};                  ///< what `resources/read` names it by
    std::string name{};                 ///< a short name
    std::string title{};                ///< for people; empty when absent
    std::string description{};          ///< empty when absent
    std::string mime_type{};            ///< empty when absent
    std::optional<std::uint64_t> size{};  ///< bytes
    json annotations{};                 ///< audience, priority, lastModified; null when absent
    std::vector<icon> icons{};          ///< icons for a user interface
    json meta{};                        ///< `_meta`, or null
    json raw{};                         ///< the `Resource` as received
};

/// A resource template a server lists (schema `ResourceTemplate`).
struct resource_template_info {
    std::string uri_template{};  ///< RFC 6570 template
    std::string name{};        ///< a short name
    std::string title{};       ///< for people; empty when absent
    std::string description{};  ///< empty when absent
    std::string mime_type{};   ///< of the resources it names; empty when absent
    json annotations{};        ///< audience, priority, lastModified; null when absent
    std::vector<icon> icons{};  ///< icons for a user interface
    json meta{};               ///< `_meta`, or null
    json raw{};                ///< the `ResourceTemplate` as received
};

/// One resource's contents (schema `TextResourceContents` or `BlobResourceContents`).
struct resource_contents {
    std::string uri{};                ///< the resource's URI
    std::string mime_type{};          ///< empty when absent
    std::optional<std::string> text;  ///< text contents (one of `text` and `blob` is set)
    std::optional<std::string> blob{};  ///< base64
    json meta{};                      ///< `_meta`, or null
};

/// The result of `resources/read` (schema `ReadResourceResult`).
struct read_resource_result {
    std::vector<resource_contents> contents;  ///< one or more (a folder may hold several)
    json raw{};                               ///< the result as received
};

/// An argument a prompt accepts (schema `PromptArgument`).
struct prompt_argument_info {
    std::string name{};        ///< the key in `prompts/get` `arguments`
    std::string title{};       ///< for people; empty when absent
    std::string description{};  ///< empty when absent
    bool required = false;     ///< whether `prompts/get` must give it
};

/// A prompt a server lists (schema `Prompt`).
struct prompt_info {
    std::string name{};                           ///< what `prompts/get` names it by
    std::string title{};                          ///< for people; empty when absent
    std::string description{};                    ///< empty when absent
    std::vector<prompt_argument_info> arguments{};  ///< the arguments it accepts
    std::vector<icon> icons{};                    ///< icons for a user interface
    json meta{};                                  ///< `_meta`, or null
    json raw{};                                   ///< the `Prompt` as received
};

/// One message of a prompt (schema `PromptMessage`).
struct prompt_message_info {
    std::string role{};     ///< "user" or "assistant"
    content_block content{};  ///< text, image, audio, a resource link or an embedded resource
};

/// The result of `prompts/get` (schema `GetPromptResult`).
struct get_prompt_result {
    std::string description{};                  ///< empty when absent
    std::vector<prompt_message_info> messages{};  ///< the prompt, in order
    json raw{};                                 ///< the result as received
};

/// The result of `completion/complete` (schema `CompleteResult`).
struct complete_result {
    std::vector<std::string> values{};   ///< at most 100
    std::optional<std::uint64_t> total{};  ///< how many values there are in all, when the server says
    bool has_more = false;               ///< whether there are more than `values`
    json raw{};                          ///< the result as received
};

/// A progress notification for one request (schema `ProgressNotification`).
struct progress_info {
    double progress = 0;          ///< increases with every notification of a request
    std::optional<double> total{};  ///< what `progress` reaches at the end, when known
    std::string message{};        ///< for people; empty when absent
};

/// A `notifications/message` log entry (schema `LoggingMessageNotification`).
struct log_message {
    logging_level level = logging_level::info;  ///< RFC 5424 severity
    std::string logger{};                       ///< the logger's name; empty when absent
    json data{};                                ///< any JSON value
};

/// The values an elicitation form starts with (MCP 2025-11-25 "Elicitation",
/// SEP-1034: clients SHOULD pre-populate defaults): for each property of
/// `requested_schema` (a restricted JSON Schema object) that declares a
/// `default`, that default. Returns an object; properties without a default
/// are left out.
POLYMCP_DECL json elicitation_defaults(const json& requested_schema);

/// Reads `InitializeResult`.
POLYMCP_DECL initialize_result initialize_result_from_json(const json& j);
/// Reads one `Tool`.
POLYMCP_DECL tool_info tool_info_from_json(const json& j);
/// Reads `CallToolResult`.
POLYMCP_DECL call_tool_result call_tool_result_from_json(const json& j);
/// Reads one `ContentBlock`; `std::nullopt` for a `type` this build does not know.
POLYMCP_DECL std::optional<content_block> content_block_from_json(const json& j, std::string_view path);
/// Reads one `Resource`.
POLYMCP_DECL resource_info resource_info_from_json(const json& j);
/// Reads one `ResourceTemplate`.
POLYMCP_DECL resource_template_info resource_template_info_from_json(const json& j);
/// Reads `ReadResourceResult`.
POLYMCP_DECL read_resource_result read_resource_result_from_json(const json& j);
/// Reads one `Prompt`.
POLYMCP_DECL prompt_info prompt_info_from_json(const json& j);
/// Reads `GetPromptResult`.
POLYMCP_DECL get_prompt_result get_prompt_result_from_json(const json& j);
/// Reads `CompleteResult`.
POLYMCP_DECL complete_result complete_result_from_json(const json& j);
/// Reads an `Implementation` (`serverInfo`).
POLYMCP_DECL implementation implementation_from_json(const json& j, std::string_view path);

}  // namespace polymcp::client

#if POLYMCP_HEADER_ONLY
#include <polymcp/client/impl/types.ipp>
#endif

#endif
