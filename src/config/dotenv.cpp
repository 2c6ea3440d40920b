// A deliberately small .env dialect: comments, blank lines, optional `export`, optional quotes.
#include "config/dotenv.hpp"

#include <cstdlib>
#include <fstream>

#include "core/text.hpp"

namespace psm {

Result<int> LoadDotEnv(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return 0;
  int applied = 0;
  int line_no = 0;
  std::string raw;
  while (std::getline(in, raw)) {
    ++line_no;
    std::string_view line = Trim(raw);
    if (line.empty() || line[0] == '#') continue;
    if (line.starts_with("export ")) line = Trim(line.substr(7));
    const auto eq = line.find('=');
    const std::string where = path.string() + ":" + std::to_string(line_no) + ": ";
    if (eq == std::string::npos || eq == 0)
      return Error::Invalid("dotenv", where + "expected KEY=VALUE");
    const std::string key(Trim(line.substr(0, eq)));
    std::string value(Trim(line.substr(eq + 1)));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    for (char c : key) {
      if (!(c == '_' || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
        return Error::Invalid("dotenv", where + "bad key \"" + key + "\"");
    }
    if (key.rfind("PSM_", 0) != 0) continue;
    if (::setenv(key.c_str(), value.c_str(), /*overwrite=*/0) == 0) ++applied;
  }
  return applied;
}

}  // namespace psm
