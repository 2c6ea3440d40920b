// ImportRoll against the in-memory store: the fixture, re-imports, corrections, missing files,
// dry runs, store failures and progress.
#include "roll/roll_import.hpp"

#include <gtest/gtest.h>

#include "roll/roll_test_util.hpp"
#include "store/memory/memory_store.hpp"

namespace psm::roll {
namespace {

using testing::CopyFixture;
using testing::FixtureDir;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

class RollImportTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(store_.Migrate().ok()); }

  std::vector<Elector> Electors() {
    std::vector<Elector> out;
    EXPECT_TRUE(store_
                    .ForEachElector([&](const Elector& e) {
                      out.push_back(e);
                      return true;
                    })
                    .ok());
    return out;
  }

  MemoryStore store_;
};

void ExpectCounts(const FileCounts& c, std::uint64_t rows, std::uint64_t added,
                  std::uint64_t updated, std::uint64_t unchanged) {
  EXPECT_EQ(c.outcome, FileOutcome::kImported);
  EXPECT_EQ(c.rows, rows);
  EXPECT_EQ(c.added, added);
  EXPECT_EQ(c.updated, updated);
  EXPECT_EQ(c.unchanged, unchanged);
  EXPECT_EQ(c.errors, 0u);
}

TEST_F(RollImportTest, ImportsTheFixture) {
  const auto report = ImportRoll(store_, FixtureDir());
  ASSERT_TRUE(report.ok()) << report.status.error().detail;
  EXPECT_TRUE(report.errors.empty());
  ExpectCounts(report.constituencies, 2, 2, 0, 0);
  ExpectCounts(report.stations, 12, 12, 0, 0);
  ExpectCounts(report.electors, 240, 240, 0, 0);
  EXPECT_EQ(report.Summary(),
            "constituencies.csv: imported, 2 rows (2 added, 0 updated, 0 unchanged)\n"
            "stations.csv: imported, 12 rows (12 added, 0 updated, 0 unchanged)\n"
            "electors.csv: imported, 240 rows (240 added, 0 updated, 0 unchanged)\n");

  const auto acs = store_.LoadConstituencies();
  ASSERT_TRUE(acs.ok());
  EXPECT_EQ(*acs, (std::vector<Constituency>{{34, "Jalandhar West", "SC", "Jalandhar"},
                                             {35, "Jalandhar Central", "", "Jalandhar"}}));
  const auto stations = store_.LoadStations();
  ASSERT_TRUE(stations.ok());
  ASSERT_EQ(stations->size(), 12u);
  const Station first{StationId{34, 2},
                      "Govt. Senior Secondary School, Basti Sheikh, Room 2",
                      "Govt. Senior Secondary School",
                      "Basti Sheikh",
                      31.3291,
                      75.5562,
                      Counts{598, 560, 1}};
  EXPECT_EQ((*stations)[1], first);
  const auto electors = Electors();
  ASSERT_EQ(electors.size(), 240u);
  EXPECT_EQ(electors.front(), (Elector{"JLC0000001", StationId{35, 1}}));
  EXPECT_EQ(electors.back(), (Elector{"JLW0000120", StationId{34, 6}}));
}

TEST_F(RollImportTest, ReimportChangesNothing) {
  ASSERT_TRUE(ImportRoll(store_, FixtureDir()).ok());
  const auto stations_before = store_.LoadStations();
  const auto electors_before = Electors();
  const auto report = ImportRoll(store_, FixtureDir());
  ASSERT_TRUE(report.ok());
  ExpectCounts(report.constituencies, 2, 0, 0, 2);
  ExpectCounts(report.stations, 12, 0, 0, 12);
  ExpectCounts(report.electors, 240, 0, 0, 240);
  EXPECT_EQ(store_.LoadStations()->size(), 12u);
  EXPECT_EQ(*store_.LoadStations(), *stations_before);
  EXPECT_EQ(Electors(), electors_before);
}

TEST_F(RollImportTest, CorrectedFilesUpdateInPlace) {
  ASSERT_TRUE(ImportRoll(store_, FixtureDir()).ok());
  TempDir dir;
  CopyFixture(dir.path());
  std::string stations = ReadFile(dir.path() / "stations.csv");
  const std::string old_row = "31.3207,75.5773,318,297,0";
  stations.replace(stations.find(old_row), old_row.size(), "31.3210,75.5770,320,297,1");
  WriteFile(dir.path(), "stations.csv", stations);
  WriteFile(dir.path(), "electors.csv",
            "station_id,epic\n35-2,JLC0000001\n35-1,jlc0000002\n35-6,JLC9999999\n");

  const auto report = ImportRoll(store_, dir.path());
  ASSERT_TRUE(report.ok()) << report.status.error().detail;
  ExpectCounts(report.stations, 12, 0, 1, 11);
  ExpectCounts(report.electors, 3, 1, 1, 1);
  const auto loaded = store_.LoadStations();
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->size(), 12u);
  EXPECT_EQ((*loaded)[9].id, (StationId{35, 4}));
  EXPECT_EQ((*loaded)[9].lat, 31.3210);
  EXPECT_EQ((*loaded)[9].electors, (Counts{320, 297, 1}));
  const auto electors = Electors();
  EXPECT_EQ(electors.size(), 241u);  // import never deletes
  EXPECT_EQ(electors[0], (Elector{"JLC0000001", StationId{35, 2}}));
  EXPECT_EQ(electors[1], (Elector{"JLC0000002", StationId{35, 1}}));
}

