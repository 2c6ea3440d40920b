// The Date header's text: RFC 9110's example, and the per-thread cache against the clock.
#include <gtest/gtest.h>

#include <chrono>

#include "http/http_date.hpp"

namespace psm::http {
namespace {

TEST(HttpDate, FormatsAsAnImfFixdate) {
  EXPECT_EQ(FormatHttpDate(784111777).view(), "Sun, 06 Nov 1994 08:49:37 GMT");  // RFC 9110
  EXPECT_EQ(FormatHttpDate(0).view(), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(FormatHttpDate(1796688000).view(), "Tue, 08 Dec 2026 00:00:00 GMT");
  EXPECT_EQ(FormatHttpDate(1796687999).view(), "Mon, 07 Dec 2026 23:59:59 GMT");
  EXPECT_EQ(FormatHttpDate(951782400).view(), "Tue, 29 Feb 2000 00:00:00 GMT");
}

TEST(HttpDate, CurrentIsThisSecond) {
  using std::chrono::system_clock;
  const auto before = system_clock::to_time_t(system_clock::now());
  const HttpDate d = CurrentHttpDate();
  const auto after = system_clock::to_time_t(system_clock::now());
  // The coarse clock may trail the fine one by a tick across a second's edge.
  EXPECT_TRUE(d.view() == FormatHttpDate(before).view() ||
              d.view() == FormatHttpDate(before - 1).view() ||
              d.view() == FormatHttpDate(after).view())
      << d.view();
  EXPECT_EQ(CurrentHttpDate().view().size(), kHttpDateSize);
}

}  // namespace
}  // namespace psm::http
