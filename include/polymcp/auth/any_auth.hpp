#ifndef POLYMCP_AUTH_ANY_AUTH_HPP
#define POLYMCP_AUTH_ANY_AUTH_HPP

/// @file polymcp/auth/any_auth.hpp
/// `polymcp::auth::any_auth`: holds any *AuthPolicy* (auth/concepts.hpp), the
/// way `asio::any_io_executor` holds any executor, so that transports and
/// sessions are compiled once whatever policy a server uses.

#include <polymcp/auth/concepts.hpp>
#include <polymcp/auth/none.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace polymcp::auth {

/// A type-erased *AuthPolicy*. Default: `no_auth`. Copies share the policy.
/// Thread-safe when the held policy is (every model in polymcp is).
class any_auth {
public:
    /// The `none` policy.
    any_auth() : any_auth(no_auth{}) {}

    /// Holds `policy`. A type that is not an *AuthPolicy* fails here with one
    /// message naming the requirement.
    template <class A>
        requires(!std::same_as<std::decay_t<A>, any_auth>)
    any_auth(A policy) {  // NOLINT: implicit, like asio::any_io_executor
        static_assert(auth_policy<A>,
                      "polymcp::auth::any_auth: the policy must satisfy polymcp::auth::auth_policy: a copyable "
                      "type with `auth_result authenticate(const auth_request&) const` (see "
                      "polymcp/auth/concepts.hpp)");
        impl_ = std::make_shared<model<A>>(std::move(policy));
    }

    /// Authenticates `r` (see the named requirement).
    auth_result authenticate(const auth_request& r) const { return impl_->authenticate(r); }
    /// The `WWW-Authenticate` value for `rej`.
    std::string challenge(const auth_rejection& rej) const { return impl_->challenge(rej); }
    /// Documents to serve over HTTP (RFC 9728 metadata).
    std::vector<well_known_document> documents() const { return impl_->documents(); }
    /// Whether `authenticate` may block on the network.
    bool may_block() const { return impl_->may_block(); }
    /// The policy's name for diagnostics.
    std::string_view name() const { return impl_->name(); }
    /// Whether the policy lets everyone in.
    bool anonymous() const { return impl_->anonymous(); }
    /// The held policy when it is an `A`, else null.
    template <class A>
    const A* target() const noexcept {
        auto* m = dynamic_cast<const model<A>*>(impl_.get());
        return m ? &m->policy : nullptr;
    }

private:
    struct concept_t {
        virtual ~concept_t() = default;
        virtual auth_result authenticate(const auth_request&) const = 0;
        virtual std::string challenge(const auth_rejection&) const = 0;
        virtual std::vector<well_known_document> documents() const = 0;
        virtual bool may_block() const = 0;
        virtual std::string_view name() const = 0;
        virtual bool anonymous() const = 0;
    };
    template <class A>
    struct model final : concept_t {
        explicit model(A a) : policy(std::move(a)) {}
        auth_result authenticate(const auth_request& r) const override { return policy.authenticate(r); }
        std::string challenge(const auth_rejection& rej) const override {
            if constexpr (requires { { policy.challenge(rej) } -> std::convertible_to<std::string>; })
                return policy.challenge(rej);
            else
                return bearer_challenge(rej);
        }
        std::vector<well_known_document> documents() const override {
            if constexpr (requires { { policy.documents() } -> std::convertible_to<std::vector<well_known_document>>; })
                return policy.documents();
            else
                return {};
        }
        bool may_block() const override {
            if constexpr (requires { { policy.may_block() } -> std::convertible_to<bool>; })
                return policy.may_block();
            else
                return false;
        }
        std::string_view name() const override {
            if constexpr (requires { { policy.name() } -> std::convertible_to<std::string_view>; })
                return policy.name();
            else
                return "custom";
        }
        bool anonymous() const override {
            if constexpr (requires { { A::anonymous } -> std::convertible_to<bool>; })
                return A::anonymous;
            else
                return false;
        }
        A policy;
    };
    std::shared_ptr<const concept_t> impl_;
};

}  // namespace polymcp::auth

#endif
