// The storage suite's backends, temp directories and test data.
#include "store/store_suite.hpp"

#include <stdlib.h>

#include <cstdio>

#include "store/memory/memory_store.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/testing/postgres_server.hpp"

namespace psm::testing {

namespace {

class SqliteHandle final : public StoreHandle {
 public:
  SqliteHandle(std::unique_ptr<TempDir> dir, std::unique_ptr<SqliteStore> store)
      : dir_(std::move(dir)), store_(std::move(store)) {}
  Store& store() override { return *store_; }

 private:
  std::unique_ptr<TempDir> dir_;  // declared first: removed after the store closes the file
  std::unique_ptr<SqliteStore> store_;
};

class MemoryHandle final : public StoreHandle {
 public:
  Store& store() override { return store_; }

 private:
  MemoryStore store_;
};

class PostgresHandle final : public StoreHandle {
 public:
  PostgresHandle(PostgresServer* server, std::string db, std::unique_ptr<PostgresStore> store)
      : server_(server), db_(std::move(db)), store_(std::move(store)) {}
  ~PostgresHandle() override {
    store_.reset();  // its session ends before the database goes
    (void)server_->DropDatabase(db_);
  }
  Store& store() override { return *store_; }

 private:
  PostgresServer* server_;
  std::string db_;
  std::unique_ptr<PostgresStore> store_;
};

}  // namespace

StoreBackend SqliteBackend() {
  return {"sqlite", []() -> std::unique_ptr<StoreHandle> {
            auto dir = std::make_unique<TempDir>();
            auto opened = SqliteStore::Open((dir->path() / "psm.db").string());
            if (!opened.ok()) {
              ADD_FAILURE() << "open: " << opened.error().detail;
              return nullptr;
            }
            return std::make_unique<SqliteHandle>(std::move(dir), std::move(*opened));
          }};
}

StoreBackend PostgresBackend() {
  return {"postgres", []() -> std::unique_ptr<StoreHandle> {
            std::string error;
            PostgresServer* server = SharedPostgresServer(&error);
            if (server == nullptr) {
              ADD_FAILURE() << "no PostgreSQL server for the store suite: " << error;
              return nullptr;
            }
            auto db = server->CreateDatabase();
            if (!db.ok()) {
              ADD_FAILURE() << "create database: " << db.error().detail;
              return nullptr;
            }
            auto opened = PostgresStore::Open(server->Url(*db));
            if (!opened.ok()) {
              ADD_FAILURE() << "open: " << opened.error().detail;
              return nullptr;
            }
            return std::make_unique<PostgresHandle>(server, *db, std::move(*opened));
          }};
}

StoreBackend MemoryBackend() {
  return {"memory", [] { return std::make_unique<MemoryHandle>(); }};
}

std::vector<Constituency> TestConstituencies() {
  return {{34, "Jalandhar West", "SC", "Jalandhar"}, {35, "Jalandhar Central", "", "Jalandhar"}};
}

std::vector<Station> TestStations(int per_ac) {
  std::vector<Station> out;
  for (int ac : {34, 35}) {
    for (int part = 1; part <= per_ac; ++part) {
      out.push_back(Station{StationId{ac, part}, "School " + std::to_string(part) + ", Room 1",
                            "School " + std::to_string(part), "Basti Sheikh", 31.3 + part * 0.001,
                            75.5 + ac * 0.01, Counts{400 + part, 380 + part, part % 2}});
    }
  }
  return out;
}

std::string TestUuid(int n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012d", n);
  return buf;
}

Instant TestTime(std::int64_t ms_after_6am) {
  // 2026-11-30T06:00:00Z = 11:30 IST.
  return Instant(Millis(1'796'018'400'000LL + ms_after_6am));
}

Report TestReport(int n, const StationId& station, ReportKind kind) {
  Report r;
  r.id = TestUuid(n);
  r.station = station;
  r.kind = kind;
  r.observed_at = TestTime(n * 60'000 + 123);  // odd milliseconds catch truncation
  r.received_at = TestTime(n * 60'000 + 4'567);
  r.actor = "officer:" + station.ToString();
  switch (kind) {
    case ReportKind::kQueue:
      r.counts = Counts{10 + n, 20 + n, n % 3};
      break;
    case ReportKind::kTurnout:
      r.counts = Counts{300 + n, 250 + n, 1};
      break;
    case ReportKind::kEvent:
      r.event = EventKind::kPollClosed;
      r.voters_in_queue_at_close = 17 + n;
      r.reason = "gate closed at 18:00";
      break;
  }
  return r;
}

void ExpectSameReport(const Report& want, const Report& got) {
  EXPECT_EQ(want.id, got.id);
  EXPECT_EQ(want.station, got.station);
  EXPECT_EQ(want.kind, got.kind);
  EXPECT_EQ(want.observed_at, got.observed_at);
  EXPECT_EQ(want.received_at, got.received_at);
  EXPECT_EQ(want.counts, got.counts);
  EXPECT_EQ(want.event, got.event);
  EXPECT_EQ(want.reason, got.reason);
  EXPECT_EQ(want.voters_in_queue_at_close, got.voters_in_queue_at_close);
  EXPECT_EQ(want.actor, got.actor);
}

void StoreSuite::SetUp() {
  handle_ = GetParam().open();
  ASSERT_NE(handle_, nullptr);
}

void StoreSuite::LoadReferenceData() {
  ASSERT_TRUE(store().Migrate().ok());
  ASSERT_TRUE(store().UpsertConstituencies(TestConstituencies()).ok());
  ASSERT_TRUE(store().UpsertStations(TestStations(3)).ok());
}

}  // namespace psm::testing
