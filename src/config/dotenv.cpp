// A deliberately small .env dialect: comments, blank lines, optional `export`, optional quotes.
#include "config/dotenv.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/text.hpp"

namespace psm {

Result<std::vector<std::pair<std::string, std::string>>> ParseDotEnv(std::string_view text,
                                                                     std::string_view name) {
  std::vector<std::pair<std::string, std::string>> vars;
  int line_no = 0;
  while (!text.empty()) {
    // Lines as std::getline splits them: a last line without '\n' still counts.
    const auto nl = text.find('\n');
    const std::string_view raw = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    std::string_view line = Trim(raw);
    if (line.empty() || line[0] == '#') continue;
    if (line.starts_with("export ")) line = Trim(line.substr(7));
    const auto eq = line.find('=');
    const std::string where = std::string(name) + ":" + std::to_string(line_no) + ": ";
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
    vars.emplace_back(key, std::move(value));
  }
  return vars;
}

Result<int> LoadDotEnv(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return 0;
  std::ostringstream text;
  text << in.rdbuf();
  auto vars = ParseDotEnv(text.str(), path.string());
  if (!vars.ok()) return vars.error();
  int applied = 0;
  for (const auto& [key, value] : *vars) {
    if (::setenv(key.c_str(), value.c_str(), /*overwrite=*/0) == 0) ++applied;
  }
  return applied;
}

}  // namespace psm
