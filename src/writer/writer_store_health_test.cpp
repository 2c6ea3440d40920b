// The writer while the store refuses writes (a full disk): every report of a refused batch is
// answered 503 and nothing is kept, a district-wide store_unwritable alert opens at once and
// resolves when a commit or the writer's probe succeeds, and the outage is audited.
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "core/testing/fake_clock.hpp"
#include "store/memory/memory_store.hpp"
#include "writer/testing/recording_bus.hpp"
#include "writer/writer.hpp"

namespace psm {
namespace {

using psm::testing::FakeClock;
using psm::testing::RecordingBus;

const StationId kStation{34, 1};

class FailureObserver final : public WriterObserver {
 public:
  void OnBatch(std::size_t, std::chrono::microseconds) override {}
  void OnAccepted(const Report&) override {}
  void OnRejected(const Report&, const Error&) override {}
  void OnStoreWriteFailed(const Error& e) override { reasons.push_back(e.reason); }
  std::vector<std::string> reasons;  // writer thread; read after the answers
};

std::size_t StoredReports(Store& store) {
  std::size_t n = 0;
  EXPECT_TRUE(store.ForEachReport([&](const Report&) { return ++n, true; }).ok());
  return n;
}

template <typename Pred>
bool Eventually(Pred pred) {
  for (int i = 0; i < 500; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

class WriterStoreHealth : public ::testing::Test {
 protected:
  WriterStoreHealth() : clock_(*ParseRfc3339("2026-11-30T10:00:00+05:30")) {
    day_.date = *ParseDate("2026-11-30");
    auto store = std::make_unique<MemoryStore>();
    store_ = store.get();
    EXPECT_TRUE(store_->Migrate().ok());
    EXPECT_TRUE(store_->UpsertConstituencies({{34, "Jalandhar West", "SC", "Jalandhar"}}).ok());
    station_ = Station{kStation, "School, Room 1", "School", "Basti", 31.3, 75.5, {500, 480, 0}};
    EXPECT_TRUE(store_->UpsertStations({station_}).ok());
    board_ = std::make_unique<Board>(
        std::vector<Constituency>{{34, "Jalandhar West", "SC", "Jalandhar"}},
        std::vector<Station>{station_});
    WriterOptions options;
    options.store_probe_interval = std::chrono::seconds(2);
    writer_ = std::make_unique<Writer>(std::move(store), *board_, bus_, clock_, day_,
                                       StatusOptions{}, options, &observer_);
    EXPECT_TRUE(writer_->Load().ok());
  }
  ~WriterStoreHealth() override { writer_->Stop(); }

  SubmitOutcome Submit(std::string id, int men) {
    Report r;
    r.id = std::move(id);
    r.station = kStation;
    r.kind = ReportKind::kQueue;
    r.observed_at = clock_.Now();
    r.counts = {men, 0, 0};
    auto promise = std::make_shared<std::promise<SubmitOutcome>>();
    auto future = promise->get_future();
    EXPECT_TRUE(writer_->Submit(r, [promise](SubmitOutcome o) { promise->set_value(o); }));
    return future.get();
  }
  std::vector<Alert> StoreAlerts() const {
    std::vector<Alert> out;
    for (const Alert& a : *writer_->Alerts())
      if (a.kind == AlertKind::kStoreUnwritable) out.push_back(a);
    return out;
  }
  std::vector<AuditEntry> Outages() {
    AuditFilter f;
    f.actor = "system";
    auto rows = store_->QueryAudit(f);
    EXPECT_TRUE(rows.ok());
    std::vector<AuditEntry> out;
    for (const AuditEntry& e : rows.ok() ? *rows : std::vector<AuditEntry>{})
      if (e.action == "store_unwritable") out.push_back(e);
    return out;
  }

  FakeClock clock_;
  PollingDay day_;
  Station station_;
  MemoryStore* store_ = nullptr;
  RecordingBus bus_;
  FailureObserver observer_;
  std::unique_ptr<Board> board_;
  std::unique_ptr<Writer> writer_;
};

TEST_F(WriterStoreHealth, RefusedCommitsOpenOneAlertThatAnAcceptedRetryResolves) {
  writer_->Start();
  EXPECT_TRUE(writer_->store_writable());
  store_->FailNextWrites(2);
  const std::string a = "00000000-0000-0000-0000-00000000000a";
  const std::string b = "00000000-0000-0000-0000-00000000000b";
  for (const auto& id : {a, b}) {
    const SubmitOutcome out = Submit(id, 7);
    ASSERT_EQ(out.kind, SubmitOutcome::Kind::kRejected);
    EXPECT_EQ(out.error.code, ErrorCode::kUnavailable);
    EXPECT_EQ(out.error.reason, "store_injected");
  }
  EXPECT_FALSE(writer_->store_writable());
  EXPECT_EQ(observer_.reasons, (std::vector<std::string>{"store_injected", "store_injected"}));
  EXPECT_EQ(StoredReports(*store_), 0u);
  EXPECT_FALSE(board_->Get(0)->status.queue) << "nothing refused is shown";
  auto alerts = StoreAlerts();
  ASSERT_EQ(alerts.size(), 1u) << "one alert for the whole outage";
  EXPECT_EQ(alerts[0].state, AlertState::kOpen);
  EXPECT_EQ(alerts[0].station, kDistrictWide);
  EXPECT_NE(alerts[0].detail.find("store_injected"), std::string::npos);
  // Not acknowledgeable: it goes away by itself.
  auto acked = std::make_shared<std::promise<Result<Alert>>>();
  auto acked_future = acked->get_future();
  ASSERT_TRUE(writer_->AcknowledgeAlert(alerts[0].id, RequestOrigin{"user:dc", "admin", ""},
                                        [acked](Result<Alert> r) { acked->set_value(r); }));
  const Result<Alert> ack = acked_future.get();
  ASSERT_FALSE(ack.ok());
  EXPECT_EQ(ack.error().code, ErrorCode::kConflict);

  // The officers' phones resend: stored once each, and the outage is over.
  for (const auto& id : {a, b, a})
    EXPECT_NE(Submit(id, 7).kind, SubmitOutcome::Kind::kRejected);
  EXPECT_EQ(StoredReports(*store_), 2u);
  EXPECT_TRUE(writer_->store_writable());
  alerts = StoreAlerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].state, AlertState::kResolved);
  const auto outages = Outages();
  ASSERT_EQ(outages.size(), 1u);
  EXPECT_NE(outages[0].detail.find("\"reports_refused\":2"), std::string::npos)
      << outages[0].detail;
}

TEST_F(WriterStoreHealth, TheProbeEndsTheOutageWithoutAReport) {
  writer_->Start();
  store_->FailNextWrites(2);  // the batch, then the first probe
  ASSERT_EQ(Submit("00000000-0000-0000-0000-00000000000c", 3).kind, SubmitOutcome::Kind::kRejected);
  ASSERT_EQ(StoreAlerts().size(), 1u);
  clock_.Advance(std::chrono::seconds(2));  // the probe fails
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(writer_->store_writable());
  EXPECT_TRUE(StoreAlerts()[0].Active());
  clock_.Advance(std::chrono::seconds(2));  // and then succeeds
  ASSERT_TRUE(Eventually([&] { return writer_->store_writable(); }));
  ASSERT_TRUE(Eventually([&] { return !StoreAlerts()[0].Active(); }));
  EXPECT_EQ(Outages().size(), 1u);
  // A later outage is a new alert.
  store_->FailNextWrites(1);
  ASSERT_EQ(Submit("00000000-0000-0000-0000-00000000000d", 3).kind, SubmitOutcome::Kind::kRejected);
  const auto alerts = StoreAlerts();
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_FALSE(alerts[0].Active());
  EXPECT_TRUE(alerts[1].Active());
  EXPECT_GT(alerts[1].id, alerts[0].id);
}

}  // namespace
}  // namespace psm
