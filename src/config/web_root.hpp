// Where `psm serve` finds its web pages: the configured folder, or for the default `web` when
// the working folder has none, the pages installed beside the program (BINDIR/../share/psm/web).
#pragma once

#include <filesystem>
#include <string>

namespace psm {

inline constexpr const char* kDefaultWebRoot = "web";

// `configured` is --web-root / PSM_WEB_ROOT; `program` is the running executable's path
// (/proc/self/exe). A folder given by name is used as it is, even if missing (the caller warns);
// only the default falls back, so a development tree's web/ always wins over an installed copy.
std::filesystem::path ResolveWebRoot(const std::string& configured,
                                     const std::filesystem::path& program);

// The running executable's path, or empty if the kernel will not say.
std::filesystem::path RunningProgram();

}  // namespace psm
