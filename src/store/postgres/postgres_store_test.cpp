// PostgreSQL-only behaviour: session settings, the COPY roll import, URLs with several hosts,
// a server that goes away and comes back, concurrent migrations, append-only tables and the
// change sequence.
#include "store/postgres/postgres_store.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <barrier>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "store/postgres/migrations.hpp"
#include "store/store_suite.hpp"
#include "store/testing/postgres_server.hpp"
#include "store/testing/store_calls.hpp"

namespace psm::testing {
namespace {

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    server_ = SharedPostgresServer(&error);
    ASSERT_NE(server_, nullptr) << error;
    db_ = NewDatabase(*server_);
  }

  void TearDown() override {
    if (server_ != nullptr && !db_.empty()) (void)server_->DropDatabase(db_);
  }

  static std::string NewDatabase(PostgresServer& server) {
    auto db = server.CreateDatabase();
    EXPECT_TRUE(db.ok()) << db.error().detail;
    return db.ok() ? *db : std::string();
  }

  std::string Url() const { return server_->Url(db_); }

  std::unique_ptr<PostgresStore> OpenMigrated(const std::string& url) {
    auto store = PostgresStore::Open(url);
    EXPECT_TRUE(store.ok()) << store.error().detail;
    if (!store.ok()) return nullptr;
    auto migrated = (*store)->Migrate();
    EXPECT_TRUE(migrated.ok()) << migrated.error().detail;
    return std::move(*store);
  }

  // A second, plain session on the same database, as another process would have.
  pg::Connection Raw() {
    auto conn = pg::Connection::Open(Url(), "");
    EXPECT_TRUE(conn.ok()) << conn.error().detail;
    return std::move(*conn);
  }

  // The first column of every row `sql` returns, as text.
  std::vector<std::string> Column(const std::string& sql) {
    auto raw = Raw();
    auto rows = raw.Query(sql);
    EXPECT_TRUE(rows.ok()) << rows.error().detail;
    std::vector<std::string> out;
    if (!rows.ok()) return out;
    for (int i = 0; i < rows->size(); ++i)
      out.push_back(rows->Text(i, 0));
    return out;
  }

  std::string One(const std::string& sql) {
    auto column = Column(sql);
    EXPECT_EQ(column.size(), 1u) << sql;
    return column.empty() ? std::string() : column[0];
  }

  PostgresServer* server_ = nullptr;
  std::string db_;
};

// A loopback port where no server listens: bound by this socket, which never listens, so a
// connection to it is refused for as long as the object lives.
class RefusingPort {
 public:
  RefusingPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port_ = ntohs(addr.sin_port);
  }
  ~RefusingPort() { ::close(fd_); }
  RefusingPort(const RefusingPort&) = delete;
  RefusingPort& operator=(const RefusingPort&) = delete;
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

void LoadReference(Store& store) {
  ASSERT_TRUE(store.UpsertConstituencies(TestConstituencies()).ok());
  ASSERT_TRUE(store.UpsertStations(TestStations(3)).ok());
}

std::vector<Elector> ManyElectors(int n) {
  const auto stations = TestStations(3);
  std::vector<Elector> out;
  out.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    char epic[16];
    std::snprintf(epic, sizeof epic, "JLW%07d", i);
    out.push_back(Elector{epic, stations[static_cast<std::size_t>(i) % stations.size()].id});
  }
  return out;
}

TEST_F(PostgresStoreTest, SessionsCommitDurablyInUtf8) {
  auto store = OpenMigrated(Url());
  ASSERT_NE(store, nullptr);
  auto settings = store->Settings();
  ASSERT_TRUE(settings.ok()) << settings.error().detail;
  EXPECT_EQ(settings->synchronous_commit, "on");
  EXPECT_EQ(settings->server_encoding, "UTF8");
  EXPECT_EQ(settings->lock_timeout, "5s");
  EXPECT_GE(settings->server_version, 150000);
  auto version = store->SchemaVersion();
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, pg::StoreMigrations().back().version);
}

