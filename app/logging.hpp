// JSON-lines logging to stdout through spdlog: one object per line, message escaped.
#pragma once

#include <string>

namespace psm::app {

// Installs the JSON-lines logger as spdlog's default. `level` is trace|debug|info|warn|error.
void SetUpLogging(const std::string& level);

}  // namespace psm::app
