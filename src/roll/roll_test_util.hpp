// Test helpers for the roll importer: a self-deleting temp directory and fixture copies.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace psm::roll::testing {

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// tests/fixtures/small-district.
std::filesystem::path FixtureDir();
// Copies the three fixture files into `dir`.
void CopyFixture(const std::filesystem::path& dir);
// Writes `content` to dir/name exactly (binary), replacing any existing file.
void WriteFile(const std::filesystem::path& dir, std::string_view name, std::string_view content);
std::string ReadFile(const std::filesystem::path& path);

}  // namespace psm::roll::testing
