// The change feed a cluster's nodes follow, and the writer role that fences the writer's
// commits: on a real PostgreSQL server the test starts.
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <thread>

#include "store/postgres/postgres_store.hpp"
#include "store/store_suite.hpp"
#include "store/testing/postgres_server.hpp"
#include "store/testing/store_calls.hpp"

namespace psm::testing {
namespace {

class PostgresFeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    server_ = SharedPostgresServer(&error);
    ASSERT_NE(server_, nullptr) << error;
    auto db = server_->CreateDatabase();
    ASSERT_TRUE(db.ok()) << db.error().detail;
    db_ = *db;
    store_ = Open();
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(store_->UpsertConstituencies(TestConstituencies()).ok());
    ASSERT_TRUE(store_->UpsertStations(TestStations(3)).ok());
  }
  void TearDown() override {
    store_.reset();
    if (server_ != nullptr && !db_.empty()) (void)server_->DropDatabase(db_);
  }

  std::unique_ptr<PostgresStore> Open() {
    auto store = PostgresStore::Open(server_->Url(db_));
    EXPECT_TRUE(store.ok()) << store.error().detail;
    if (!store.ok()) return nullptr;
    EXPECT_TRUE((*store)->Migrate().ok());
    return std::move(*store);
  }

  // Ends every other session holding psm's writer role, as a lost network or a restarted
  // server would.
  void TerminateWriterSessions() {
    auto conn = pg::Connection::Open(server_->Url(db_), "");
    ASSERT_TRUE(conn.ok());
    auto rows = conn->Query(
        "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted");
    ASSERT_TRUE(rows.ok()) << rows.error().detail;
    ASSERT_EQ(rows->size(), 1);
  }

