#ifndef POLYMCP_TOOL_AUTH_TENANT_CREDENTIALS_HPP
#define POLYMCP_TOOL_AUTH_TENANT_CREDENTIALS_HPP

/// @file polymcp/tool_auth/tenant_credentials.hpp
/// Tenant credentials, resolved once per call in two steps: a tool that calls a third-party API on behalf of
/// the calling tenant declares the credentials it needs; before its handler
/// runs, polymcp (1) takes the tenant from the caller's principal and (2)
/// reads that tenant's active credentials from the storage policy,
/// decrypting them with the cipher policy. The handler receives them as a
/// typed value and never touches storage.
///
/// @code
/// struct twilio { BOOST_HANA_DEFINE_STRUCT(twilio, (std::string, account_sid), (std::string, auth_token)); };
/// auto store = std::make_shared<polymcp::tool_auth::credential_store<polymcp::storage::memory_storage, polymcp::crypto::fernet>>(storage, cipher);
/// auto send_sms = polymcp::tool<"send_sms">("Sends an SMS",
///     polymcp::tool_auth::with_tenant_credentials<twilio>(store, "twilio",
///         [](sms_args a, const twilio& cred, polymcp::request_context& ctx) { ... }));
/// @endcode
///
/// Failures are tool results in one shape: `isError: true`, the message as
/// text, and `structuredContent` `{"error": true, "message": ..., "error_type": ...}`
/// with `error_type` `missing_context` (the principal names no tenant),
/// `missing_credentials` (the tenant has no active credentials for the
/// provider: an unknown tenant included) or `execution_error` (storage or
/// decryption failed, the stored credentials do not decode, the handler threw).

#include <polymcp/crypto/concepts.hpp>
#include <polymcp/storage/sealed_records.hpp>
#include <polymcp/json/decode.hpp>
#include <polymcp/json/encode.hpp>
#include <polymcp/protocol/content.hpp>
#include <polymcp/handler/context.hpp>
#include <polymcp/storage/concepts.hpp>
#include <polymcp/handler/callable.hpp>
#include <polymcp/tools/result.hpp>

#include <asio/associated_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/bind_executor.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>

#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>

namespace polymcp::tool_auth {

/// The `error_type` of a failed credential resolution.
enum class credential_error { missing_context, missing_credentials, execution_error };

/// "missing_context", "missing_credentials" or "execution_error".
inline std::string_view to_string(credential_error e) noexcept {
    switch (e) {
        case credential_error::missing_context: return "missing_context";
        case credential_error::missing_credentials: return "missing_credentials";
        default: return "execution_error";
    }
}

/// The consistent error shape: `isError: true`, `message` as the text
/// content, and `structuredContent` `{"error": true, "message", "error_type"}`.
inline call_tool_result credential_error_result(credential_error type, std::string message) {
    call_tool_result r = call_tool_result::error(message);
    r.structured_content = {{"error", true}, {"message", std::move(message)}, {"error_type", std::string(to_string(type))}};
    return r;
}

/// Settings of `credential_store`.
struct credential_store_options {
    /// The records collection holding the credentials.
    std::string collection = "polymcp_tenant_credentials";
};

/// Tenants' credentials per provider ("twilio", "stripe", ...) in a
/// *Storage* (polymcp/storage/concepts.hpp), encrypted with a *Cipher*
/// (polymcp/crypto/concepts.hpp): sealed for purpose
/// "polymcp.tenant_credentials" and bound to the tenant and provider
/// (polymcp/crypto/sealed.hpp), so a ciphertext copied to another tenant's
/// record does not open there (`crypto::errc::authentication_failed`).
/// Thread-safe.
template <storage::storage Storage, crypto::cipher Cipher>
class credential_store {
public:
    /// @param storage where the records live (shared; must outlive nothing: it is kept)
    /// @param cipher encrypts the credentials (copied)
    /// @param options the records collection
    credential_store(std::shared_ptr<Storage> storage, Cipher cipher, credential_store_options options = {})
        : records_(std::move(storage), std::move(cipher),
                   {.collection = options.collection, .purpose = std::string(purpose), .member = "secret"}),
          options_(std::move(options)) {}

