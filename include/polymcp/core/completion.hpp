#ifndef POLYMCP_CORE_COMPLETION_HPP
#define POLYMCP_CORE_COMPLETION_HPP

/// @file polymcp/core/completion.hpp
/// `polymcp::completion_signature<R>`: the completion signature of
/// polymcp's Asio-style operations that produce an `R`.

#include <system_error>

namespace polymcp {

/// `void(std::error_code, R)`, or `void(std::error_code)` for `R = void`:
/// how every asynchronous operation of polymcp completes (storage, client,
/// connector manager).
template <class R>
struct completion_signature_of {
    using type = void(std::error_code, R);  ///< the signature
};
/// An operation without a result completes with its error code alone.
template <>
struct completion_signature_of<void> {
    using type = void(std::error_code);  ///< the signature
};
/// `completion_signature_of<R>::type`.
template <class R>
using completion_signature = typename completion_signature_of<R>::type;

}  // namespace polymcp

#endif
