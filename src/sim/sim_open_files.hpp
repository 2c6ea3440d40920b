// The simulator keeps a connection per station open (1,951 for the demo district), so it raises
// its limit of open files before it starts.
#pragma once

#include <cstdint>
#include <string>

namespace psm::sim {

// Raises the soft RLIMIT_NOFILE to the hard limit. Returns a sentence for the user when even
// that is below `wanted` (or the limit cannot be read or raised), else an empty string.
std::string RaiseOpenFileLimit(std::uint64_t wanted);

}  // namespace psm::sim
