// SQLite-only behaviour: durability settings, reopening, locking, rollback, odd rows, migrations.
#include "store/sqlite/sqlite_store.hpp"
#include "store/testing/store_calls.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "store/sqlite/migrations.hpp"
#include "store/store_suite.hpp"

namespace psm::testing {
namespace {

class SqliteStoreTest : public ::testing::Test {
 protected:
  std::string Path() const { return (dir_.path() / "psm.db").string(); }

  std::unique_ptr<SqliteStore> OpenMigrated(const SqliteOptions& options = {}) {
    auto store = SqliteStore::Open(Path(), options);
    EXPECT_TRUE(store.ok()) << store.error().detail;
    if (!store.ok()) return nullptr;
    EXPECT_TRUE((*store)->Migrate().ok());
    return std::move(*store);
  }

  // A second, raw connection to the same file, as another process would have.
  sqlite::Connection Raw() {
    auto conn = sqlite::Connection::Open(Path());
    EXPECT_TRUE(conn.ok());
    return std::move(*conn);
  }

  // Column `col` of every row `sql` returns, read through a raw connection.
  std::vector<std::string> Column(const std::string& sql, int col = 0) {
    auto raw = Raw();
    auto stmt = raw.Prepare(sql);
    EXPECT_TRUE(stmt.ok());
    std::vector<std::string> out;
    if (!stmt.ok()) return out;
    const Status read =
        stmt->ForEachRow([&](const sqlite::Statement& row) { out.push_back(row.Text(col)); });
    EXPECT_TRUE(read.ok());
    return out;
  }

  TempDir dir_;
};

void LoadReference(Store& store) {
  ASSERT_TRUE(store.UpsertConstituencies(TestConstituencies()).ok());
  ASSERT_TRUE(store.UpsertStations(TestStations(3)).ok());
}

TEST_F(SqliteStoreTest, WalFullSyncAndForeignKeysAreInEffect) {
  auto store = OpenMigrated();
  ASSERT_NE(store, nullptr);
  auto settings = store->Settings();
  ASSERT_TRUE(settings.ok());
  EXPECT_EQ(settings->journal_mode, "wal");
  EXPECT_EQ(settings->synchronous, 2);  // FULL
  EXPECT_TRUE(settings->foreign_keys);
  EXPECT_EQ(settings->busy_timeout_ms, 5000);
  // WAL is a property of the file: another connection sees it too.
  auto raw = Raw();
  auto mode = raw.QueryText("PRAGMA journal_mode");
  ASSERT_TRUE(mode.ok());
  EXPECT_EQ(*mode, "wal");
}

TEST_F(SqliteStoreTest, ReportAndAuditRowsGoOnlyIntoAppendOrderAndIdIndexes) {
  // Every report writes both tables in the writer's transaction: an index in random order
  // (station, actor) costs a page per row at peak. Migration 3 dropped them; keep it so.
  auto store = OpenMigrated();
  ASSERT_NE(store, nullptr);
  auto raw = Raw();
  auto indexes = raw.Prepare(
      "SELECT tbl_name, name FROM sqlite_master WHERE type = 'index' AND tbl_name IN "
      "('reports', 'audit') ORDER BY tbl_name, name");
  ASSERT_TRUE(indexes.ok());
  std::vector<std::string> names;
  const Status read = indexes->ForEachRow(
      [&](const sqlite::Statement& row) { names.push_back(row.Text(0) + "." + row.Text(1)); });
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(names,
            (std::vector<std::string>{"audit.audit_at", "reports.sqlite_autoindex_reports_1"}));
}

TEST_F(SqliteStoreTest, DataSurvivesCloseAndReopenAndMigrateAgainIsANoOp) {
  const Report report = TestReport(1, StationId{34, 1}, ReportKind::kEvent);
  {
    auto store = OpenMigrated();
    ASSERT_NE(store, nullptr);
    LoadReference(*store);
    ASSERT_TRUE(store->UpsertElectors({Elector{"ABC1234567", StationId{34, 3}}}).ok());
    ASSERT_TRUE(InsertReports(*store, {report}).ok());
    ASSERT_TRUE(store->SetStationPinHash(StationId{34, 1}, "hash").ok());
  }
  auto store = OpenMigrated();
  ASSERT_NE(store, nullptr);
  auto version = store->SchemaVersion();
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, sqlite::StoreMigrations().back().version);
  auto raw = Raw();
  auto rows = raw.QueryInt("SELECT count(*) FROM schema_migrations");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(*rows, static_cast<std::int64_t>(sqlite::StoreMigrations().size()));

