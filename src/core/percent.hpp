// Percentages as shown to people: part of a whole, rounded to two decimals.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>

namespace psm {

// part / whole * 100 rounded to 2 decimals; nullopt when whole <= 0 (no meaningful share).
inline std::optional<double> Percent(std::int64_t part, std::int64_t whole) {
  if (whole <= 0) return std::nullopt;
  const double pct = static_cast<double>(part) * 100.0 / static_cast<double>(whole);
  return std::round(pct * 100.0) / 100.0;
}

}  // namespace psm
