#ifndef POLYMCP_SERVER_SESSION_HPP
#define POLYMCP_SERVER_SESSION_HPP

/// @file polymcp/server/session.hpp
/// One client's MCP session: what a transport feeds messages to. It parses
/// them, routes each to its front end and runs the 2025-11-25 one itself:
/// the lifecycle (MCP 2025-11-25 "Lifecycle": `initialize` first, only
/// `ping` before it), 2025-03-26 batches, `logging/setLevel`,
/// `resources/subscribe`, client notifications and responses, and the
/// session's list-change and resource-update notifications. A request whose
/// `params._meta` names a protocol version goes to the 2026-07-28 front end
/// (`stateless_endpoint`, server/stateless.hpp). Both hand the feature
/// methods to the shared `dispatcher` (server/dispatcher.hpp). It does no
/// I/O of its own.

#include <polymcp/core/config.hpp>
#include <polymcp/handler/outbound.hpp>
#include <polymcp/protocol/jsonrpc.hpp>
#include <polymcp/protocol/revision.hpp>
#include <polymcp/server/dispatcher.hpp>
#include <polymcp/server/session_record.hpp>
#include <polymcp/server/stateless.hpp>

#include <asio/any_io_executor.hpp>

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>

namespace polymcp {

/// One MCP session, or the server's endpoint for stateless requests.
///
/// A request whose `params._meta` names a protocol version
/// (`io.modelcontextprotocol/protocolVersion`, MCP 2026-07-28) is served on
/// its own, whatever the session negotiated (`stateless_endpoint`). Every
/// other request follows the session's `initialize` (2025-11-25 and
/// earlier). One session can serve both.
///
/// Thread-safety: `receive`, `receive_oversized`, `set_principal` and
/// `shutdown` must be called on the session's executor (a strand); handlers
/// and registries may call back from other threads, and the session posts
/// their work back to its strand.
class session : public std::enable_shared_from_this<session> {
public:
    /// @param shared the server's options, tools and thread pool
    /// @param strand executor that serializes this session's work
    /// @param out where messages to the client go
    POLYMCP_DECL session(std::shared_ptr<const server_shared> shared, asio::any_io_executor strand,
                         std::shared_ptr<outbound> out);

    POLYMCP_DECL ~session();

    session(const session&) = delete;
    session& operator=(const session&) = delete;

    /// Handles one received message (the text of one JSON value); everything
    /// it causes goes to the session's outbound.
    POLYMCP_DECL void receive(std::string_view text);

    /// Handles one parsed message (or a 2025-03-26 batch). Messages about it
    /// and its response go to `stream`, whose `finish` is called exactly once
    /// (with an empty reply when nothing answers it: a notification or a
    /// response).
    /// @param message the parsed message (an object, or an array for a batch)
    /// @param stream where everything about it goes
    /// @param who the caller of this message (null: the session's principal)
    POLYMCP_DECL void receive(const nlohmann::json& message, std::shared_ptr<reply_stream> stream,
                              std::shared_ptr<const auth::principal> who = nullptr);

    /// The principal of messages received without one (stdio: the one the
    /// auth policy established at start).
    void set_principal(std::shared_ptr<const auth::principal> who) { principal_ = std::move(who); }

    /// Reports a message that was skipped because it exceeded
    /// `max_message_bytes` (its id is unknown: the error has none).
    POLYMCP_DECL void receive_oversized(std::size_t bytes);

    /// Stops accepting requests (later ones get -32000), ends listen streams
    /// with their result, lets in-flight requests finish for up to
    /// `server_options::shutdown_grace`, answers those still running with
    /// -32000 and cancels them, then calls `done` once.
    POLYMCP_DECL void shutdown(std::function<void()> done);

    /// The session's strand; `receive` and `shutdown` must run on it.
    const asio::any_io_executor& get_executor() const noexcept { return core_->get_executor(); }

    /// Number of requests being handled.
    std::size_t in_flight() const noexcept { return core_->in_flight(); }
    /// Whether `initialize` succeeded.
    bool initialized() const noexcept { return initialized_; }
    /// The negotiated revision (the latest before `initialize`).
    revision protocol_version() const noexcept { return core_->protocol_version(); }

