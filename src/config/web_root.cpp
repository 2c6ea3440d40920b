#include "config/web_root.hpp"

#include <system_error>

namespace psm {

namespace fs = std::filesystem;

fs::path ResolveWebRoot(const std::string& configured, const fs::path& program) {
  std::error_code ec;
  if (configured != kDefaultWebRoot || fs::is_directory(configured, ec) || program.empty())
    return configured;
  // A package installs the program as /usr/bin/psm and the pages as /usr/share/psm/web.
  fs::path installed = program.parent_path().parent_path() / "share" / "psm" / "web";
  if (fs::is_directory(installed, ec)) return installed;
  return configured;
}

fs::path RunningProgram() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : self;
}

}  // namespace psm