  auto stations = store->LoadStations();
  ASSERT_TRUE(stations.ok());
  EXPECT_EQ(*stations, TestStations(3));
  auto count = store->CountElectors();
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 1);
  auto found = store->FindReport(report.id);
  ASSERT_TRUE(found.ok() && found->has_value());
  ExpectSameReport(report, **found);
  auto pin = store->StationPinHash(StationId{34, 1});
  ASSERT_TRUE(pin.ok() && pin->has_value());
  EXPECT_EQ(**pin, "hash");
}

TEST_F(SqliteStoreTest, LockedDatabaseFailsAfterBusyTimeoutWithNothingWritten) {
  auto store = OpenMigrated(SqliteOptions{std::chrono::milliseconds(150)});
  ASSERT_NE(store, nullptr);
  LoadReference(*store);
  auto raw = Raw();
  ASSERT_TRUE(raw.Exec("BEGIN IMMEDIATE").ok());  // another writer holds the lock

  const Report r = TestReport(1, StationId{34, 1}, ReportKind::kQueue);
  const auto start = std::chrono::steady_clock::now();
  auto out = InsertReports(*store, {r});
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, ErrorCode::kUnavailable);
  EXPECT_GE(waited, std::chrono::milliseconds(100));

  ASSERT_TRUE(raw.Exec("ROLLBACK").ok());
  auto found = store->FindReport(r.id);
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
  auto retry = InsertReports(*store, {r});
  ASSERT_TRUE(retry.ok());
  EXPECT_TRUE((*retry)[0].inserted);
}

TEST_F(SqliteStoreTest, ErrorMidBatchRollsBackEarlierRows) {
  auto store = OpenMigrated();
  ASSERT_NE(store, nullptr);
  LoadReference(*store);
  const Report third = TestReport(3, StationId{34, 1}, ReportKind::kQueue);
  auto raw = Raw();
  // RAISE(FAIL) keeps the statement's earlier work, so only the store's own rollback can undo
  // the two rows inserted before it.
  ASSERT_TRUE(raw.Exec("CREATE TRIGGER inject BEFORE INSERT ON reports WHEN NEW.id = '" + third.id +
                       "' BEGIN SELECT RAISE(FAIL, 'injected'); END")
                  .ok());
  auto out = InsertReports(*store, {TestReport(1, StationId{34, 1}, ReportKind::kQueue),
                                    TestReport(2, StationId{34, 2}, ReportKind::kTurnout), third});
  ASSERT_FALSE(out.ok());
  auto count = raw.QueryInt("SELECT count(*) FROM reports");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 0);
  auto s = InsertReports(*store, {TestReport(1, StationId{34, 1}, ReportKind::kQueue)});
  EXPECT_TRUE(s.ok());  // no transaction was left open
}

TEST_F(SqliteStoreTest, OddRowsAreErrorsNotCrashes) {
  auto store = OpenMigrated();
  ASSERT_NE(store, nullptr);
  LoadReference(*store);
  auto raw = Raw();  // no foreign_keys pragma, and CHECKs off: anything can get in
  ASSERT_TRUE(raw.Exec("PRAGMA ignore_check_constraints=ON").ok());
  ASSERT_TRUE(raw.Exec("INSERT INTO reports (id, station, kind, observed_at, received_at) "
                       "VALUES ('r1', 'nonsense', 'queue', 0, 0)")
                  .ok());
  auto each = store->ForEachReport([](const Report&) { return true; });
  ASSERT_FALSE(each.ok());
  EXPECT_EQ(each.error().reason, "store_corrupt_row");

  ASSERT_TRUE(raw.Exec("INSERT INTO reports (id, station, kind, observed_at, received_at, event) "
                       "VALUES ('r2', '34-1', 'event', 0, 0, 'dancing')")
                  .ok());
  auto found = store->FindReport("r2");
  ASSERT_FALSE(found.ok());
  ASSERT_TRUE(raw.Exec("INSERT INTO users (name, role, password_hash, created_at) "
                       "VALUES ('x', 'emperor', X'00', 0)")
                  .ok());
  EXPECT_FALSE(store->ListUsers().ok());
}

TEST_F(SqliteStoreTest, ReportsAndAuditAreAppendOnly) {
  auto store = OpenMigrated();
  ASSERT_NE(store, nullptr);
  LoadReference(*store);
  ASSERT_TRUE(InsertReports(*store, {TestReport(1, StationId{34, 1}, ReportKind::kQueue)}).ok());
  ASSERT_TRUE(store->AppendAudit({AuditEntry{0, TestTime(0), "a", "admin", "", "x", "", ""}}).ok());
  auto raw = Raw();
  EXPECT_FALSE(raw.Exec("UPDATE reports SET men = 0").ok());
  EXPECT_FALSE(raw.Exec("DELETE FROM reports").ok());
  EXPECT_FALSE(raw.Exec("DELETE FROM audit").ok());
}