TEST_F(PostgresStoreTest, CopyImportOfManyElectorsAndReimportWritesNothing) {
  auto store = OpenMigrated(Url());
  ASSERT_NE(store, nullptr);
  LoadReference(*store);
  constexpr int kCount = 200'000;
  auto electors = ManyElectors(kCount);
  ASSERT_TRUE(store->UpsertElectors(electors).ok());
  auto count = store->CountElectors();
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, kCount);
  // Every row was written by the one import transaction.
  const std::string import_xid = One("SELECT min(xmin::text) FROM electors");
  EXPECT_EQ(One("SELECT count(DISTINCT xmin::text) FROM electors"), "1");

  // The same roll again: no row updated, none even locked (a lock would set xmax).
  ASSERT_TRUE(store->UpsertElectors(electors).ok());
  EXPECT_EQ(One("SELECT count(*) FROM electors WHERE xmin::text <> '" + import_xid + "'"), "0");
  EXPECT_EQ(One("SELECT count(*) FROM electors WHERE xmax::text <> '0'"), "0");
  count = store->CountElectors();
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, kCount);

  // A correction moves one elector and adds one; only those two rows are written.
  electors[7].station = StationId{35, 3};
  electors.push_back(Elector{"ZZZ0000001", StationId{34, 1}});
  ASSERT_TRUE(store->UpsertElectors(electors).ok());
  EXPECT_EQ(One("SELECT count(*) FROM electors WHERE xmin::text <> '" + import_xid + "'"), "2");
  EXPECT_EQ(One("SELECT station FROM electors WHERE epic = 'JLW0000007'"), "35-3");
}

TEST_F(PostgresStoreTest, ElectorImportKeepsTheLastOfARepeatedEpicAndAnyText) {
  auto store = OpenMigrated(Url());
  ASSERT_NE(store, nullptr);
  LoadReference(*store);
  // COPY's text format escapes these; the store takes any EPIC text the caller gives.
  const std::string odd = "A\tB\\C\nD";
  ASSERT_TRUE(store
                  ->UpsertElectors({{"XYZ0000002", StationId{34, 1}},
                                    {odd, StationId{34, 2}},
                                    {"XYZ0000002", StationId{35, 2}}})
                  .ok());
  std::vector<Elector> got;
  ASSERT_TRUE(store
                  ->ForEachElector([&](const Elector& e) {
                    got.push_back(e);
                    return true;
                  })
                  .ok());
  EXPECT_EQ(got, (std::vector<Elector>{{odd, StationId{34, 2}}, {"XYZ0000002", StationId{35, 2}}}));
}

TEST_F(PostgresStoreTest, ElectorsKeepTheirStationsLikeAForeignKey) {
  auto store = OpenMigrated(Url());
  ASSERT_NE(store, nullptr);
  LoadReference(*store);
  ASSERT_TRUE(store->UpsertElectors({{"ABC0000001", StationId{34, 1}}}).ok());
  auto raw = Raw();
  for (const char* sql :
       {"INSERT INTO electors VALUES ('ABC0000002', '34-999')",
        "UPDATE electors SET station = '34-999'", "DELETE FROM stations WHERE id = '34-1'",
        "UPDATE stations SET id = '34-99' WHERE id = '34-1'"}) {
    auto s = raw.Exec(sql);
    ASSERT_FALSE(s.ok()) << sql;
    EXPECT_EQ(s.error().code, ErrorCode::kConflict) << sql;
  }
  // A station without electors may go (psm never deletes one; the check is the key's).
  EXPECT_TRUE(raw.Exec("DELETE FROM stations WHERE id = '35-3'").ok());
}

TEST_F(PostgresStoreTest, TextWithANulCharacterIsInvalidAndWritesNothing) {
  // SQLite stores a NUL inside text; PostgreSQL cannot, and libpq would cut the value there.
  auto store = OpenMigrated(Url());
  ASSERT_NE(store, nullptr);
  LoadReference(*store);
  Report r = TestReport(1, StationId{34, 1}, ReportKind::kEvent);
  r.reason = std::string("before\0after", 12);
  ReportBatch batch;
  batch.reports = {TestReport(2, StationId{34, 1}, ReportKind::kQueue), r};
  auto out = store->CommitReports(batch);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, ErrorCode::kInvalid);
  EXPECT_EQ(One("SELECT count(*) FROM reports"), "0");

  auto found = store->FindReport(TestUuid(2) + std::string(1, '\0'));  // not TestUuid(2)
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.error().code, ErrorCode::kInvalid);

  auto electors = store->UpsertElectors(
      {{"ABC0000001", StationId{34, 1}}, {std::string("ABC\0", 4), StationId{34, 1}}});
  ASSERT_FALSE(electors.ok());
  EXPECT_EQ(electors.error().code, ErrorCode::kInvalid);
  EXPECT_EQ(One("SELECT count(*) FROM electors"), "0");
  EXPECT_TRUE(store->UpsertElectors({{"ABC0000001", StationId{34, 1}}}).ok());  // usable after
}

