#include "writer/writer.hpp"
#include "core/testing/fake_clock.hpp"
#include "store/testing/store_calls.hpp"
#include "writer/testing/recording_bus.hpp"

#include <future>

#include <gtest/gtest.h>

#include "store/memory/memory_store.hpp"

namespace psm {
namespace {

using psm::testing::FakeClock;
using psm::testing::RecordingBus;

using namespace std::chrono_literals;

const StationId kStation{34, 1};

class CountingObserver final : public WriterObserver {
 public:
  void OnBatch(std::size_t size, std::chrono::microseconds) override { batches.push_back(size); }
  void OnAccepted(const Report&) override { ++accepted; }
  void OnRejected(const Report&, const Error&) override { ++rejected; }
  std::vector<std::size_t> batches;
  int accepted = 0;
  int rejected = 0;
};

class WriterTest : public ::testing::Test {
 protected:
  WriterTest() : clock_(*ParseRfc3339("2026-11-30T10:00:00+05:30")) {
    day_.date = *ParseDate("2026-11-30");
    auto store = std::make_unique<MemoryStore>();
    store_ = store.get();
    EXPECT_TRUE(store_->Migrate().ok());
    EXPECT_TRUE(store_->UpsertConstituencies({{34, "Jalandhar West", "SC", "Jalandhar"}}).ok());
    station_ = Station{kStation, "School, Room 1", "School", "Basti", 31.3, 75.5, {500, 480, 0}};
    EXPECT_TRUE(store_->UpsertStations({station_}).ok());
    owned_store_ = std::move(store);
  }

  void MakeWriter(WriterOptions options = {}) {
    board_ = std::make_unique<Board>(
        std::vector<Constituency>{{34, "Jalandhar West", "SC", "Jalandhar"}},
        std::vector<Station>{station_});
    writer_ = std::make_unique<Writer>(std::move(owned_store_), *board_, bus_, clock_, day_,
                                       StatusOptions{}, options, &observer_);
    ASSERT_TRUE(writer_->Load().ok());
  }

  Report Queue(std::string id, int men) {
    Report r;
    r.id = std::move(id);
    r.station = kStation;
    r.kind = ReportKind::kQueue;
    r.observed_at = clock_.Now();
    r.counts = {men, 0, 0};
    return r;
  }

  std::future<SubmitOutcome> Submit(Report r) {
    auto promise = std::make_shared<std::promise<SubmitOutcome>>();
    auto future = promise->get_future();
    EXPECT_TRUE(
        writer_->Submit(std::move(r), [promise](SubmitOutcome o) { promise->set_value(o); }));
    return future;
  }

  // Queues `n` reports (ids from `first_id`) before starting the writer, which commits them as
  // one batch, and waits for them: the next batch's target is then `n`.
  void StartAfterABatchOf(int n, int first_id) {
    std::vector<std::future<SubmitOutcome>> queued;
    for (int i = 0; i < n; ++i)
      queued.push_back(Submit(Queue(ReportId(first_id + i), i)));
    writer_->Start();
    for (auto& f : queued)
      ASSERT_EQ(f.get().kind, SubmitOutcome::Kind::kCreated);
  }

  // The report id numbered `n`.
  static std::string ReportId(int n) {
    char id[40];
    std::snprintf(id, sizeof id, "00000000-0000-0000-0000-%012d", n);
    return id;
  }

