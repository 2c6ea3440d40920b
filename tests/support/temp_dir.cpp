// mkdtemp, so parallel tests (ctest -j) never share a directory.
#include "support/temp_dir.hpp"

#include <stdlib.h>

#include <stdexcept>
#include <string>
#include <system_error>

namespace psm::testing {

TempDir::TempDir() {
  std::string templ = (std::filesystem::temp_directory_path() / "psm-test-XXXXXX").string();
  if (mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = templ;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace psm::testing