TEST_F(PostgresStoreTest, UrlWithSeveralHostsConnectsToOneThatAnswers) {
  const RefusingPort bad;
  const std::string url = "postgresql://postgres@127.0.0.1:" + std::to_string(bad.port()) +
                          ",127.0.0.1:" + std::to_string(server_->port()) + "/" + db_ +
                          "?target_session_attrs=read-write";
  auto store = OpenStore(url);
  ASSERT_TRUE(store.ok()) << store.error().detail;
  ASSERT_TRUE((*store)->Migrate().ok());
  LoadReference(**store);
  auto stations = (*store)->LoadStations();
  ASSERT_TRUE(stations.ok());
  EXPECT_EQ(stations->size(), 6u);

  // postgres:// is the same scheme to libpq.
  const std::string short_url =
      "postgres://postgres@127.0.0.1:" + std::to_string(server_->port()) + "/" + db_;
  auto again = OpenStore(short_url);
  ASSERT_TRUE(again.ok()) << again.error().detail;
  auto version = (*again)->SchemaVersion();
  ASSERT_TRUE(version.ok());
  EXPECT_GE(*version, 1);
}

TEST_F(PostgresStoreTest, MalformedUrlIsInvalidAndNoServerIsUnavailable) {
  auto bad = OpenStore("postgresql://postgres@127.0.0.1/db?no_such_parameter=1");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalid);
  EXPECT_EQ(bad.error().reason, "store_url");

  const RefusingPort none;
  auto down = OpenStore("postgresql://postgres@127.0.0.1:" + std::to_string(none.port()) + "/db");
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(down.error().reason, "store_unavailable");
}

TEST_F(PostgresStoreTest, StoppedServerIsUnavailableAndTheStoreReconnectsWhenItIsBack) {
  auto own = PostgresServer::Start();  // this test stops its server: not the shared one
  ASSERT_TRUE(own.ok()) << own.error().detail;
  PostgresServer& server = **own;
  const std::string db = NewDatabase(server);
  auto store = OpenMigrated(server.Url(db));
  ASSERT_NE(store, nullptr);
  LoadReference(*store);
  const StationId station{34, 1};
  ASSERT_TRUE(InsertReports(*store, {TestReport(1, station, ReportKind::kQueue)}).ok());

  server.Stop();
  auto refused = InsertReports(*store, {TestReport(2, station, ReportKind::kQueue)});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(refused.error().reason, "store_unavailable");
  auto loaded = store->LoadStations();  // the next call tries to reconnect, and cannot
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, ErrorCode::kUnavailable);
  auto opened = OpenStore(server.Url(db));
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kUnavailable);

  // Back on the same port: the same store reconnects and prepares its statements again.
  ASSERT_TRUE(server.Restart().ok());
  auto retried = InsertReports(*store, {TestReport(2, station, ReportKind::kQueue)});
  ASSERT_TRUE(retried.ok()) << retried.error().detail;
  EXPECT_TRUE((*retried)[0].inserted);
  auto again = InsertReports(*store, {TestReport(1, station, ReportKind::kQueue)});
  ASSERT_TRUE(again.ok()) << again.error().detail;
  EXPECT_FALSE((*again)[0].inserted);  // stored before the stop
}

TEST_F(PostgresStoreTest, TwoProcessesMigratingAtOnceTakeTurns) {
  // Several rounds, each on a fresh database, two sessions released together.
  for (int round = 0; round < 5; ++round) {
    const std::string db = NewDatabase(*server_);
    auto a = PostgresStore::Open(server_->Url(db));
    auto b = PostgresStore::Open(server_->Url(db));
    ASSERT_TRUE(a.ok() && b.ok());
    std::barrier start(2);
    Status sa, sb;
    std::thread ta([&] {
      start.arrive_and_wait();
      sa = (*a)->Migrate();
    });
    std::thread tb([&] {
      start.arrive_and_wait();
      sb = (*b)->Migrate();
    });
    ta.join();
    tb.join();
    ASSERT_TRUE(sa.ok()) << sa.error().detail;
    ASSERT_TRUE(sb.ok()) << sb.error().detail;
    const int newest = pg::StoreMigrations().back().version;
    EXPECT_EQ(*(*a)->SchemaVersion(), newest);
    EXPECT_EQ(*(*b)->SchemaVersion(), newest);
    auto raw = pg::Connection::Open(server_->Url(db), "");
    ASSERT_TRUE(raw.ok());
    auto rows = raw->Query("SELECT count(*), count(DISTINCT version) FROM schema_migrations");
    ASSERT_TRUE(rows.ok());
    EXPECT_EQ(rows->Int(0, 0), newest);  // each step applied once
    EXPECT_EQ(rows->Int(0, 1), newest);
    a->reset();
    b->reset();
    raw = pg::Connection();
    ASSERT_TRUE(server_->DropDatabase(db).ok());
  }
}