  // A session ends (and frees its locks) a moment after its client hangs up or it is
  // terminated: tries to take the role for up to five seconds.
  static bool TakesRole(Store& store) {
    for (int i = 0; i < 500; ++i) {
      auto taken = store.TakeWriterRole();
      if (taken.ok() && *taken) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  static SessionRecord Session(std::string hash) {
    SessionRecord s;
    s.token_hash = std::move(hash);
    s.station = StationId{34, 1};
    s.expires_at = TestTime(600);
    return s;
  }

  PostgresServer* server_ = nullptr;
  std::string db_;
  std::unique_ptr<PostgresStore> store_;
};

TEST_F(PostgresFeedTest, TheFeedHoldsEveryCommittedChangeInSeqOrder) {
  auto head = store_->FeedHead();
  ASSERT_TRUE(head.ok()) << head.error().detail;
  EXPECT_EQ(*head, (FeedCursor{0, 0}));
  auto outcomes = InsertReports(*store_, {TestReport(1, StationId{34, 1}, ReportKind::kQueue),
                                          TestReport(2, StationId{34, 2}, ReportKind::kQueue)});
  ASSERT_TRUE(outcomes.ok());
  ASSERT_EQ(outcomes->size(), 2u);
  EXPECT_LT((*outcomes)[0].seq, (*outcomes)[1].seq);
  TurnoutUnlock unlock;
  unlock.station = StationId{34, 2};
  unlock.opened_at = TestTime(0);
  unlock.opened_by = "user:dc";
  ASSERT_TRUE(store_->OpenTurnoutUnlock(unlock, {}).ok());
  Alert alert;
  alert.id = 7;
  alert.station = StationId{34, 3};
  alert.opened_at = TestTime(1);
  ASSERT_TRUE(store_->SaveAlerts({alert}, {}).ok());
  ASSERT_TRUE(store_->InsertSession(Session("aa")).ok());
  ASSERT_TRUE(store_->InsertSession(Session("bb")).ok());
  ASSERT_TRUE(store_->DeleteSession("aa").ok());

  auto all = store_->ChangesSince(FeedCursor{}, 100);
  ASSERT_TRUE(all.ok()) << all.error().detail;
  ASSERT_EQ(all->reports.size(), 2u);
  EXPECT_EQ(all->reports[0].value.id, TestUuid(1));
  EXPECT_EQ(all->reports[0].seq, (*outcomes)[0].seq);
  EXPECT_EQ(all->reports[1].value.station, (StationId{34, 2}));
  ASSERT_EQ(all->unlocks.size(), 1u);
  EXPECT_EQ(all->unlocks[0].value.opened_by, "user:dc");
  EXPECT_FALSE(all->unlocks[0].value.closed_at.has_value());
  ASSERT_EQ(all->alerts.size(), 1u);
  EXPECT_EQ(all->alerts[0].value.id, 7);
  EXPECT_GT(all->alerts[0].seq, all->unlocks[0].seq);
  EXPECT_EQ(all->writer_seq, all->alerts[0].seq);
  EXPECT_FALSE(all->more);
  ASSERT_EQ(all->sessions.size(), 1u);  // "aa" ended before the feed was read
  EXPECT_EQ(all->sessions[0].value.token_hash, "bb");
  ASSERT_EQ(all->ended_sessions.size(), 1u);
  EXPECT_EQ(all->ended_sessions[0].value, "aa");
  EXPECT_EQ(all->sessions_seq, all->ended_sessions[0].seq);

  head = store_->FeedHead();
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(*head, (FeedCursor{all->writer_seq, all->sessions_seq}));
  auto none = store_->ChangesSince(*head, 100);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_EQ(none->writer_seq, head->writer);
  EXPECT_EQ(none->sessions_seq, head->sessions);

  // An update is a change again: the alert acknowledged comes back with a newer seq.
  alert.state = AlertState::kAcknowledged;
  ASSERT_TRUE(store_->SaveAlerts({alert}, {}).ok());
  auto update = store_->ChangesSince(*head, 100);
  ASSERT_TRUE(update.ok());
  ASSERT_EQ(update->alerts.size(), 1u);
  EXPECT_EQ(update->alerts[0].value.state, AlertState::kAcknowledged);
  EXPECT_GT(update->writer_seq, head->writer);
}

TEST_F(PostgresFeedTest, ALimitedReadIsAPrefixOfTheWriterFeed) {
  ASSERT_TRUE(InsertReports(*store_, {TestReport(1, StationId{34, 1}, ReportKind::kQueue)}).ok());
  Alert alert;
  alert.id = 1;
  alert.station = StationId{34, 1};
  ASSERT_TRUE(store_->SaveAlerts({alert}, {}).ok());
  ASSERT_TRUE(InsertReports(*store_, {TestReport(2, StationId{34, 1}, ReportKind::kQueue)}).ok());

  auto first = store_->ChangesSince(FeedCursor{}, 1);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->more);
  ASSERT_EQ(first->reports.size(), 1u);
  EXPECT_TRUE(first->alerts.empty());  // after the last report read: the next call's
  EXPECT_EQ(first->writer_seq, first->reports[0].seq);
  auto second = store_->ChangesSince(FeedCursor{first->writer_seq, 0}, 1);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->reports.size(), 1u);
  EXPECT_EQ(second->reports[0].value.id, TestUuid(2));
  ASSERT_EQ(second->alerts.size(), 1u);
  auto third = store_->ChangesSince(FeedCursor{second->writer_seq, 0}, 1);
  ASSERT_TRUE(third.ok());
  EXPECT_TRUE(third->reports.empty());
  EXPECT_FALSE(third->more);
}

TEST_F(PostgresFeedTest, OneSessionAtATimeHoldsTheWriterRole) {
  auto other = Open();
  ASSERT_NE(other, nullptr);
  EXPECT_FALSE(*store_->HoldsWriterRole());  // never taken
  ASSERT_TRUE(*store_->TakeWriterRole());
  EXPECT_TRUE(*store_->TakeWriterRole());  // already held
  EXPECT_TRUE(*store_->HoldsWriterRole());
  EXPECT_FALSE(*other->TakeWriterRole());
  EXPECT_FALSE(*other->HoldsWriterRole());
  store_.reset();  // the session ends: the role is free
  EXPECT_TRUE(TakesRole(*other));
}

TEST_F(PostgresFeedTest, AWriterWhoseSessionEndedCommitsNothingMore) {
  ASSERT_TRUE(*store_->TakeWriterRole());
  ASSERT_TRUE(InsertReports(*store_, {TestReport(1, StationId{34, 1}, ReportKind::kQueue)}).ok());
  TerminateWriterSessions();
  auto held = store_->HoldsWriterRole();
  EXPECT_FALSE(held.ok() && *held) << "a terminated session still counts as the writer";
  // The connection comes back (a new session), but without the lock: every fenced commit fails.
  auto refused = InsertReports(*store_, {TestReport(2, StationId{34, 1}, ReportKind::kQueue)});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().reason, "not_writer");
  Alert alert;
  alert.id = 1;
  alert.station = StationId{34, 1};
  EXPECT_EQ(store_->SaveAlerts({alert}, {}).error().reason, "not_writer");
  TurnoutUnlock unlock;
  unlock.station = StationId{34, 2};
  EXPECT_EQ(store_->OpenTurnoutUnlock(unlock, {}).error().reason, "not_writer");
  auto other = Open();
  ASSERT_NE(other, nullptr);
  EXPECT_TRUE(TakesRole(*other));
  EXPECT_FALSE(*store_->TakeWriterRole());
  EXPECT_EQ(*store_->FindReport(TestUuid(2)), std::nullopt);
  // Once the other writer is gone, this store may take the role again in its new session.
  other.reset();
  ASSERT_TRUE(TakesRole(*store_));
  EXPECT_TRUE(InsertReports(*store_, {TestReport(2, StationId{34, 1}, ReportKind::kQueue)}).ok());
}

