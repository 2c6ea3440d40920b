// Calendar arithmetic on a fixed UTC offset, and strict RFC 3339 parsing.
#include "core/time.hpp"

#include <cstdio>

#include "core/text.hpp"

namespace psm {
namespace {

using std::chrono::days;
using std::chrono::minutes;
using std::chrono::sys_days;

}  // namespace

Instant PollingDay::LocalMidnight() const {
  return std::chrono::time_point_cast<Millis>(sys_days(date) - utc_offset);
}

Instant PollingDay::At(minutes local_time_of_day) const {
  return LocalMidnight() + local_time_of_day;
}

bool PollingDay::Contains(Instant t) const {
  return t >= LocalMidnight() && t < LocalMidnight() + days(1);
}

std::chrono::year_month_day PollingDay::LocalDateOf(Instant t, minutes utc_offset) {
  return std::chrono::year_month_day(std::chrono::floor<days>(t + utc_offset));
}

std::string FormatRfc3339(Instant t) {
  const auto day = std::chrono::floor<days>(t);
  const std::chrono::year_month_day ymd(day);
  const std::chrono::hh_mm_ss<Millis> tod(t - day);
  const int year = static_cast<int>(ymd.year());
  const int ms = static_cast<int>(tod.subseconds().count());
  if (year < 0 || year > 9999) {  // outside the fixed-width form; never a polling day
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", year,
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(tod.hours().count()), static_cast<int>(tod.minutes().count()),
                  static_cast<int>(tod.seconds().count()), ms);
    std::string out = buf;
    if (ms == 0) out.erase(out.size() - 5, 4);  // ".000"
    return out;
  }
  // Written digit by digit: every rendered report and status carries times, and this runs on
  // the writer thread after every batch.
  char buf[24] = "0000-00-00T00:00:00.000";
  const auto put = [&buf](int at, int value, int width) {
    for (int i = at + width - 1; i >= at; --i, value /= 10)
      buf[i] = static_cast<char>('0' + value % 10);
  };
  put(0, year, 4);
  put(5, static_cast<int>(static_cast<unsigned>(ymd.month())), 2);
  put(8, static_cast<int>(static_cast<unsigned>(ymd.day())), 2);
  put(11, static_cast<int>(tod.hours().count()), 2);
  put(14, static_cast<int>(tod.minutes().count()), 2);
  put(17, static_cast<int>(tod.seconds().count()), 2);
  if (ms == 0) return std::string(buf, 19) + 'Z';
  put(20, ms, 3);
  buf[23] = 'Z';
  return std::string(buf, 24);
}

std::optional<std::chrono::year_month_day> ParseDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  const auto y = ParseDigits<int>(s.substr(0, 4));
  const auto m = ParseDigits<unsigned>(s.substr(5, 2));
  const auto d = ParseDigits<unsigned>(s.substr(8, 2));
  if (!y || !m || !d) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year(*y), std::chrono::month(*m),
                                        std::chrono::day(*d)};
  if (!ymd.ok()) return std::nullopt;
  return ymd;
}

std::string FormatDate(std::chrono::year_month_day d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
  return buf;
}

std::optional<Instant> ParseRfc3339(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.fff…](Z|±HH:MM)
  if (s.size() < 20) return std::nullopt;
  const auto date = ParseDate(s.substr(0, 10));
  if (!date || (s[10] != 'T' && s[10] != 't' && s[10] != ' ')) return std::nullopt;
  if (s[13] != ':' || s[16] != ':') return std::nullopt;
  const auto hh = ParseDigits<int>(s.substr(11, 2));
  const auto mm = ParseDigits<int>(s.substr(14, 2));
  const auto ss = ParseDigits<int>(s.substr(17, 2));
  if (!hh || !mm || !ss || *hh > 23 || *mm > 59 || *ss > 60) return std::nullopt;
  std::size_t i = 19;
  long long millis = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    int digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (digits < 3) millis = millis * 10 + (s[i] - '0');
      ++digits;
      ++i;
    }
    if (digits == 0) return std::nullopt;
    for (int k = digits; k < 3; ++k)
      millis *= 10;
  }
  if (i >= s.size()) return std::nullopt;
  minutes offset{0};
  const std::string_view zone = s.substr(i);
  if (zone == "Z" || zone == "z") {
    // UTC
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    const auto oh = ParseDigits<int>(zone.substr(1, 2));
    const auto om = ParseDigits<int>(zone.substr(4, 2));
    if (!oh || !om || *oh > 23 || *om > 59) return std::nullopt;
    offset = minutes(*oh * 60 + *om);
    if (zone[0] == '-') offset = -offset;
  } else {
    return std::nullopt;
  }
  const auto local = sys_days(*date) + std::chrono::hours(*hh) + minutes(*mm) +
                     std::chrono::seconds(*ss) + Millis(millis);
  return std::chrono::time_point_cast<Millis>(local - offset);
}

std::optional<minutes> ParseClockTime(std::string_view s) {
  if (s.size() != 5 || s[2] != ':') return std::nullopt;
  const auto hh = ParseDigits<int>(s.substr(0, 2));
  const auto mm = ParseDigits<int>(s.substr(3, 2));
  if (!hh || !mm || *hh > 23 || *mm > 59) return std::nullopt;
  return minutes(*hh * 60 + *mm);
}

std::string FormatUtcOffset(minutes offset) {
  const char sign = offset.count() < 0 ? '-' : '+';
  const long long total = offset.count() < 0 ? -offset.count() : offset.count();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%c%02lld:%02lld", sign, total / 60 % 100, total % 60);
  return buf;
}

}  // namespace psm
