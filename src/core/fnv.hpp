// FNV-1a 64: a cheap hash that is stable across runs and platforms, for ETags and for spreading
// ids deterministically. Not for security.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace psm {

inline std::uint64_t Fnv1a64(std::string_view bytes) {
  std::uint64_t h = 14695981039346656037ull;  // the FNV-1a 64 offset basis
  for (unsigned char c : bytes)
    h = (h ^ c) * 1099511628211ull;
  return h;
}

// A strong ETag for `body`, quoted: it changes whenever the bytes change.
inline std::string EtagOf(std::string_view body) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "\"%016llx\"", static_cast<unsigned long long>(Fnv1a64(body)));
  return buf;
}

}  // namespace psm
