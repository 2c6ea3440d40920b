// Temp directories and fixture copies for the roll tests.
#include "roll/roll_test_util.hpp"

#include <stdlib.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace psm::roll::testing {

std::filesystem::path FixtureDir() {
  return PSM_ROLL_FIXTURE;
}

void CopyFixture(const std::filesystem::path& dir) {
  for (const char* name : {"constituencies.csv", "stations.csv", "electors.csv"}) {
    std::filesystem::copy_file(FixtureDir() / name, dir / name,
                               std::filesystem::copy_options::overwrite_existing);
  }
}

void WriteFile(const std::filesystem::path& dir, std::string_view name, std::string_view content) {
  std::ofstream out(dir / std::string(name), std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out) throw std::runtime_error("cannot write " + (dir / std::string(name)).string());
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace psm::roll::testing