    /// Declares the collection (idempotent); call once at start.
    void define(std::error_code& ec) { records_.define(ec); }

    /// Stores `credentials` (a JSON object) for `tenant` and `provider`,
    /// replacing any, active. Storage errors and `std::invalid_argument`
    /// for an empty tenant or provider.
    void put(std::string_view tenant, std::string_view provider, const nlohmann::json& credentials,
             std::error_code& ec) {
        if (tenant.empty() || provider.empty()) throw std::invalid_argument("credential_store: empty tenant or provider");
        nlohmann::json fields = {{"tenant", tenant}, {"provider", provider}, {"active", true}};
        records_.put(record_id(tenant, provider), {tenant, provider}, std::move(fields), credentials, ec);
    }

    /// Typed form of `put`: `credentials` is encoded as JSON.
    template <class T>
        requires(!std::is_convertible_v<const T&, const nlohmann::json&>)
    void put(std::string_view tenant, std::string_view provider, const T& credentials, std::error_code& ec) {
        put(tenant, provider, polymcp::encode(credentials), ec);
    }

    /// Marks the credentials active or not (inactive ones are never handed
    /// out). `storage::errc::not_found` when there are none.
    void set_active(std::string_view tenant, std::string_view provider, bool active, std::error_code& ec) {
        const auto id = record_id(tenant, provider);
        auto r = records_.backend().read(options_.collection, id, ec);
        if (ec) return;
        if (!r) {
            ec = storage::errc::not_found;
            return;
        }
        auto fields = r->data;
        fields["active"] = active;
        records_.update(id, {tenant, provider}, std::move(fields), std::nullopt, r->version, ec);
    }

    /// Deletes the credentials; `storage::errc::not_found` when there are none.
    void remove(std::string_view tenant, std::string_view provider, std::error_code& ec) {
        records_.remove(record_id(tenant, provider), std::nullopt, ec);
    }

    /// The active credentials, decrypted; nothing when there are none or
    /// they are inactive. Errors: the storage's, the cipher's
    /// (`crypto::errc::authentication_failed`: another key, altered, or
    /// another tenant's or provider's), `storage::errc::corrupt_data` for a
    /// record without credentials.
    std::optional<nlohmann::json> active(std::string_view tenant, std::string_view provider, std::error_code& ec) const {
        auto r = records_.get(record_id(tenant, provider), {tenant, provider}, ec);
        return r ? usable(std::move(*r), ec) : std::nullopt;
    }

    /// `active` without blocking the caller: completion signature
    /// `void(std::error_code, std::optional<nlohmann::json>)`, on the
    /// executor associated with the completion handler.
    template <class CompletionToken>
    auto async_active(std::string tenant, std::string provider, CompletionToken&& token) const {
        return asio::async_initiate<CompletionToken, void(std::error_code, std::optional<nlohmann::json>)>(
            [this](auto handler, std::string t, std::string p) {
                auto ex = asio::get_associated_executor(handler);
                auto h = std::make_shared<decltype(handler)>(std::move(handler));
                auto id = record_id(t, p);
                records_.async_get(std::move(id), {std::move(t), std::move(p)},
                                   asio::bind_executor(ex, [h](std::error_code ec, std::optional<storage::sealed_record> r) {
                                       std::optional<nlohmann::json> out;
                                       if (!ec && r) out = usable(std::move(*r), ec);
                                       std::move(*h)(ec, std::move(out));
                                   }));
            },
            token, std::move(tenant), std::move(provider));
    }

    const credential_store_options& options() const noexcept { return options_; }  ///< the settings it was made with

    /// The purpose credentials are sealed for (polymcp/crypto/sealed.hpp).
    static constexpr std::string_view purpose = "polymcp.tenant_credentials";

private:
    static std::string escape(std::string_view s) {
        std::string out;
        for (char c : s) {
            if (c == '%' || c == '/') {
                static constexpr char hex[] = "0123456789ABCDEF";
                out += '%';
                out += hex[static_cast<unsigned char>(c) >> 4];
                out += hex[static_cast<unsigned char>(c) & 15];
            } else {
                out += c;
            }
        }
        return out;
    }
    static std::string record_id(std::string_view tenant, std::string_view provider) {
        return escape(tenant) + "/" + escape(provider);
    }
    // The credentials of an active record; nothing for an inactive one.
    static std::optional<nlohmann::json> usable(storage::sealed_record r, std::error_code& ec) {
        if (!r.fields.value("active", false)) return std::nullopt;
        if (r.secret.is_null()) {
            ec = storage::errc::corrupt_data;
            return std::nullopt;
        }
        return std::move(r.secret);
    }