  FakeClock clock_;
  PollingDay day_;
  Station station_;
  MemoryStore* store_ = nullptr;
  std::unique_ptr<Store> owned_store_;
  RecordingBus bus_;
  CountingObserver observer_;
  std::unique_ptr<Board> board_;
  std::unique_ptr<Writer> writer_;
};

std::size_t StoredReports(Store& store) {
  std::size_t n = 0;
  EXPECT_TRUE(store.ForEachReport([&](const Report&) { return ++n, true; }).ok());
  return n;
}

TEST_F(WriterTest, AcceptedReportIsStoredRenderedAndPublished) {
  MakeWriter();
  writer_->Start();
  auto out = Submit(Queue("00000000-0000-0000-0000-000000000001", 12)).get();
  EXPECT_EQ(out.kind, SubmitOutcome::Kind::kCreated);
  EXPECT_EQ(StoredReports(*store_), 1u);
  const auto view = board_->Get(0);
  ASSERT_TRUE(view->status.queue);
  EXPECT_EQ(view->status.queue->Total(), 12);
  EXPECT_NE(view->body->find("\"total\":12"), std::string::npos);
  EXPECT_GE(bus_.Count("status"), 1);
  ASSERT_TRUE(board_->summary());
  writer_->Stop();
}

TEST_F(WriterTest, RetriesAreAnsweredNeverStoredTwice) {
  MakeWriter();
  writer_->Start();
  const Report r = Queue("00000000-0000-0000-0000-000000000002", 5);
  EXPECT_EQ(Submit(r).get().kind, SubmitOutcome::Kind::kCreated);
  auto again = Submit(r).get();
  EXPECT_EQ(again.kind, SubmitOutcome::Kind::kRepeated);
  EXPECT_EQ(again.stored.counts.men, 5);
  Report changed = r;
  changed.counts.men = 6;
  auto conflict = Submit(changed).get();
  EXPECT_EQ(conflict.kind, SubmitOutcome::Kind::kRejected);
  EXPECT_EQ(conflict.error.code, ErrorCode::kConflict);
  EXPECT_EQ(conflict.error.reason, "id_reused");
  EXPECT_EQ(StoredReports(*store_), 1u);
  EXPECT_EQ(board_->Get(0)->status.queue->men, 5);
  writer_->Stop();
}

// Report ids are remembered as 64-bit fingerprints, which can collide. With every id given the
// same fingerprint, new reports must still be stored, inside one batch and across batches, and a
// true retry must still be answered as one.
TEST_F(WriterTest, FingerprintCollisionsNeverTurnANewReportAway) {
  board_ =
      std::make_unique<Board>(std::vector<Constituency>{{34, "Jalandhar West", "SC", "Jalandhar"}},
                              std::vector<Station>{station_});
  WriterOptions options;
  options.report_id_fingerprint = +[](std::string_view) -> std::uint64_t { return 42; };
  writer_ = std::make_unique<Writer>(std::move(owned_store_), *board_, bus_, clock_, day_,
                                     StatusOptions{}, options, &observer_);
  ASSERT_TRUE(writer_->Load().ok());
  const Report second_report = Queue("00000000-0000-0000-0000-000000000602", 6);
  auto first = Submit(Queue("00000000-0000-0000-0000-000000000601", 5));  // one batch: queued
  auto second = Submit(second_report);                                    // before Start
  writer_->Start();
  EXPECT_EQ(first.get().kind, SubmitOutcome::Kind::kCreated);
  EXPECT_EQ(second.get().kind, SubmitOutcome::Kind::kCreated);
  auto third = Submit(Queue("00000000-0000-0000-0000-000000000603", 7));
  clock_.Advance(options.flush_interval);  // alone after a batch of two, it waits for company
  EXPECT_EQ(third.get().kind, SubmitOutcome::Kind::kCreated);
  const auto retry = Submit(second_report).get();
  EXPECT_EQ(retry.kind, SubmitOutcome::Kind::kRepeated);
  EXPECT_EQ(retry.stored.counts.men, 6);
  EXPECT_EQ(StoredReports(*store_), 3u);
  EXPECT_EQ(board_->Get(0)->status.queue->men, 7);
  writer_->Stop();
}

TEST_F(WriterTest, DuplicateIdsInsideOneBatchStoreOnce) {
  MakeWriter();
  const Report r = Queue("00000000-0000-0000-0000-000000000003", 5);
  auto first = Submit(r);  // queued before Start: both land in the first batch
  auto second = Submit(r);
  writer_->Start();
  EXPECT_EQ(first.get().kind, SubmitOutcome::Kind::kCreated);
  EXPECT_EQ(second.get().kind, SubmitOutcome::Kind::kRepeated);
  EXPECT_EQ(StoredReports(*store_), 1u);
  writer_->Stop();
}

TEST_F(WriterTest, InvalidReportIsRefusedWithItsReason) {
  MakeWriter();
  writer_->Start();
  auto out = Submit(Queue("00000000-0000-0000-0000-000000000004", 5000)).get();
  EXPECT_EQ(out.kind, SubmitOutcome::Kind::kRejected);
  EXPECT_EQ(out.error.reason, "queue_exceeds_electors");
  EXPECT_EQ(StoredReports(*store_), 0u);
  EXPECT_EQ(observer_.rejected, 1);
  writer_->Stop();
}

TEST_F(WriterTest, FailedCommitRefusesTheBatchAndChangesNothing) {
  MakeWriter();
  store_->FailNextWrites(1);
  writer_->Start();
  auto out = Submit(Queue("00000000-0000-0000-0000-000000000005", 7)).get();
  EXPECT_EQ(out.kind, SubmitOutcome::Kind::kRejected);
  EXPECT_EQ(out.error.code, ErrorCode::kUnavailable);
  EXPECT_FALSE(board_->Get(0)->status.queue);  // the ledger copy was discarded
  // The client's retry of the same id succeeds once the store is back.
  auto retry = Submit(Queue("00000000-0000-0000-0000-000000000005", 7)).get();
  EXPECT_EQ(retry.kind, SubmitOutcome::Kind::kCreated);
  EXPECT_EQ(StoredReports(*store_), 1u);
  writer_->Stop();
}

TEST_F(WriterTest, QueuedReportsAreGroupCommittedAndFlushedOnStop) {
  MakeWriter();
  std::vector<std::future<SubmitOutcome>> futures;
  for (int i = 0; i < 100; ++i) {
    char id[40];
    std::snprintf(id, sizeof id, "00000000-0000-0000-0000-%012d", 100 + i);
    Report r = Queue(id, i % 20);
    r.observed_at = clock_.Now() - std::chrono::minutes(100 - i);
    futures.push_back(Submit(r));
  }
  writer_->Start();
  writer_->Stop();  // Stop commits what is queued before returning
  for (auto& f : futures)
    EXPECT_EQ(f.get().kind, SubmitOutcome::Kind::kCreated);
  EXPECT_EQ(StoredReports(*store_), 100u);
  ASSERT_FALSE(observer_.batches.empty());
  EXPECT_EQ(observer_.batches.front(), 100u);  // one transaction for the whole queue
  EXPECT_FALSE(writer_->Submit(Queue("00000000-0000-0000-0000-000000000999", 1), [](auto) {}));
}

// Options whose flush interval outlasts any test: a report answered in time was not held by it.
WriterOptions WithAnEndlessFlushInterval() {
  WriterOptions options;
  options.flush_interval = std::chrono::minutes(10);
  return options;
}

// A report answered within 30 s as created.
void ExpectCreated(std::future<SubmitOutcome>& f) {
  ASSERT_EQ(f.wait_for(30s), std::future_status::ready);
  EXPECT_EQ(f.get().kind, SubmitOutcome::Kind::kCreated);
}

TEST_F(WriterTest, ALoneReportIsCommittedWithoutWaitingOutTheFlushInterval) {
  // An officer alone (the last batch held one report) is answered at once, however long the
  // writer may wait for company under load.
  MakeWriter(WithAnEndlessFlushInterval());
  writer_->Start();
  for (int i = 0; i < 3; ++i) {
    auto f = Submit(Queue(ReportId(300 + i), i));
    ExpectCreated(f);
  }
  writer_->Stop();
  EXPECT_EQ(observer_.batches, (std::vector<std::size_t>{1, 1, 1}));
}

TEST_F(WriterTest, ABatchWaitsUntilItIsAsLargeAsTheLastOne) {
  // A crowd of three resubmits one by one after its answers: the batch waits for all three,
  // and the one that completes it wakes the writer, long before the flush interval.
  MakeWriter(WithAnEndlessFlushInterval());
  StartAfterABatchOf(3, 310);
  const SteadyTime flush_due = clock_.SteadyNow() + WithAnEndlessFlushInterval().flush_interval;
  std::vector<std::future<SubmitOutcome>> second;
  for (int i = 0; i < 3; ++i) {
    second.push_back(Submit(Queue(ReportId(320 + i), 10 + i)));
    if (i < 2) {
      ASSERT_TRUE(clock_.AwaitWaiter(flush_due)) << "the writer holds the batch for company";
      EXPECT_EQ(second.front().wait_for(0s), std::future_status::timeout) << "committed early";
    }
  }
  for (auto& f : second)
    ExpectCreated(f);
  writer_->Stop();
  EXPECT_EQ(observer_.batches, (std::vector<std::size_t>{3, 3}));
}

TEST_F(WriterTest, ABatchShortOfItsTargetIsCommittedOnceItsOldestReportHasWaited) {
  // Fewer reports than last time: the oldest one waits flush_interval, no longer, and the next
  // batch then waits only for as many as this one held.
  WriterOptions options;
  options.flush_interval = 300ms;
  MakeWriter(options);
  StartAfterABatchOf(4, 330);
  const SteadyTime flush_due = clock_.SteadyNow() + options.flush_interval;
  auto f = Submit(Queue(ReportId(340), 7));
  ASSERT_TRUE(clock_.AwaitWaiter(flush_due));
  clock_.Advance(299ms);
  ASSERT_TRUE(clock_.AwaitWaiter(flush_due)) << "woken 1 ms early, the writer waits on";
  EXPECT_EQ(f.wait_for(0s), std::future_status::timeout) << "committed before its interval";
  clock_.Advance(1ms);
  ASSERT_EQ(f.wait_for(30s), std::future_status::ready);
  EXPECT_EQ(f.get().kind, SubmitOutcome::Kind::kCreated);
  writer_->Stop();
  EXPECT_EQ(observer_.batches, (std::vector<std::size_t>{4, 1}));
}

TEST_F(WriterTest, ABatchOfEnoughReportsIsCommittedWithoutWaitingForMore) {
  // Past enough_batch a commit's fixed cost is shared well enough: the writer starts it rather
  // than wait for the rest of the last batch's crowd.
  WriterOptions options = WithAnEndlessFlushInterval();
  options.enough_batch = 2;
  MakeWriter(options);
  StartAfterABatchOf(4, 360);
  const SteadyTime flush_due = clock_.SteadyNow() + options.flush_interval;
  std::vector<std::future<SubmitOutcome>> second;
  second.push_back(Submit(Queue(ReportId(370), 1)));
  ASSERT_TRUE(clock_.AwaitWaiter(flush_due)) << "the writer holds the batch for company";
  EXPECT_EQ(second.front().wait_for(0s), std::future_status::timeout) << "committed early";
  second.push_back(Submit(Queue(ReportId(371), 2)));
  for (auto& f : second)
    ExpectCreated(f);
  writer_->Stop();
  EXPECT_EQ(observer_.batches, (std::vector<std::size_t>{4, 2}));
}

TEST_F(WriterTest, AFullBatchIsCommittedAtOnce) {
  // The target never exceeds max_batch: a full batch goes without waiting for more.
  WriterOptions options = WithAnEndlessFlushInterval();
  options.max_batch = 3;
  MakeWriter(options);
  std::vector<std::future<SubmitOutcome>> futures;
  for (int i = 0; i < 7; ++i)
    futures.push_back(Submit(Queue(ReportId(350 + i), i)));
  writer_->Start();
  for (int i = 0; i < 6; ++i)
    ExpectCreated(futures[i]);
  writer_->Stop();  // the seventh waits for company until Stop commits it
  EXPECT_EQ(futures[6].get().kind, SubmitOutcome::Kind::kCreated);
  EXPECT_EQ(observer_.batches, (std::vector<std::size_t>{3, 3, 1}));
}

TEST_F(WriterTest, LoadReplaysStoredReports) {
  Report stored = Queue("00000000-0000-0000-0000-000000000006", 9);
  ASSERT_TRUE(testing::InsertReports(*owned_store_, {stored}).ok());
  MakeWriter();
  ASSERT_TRUE(board_->Get(0)->status.queue);
  EXPECT_EQ(board_->Get(0)->status.queue->Total(), 9);
  writer_->Start();
  EXPECT_EQ(Submit(stored).get().kind, SubmitOutcome::Kind::kRepeated);
  writer_->Stop();
}

TEST_F(WriterTest, TimelineAndSummaryFollowEveryBatchWithZeroIntervals) {
  board_ =
      std::make_unique<Board>(std::vector<Constituency>{{34, "Jalandhar West", "SC", "Jalandhar"}},
                              std::vector<Station>{station_});
  WriterOptions options;
  options.summary_interval = 0ms;
  options.timeline_interval = 0ms;
  writer_ = std::make_unique<Writer>(std::move(owned_store_), *board_, bus_, clock_, day_,
                                     StatusOptions{}, options, &observer_);
  ASSERT_TRUE(writer_->Load().ok());
  writer_->Start();
  for (int i = 0; i < 3; ++i) {
    char id[40];
    std::snprintf(id, sizeof id, "00000000-0000-0000-0000-%012d", 300 + i);
    ASSERT_EQ(Submit(Queue(id, 10 + i)).get().kind, SubmitOutcome::Kind::kCreated);
    // Rendered before the answer: nothing is deferred.
    EXPECT_NE(board_->Get(0)->timeline->find("\"total\":" + std::to_string(10 + i)),
              std::string::npos);
    EXPECT_NE(board_->summary()->district_json->find("\"total\":" + std::to_string(10 + i)),
              std::string::npos);
  }
  writer_->Stop();
}

TEST_F(WriterTest, DeferredTimelineIsRenderedByStop) {
  MakeWriter();  // default intervals: a second report within a second waits for the flush
  writer_->Start();
  ASSERT_EQ(Submit(Queue("00000000-0000-0000-0000-000000000401", 11)).get().kind,
            SubmitOutcome::Kind::kCreated);
  EXPECT_NE(board_->Get(0)->timeline->find("\"total\":11"), std::string::npos);
  ASSERT_EQ(Submit(Queue("00000000-0000-0000-0000-000000000402", 17)).get().kind,
            SubmitOutcome::Kind::kCreated);
  EXPECT_EQ(board_->Get(0)->status.queue->Total(), 17);  // the status is never deferred
  writer_->Stop();
  EXPECT_NE(board_->Get(0)->timeline->find("\"total\":17"), std::string::npos);
  EXPECT_NE(board_->summary()->district_json->find("\"total\":17"), std::string::npos);
}

TEST_F(WriterTest, ASummaryThrottledByThePublishIntervalIsSentWhenItEnds) {
  MakeWriter();  // Load publishes the first summary now
  const SteadyTime loaded = clock_.SteadyNow();
  const WriterOptions defaults;
  writer_->Start();
  ASSERT_EQ(Submit(Queue("00000000-0000-0000-0000-000000000501", 11)).get().kind,
            SubmitOutcome::Kind::kCreated);
  ASSERT_EQ(Submit(Queue("00000000-0000-0000-0000-000000000502", 23)).get().kind,
            SubmitOutcome::Kind::kCreated);
  // Both batches come inside the summary interval of Load's build: the summary is rebuilt when
  // it ends, but not published inside the 1 s publish interval of Load's.
  clock_.Advance(defaults.summary_interval);
  ASSERT_TRUE(clock_.AwaitWaiter(loaded + 1s)) << "the writer waits for the publish interval";
  EXPECT_NE(board_->summary()->district_json->find("\"total\":23"), std::string::npos);
  EXPECT_EQ(bus_.Latest("summary").find("\"total\":23"), std::string::npos) << "sent early";
  // The totals must reach subscribers once it ends, without another report, and before the 5 s
  // refresh, which would publish them anyway.
  clock_.Advance(1s - defaults.summary_interval);
  ASSERT_TRUE(clock_.AwaitWaiter(loaded + defaults.refresh_interval)) << "the writer is idle";
  EXPECT_NE(bus_.Latest("summary").find("\"total\":23"), std::string::npos);
  writer_->Stop();
}

}  // namespace
}  // namespace psm
