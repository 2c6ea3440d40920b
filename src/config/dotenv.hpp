// Loads KEY=VALUE lines from a .env file into the environment without overriding variables
// that are already set, which gives the precedence flags > environment > .env > defaults.
#pragma once

#include <filesystem>
#include <string>

#include "core/result.hpp"

namespace psm {

// Returns the number of variables set. A missing file is not an error (returns 0). A malformed
// line is an error naming the file and line. Only keys starting with "PSM_" are applied.
Result<int> LoadDotEnv(const std::filesystem::path& path);

}  // namespace psm
