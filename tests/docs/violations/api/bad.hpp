#ifndef POLYMCP_DOCS_VIOLATIONS_BAD_HPP
#define POLYMCP_DOCS_VIOLATIONS_BAD_HPP

/// @file bad.hpp
/// Entities the API reference's settings refuse (tests/docs/check_api_reference.sh).

namespace polymcp_violations {

int undocumented_function(int x);

/// Points at @ref no_such_entity, which does not exist.
int broken_reference();

}  // namespace polymcp_violations

#endif
