// Loads KEY=VALUE lines from a .env file into the environment without overriding variables
// that are already set, which gives the precedence flags > environment > .env > defaults.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace psm {

// The PSM_ variables of a .env text in file order, read without touching the environment.
// A malformed line is an error starting "<name>:<line>: ". Keys not starting with "PSM_" are
// checked but left out.
Result<std::vector<std::pair<std::string, std::string>>> ParseDotEnv(std::string_view text,
                                                                     std::string_view name);

// Returns the number of variables set. A missing file is not an error (returns 0). A malformed
// line is an error naming the file and line; nothing is applied then. Only keys starting with
// "PSM_" are applied.
Result<int> LoadDotEnv(const std::filesystem::path& path);

}  // namespace psm
