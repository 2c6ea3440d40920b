// IMF-fixdate formatting by hand: strftime's %a and %b follow the locale, HTTP's names do not.
#include "http/http_date.hpp"

#include <time.h>

namespace psm::http {
namespace {

constexpr char kDays[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr char kMonths[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void Put2(char* at, int v) {
  at[0] = static_cast<char>('0' + v / 10 % 10);
  at[1] = static_cast<char>('0' + v % 10);
}

}  // namespace

HttpDate FormatHttpDate(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  HttpDate d;
  char* p = d.text.data();
  // "Sun, 06 Nov 1994 08:49:37 GMT"
  //  0    5  8   12   17 20 23 26
  const char* day = kDays[tm.tm_wday % 7];
  const char* month = kMonths[tm.tm_mon % 12];
  p[0] = day[0], p[1] = day[1], p[2] = day[2], p[3] = ',', p[4] = ' ';
  Put2(p + 5, tm.tm_mday);
  p[7] = ' ';
  p[8] = month[0], p[9] = month[1], p[10] = month[2], p[11] = ' ';
  const int year = tm.tm_year + 1900;
  Put2(p + 12, year / 100);
  Put2(p + 14, year % 100);
  p[16] = ' ';
  Put2(p + 17, tm.tm_hour);
  p[19] = ':';
  Put2(p + 20, tm.tm_min);
  p[22] = ':';
  Put2(p + 23, tm.tm_sec);
  p[25] = ' ', p[26] = 'G', p[27] = 'M', p[28] = 'T';
  return d;
}

HttpDate CurrentHttpDate() {
  // CLOCK_REALTIME_COARSE is read from the vDSO without a system call; its tick (a few ms) is
  // far finer than the header's second.
  timespec now{};
  clock_gettime(CLOCK_REALTIME_COARSE, &now);
  thread_local std::time_t cached_second = -1;
  thread_local HttpDate cached;
  if (now.tv_sec != cached_second) {
    cached = FormatHttpDate(now.tv_sec);
    cached_second = now.tv_sec;
  }
  return cached;
}

}  // namespace psm::http