    /// What this session keeps between requests, for a `session_store`
    /// (server/session_store.hpp): its protocol revision, client
    /// capabilities and info, log level, subscriptions and the record's
    /// generation; `owner` is left anonymous (the transport knows it).
    /// Meaningful once `initialized()`.
    POLYMCP_DECL session_record record() const;
    /// Takes up a record stored by this or another instance: the session
    /// becomes initialized with its protocol revision, capabilities, client
    /// info, log level and subscriptions (and subscribes to the registries'
    /// changes). A record older than what this copy holds
    /// (`r.generation < record().generation`: a read that raced a later
    /// change) is ignored; one of the same generation is taken, so that
    /// copies that changed at once settle on what the store kept.
    /// @returns whether the record was taken
    POLYMCP_DECL bool restore(const session_record& r);
    /// Where messages go that belong to another instance's copy of this
    /// session: a response to a request this copy did not send, a
    /// `notifications/cancelled` for a request not running here. Unset (the
    /// default), they are ignored with a diagnostic. Call before the first
    /// `receive`, on the session's executor.
    using forward_fn = std::function<void(const nlohmann::json& message)>;
    void set_forward(forward_fn f) { forward_ = std::move(f); }  ///< see `forward_fn`
    /// Takes a message another instance forwarded (see `set_forward`): a
    /// response completes the request this copy sent, a cancellation cancels
    /// the request running here; anything else, or a message for nothing
    /// here, is ignored and never forwarded again.
    POLYMCP_DECL void receive_forwarded(const nlohmann::json& message);
    /// Grows whenever this copy changes what `record()` returns
    /// (`initialize`, `logging/setLevel`, `resources/subscribe` and
    /// `unsubscribe`); unlike `session_record::generation`, not when it takes
    /// a record (`restore`), so that a transport stores only its own changes.
    std::uint64_t record_version() const noexcept { return record_version_; }

private:
    using reply_fn = dispatcher::reply_fn;

    POLYMCP_DECL void send(const jsonrpc::error_response& e);
    POLYMCP_DECL void receive_batch(const nlohmann::json& arr, const std::shared_ptr<reply_stream>& stream,
                                    const std::shared_ptr<const auth::principal>& who);
    // One message of any kind: a request goes to its front end.
    POLYMCP_DECL void route(const nlohmann::json& j, reply_fn reply, const std::shared_ptr<reply_stream>& stream,
                            const std::shared_ptr<const auth::principal>& who);
    // A request of the 2025-11-25 session.
    POLYMCP_DECL void on_request(jsonrpc::request& r, reply_fn reply, const std::shared_ptr<reply_stream>& stream,
                                 const std::shared_ptr<const auth::principal>& who);
    POLYMCP_DECL void on_notification(const jsonrpc::notification& n);
    // A response `message` for no request of this copy: forwarded, or ignored with a diagnostic.
    POLYMCP_DECL void not_here(const nlohmann::json& message, std::string_view what, const jsonrpc::request_id& id);
    POLYMCP_DECL jsonrpc::reply on_initialize(const jsonrpc::request& r);
    POLYMCP_DECL jsonrpc::reply on_set_level(const jsonrpc::request& r);
    POLYMCP_DECL jsonrpc::reply on_resources_subscribe(const jsonrpc::request& r, bool subscribe);
    // After initialize: list changes and resource updates to the session's channel.
    POLYMCP_DECL void subscribe_registries();
    POLYMCP_DECL void post_notification(std::string method, nlohmann::json params);
    // This copy changed what record() returns.
    void changed() noexcept {
        ++record_version_;
        ++generation_;
    }

    std::shared_ptr<dispatcher> core_;
    std::shared_ptr<stateless_endpoint> stateless_;
    std::shared_ptr<const auth::principal> principal_;  // default caller
    std::uint64_t subscription_ = 0;
    std::uint64_t resource_list_subscription_ = 0;
    std::uint64_t resource_watch_ = 0;
    std::uint64_t prompt_subscription_ = 0;
    std::set<std::string, std::less<>> resource_subscriptions_;
    bool initialized_ = false;
    bool client_ready_ = false;
    std::uint64_t record_version_ = 0;
    std::uint64_t generation_ = 0;  // session_record::generation of what this copy holds
    forward_fn forward_;
};

}  // namespace polymcp

#if POLYMCP_HEADER_ONLY
#include <polymcp/server/impl/session.ipp>
#endif

#endif