TEST_F(SqliteStoreTest, Migration4KeepsEveryReportAndAuditRowWithItsSeq) {
  // A store written by the version 3 schema (reports and audit with AUTOINCREMENT).
  {
    auto conn = Raw();
    ASSERT_TRUE(sqlite::RunMigrations(conn, sqlite::StoreMigrations().first(3)).ok());
  }
  std::vector<Report> reports;
  for (int i = 1; i <= 3; ++i)
    reports.push_back(TestReport(i, StationId{34, 1}, ReportKind::kQueue));
  {
    auto store = SqliteStore::Open(Path(), {});
    ASSERT_TRUE(store.ok());
    LoadReference(**store);
    ASSERT_TRUE(InsertReports(**store, reports).ok());
    ASSERT_TRUE((*store)
                    ->AppendAudit({AuditEntry{0, TestTime(0), "a", "admin", "", "x", "", "{}"},
                                   AuditEntry{0, TestTime(1), "b", "officer", "", "y", "", "{}"}})
                    .ok());
  }
  const char* kReports = "SELECT seq || ' ' || id || ' ' || men FROM reports ORDER BY seq";
  const char* kAudit = "SELECT seq || ' ' || actor || ' ' || at FROM audit ORDER BY seq";
  const auto reports_before = Column(kReports);
  const auto audit_before = Column(kAudit);
  ASSERT_EQ(reports_before.size(), 3u);
  ASSERT_EQ(audit_before.size(), 2u);

  auto store = OpenMigrated();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(Column(kReports), reports_before);
  EXPECT_EQ(Column(kAudit), audit_before);
  EXPECT_EQ(Column("SELECT name FROM sqlite_master WHERE tbl_name IN ('reports', 'audit') AND "
                   "sql LIKE '%AUTOINCREMENT%'"),
            std::vector<std::string>{});
  EXPECT_EQ(Column("SELECT name FROM sqlite_sequence WHERE name IN ('reports', 'audit')"),
            std::vector<std::string>{});
  // The triggers came back with the tables, and new rows follow the old ones.
  EXPECT_EQ(Column("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name"),
            (std::vector<std::string>{"audit_no_delete", "audit_no_update", "reports_no_delete",
                                      "reports_no_update"}));
  ASSERT_TRUE(InsertReports(*store, {TestReport(4, StationId{34, 1}, ReportKind::kQueue)}).ok());
  auto raw = Raw();
  auto last = raw.QueryInt("SELECT max(seq) FROM reports");
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*last, 4);
  EXPECT_FALSE(raw.Exec("DELETE FROM reports").ok());
  EXPECT_FALSE(raw.Exec("UPDATE audit SET actor = 'z'").ok());
  std::size_t replayed = 0;
  ASSERT_TRUE(store
                  ->ForEachReport([&](const Report&) {
                    ++replayed;
                    return true;
                  })
                  .ok());
  EXPECT_EQ(replayed, 4u);
}