// What a node needs from its store for a Patroni failover (docs/deployment.md): a multi-host URL
// with target_session_attrs=read-write reaches the server that takes writes even when the first
// host is down, and after its session ends the store reconnects through the same list and takes
// the writer role again, with no failover logic of its own.
TEST_F(PostgresFeedTest, AMultiHostUrlReconnectsAndTakesTheWriterRoleAgain) {
  // Port 1 on loopback refuses at once, as the host of a primary whose PostgreSQL is down.
  const std::string url =
      "postgresql://postgres@127.0.0.1:1,127.0.0.1:" + std::to_string(server_->port()) + "/" + db_ +
      "?target_session_attrs=read-write";
  auto store = PostgresStore::Open(url);
  ASSERT_TRUE(store.ok()) << store.error().detail;
  ASSERT_TRUE(*(*store)->TakeWriterRole());
  ASSERT_TRUE(InsertReports(**store, {TestReport(1, StationId{34, 1}, ReportKind::kQueue)}).ok());
  TerminateWriterSessions();  // the primary's failure ends the writer's session
  auto held = (*store)->HoldsWriterRole();
  EXPECT_FALSE(held.ok() && *held);
  EXPECT_TRUE(TakesRole(**store));
  EXPECT_TRUE(InsertReports(**store, {TestReport(2, StationId{34, 1}, ReportKind::kQueue)}).ok());
  EXPECT_NE(*store_->FindReport(TestUuid(2)), std::nullopt);
}

// A primary that stops answering while its machine is up (a hung or stopped PostgreSQL: the
// kernel still acknowledges every packet, so TCP keepalives see nothing wrong) must not hold a
// node's store calls for ever: each call gives up at its deadline and the next one reconnects.
TEST(PostgresConnectionTest, ACallToAServerThatStopsAnsweringGivesUpAndTheNextReconnects) {
  auto server = PostgresServer::Start();
  ASSERT_TRUE(server.ok()) << server.error().detail;
  auto conn = pg::Connection::Open((*server)->Url("postgres"), "");
  ASSERT_TRUE(conn.ok()) << conn.error().detail;
  conn->set_call_timeout(std::chrono::milliseconds(500));
  ASSERT_TRUE(conn->Query("SELECT 1").ok());
  // A statement, then a commit, each sent to the frozen server.
  for (const bool commit : {false, true}) {
    auto tx = pg::Transaction::Begin(*conn);
    ASSERT_TRUE(tx.ok()) << tx.error().detail;
    auto backend = conn->Query("SELECT pg_backend_pid()");
    ASSERT_TRUE(backend.ok()) << backend.error().detail;
    // The session's own server process (each leads a process group of its own).
    const auto pid = static_cast<pid_t>(backend->Int(0, 0));
    ASSERT_EQ(::kill(pid, SIGSTOP), 0);
    const auto start = std::chrono::steady_clock::now();
    Status failed;
    if (commit) {
      failed = tx->Commit();
    } else if (auto r = conn->Query("SELECT 1"); !r.ok()) {
      failed = r.error();
    }
    const auto took = std::chrono::steady_clock::now() - start;
    ASSERT_EQ(::kill(pid, SIGCONT), 0);
    ASSERT_FALSE(failed.ok()) << (commit ? "commit" : "statement");
    EXPECT_EQ(failed.error().code, ErrorCode::kUnavailable) << failed.error().detail;
    EXPECT_LT(took, std::chrono::seconds(3));
  }
  // The calls ended without waiting on the server; the next call is a new session.
  auto again = conn->Query("SELECT 1");
  ASSERT_TRUE(again.ok()) << again.error().detail;
  EXPECT_EQ(conn->session(), 3u);
}

}  // namespace
}  // namespace psm::testing
