// A lower layer reaching up: refused.
#include <polymcp/server/b.hpp>