TEST_F(SqliteStoreTest, Migration5KeepsReportsAndTheirChecksWithoutTemporaryTables) {
  {
    auto conn = Raw();
    ASSERT_TRUE(sqlite::RunMigrations(conn, sqlite::StoreMigrations().first(4)).ok());
  }
  {
    auto store = SqliteStore::Open(Path(), {});
    ASSERT_TRUE(store.ok());
    LoadReference(**store);
    ASSERT_TRUE(InsertReports(**store, {TestReport(1, StationId{34, 1}, ReportKind::kQueue),
                                        TestReport(2, StationId{34, 1}, ReportKind::kEvent)})
                    .ok());
  }
  const char* kReports =
      "SELECT seq || ' ' || id || ' ' || kind || ' ' || coalesce(event, '-') "
      "FROM reports ORDER BY seq";
  const auto before = Column(kReports);
  ASSERT_EQ(before.size(), 2u);

  auto store = OpenMigrated();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(Column(kReports), before);

  // The store's own insert statement builds no temporary b-tree per row any more.
  const auto opcodes = Column(
      "EXPLAIN INSERT INTO reports (id, station, kind, observed_at, received_at, event) "
      "VALUES ('x', '34-1', 'event', 1, 1, 'poll_started')",
      1);
  ASSERT_FALSE(opcodes.empty());
  const auto ephemeral = std::count(opcodes.begin(), opcodes.end(), "OpenEphemeral");
  EXPECT_EQ(ephemeral, 0);

  auto raw = Raw();

  // The CHECKs accept and refuse exactly what they did.
  auto insert_with = [&](const std::string& id, const std::string& kind, const std::string& event) {
    return raw
        .Exec("INSERT INTO reports (id, station, kind, observed_at, received_at, event) VALUES ('" +
              id + "', '34-1', " + kind + ", 1, 1, " + event + ")")
        .ok();
  };
  EXPECT_TRUE(insert_with("a", "'queue'", "NULL"));
  EXPECT_TRUE(insert_with("b", "'turnout'", "NULL"));
  int n = 0;
  for (const char* event : {"'party_arrived'", "'mock_poll_done'", "'poll_started'",
                            "'interrupted'", "'resumed'", "'poll_closed'"}) {
    EXPECT_TRUE(insert_with("e" + std::to_string(++n), "'event'", event)) << event;
  }
  EXPECT_FALSE(insert_with("c", "'Queue'", "NULL"));
  EXPECT_FALSE(insert_with("d", "'queues'", "NULL"));
  EXPECT_FALSE(insert_with("f", "NULL", "NULL"));
  EXPECT_FALSE(insert_with("g", "'event'", "'poll_start'"));
  EXPECT_FALSE(insert_with("h", "'event'", "''"));
  EXPECT_FALSE(raw.Exec("DELETE FROM reports").ok());  // still append-only
}

TEST_F(SqliteStoreTest, MigrationsApplyInOneTransactionEach) {
  auto conn = Raw();
  const sqlite::Migration v1{1, "one", "CREATE TABLE t1 (x INTEGER)"};
  const sqlite::Migration v2_bad{2, "two", "CREATE TABLE t2 (x INTEGER); SELECT * FROM nowhere"};
  const sqlite::Migration v2{2, "two", "CREATE TABLE t2 (x INTEGER)"};

  const sqlite::Migration first[] = {v1};
  ASSERT_TRUE(sqlite::RunMigrations(conn, first).ok());
  const sqlite::Migration broken[] = {v1, v2_bad};
  EXPECT_FALSE(sqlite::RunMigrations(conn, broken).ok());
  auto version = sqlite::AppliedVersion(conn);
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, 1);
  auto t2 = conn.QueryInt("SELECT count(*) FROM sqlite_master WHERE name = 't2'");
  ASSERT_TRUE(t2.ok());
  EXPECT_EQ(*t2, 0);  // the failed step left no half-made table

  const sqlite::Migration fixed[] = {v1, v2};
  ASSERT_TRUE(sqlite::RunMigrations(conn, fixed).ok());
  ASSERT_TRUE(sqlite::RunMigrations(conn, fixed).ok());
  version = sqlite::AppliedVersion(conn);
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, 2);

  // An older program must not touch a newer file.
  auto too_new = sqlite::RunMigrations(conn, first);
  ASSERT_FALSE(too_new.ok());
  EXPECT_EQ(too_new.error().reason, "schema_too_new");
}

// Not run by default (takes seconds): the full Jalandhar roll in one call.
// Run with --gtest_also_run_disabled_tests --gtest_filter='*FullRoll*'.
TEST_F(SqliteStoreTest, DISABLED_BulkLoadFullRoll) {
  auto store = OpenMigrated();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->UpsertConstituencies(TestConstituencies()).ok());
  ASSERT_TRUE(store->UpsertStations(TestStations(976)).ok());
  const auto stations = TestStations(976);
  std::vector<Elector> rows;
  constexpr int kCount = 1'654'005;
  rows.reserve(kCount);
  for (int i = 0; i < kCount; ++i) {
    const int k = static_cast<int>((static_cast<std::int64_t>(i) * 7919) % kCount);
    char epic[16];
    std::snprintf(epic, sizeof epic, "JLD%07d", k);
    rows.push_back(Elector{epic, stations[static_cast<std::size_t>(k) % stations.size()].id});
  }
  for (int pass = 0; pass < 2; ++pass) {
    const auto start = std::chrono::steady_clock::now();
    ASSERT_TRUE(store->UpsertElectors(rows).ok());
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    std::printf("pass %d: %d electors in %lld ms\n", pass, kCount,
                static_cast<long long>(ms.count()));
  }
  auto count = store->CountElectors();
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, kCount);
}

}  // namespace
}  // namespace psm::testing
