// Formatting of local clock times and counts for refusal details.
#include "core/local_format.hpp"

#include <cstdio>

namespace psm {

std::string FormatLocalTime(Instant t, std::chrono::minutes utc_offset) {
  const auto local = t + utc_offset;
  const auto day = std::chrono::floor<std::chrono::days>(local);
  const std::chrono::hh_mm_ss<Millis> tod(local - day);
  char buf[16];
  const int h = static_cast<int>(tod.hours().count());
  const int m = static_cast<int>(tod.minutes().count());
  const int s = static_cast<int>(tod.seconds().count());
  if (s == 0) {
    std::snprintf(buf, sizeof buf, "%02d:%02d", h, m);
  } else {
    std::snprintf(buf, sizeof buf, "%02d:%02d:%02d", h, m, s);
  }
  const std::string zone =
      utc_offset == std::chrono::minutes(330) ? "IST" : "UTC" + FormatUtcOffset(utc_offset);
  return std::string(buf) + " " + zone;
}

std::string FormatCounts(const Counts& c) {
  return std::to_string(c.Total()) + " (men " + std::to_string(c.men) + ", women " +
         std::to_string(c.women) + ", others " + std::to_string(c.others) + ")";
}

}  // namespace psm