    storage::sealed_records<Storage, Cipher> records_;
    credential_store_options options_;
};

namespace detail {

template <class F>
struct three_params {
    using params = typename handler::callable_traits<std::decay_t<F>>::args;
    static_assert(std::tuple_size_v<params> == 3,
                  "polymcp::tool_auth::with_tenant_credentials: the handler takes (Args, const Credentials&, "
                  "polymcp::request_context&)");
    using args = std::remove_cvref_t<std::tuple_element_t<0, params>>;
    using result = typename handler::callable_traits<std::decay_t<F>>::result;
};

template <class Credentials, class Store, class F>
struct credentialed {
    using args_type = typename three_params<F>::args;
    using result_type = typename three_params<F>::result;

    std::shared_ptr<Store> store{};
    std::string provider{};
    F f;

    asio::awaitable<call_tool_result> operator()(args_type a, request_context& ctx) const {
        // Step 1: the tenant, from the caller's principal.
        const std::string tenant = ctx.principal().tenant;
        if (tenant.empty())
            co_return credential_error_result(
                credential_error::missing_context,
                "No tenant in the request context: the caller's principal names no tenant (check the auth policy's "
                "tenant claim or API key mapping)");
        // Step 2: the tenant's active credentials, once, before the handler.
        auto tok = asio::experimental::as_tuple(asio::use_awaitable);
        std::string t = tenant, p = provider;
        auto [ec, found] = co_await store->async_active(std::move(t), std::move(p), tok);
        if (ec)
            co_return credential_error_result(credential_error::execution_error,
                                              "Could not read the " + provider + " credentials of tenant '" + tenant +
                                                  "': " + ec.message());
        if (!found)
            co_return credential_error_result(credential_error::missing_credentials,
                                              "Credentials not configured for tenant '" + tenant + "' (" + provider + ")");
        Credentials cred{};
        decode_error derr;
        if (!decode(*found, cred, derr))
            co_return credential_error_result(credential_error::execution_error,
                                              "The stored " + provider + " credentials of tenant '" + tenant +
                                                  "' do not have the expected shape: " + derr.what());
        // Step 3: the handler, with the credentials as a typed value.
        std::exception_ptr failure;
        std::string what;
        try {
            if constexpr (handler::awaitable_value<result_type>::is_coroutine) {
                using V = typename handler::awaitable_value<result_type>::type;
                if constexpr (std::is_void_v<V>) {
                    co_await f(std::move(a), cred, ctx);
                    co_return call_tool_result{};
                } else {
                    co_return to_call_tool_result(co_await f(std::move(a), cred, ctx));
                }
            } else if constexpr (std::is_void_v<result_type>) {
                f(std::move(a), cred, ctx);
                co_return call_tool_result{};
            } else {
                co_return to_call_tool_result(f(std::move(a), cred, ctx));
            }
        } catch (const std::exception& e) {
            what = e.what();
        } catch (...) {
            what = "unknown exception";
        }
        co_return credential_error_result(credential_error::execution_error, "Error executing tool: " + what);
    }
};

}  // namespace detail

/// Wraps `handler` — `R handler(Args, const Credentials&, request_context&)`,
/// plain or returning `asio::awaitable<R>` — into a tool handler that
/// resolves the calling tenant's `provider` credentials from `store` (a
/// `credential_store`, or any type with its `async_active`) before it runs,
/// and answers failures in the consistent error shape (this header's notes).
/// `Credentials` is a reflected struct decoded from the stored JSON.
template <class Credentials, class Store, class F>
auto with_tenant_credentials(std::shared_ptr<Store> store, std::string provider, F handler) {
    return detail::credentialed<Credentials, Store, std::decay_t<F>>{std::move(store), std::move(provider),
                                                                               std::move(handler)};
}

}  // namespace polymcp::tool_auth

#endif
