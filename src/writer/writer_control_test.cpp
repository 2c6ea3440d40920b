// The writer's control-room side: turnout corrections through an unlock, audit in the batch's
// transaction, alerts opened/acknowledged/resolved and kept across a restart.
#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <future>
#include <thread>

#include "core/testing/fake_clock.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "writer/writer.hpp"

namespace psm {
namespace {

using psm::testing::FakeClock;

const StationId kStation{34, 1};

class NullBus final : public Bus {
 public:
  void Publish(const BusEvent& e) override {
    std::lock_guard lock(mu_);
    if (e.type == "alert") alerts.push_back(*e.data);
  }
  void Subscribe(Handler) override {}
  std::vector<std::string> Alerts() {
    std::lock_guard lock(mu_);
    return alerts;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> alerts;
};

template <typename T>
std::future<T> Promise(std::function<void(T)>& cb) {
  auto p = std::make_shared<std::promise<T>>();
  cb = [p](T v) { p->set_value(std::move(v)); };
  return p->get_future();
}

class WriterControl : public ::testing::Test {
 protected:
  WriterControl() : clock_(*ParseRfc3339("2026-11-30T10:00:00+05:30")) {
    day_.date = *ParseDate("2026-11-30");
    path_ = std::filesystem::temp_directory_path() /
            ("psm-writer-control-" + std::to_string(::getpid()) + ".db");
    std::filesystem::remove(path_);
    auto store = Open();
    EXPECT_TRUE(store->UpsertConstituencies({{34, "Jalandhar West", "SC", "Jalandhar"}}).ok());
    station_ = Station{kStation, "School, Room 1", "School", "Basti", 31.3, 75.5, {500, 480, 0}};
    EXPECT_TRUE(store->UpsertStations({station_}).ok());
  }
  ~WriterControl() override {
    if (writer_) writer_->Stop();
    writer_.reset();
    for (const char* suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(path_.string() + suffix);
  }
  std::unique_ptr<Store> Open() {
    auto s = SqliteStore::Open(path_.string());
    EXPECT_TRUE(s.ok());
    EXPECT_TRUE((*s)->Migrate().ok());
    return std::move(s).value();
  }
  void StartWriter() {
    if (writer_) writer_->Stop();
    writer_.reset();
    board_ = std::make_unique<Board>(
        std::vector<Constituency>{{34, "Jalandhar West", "SC", "Jalandhar"}},
        std::vector<Station>{station_});
    writer_ = std::make_unique<Writer>(Open(), *board_, bus_, clock_, day_, StatusOptions{},
                                       WriterOptions{}, nullptr);
    ASSERT_TRUE(writer_->Load().ok());
    writer_->Start();
  }
  SubmitOutcome Submit(ReportKind kind, Counts c, std::string reason = "") {
    Report r;
    char id[40];
    std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", ++next_id_);
    r.id = id;
    r.station = kStation;
    r.kind = kind;
    r.observed_at = clock_.Now();
    r.counts = c;
    r.reason = std::move(reason);
    r.actor = "officer:34-1";
    SubmitCallback cb;
    auto f = Promise<SubmitOutcome>(cb);
    EXPECT_TRUE(writer_->Submit(r, RequestOrigin{"", "officer", "10.0.0.7"}, cb));
    clock_.Advance(std::chrono::minutes(1));
    return f.get();
  }
  Result<TurnoutUnlock> Unlock() {
    UnlockCallback cb;
    auto f = Promise<Result<TurnoutUnlock>>(cb);
    EXPECT_TRUE(writer_->UnlockTurnout(kStation, "typing error at 10:00",
                                       RequestOrigin{"user:dc", "admin", "10.0.0.1"}, cb));
    return f.get();
  }
  std::vector<Alert> ActiveAlerts(AlertKind kind) {
    std::vector<Alert> out;
    for (const Alert& a : *writer_->Alerts())
      if (a.kind == kind && a.Active()) out.push_back(a);
    return out;
  }
  // Each entry's detail, oldest first, as parsed JSON (key order kept).
  std::vector<Json> AuditDetails() {
    auto entries = Open()->QueryAudit(AuditFilter{});
    EXPECT_TRUE(entries.ok());
    std::vector<Json> out;
    for (auto it = entries->rbegin(); it != entries->rend(); ++it)
      out.push_back(Json::parse(it->detail));
    return out;
  }
  std::vector<std::string> AuditActions() {
    auto entries = Open()->QueryAudit(AuditFilter{});
    EXPECT_TRUE(entries.ok());
    std::vector<std::string> out;
    for (auto it = entries->rbegin(); it != entries->rend(); ++it)
      out.push_back(it->action);
    return out;
  }

  FakeClock clock_;
  PollingDay day_;
  Station station_;
  std::filesystem::path path_;
  NullBus bus_;
  std::unique_ptr<Board> board_;
  std::unique_ptr<Writer> writer_;
  int next_id_ = 0;
};

TEST_F(WriterControl, CorrectionNeedsUnlockIsAcceptedOnceAndAudited) {
  StartWriter();
  ASSERT_EQ(Submit(ReportKind::kTurnout, {200, 150, 0}).kind, SubmitOutcome::Kind::kCreated);
  auto refused = Submit(ReportKind::kTurnout, {190, 150, 0}, "typing error");
  ASSERT_EQ(refused.kind, SubmitOutcome::Kind::kRejected);
  EXPECT_EQ(refused.error.reason, "turnout_decreased");
  // The refusal needs a person: a rejected_report alert, once.
  ASSERT_EQ(ActiveAlerts(AlertKind::kRejectedReport).size(), 1u);
  Submit(ReportKind::kTurnout, {180, 150, 0});
  ASSERT_EQ(ActiveAlerts(AlertKind::kRejectedReport).size(), 1u);

  auto unlock = Unlock();
  ASSERT_TRUE(unlock.ok()) << unlock.error().detail;
  EXPECT_EQ(unlock->opened_by, "user:dc");
  auto twice = Unlock();
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().reason, "unlock_open");

