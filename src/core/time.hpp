// Instants, the district's fixed UTC offset, the polling day and RFC 3339 text.
// India has no daylight saving, so a fixed offset (IST = +05:30) describes the district exactly.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace psm {

using Instant = std::chrono::sys_time<std::chrono::milliseconds>;
using Millis = std::chrono::milliseconds;

// The polling day: a local calendar date in the district, plus the poll's opening and closing
// local times, all expressed against a fixed UTC offset.
struct PollingDay {
  std::chrono::year_month_day date{};
  std::chrono::minutes utc_offset{330};  // IST
  std::chrono::minutes opens{7 * 60};    // 07:00 local
  std::chrono::minutes closes{18 * 60};  // 18:00 local

  // Local midnight at the start of `date`, as an instant.
  Instant LocalMidnight() const;
  // The instant of a local time of day (minutes after local midnight) on this day.
  Instant At(std::chrono::minutes local_time_of_day) const;
  Instant OpensAt() const { return At(opens); }
  Instant ClosesAt() const { return At(closes); }
  // True when `t` falls on this local calendar day.
  bool Contains(Instant t) const;
  // The local date that contains `t` under `utc_offset`.
  static std::chrono::year_month_day LocalDateOf(Instant t, std::chrono::minutes utc_offset);
};

// "2026-11-30T08:15:00Z" (milliseconds only when non-zero).
std::string FormatRfc3339(Instant t);
// Parses RFC 3339 with 'Z' or a numeric offset and optional fractional seconds.
std::optional<Instant> ParseRfc3339(std::string_view text);
// "HH:MM" → minutes after midnight; nullopt when malformed.
std::optional<std::chrono::minutes> ParseClockTime(std::string_view text);
// "YYYY-MM-DD" → a date; nullopt when malformed.
std::optional<std::chrono::year_month_day> ParseDate(std::string_view text);
std::string FormatDate(std::chrono::year_month_day d);
// "+05:30"
std::string FormatUtcOffset(std::chrono::minutes offset);

}  // namespace psm
