// Test helpers for the roll importer: fixture copies and files in a temp directory.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "support/temp_dir.hpp"

namespace psm::roll::testing {

using TempDir = psm::testing::TempDir;

// tests/fixtures/small-district.
std::filesystem::path FixtureDir();
// Copies the three fixture files into `dir`.
void CopyFixture(const std::filesystem::path& dir);
// Writes `content` to dir/name exactly (binary), replacing any existing file.
void WriteFile(const std::filesystem::path& dir, std::string_view name, std::string_view content);
std::string ReadFile(const std::filesystem::path& path);

}  // namespace psm::roll::testing
