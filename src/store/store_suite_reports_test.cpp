// The storage suite, part 2: the report log (idempotent batches, order, round trips).
#include <string>

#include "store/store_suite.hpp"
#include "store/testing/store_calls.hpp"

namespace psm::testing {
namespace {

const StationId kStation{34, 2};
const StationId kOther{35, 1};

std::vector<Report> Collect(Store& store) {
  std::vector<Report> out;
  EXPECT_TRUE(store
                  .ForEachReport([&](const Report& r) {
                    out.push_back(r);
                    return true;
                  })
                  .ok());
  return out;
}

TEST_P(StoreSuite, NewReportsAreInsertedAndEchoed) {
  LoadReferenceData();
  const std::vector<Report> batch = {TestReport(1, kStation, ReportKind::kQueue),
                                     TestReport(2, kStation, ReportKind::kTurnout),
                                     TestReport(3, kOther, ReportKind::kEvent)};
  auto out = InsertReports(store(), batch);
  ASSERT_TRUE(out.ok()) << out.error().detail;
  ASSERT_EQ(out->size(), batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    EXPECT_TRUE((*out)[i].inserted);
    ExpectSameReport(batch[i], (*out)[i].stored);
  }
  auto empty = InsertReports(store(), {});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST_P(StoreSuite, EveryReportKindRoundTripsEveryField) {
  LoadReferenceData();
  std::vector<Report> batch = {TestReport(1, kStation, ReportKind::kQueue),
                               TestReport(2, kStation, ReportKind::kTurnout)};
  int n = 10;
  for (EventKind e : {EventKind::kPartyArrived, EventKind::kMockPollDone, EventKind::kPollStarted,
                      EventKind::kInterrupted, EventKind::kResumed, EventKind::kPollClosed}) {
    Report r = TestReport(n++, kOther, ReportKind::kEvent);
    r.event = e;
    r.reason = e == EventKind::kInterrupted ? "EVM fault — replaced, ਪੰਜਾਬੀ" : "";
    r.voters_in_queue_at_close = e == EventKind::kPollClosed ? 42 : 0;
    batch.push_back(r);
  }
  batch[0].reason = "it's a \"quoted\" reason";  // text survives as given
  batch[1].observed_at = Instant(Millis(-1));    // times before the epoch too
  batch[1].counts = Counts{0, 0, 0};
  ASSERT_TRUE(InsertReports(store(), batch).ok());

  for (const Report& want : batch) {
    auto found = store().FindReport(want.id);
    ASSERT_TRUE(found.ok());
    ASSERT_TRUE(found->has_value()) << want.id;
    ExpectSameReport(want, **found);
  }
  const auto all = Collect(store());
  ASSERT_EQ(all.size(), batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i)
    ExpectSameReport(batch[i], all[i]);
}

TEST_P(StoreSuite, EventFieldIsKeptOnlyForEventReports) {
  LoadReferenceData();
  Report queue = TestReport(1, kStation, ReportKind::kQueue);
  queue.event = EventKind::kResumed;  // meaningless for a queue report
  auto out = InsertReports(store(), {queue});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ((*out)[0].stored.event, EventKind{});
  auto found = store().FindReport(queue.id);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->event, EventKind{});
  EXPECT_TRUE(queue.SameContent(**found));
}

TEST_P(StoreSuite, DuplicateIdAcrossBatchesReturnsStoredReport) {
  LoadReferenceData();
  const Report first = TestReport(1, kStation, ReportKind::kQueue);
  ASSERT_TRUE(InsertReports(store(), {first}).ok());

  Report retry = first;
  retry.counts.men += 5;  // a conflicting repeat: the stored copy must win
  retry.received_at = TestTime(999'999);
  const Report fresh = TestReport(2, kStation, ReportKind::kQueue);
  auto out = InsertReports(store(), {retry, fresh});
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->size(), 2u);
  EXPECT_FALSE((*out)[0].inserted);
  ExpectSameReport(first, (*out)[0].stored);
  EXPECT_TRUE((*out)[1].inserted);

  const auto all = Collect(store());
  ASSERT_EQ(all.size(), 2u);
  ExpectSameReport(first, all[0]);
  ExpectSameReport(fresh, all[1]);
}

TEST_P(StoreSuite, DuplicateIdInsideBatchFirstWins) {
  LoadReferenceData();
  const Report a = TestReport(1, kStation, ReportKind::kTurnout);
  Report a2 = a;
  a2.counts.women += 1;
  const Report b = TestReport(2, kOther, ReportKind::kQueue);
  auto out = InsertReports(store(), {a, a2, b, a});
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->size(), 4u);
  EXPECT_TRUE((*out)[0].inserted);
  EXPECT_FALSE((*out)[1].inserted);
  ExpectSameReport(a, (*out)[1].stored);
  EXPECT_TRUE((*out)[2].inserted);
  EXPECT_FALSE((*out)[3].inserted);
  ExpectSameReport(a, (*out)[3].stored);

  const auto all = Collect(store());
  ASSERT_EQ(all.size(), 2u);
  ExpectSameReport(a, all[0]);
  ExpectSameReport(b, all[1]);
}

TEST_P(StoreSuite, ForEachReportKeepsInsertionOrderAndStopsEarly) {
  LoadReferenceData();
  // Ids and observation times both run against insertion order, so neither can fake it.
  std::vector<Report> inserted;
  for (int batch = 0; batch < 4; ++batch) {
    std::vector<Report> rows;
    for (int i = 0; i < 5; ++i) {
      const int n = 100 - (batch * 5 + i);
      rows.push_back(TestReport(n, i % 2 ? kStation : kOther, ReportKind::kQueue));
    }
    ASSERT_TRUE(InsertReports(store(), rows).ok());
    inserted.insert(inserted.end(), rows.begin(), rows.end());
  }
  const auto all = Collect(store());
  ASSERT_EQ(all.size(), inserted.size());
  for (std::size_t i = 0; i < all.size(); ++i)
    EXPECT_EQ(all[i].id, inserted[i].id);

  int seen = 0;
  ASSERT_TRUE(store().ForEachReport([&](const Report&) { return ++seen < 3; }).ok());
  EXPECT_EQ(seen, 3);
}

TEST_P(StoreSuite, FindReportMissingIsEmpty) {
  LoadReferenceData();
  auto found = store().FindReport(TestUuid(77));
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
}

TEST_P(StoreSuite, FailedBatchLeavesNothingBehind) {
  LoadReferenceData();
  const Report before = TestReport(1, kStation, ReportKind::kQueue);
  ASSERT_TRUE(InsertReports(store(), {before}).ok());

  const Report good = TestReport(2, kStation, ReportKind::kQueue);
  const Report bad = TestReport(3, StationId{34, 999}, ReportKind::kQueue);  // no such station
  auto out = InsertReports(store(), {good, bad});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, ErrorCode::kConflict);
  auto found = store().FindReport(good.id);
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
  EXPECT_EQ(Collect(store()).size(), 1u);

  // The store is usable afterwards and the good report goes in on retry.
  auto retry = InsertReports(store(), {good});
  ASSERT_TRUE(retry.ok());
  EXPECT_TRUE((*retry)[0].inserted);
  EXPECT_EQ(Collect(store()).size(), 2u);
}

}  // namespace
}  // namespace psm::testing
