// Test support: a fresh directory under the system temp dir for one test, removed with
// everything in it when the test is done. The one TempDir every C++ test uses.
#pragma once

#include <filesystem>

namespace psm::testing {

class TempDir {
 public:
  // Creates the directory (mkdtemp); throws std::runtime_error if it cannot.
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace psm::testing