TEST_F(RollImportTest, ExtraColumnsSuchAsPersonalDataAreIgnored) {
  TempDir dir;
  CopyFixture(dir.path());
  WriteFile(dir.path(), "electors.csv",
            "Serial,Name,Relative,EPIC,Age,Gender,Station_ID\n"
            "1,Fictional Name,Father X,JLW0000001,34,M,34-1\n");
  const auto report = ImportRoll(store_, dir.path());
  ASSERT_TRUE(report.ok()) << report.status.error().detail;
  EXPECT_EQ(Electors(), (std::vector<Elector>{{"JLW0000001", StationId{34, 1}}}));
}

TEST_F(RollImportTest, ReferencesMayPointAtRowsAlreadyInTheStore) {
  ASSERT_TRUE(ImportRoll(store_, FixtureDir()).ok());
  TempDir dir;
  WriteFile(dir.path(), "constituencies.csv", "ac,name,reserved\n35,Jalandhar Central,\n");
  WriteFile(dir.path(), "stations.csv",
            "station_id,ac,part,name,building,locality,lat,lon,electors_men,electors_women,"
            "electors_others\n34-7,34,7,New Hall,,,31.33,75.55,300,290,0\n");
  WriteFile(dir.path(), "electors.csv", "epic,station_id\nJLW0000500,34-7\nJLW0000501,34-1\n");
  const auto report = ImportRoll(store_, dir.path());
  ASSERT_TRUE(report.ok()) << report.status.error().detail;
  ExpectCounts(report.stations, 1, 1, 0, 0);
  ExpectCounts(report.electors, 2, 2, 0, 0);
  EXPECT_EQ(store_.LoadStations()->size(), 13u);
}

TEST_F(RollImportTest, DryRunValidatesButWritesNothing) {
  ImportOptions options;
  options.dry_run = true;
  const auto report = ImportRoll(store_, FixtureDir(), options);
  ASSERT_TRUE(report.ok()) << report.status.error().detail;
  EXPECT_EQ(report.electors.outcome, FileOutcome::kChecked);
  EXPECT_EQ(report.electors.added, 240u);
  EXPECT_TRUE(store_.LoadConstituencies()->empty());
  EXPECT_TRUE(store_.LoadStations()->empty());
  EXPECT_EQ(*store_.CountElectors(), 0);
}

TEST_F(RollImportTest, MissingFilesAreNamedAndNothingIsWritten) {
  TempDir dir;
  CopyFixture(dir.path());
  std::filesystem::remove(dir.path() / "electors.csv");
  const auto report = ImportRoll(store_, dir.path());
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(report.errors, (std::vector<std::string>{"electors.csv: file not found: " +
                                                     (dir.path() / "electors.csv").string()}));
  EXPECT_EQ(report.constituencies.outcome, FileOutcome::kNotRead);
  EXPECT_TRUE(store_.LoadConstituencies()->empty());

  const auto no_dir = ImportRoll(store_, dir.path() / "nope");
  ASSERT_FALSE(no_dir.ok());
  EXPECT_EQ(no_dir.errors, (std::vector<std::string>{"roll directory not found: " +
                                                     (dir.path() / "nope").string()}));
}

TEST_F(RollImportTest, StoreFailureStopsTheImport) {
  ASSERT_TRUE(ImportRoll(store_, FixtureDir()).ok());
  TempDir dir;
  CopyFixture(dir.path());
  WriteFile(dir.path(), "constituencies.csv", "ac,name,reserved\n34,Jalandhar W.,SC\n");
  store_.FailNextWrites(1);
  const auto report = ImportRoll(store_, dir.path());
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(report.constituencies.outcome, FileOutcome::kFailed);
  EXPECT_EQ(report.stations.outcome, FileOutcome::kNotRead);
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_EQ(report.errors[0].rfind("constituencies.csv: store: ", 0), 0u) << report.errors[0];
  EXPECT_EQ((*store_.LoadConstituencies())[0].name, "Jalandhar West");
}

TEST_F(RollImportTest, ProgressEndsAtTheFileSize) {
  std::vector<std::array<std::uint64_t, 3>> calls;
  ImportOptions options;
  options.progress = [&](std::uint64_t done, std::uint64_t total, std::uint64_t rows) {
    calls.push_back({done, total, rows});
  };
  ASSERT_TRUE(ImportRoll(store_, FixtureDir(), options).ok());
  const auto size = std::filesystem::file_size(FixtureDir() / "electors.csv");
  ASSERT_FALSE(calls.empty());
  EXPECT_EQ(calls.back(), (std::array<std::uint64_t, 3>{size, size, 240}));
}

}  // namespace
}  // namespace psm::roll
