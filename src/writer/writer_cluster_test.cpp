// Writers of two nodes on one PostgreSQL store: one holds the writer role and commits, the other
// follows its commits through the change feed and takes the role when the first one's session
// ends. On a real server the test starts.
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "core/testing/fake_clock.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/testing/postgres_server.hpp"
#include "writer/testing/recording_bus.hpp"
#include "writer/writer.hpp"

namespace psm {
namespace {

using namespace std::chrono_literals;
using psm::testing::FakeClock;
using psm::testing::RecordingBus;

const StationId kStation{34, 1};

// One node: its own store session, board, bus and writer.
struct Node {
  std::unique_ptr<Board> board;
  RecordingBus bus;
  std::unique_ptr<Writer> writer;
  std::atomic<int> session_changes{0};
};

class WriterClusterTest : public ::testing::Test {
 protected:
  WriterClusterTest() : clock_(*ParseRfc3339("2026-11-30T10:00:00+05:30")) {
    day_.date = *ParseDate("2026-11-30");
    station_ = Station{kStation, "School, Room 1", "School", "Basti", 31.3, 75.5, {500, 480, 0}};
  }

  void SetUp() override {
    std::string error;
    server_ = psm::testing::SharedPostgresServer(&error);
    ASSERT_NE(server_, nullptr) << error;
    auto db = server_->CreateDatabase();
    ASSERT_TRUE(db.ok()) << db.error().detail;
    db_ = *db;
    auto store = OpenStore();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->UpsertConstituencies({{34, "Jalandhar West", "SC", "Jalandhar"}}).ok());
    ASSERT_TRUE(store->UpsertStations({station_}).ok());
  }

  void TearDown() override {
    a_.reset();
    b_.reset();
    if (server_ != nullptr && !db_.empty()) (void)server_->DropDatabase(db_);
  }

  std::unique_ptr<PostgresStore> OpenStore() {
    auto store = PostgresStore::Open(server_->Url(db_));
    EXPECT_TRUE(store.ok()) << store.error().detail;
    if (!store.ok()) return nullptr;
    EXPECT_TRUE((*store)->Migrate().ok());
    return std::move(*store);
  }

  std::unique_ptr<Node> StartNode(WriterOptions options = {}) {
    auto node = std::make_unique<Node>();
    node->board = std::make_unique<Board>(
        std::vector<Constituency>{{34, "Jalandhar West", "SC", "Jalandhar"}},
        std::vector<Station>{station_});
    options.on_session_changes = [n = node.get()](const ChangeBatch&) { ++n->session_changes; };
    node->writer = std::make_unique<Writer>(OpenStore(), *node->board, node->bus, clock_, day_,
                                            StatusOptions{}, options, nullptr);
    EXPECT_TRUE(node->writer->Load().ok());
    node->writer->Start();
    return node;
  }

  Report Queue(int n, int men) {
    Report r;
    char id[40];
    std::snprintf(id, sizeof id, "00000000-0000-0000-0000-%012d", n);
    r.id = id;
    r.station = kStation;
    r.kind = ReportKind::kQueue;
    r.observed_at = clock_.Now();
    r.counts = {men, 0, 0};
    return r;
  }

  Report Turnout(int n, int men, std::string reason = "") {
    Report r = Queue(n, men);
    r.kind = ReportKind::kTurnout;
    r.reason = std::move(reason);
    return r;
  }

  static SubmitOutcome Submit(Node& node, Report r) {
    auto promise = std::make_shared<std::promise<SubmitOutcome>>();
    auto future = promise->get_future();
    EXPECT_TRUE(
        node.writer->Submit(std::move(r), [promise](SubmitOutcome o) { promise->set_value(o); }));
    return future.get();
  }

  // Pokes `node` (as a Redis notification would) and moves the clock on (the writer, which
  // ignores pokes, reads the feed at its own pace) until `done` holds, for at most five seconds.
  bool PokeUntil(Node& node, const std::function<bool()>& done) {
    for (int i = 0; i < 500; ++i) {
      if (done()) return true;
      node.writer->Poke(0);
      clock_.Advance(50ms);
      std::this_thread::sleep_for(10ms);
    }
    return done();
  }

  static std::int64_t QueueOf(Node& node) {
    const auto view = node.board->Get(0);
    return view->status.queue ? view->status.queue->Total() : -1;
  }

