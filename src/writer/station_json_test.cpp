// The writer renders station statuses and timeline items straight into strings; these must be
// the nlohmann trees' dump(), byte for byte, or ETags and clients would see spurious changes.
#include "writer/station_json.hpp"
#include "writer/testing/render_oracle.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/station_ledger.hpp"
#include "core/testing/ledger_builders.hpp"
#include "core/time.hpp"

namespace psm {
namespace {

const StationId kStation{34, 1};

Station TestStation() {
  return Station{StationId{34, 112},
                 "Govt. School \"Nakodar\", Room 2",
                 "Govt. School",
                 "Nakodar",
                 31.1256,
                 75.4754,
                 Counts{412, 398, 3}};
}

StationStatus FullStatus() {
  StationStatus st;
  st.state = PollState::kInterrupted;
  st.queue = Counts{12, 9, 1};
  st.wait = WaitRange{15, 25};
  st.votes_polled = Counts{210, 190, 2};
  st.turnout_pct = 49.45;
  st.reported_at = *ParseRfc3339("2026-11-30T08:15:00.250Z");
  st.age_seconds = 95;
  st.stale = true;
  st.trend = Trend::kRising;
  st.service_rate_per_min = 1.23456;
  st.voters_in_queue_at_close = 17;
  st.interruption_reason = "EVM \"fault\"\n\x01 ਪੋਲਿੰਗ \\ stop";
  return st;
}

void ExpectSameAsTree(const StationStatus& st) {
  const Station s = TestStation();
  EXPECT_EQ(StationJsonText(StationHead(s), st), testing::StationJson(s, st).dump());
}

TEST(StationJsonText, EmptyStatusIsTheTreeDump) {
  ExpectSameAsTree(StationStatus{});
}

TEST(StationJsonText, FullStatusIsTheTreeDump) {
  ExpectSameAsTree(FullStatus());
  StationStatus st = FullStatus();
  st.reported_at = *ParseRfc3339("2026-11-30T08:15:00Z");
  st.stale = false;
  st.trend = Trend::kFalling;
  st.service_rate_per_min = 0;
  ExpectSameAsTree(st);
}

TEST(StationJsonText, NumbersAreWrittenAsTheTreeWritesThem) {
  // Every percentage we show is rounded to two decimals: sweep that grid from 0 to 100 % (and
  // rates from 0 to 10 a minute in thousandths), then values that leave plain decimal notation
  // or are not numbers at all.
  StationStatus st = FullStatus();
  for (int k = 0; k <= 10000; ++k) {
    st.turnout_pct = k / 100.0;
    st.service_rate_per_min = k / 1000.0;
    ExpectSameAsTree(st);
    if (HasFailure()) FAIL() << "at k = " << k;
  }
  for (const double v :
       {-0.0, 0.1 + 0.2, 1.0 / 3, 1e-4, 9.99e-5, 1e-7, 123456789012345.0, 1e15, 1e21,
        std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
    st.turnout_pct = v;
    st.service_rate_per_min = v;
    ExpectSameAsTree(st);
  }
}

TEST(TimelineRenderer, PollClosedAndInterruptedItemsAreTheTreeDump) {
  std::vector<Report> events;
  const Instant t0 = *ParseRfc3339("2026-11-30T01:30:00Z");
  for (const auto kind : {EventKind::kPollStarted, EventKind::kInterrupted, EventKind::kResumed,
                          EventKind::kPollClosed}) {
    Report r;
    r.id = "00000000-0000-0000-0000-00000000000" + std::to_string(events.size());
    r.station = StationId{34, 112};
    r.kind = ReportKind::kEvent;
    r.event = kind;
    r.observed_at = t0 + std::chrono::minutes(10 * events.size());
    r.reason = "power \"cut\"\t";
    r.voters_in_queue_at_close = 23;
    events.push_back(r);
  }
  TimelineRenderer renderer;
  EXPECT_EQ(*renderer.Render({}, {}, events), testing::TimelineJson({}, {}, events).dump());
}

// The incremental timeline must be byte-identical to a full render, whether reports are
// appended, land before rendered ones, or are taken back.
TEST(TimelineRendererTest, MatchesAFullRender) {
  StationLedger ledger(Station{kStation, "S", "B", "L", 31, 75, {500, 480, 0}});
  TimelineRenderer renderer;
  const Instant t0 = *ParseRfc3339("2026-11-30T09:00:00+05:30");
  const auto add = [&](ReportKind kind, int minutes, int men) {
    const Instant at = t0 + std::chrono::minutes(minutes);
    Report r = kind == ReportKind::kQueue ? testing::Queue(at, {men, 1, 0})
               : kind == ReportKind::kTurnout
                   ? testing::Turnout(at, {men, 1, 0})
                   : testing::Event(at, EventKind::kInterrupted, "EVM \"fault\"\n\x01");
    r.station = kStation;
    ASSERT_TRUE(ledger.Apply(r));
  };
  const auto expect_same = [&] {
    const auto full =
        testing::TimelineJson(ledger.queue_reports(), ledger.turnout_reports(), ledger.events())
            .dump();
    EXPECT_EQ(*renderer.Render(ledger.queue_reports(), ledger.turnout_reports(), ledger.events()),
              full);
  };
  expect_same();
  add(ReportKind::kQueue, 0, 5);
  add(ReportKind::kTurnout, 0, 50);
  expect_same();
  add(ReportKind::kQueue, 10, 6);
  add(ReportKind::kQueue, 20, 7);
  add(ReportKind::kEvent, 30, 0);
  expect_same();
  add(ReportKind::kQueue, 5, 9);  // late: lands between rendered reports
  expect_same();
  ledger.BeginTrial();
  add(ReportKind::kQueue, 40, 3);
  expect_same();
  ledger.UndoTrial();  // shorter again
  expect_same();
}

TEST(StationJsonTextTest, MatchesStationJson) {
  const Station s{kStation, "School \"A\", Room 1", "School", "Basti", 31.3256,
                  75.5,     {500, 480, 1}};
  StationStatus st;
  EXPECT_EQ(StationJsonText(StationHead(s), st), testing::StationJson(s, st).dump());
  st = FullStatus();
  EXPECT_EQ(StationJsonText(StationHead(s), st), testing::StationJson(s, st).dump());
}

TEST(ReportJsonTextTest, MatchesReportJson) {
  Report r;
  r.id = "00000000-0000-0000-0000-000000000001";
  r.station = kStation;
  r.observed_at = *ParseRfc3339("2026-11-30T09:00:00+05:30");
  r.counts = {3, 4, 1};
  for (const ReportKind kind : {ReportKind::kQueue, ReportKind::kTurnout}) {
    r.kind = kind;
    EXPECT_EQ(ReportJsonText(r), ReportJson(r).dump());
  }
  r.received_at = r.observed_at + std::chrono::seconds(5);
  r.kind = ReportKind::kEvent;
  for (const EventKind e :
       {EventKind::kPollStarted, EventKind::kInterrupted, EventKind::kPollClosed}) {
    r.event = e;
    r.reason = "tab\there \"quoted\" \\ back\x1f ünïcode";
    r.voters_in_queue_at_close = 42;
    EXPECT_EQ(ReportJsonText(r), ReportJson(r).dump());
  }  // Every event, with and without a receipt time.
  r.received_at = Instant{};
  for (const auto e : {EventKind::kPartyArrived, EventKind::kMockPollDone, EventKind::kPollStarted,
                       EventKind::kInterrupted, EventKind::kResumed, EventKind::kPollClosed}) {
    r.event = e;
    EXPECT_EQ(ReportJsonText(r), ReportJson(r).dump());
  }
}

}  // namespace
}  // namespace psm