TEST_F(PostgresStoreTest, ReportsAndAuditAreAppendOnly) {
  auto store = OpenMigrated(Url());
  ASSERT_NE(store, nullptr);
  LoadReference(*store);
  ASSERT_TRUE(InsertReports(*store, {TestReport(1, StationId{34, 1}, ReportKind::kQueue)}).ok());
  ASSERT_TRUE(
      store->AppendAudit({AuditEntry{0, TestTime(0), "user:a", "admin", "", "login", "", ""}})
          .ok());
  auto raw = Raw();
  for (const char* sql :
       {"UPDATE reports SET men = 0", "DELETE FROM reports", "TRUNCATE reports CASCADE",
        "UPDATE audit SET actor = 'x'", "DELETE FROM audit", "TRUNCATE audit"}) {
    auto s = raw.Exec(sql);
    EXPECT_FALSE(s.ok()) << sql;
  }
  EXPECT_EQ(One("SELECT count(*) FROM reports"), "1");
  EXPECT_EQ(One("SELECT count(*) FROM audit"), "1");
}

TEST_F(PostgresStoreTest, EveryChangeTakesTheNextChangeSequence) {
  auto store = OpenMigrated(Url());
  ASSERT_NE(store, nullptr);
  LoadReference(*store);
  auto seq_of = [&](const std::string& table, const std::string& where) {
    return std::stoll(One("SELECT seq FROM " + table + " WHERE " + where));
  };
  ASSERT_TRUE(InsertReports(*store, {TestReport(1, StationId{34, 1}, ReportKind::kQueue),
                                     TestReport(2, StationId{34, 2}, ReportKind::kQueue)})
                  .ok());
  const auto r1 = seq_of("reports", "id = '" + TestUuid(1) + "'");
  const auto r2 = seq_of("reports", "id = '" + TestUuid(2) + "'");
  EXPECT_LT(r1, r2);  // batch order

  Alert alert;
  alert.id = 1;
  alert.station = StationId{34, 1};
  alert.opened_at = TestTime(0);
  ASSERT_TRUE(store->SaveAlerts({alert}, {}).ok());
  const auto a1 = seq_of("alerts", "id = 1");
  EXPECT_GT(a1, r2);
  alert.state = AlertState::kAcknowledged;
  ASSERT_TRUE(store->SaveAlerts({alert}, {}).ok());
  const auto a2 = seq_of("alerts", "id = 1");
  EXPECT_GT(a2, a1);  // an update is a change too

  ASSERT_TRUE(store->SetStationPinHash(StationId{34, 1}, "h1").ok());
  const auto p1 = seq_of("station_pins", "station = '34-1'");
  ASSERT_TRUE(store->SetStationPinHash(StationId{34, 1}, "h2").ok());
  const auto p2 = seq_of("station_pins", "station = '34-1'");
  EXPECT_GT(p1, a2);
  EXPECT_GT(p2, p1);

  User user;
  user.name = "dc";
  user.password_hash = "x";
  ASSERT_TRUE(store->UpsertUser(user).ok());
  const auto u1 = seq_of("users", "name = 'dc'");
  user.disabled = true;
  ASSERT_TRUE(store->UpsertUser(user).ok());
  EXPECT_GT(seq_of("users", "name = 'dc'"), u1);

  SessionRecord session;
  session.token_hash = "abc";
  session.station = StationId{34, 1};
  session.expires_at = TestTime(1);
  ASSERT_TRUE(store->InsertSession(session).ok());
  EXPECT_GT(seq_of("sessions", "token_hash = 'abc'"), u1);

  TurnoutUnlock unlock;
  unlock.station = StationId{34, 2};
  unlock.opened_at = TestTime(0);
  auto id = store->OpenTurnoutUnlock(unlock, {});
  ASSERT_TRUE(id.ok());
  const auto o1 = seq_of("turnout_unlocks", "id = " + std::to_string(*id));
  ReportBatch batch;
  batch.reports = {TestReport(3, StationId{34, 2}, ReportKind::kTurnout)};
  batch.used_unlocks = {{*id, TestUuid(3), TestTime(5)}};
  ASSERT_TRUE(store->CommitReports(batch).ok());
  EXPECT_GT(seq_of("turnout_unlocks", "id = " + std::to_string(*id)), o1);
}

TEST(PostgresServerTest, MissingBinariesFailWithAClearMessage) {
  const char* old = std::getenv("PSM_POSTGRES_BIN");
  const std::string saved = old != nullptr ? old : "";
  ::setenv("PSM_POSTGRES_BIN", "/nonexistent/postgresql/bin", 1);
  auto server = PostgresServer::Start();
  if (old != nullptr) {
    ::setenv("PSM_POSTGRES_BIN", saved.c_str(), 1);
  } else {
    ::unsetenv("PSM_POSTGRES_BIN");
  }
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.error().detail.find("/nonexistent/postgresql/bin/initdb"), std::string::npos)
      << server.error().detail;
  EXPECT_NE(server.error().detail.find("postgresql-15"), std::string::npos);
}

}  // namespace
}  // namespace psm::testing
