#include "core/time.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>

#include "core/clock.hpp"
#include "core/fnv.hpp"
#include "core/model.hpp"

namespace psm {
namespace {

using namespace std::chrono_literals;

TEST(Time, Rfc3339RoundTrip) {
  const auto t = ParseRfc3339("2026-11-30T08:15:00Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(FormatRfc3339(*t), "2026-11-30T08:15:00Z");
  const auto with_ms = ParseRfc3339("2026-11-30T08:15:00.250Z");
  ASSERT_TRUE(with_ms);
  EXPECT_EQ(FormatRfc3339(*with_ms), "2026-11-30T08:15:00.250Z");
}

TEST(Time, Rfc3339FormatMatchesTheCalendarOfGmtime) {
  // Against the C library's calendar, from the epoch across leap days and year ends.
  for (std::int64_t ms = 0; ms < 4'200'000'000'000; ms += 79'191'230) {
    const Instant t{std::chrono::milliseconds(ms)};
    const std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    ASSERT_NE(gmtime_r(&secs, &tm), nullptr);
    char want[40];
    if (ms % 1000 == 0) {
      std::strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%SZ", &tm);
    } else {
      char date[32];
      std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
      std::snprintf(want, sizeof want, "%s.%03dZ", date, static_cast<int>(ms % 1000));
    }
    ASSERT_EQ(FormatRfc3339(t), want) << "at " << ms << " ms";
  }
  EXPECT_EQ(FormatRfc3339(*ParseRfc3339("2028-02-29T23:59:59.999Z")), "2028-02-29T23:59:59.999Z");
}

TEST(Time, Rfc3339Offset) {
  const auto ist = ParseRfc3339("2026-11-30T13:45:00+05:30");
  ASSERT_TRUE(ist);
  EXPECT_EQ(FormatRfc3339(*ist), "2026-11-30T08:15:00Z");
}

TEST(Time, Rfc3339RejectsGarbage) {
  EXPECT_FALSE(ParseRfc3339(""));
  EXPECT_FALSE(ParseRfc3339("2026-11-30"));
  EXPECT_FALSE(ParseRfc3339("2026-11-30T08:15:00"));
  EXPECT_FALSE(ParseRfc3339("2026-13-30T08:15:00Z"));
  EXPECT_FALSE(ParseRfc3339("2026-11-30T25:15:00Z"));
  EXPECT_FALSE(ParseRfc3339("2026-11-30T08:15:00+0530"));
  EXPECT_FALSE(ParseRfc3339("2026-11-30T08:15:00.Z"));
}

TEST(Time, PollingDayInIst) {
  PollingDay day;
  day.date = *ParseDate("2026-11-30");
  EXPECT_EQ(FormatRfc3339(day.OpensAt()), "2026-11-30T01:30:00Z");
  EXPECT_EQ(FormatRfc3339(day.ClosesAt()), "2026-11-30T12:30:00Z");
  EXPECT_TRUE(day.Contains(*ParseRfc3339("2026-11-30T00:00:00+05:30")));
  EXPECT_FALSE(day.Contains(*ParseRfc3339("2026-11-29T23:59:59+05:30")));
  EXPECT_FALSE(day.Contains(*ParseRfc3339("2026-12-01T00:00:00+05:30")));
  EXPECT_EQ(FormatDate(PollingDay::LocalDateOf(*ParseRfc3339("2026-11-30T20:00:00Z"), 330min)),
            "2026-12-01");
}

TEST(Time, ClockTimeAndOffset) {
  EXPECT_EQ(ParseClockTime("07:00"), 420min);
  EXPECT_FALSE(ParseClockTime("7:00"));
  EXPECT_FALSE(ParseClockTime("24:00"));
  EXPECT_EQ(FormatUtcOffset(330min), "+05:30");
  EXPECT_EQ(FormatUtcOffset(-90min), "-01:30");
}

TEST(Clock, ScaledClockRunsFaster) {
  const Instant start = *ParseRfc3339("2026-11-30T01:30:00Z");
  ScaledClock clock(start, 1000.0);
  const Instant a = clock.Now();
  EXPECT_GE(a, start);
  // Progress is monotone; the exact rate is not asserted (the machine may be loaded).
  EXPECT_GE(clock.Now(), a);
}

TEST(Model, StationIdParse) {
  const auto id = StationId::Parse("34-112");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->ac, 34);
  EXPECT_EQ(id->part, 112);
  EXPECT_EQ(id->ToString(), "34-112");
  EXPECT_FALSE(StationId::Parse("34"));
  EXPECT_FALSE(StationId::Parse("034-112"));
  EXPECT_FALSE(StationId::Parse("34-0"));
  EXPECT_FALSE(StationId::Parse("34-0112"));
  EXPECT_FALSE(StationId::Parse("0-1"));
  EXPECT_FALSE(StationId::Parse("34-11a"));
  EXPECT_FALSE(StationId::Parse("-34-1"));
  EXPECT_FALSE(StationId::Parse("34-12345"));
}

TEST(Model, UuidAndEpic) {
  EXPECT_TRUE(IsUuid("123e4567-e89b-12d3-a456-426614174000"));
  EXPECT_FALSE(IsUuid("123e4567e89b12d3a456426614174000"));
  EXPECT_FALSE(IsUuid("123e4567-e89b-12d3-a456-42661417400g"));
  EXPECT_TRUE(IsEpic("ABC1234567"));
  EXPECT_FALSE(IsEpic("AB12345678"));
  EXPECT_FALSE(IsEpic("ABC123456"));
}

TEST(Model, KindNames) {
  EXPECT_EQ(ParseEventKind("poll_closed"), EventKind::kPollClosed);
  EXPECT_EQ(ToString(EventKind::kMockPollDone), "mock_poll_done");
  EXPECT_FALSE(ParseReportKind("queues"));
  EXPECT_EQ(ToString(PollState::kNotStarted), "not_started");
}

TEST(Fnv, KnownVectorsAndEtag) {
  EXPECT_EQ(Fnv1a64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(Fnv1a64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(EtagOf("a"), "\"af63dc4c8601ec8c\"");
  EXPECT_NE(EtagOf("{\"q\":1}"), EtagOf("{\"q\":2}"));
}
}  // namespace
}  // namespace psm
