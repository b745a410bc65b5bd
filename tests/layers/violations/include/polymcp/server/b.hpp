// Reaching into another area's detail/: refused even downward.
#include <polymcp/core/detail/x.hpp>
// Downward to a public header: fine.
#include <polymcp/core/a.hpp>