  // Restart between unlock and correction: the unlock is kept.
  StartWriter();
  auto fixed = Submit(ReportKind::kTurnout, {190, 150, 0}, "typing error");
  ASSERT_EQ(fixed.kind, SubmitOutcome::Kind::kCreated) << fixed.error.detail;
  EXPECT_EQ(board_->Get(0)->status.votes_polled, (Counts{190, 150, 0}));
  EXPECT_TRUE(ActiveAlerts(AlertKind::kRejectedReport).empty());  // resolved by the fix
  auto again = Submit(ReportKind::kTurnout, {185, 150, 0}, "again");
  EXPECT_EQ(again.kind, SubmitOutcome::Kind::kRejected);

  const std::vector<std::string> want = {"report",           "report_rejected", "report_rejected",
                                         "turnout_unlocked", "report",          "turnout_corrected",
                                         "report_rejected"};
  EXPECT_EQ(AuditActions(), want);
  const auto details = AuditDetails();
  ASSERT_EQ(details.size(), want.size());
  EXPECT_EQ(details[0].dump(), R"({"id":"00000000-0000-4000-8000-000000000001","kind":"turnout"})");
  EXPECT_EQ(details[1]["reason"], "turnout_decreased");
  EXPECT_EQ(details[1]["id"], "00000000-0000-4000-8000-000000000002");
  EXPECT_EQ(details[1].begin().key(), "reason");  // why first, then which report
  EXPECT_EQ(details[5]["unlock"], unlock->id);
  EXPECT_EQ(details[5]["reason"], "typing error");
  EXPECT_EQ(details[5]["from"]["total"], 350);
  EXPECT_EQ(details[5]["to"]["total"], 340);
  EXPECT_EQ(details[5]["kind"], "turnout");
  auto stored = Open()->LoadTurnoutUnlocks();
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_TRUE((*stored)[0].closed_at.has_value());
  // After another restart the closed unlock stays closed.
  StartWriter();
  EXPECT_EQ(Submit(ReportKind::kTurnout, {184, 150, 0}, "x").kind, SubmitOutcome::Kind::kRejected);
}

// Waits (real time, bounded) until the writer thread has acted on what was queued.
template <typename Pred>
bool Eventually(Pred pred) {
  for (int i = 0; i < 500; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

TEST_F(WriterControl, WrongPinsFromSeveralAddressesOpenPinGuessingUntilTheReset) {
  StartWriter();
  // One or two addresses: an officer mistyping on a phone that changed networks.
  ASSERT_TRUE(writer_->NotePinFailure(kStation, 1));
  ASSERT_TRUE(writer_->NotePinFailure(kStation, 2));
  // A station not on the roll opens nothing.
  ASSERT_TRUE(writer_->NotePinFailure(StationId{34, 99}, 5));
  ASSERT_TRUE(writer_->NotePinFailure(kStation, 3));
  ASSERT_TRUE(Eventually([&] { return ActiveAlerts(AlertKind::kPinGuessing).size() == 1; }));
  ASSERT_TRUE(writer_->NotePinFailure(kStation, 4));
  const auto open = ActiveAlerts(AlertKind::kPinGuessing);
  ASSERT_EQ(open.size(), 1u) << "one alert while the guessing goes on";
  EXPECT_NE(open[0].detail.find("3 addresses"), std::string::npos) << open[0].detail;
  std::size_t kinds = 0;
  for (const Alert& a : *writer_->Alerts())
    kinds += a.kind == AlertKind::kPinGuessing;
  EXPECT_EQ(kinds, 1u);
  // Durable: a restart shows it again.
  StartWriter();
  ASSERT_EQ(ActiveAlerts(AlertKind::kPinGuessing).size(), 1u);
  // The PIN reset resolves it: the guesses were at a PIN that no longer exists.
  ASSERT_TRUE(writer_->NotePinReset(kStation));
  ASSERT_TRUE(Eventually([&] { return ActiveAlerts(AlertKind::kPinGuessing).empty(); }));
  StartWriter();
  EXPECT_TRUE(ActiveAlerts(AlertKind::kPinGuessing).empty());
}

TEST_F(WriterControl, PinGuessingResolvesAfterAnHourWithoutAWrongPin) {
  StartWriter();
  ASSERT_TRUE(writer_->NotePinFailure(kStation, 3));
  ASSERT_TRUE(Eventually([&] { return ActiveAlerts(AlertKind::kPinGuessing).size() == 1; }));
  const std::int64_t id = ActiveAlerts(AlertKind::kPinGuessing)[0].id;
  // 50 minutes on, one more wrong PIN (from an address already counted) restarts the hour. The
  // control room's acknowledgement, queued after it, is done once the writer has taken it.
  clock_.Advance(std::chrono::minutes(50));
  ASSERT_TRUE(writer_->NotePinFailure(kStation, 1));
  AlertCallback cb;
  auto acked = Promise<Result<Alert>>(cb);
  ASSERT_TRUE(writer_->AcknowledgeAlert(id, RequestOrigin{"user:dc", "admin", "10.0.0.1"}, cb));
  ASSERT_TRUE(acked.get().ok());
  clock_.Advance(std::chrono::minutes(50));  // the timers run: 100 min after opening
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(ActiveAlerts(AlertKind::kPinGuessing).size(), 1u) << "50 min since the last guess";
  clock_.Advance(std::chrono::minutes(11));
  ASSERT_TRUE(Eventually([&] { return ActiveAlerts(AlertKind::kPinGuessing).empty(); }));
}

TEST_F(WriterControl, AlertsAreAcknowledgedPersistedAndResolved) {
  StartWriter();  // 10:00 with no poll_started: not_started is open from the first evaluation
  auto open = ActiveAlerts(AlertKind::kNotStarted);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_FALSE(bus_.Alerts().empty());
  EXPECT_EQ(bus_.Alerts().front().find("detail"), std::string::npos);  // public stream

  AlertCallback cb;
  auto f = Promise<Result<Alert>>(cb);
  ASSERT_TRUE(
      writer_->AcknowledgeAlert(open[0].id, RequestOrigin{"user:gill", "sector", "::1"}, cb));
  auto acked = f.get();
  ASSERT_TRUE(acked.ok());
  EXPECT_EQ(acked->state, AlertState::kAcknowledged);

  StartWriter();  // survives a restart: the same alert, still acknowledged, no duplicate
  auto after = ActiveAlerts(AlertKind::kNotStarted);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].id, open[0].id);
  EXPECT_EQ(after[0].acknowledged_by, "user:gill");

  Report started;
  started.id = "00000000-0000-4000-8000-999999999999";
  started.station = kStation;
  started.kind = ReportKind::kEvent;
  started.event = EventKind::kPollStarted;
  started.observed_at = clock_.Now();
  SubmitCallback scb;
  auto sf = Promise<SubmitOutcome>(scb);
  ASSERT_TRUE(writer_->Submit(started, scb));
  ASSERT_EQ(sf.get().kind, SubmitOutcome::Kind::kCreated);
  EXPECT_TRUE(ActiveAlerts(AlertKind::kNotStarted).empty());
  auto stored = Open()->LoadAlerts();
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ((*stored)[0].state, AlertState::kResolved);
  auto actions = AuditActions();
  EXPECT_NE(std::find(actions.begin(), actions.end(), "alert_acknowledged"), actions.end());
}

}  // namespace
}  // namespace psm