  FakeClock clock_;
  PollingDay day_;
  Station station_;
  psm::testing::PostgresServer* server_ = nullptr;
  std::string db_;
  std::unique_ptr<Node> a_, b_;
};

TEST_F(WriterClusterTest, OneNodeCommitsAndTheOtherFollowsWithTheSameEventIds) {
  a_ = StartNode();
  b_ = StartNode();
  EXPECT_TRUE(a_->writer->IsWriter());
  EXPECT_FALSE(b_->writer->IsWriter());

  const auto out = Submit(*a_, Queue(1, 12));
  ASSERT_EQ(out.kind, SubmitOutcome::Kind::kCreated);
  EXPECT_EQ(QueueOf(*a_), 12);
  ASSERT_TRUE(PokeUntil(*b_, [&] { return QueueOf(*b_) == 12; }));
  EXPECT_GT(a_->bus.LatestSeq("status"), 0u);
  EXPECT_EQ(b_->bus.LatestSeq("status"), a_->bus.LatestSeq("status"));
  EXPECT_EQ(b_->writer->applied_seq(), a_->writer->applied_seq());

  // A node without the role refuses writes; nothing of it reaches the store.
  const auto refused = Submit(*b_, Queue(2, 30));
  EXPECT_EQ(refused.kind, SubmitOutcome::Kind::kRejected);
  EXPECT_EQ(refused.error.reason, "not_writer");
  std::promise<Result<TurnoutUnlock>> unlock;
  ASSERT_TRUE(b_->writer->UnlockTurnout(kStation, "typo", RequestOrigin{"user:dc", "admin", ""},
                                        [&](Result<TurnoutUnlock> r) { unlock.set_value(r); }));
  EXPECT_EQ(unlock.get_future().get().error().reason, "not_writer");

  // An alert the writer opens shows on the follower.
  Report bad = Queue(3, 9999);  // more than the station's electors: refused, needs a person
  EXPECT_EQ(Submit(*a_, bad).kind, SubmitOutcome::Kind::kRejected);
  ASSERT_FALSE(a_->writer->Alerts()->empty());
  ASSERT_TRUE(
      PokeUntil(*b_, [&] { return b_->writer->Alerts()->size() == a_->writer->Alerts()->size(); }));
  EXPECT_EQ(b_->writer->Alerts()->back().id, a_->writer->Alerts()->back().id);
  EXPECT_EQ(b_->writer->Alerts()->back().kind, AlertKind::kRejectedReport);
}

TEST_F(WriterClusterTest, AnIdleFollowerSleepsUntilItsNextFeedRead) {
  a_ = StartNode();
  WriterOptions options;
  options.alert_interval = 1s;
  options.follow_interval = 300ms;  // unlike the writer's, so the wait below is the follower's
  b_ = StartNode(options);
  ASSERT_FALSE(b_->writer->IsWriter());
  // Past the alert interval: a follower evaluates no alerts, but its alert timer must move on,
  // or every later wait would end at once and the thread would spin.
  clock_.Advance(1500ms);
  EXPECT_TRUE(clock_.AwaitWaiter(clock_.SteadyNow() + 300ms, 5s));
  clock_.Advance(1500ms);
  EXPECT_TRUE(clock_.AwaitWaiter(clock_.SteadyNow() + 300ms, 5s));
}

TEST_F(WriterClusterTest, WhenTheWritersSessionEndsTheFollowerTakesOverWithEverythingCommitted) {
  a_ = StartNode();
  b_ = StartNode();
  ASSERT_TRUE(a_->writer->IsWriter());
  std::promise<Result<TurnoutUnlock>> unlock;
  ASSERT_TRUE(a_->writer->UnlockTurnout(kStation, "typo", RequestOrigin{"user:dc", "admin", ""},
                                        [&](Result<TurnoutUnlock> r) { unlock.set_value(r); }));
  ASSERT_TRUE(unlock.get_future().get().ok());
  const Report first = Queue(1, 12);
  ASSERT_EQ(Submit(*a_, first).kind, SubmitOutcome::Kind::kCreated);
  ASSERT_EQ(Submit(*a_, Turnout(2, 100)).kind, SubmitOutcome::Kind::kCreated);
  a_.reset();  // the writer's process ends: its session, and the role, with it

  ASSERT_TRUE(PokeUntil(*b_, [&] { return b_->writer->IsWriter(); }));
  EXPECT_EQ(QueueOf(*b_), 12);  // caught up before it took the role
  // The new writer enforces what the old one committed: the same id is a repeat, the unlock
  // opened there admits one correction here.
  EXPECT_EQ(Submit(*b_, first).kind, SubmitOutcome::Kind::kRepeated);
  EXPECT_EQ(Submit(*b_, Queue(3, 14)).kind, SubmitOutcome::Kind::kCreated);
  EXPECT_EQ(Submit(*b_, Turnout(4, 90)).error.reason, "reason_required");
  EXPECT_EQ(Submit(*b_, Turnout(5, 90, "typed 100 for 90")).kind, SubmitOutcome::Kind::kCreated);
  EXPECT_EQ(Submit(*b_, Turnout(6, 80, "again")).error.reason, "turnout_decreased");
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  auto unlocks = store->LoadTurnoutUnlocks();
  ASSERT_TRUE(unlocks.ok());
  ASSERT_EQ(unlocks->size(), 1u);
  EXPECT_TRUE((*unlocks)[0].closed_at.has_value());  // the correction used it
  // A node started now sees the day as the new writer made it.
  a_ = StartNode();
  EXPECT_FALSE(a_->writer->IsWriter());
  EXPECT_EQ(QueueOf(*a_), 14);
  EXPECT_EQ(a_->board->Get(0)->status.votes_polled->Total(), 90);
}

TEST_F(WriterClusterTest, SessionsCreatedAnywhereReachEveryNode) {
  a_ = StartNode();
  b_ = StartNode();
  auto other = OpenStore();  // a login on a third node
  SessionRecord s;
  s.token_hash = "abc";
  s.station = kStation;
  s.expires_at = clock_.Now() + 1h;
  ASSERT_TRUE(other->InsertSession(s).ok());
  EXPECT_TRUE(PokeUntil(*a_, [&] { return a_->session_changes.load() > 0; }));
  EXPECT_TRUE(PokeUntil(*b_, [&] { return b_->session_changes.load() > 0; }));
}

}  // namespace
}  // namespace psm
