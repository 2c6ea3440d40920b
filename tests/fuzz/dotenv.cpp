// Fuzzes the .env reader (ParseDotEnv), which reads a file an operator may have copied from
// anywhere. Input: the file's bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/dotenv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto vars = psm::ParseDotEnv(text, ".env");
  if (!vars.ok()) return 0;
  for (const auto& [key, value] : *vars) {
    // Only PSM_ keys come out, and no value is longer than the file.
    if (!key.starts_with("PSM_") || value.size() > size) __builtin_trap();
  }
  return 0;
}
