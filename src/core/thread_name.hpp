// Names the calling thread, so `top -H`, `perf` and /proc show which of psm's threads is busy
// (event loops, the writer, the blocking pool) instead of three identical "psm" lines.
#pragma once

#include <string>

namespace psm {

// Linux keeps 15 bytes of a thread's name; longer names are cut to fit. Best effort: a thread
// without a name works as before, so a failure is not reported.
void NameThisThread(const std::string& name);

// The name as the kernel holds it ("" if it cannot be read).
std::string ThisThreadName();

}  // namespace psm
