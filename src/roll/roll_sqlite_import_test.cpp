// End to end: the fixture into a real SQLite file, re-opened, re-imported, then a bad file.
#include <gtest/gtest.h>

#include "roll/roll_import.hpp"
#include "roll/roll_test_util.hpp"

namespace psm::roll {
namespace {

using testing::CopyFixture;
using testing::FixtureDir;
using testing::TempDir;
using testing::WriteFile;

std::unique_ptr<Store> Open(const std::filesystem::path& db) {
  auto store = OpenStore("sqlite:" + db.string());
  EXPECT_TRUE(store.ok()) << store.error().detail;
  if (!store.ok()) return nullptr;
  EXPECT_TRUE((*store)->Migrate().ok());
  return std::move(store).value();
}

TEST(RollSqliteImport, FixtureRoundTripsThroughSqlite) {
  TempDir dir;
  const auto db = dir.path() / "psm.db";
  std::vector<Station> stations;
  {
    auto store = Open(db);
    ASSERT_NE(store, nullptr);
    const auto report = ImportRoll(*store, FixtureDir());
    ASSERT_TRUE(report.ok()) << report.status.error().detail;
    EXPECT_EQ(report.electors.added, 240u);
    stations = *store->LoadStations();
  }
  auto store = Open(db);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->LoadConstituencies()->size(), 2u);
  EXPECT_EQ(*store->LoadStations(), stations);
  ASSERT_EQ(stations.size(), 12u);
  EXPECT_EQ(stations[0].name, "Govt. Senior Secondary School, Basti Sheikh, Room 1");
  EXPECT_EQ(stations[0].lat, 31.3291);
  EXPECT_EQ(*store->CountElectors(), 240);

  const auto again = ImportRoll(*store, FixtureDir());
  ASSERT_TRUE(again.ok()) << again.status.error().detail;
  EXPECT_EQ(again.constituencies.unchanged, 2u);
  EXPECT_EQ(again.stations.unchanged, 12u);
  EXPECT_EQ(again.electors.unchanged, 240u);
  EXPECT_EQ(again.electors.added + again.electors.updated, 0u);

  TempDir bad;
  CopyFixture(bad.path());
  WriteFile(bad.path(), "electors.csv", "epic,station_id\nJLW0000001,35-1\nJLW0000001,35-2\n");
  const auto rejected = ImportRoll(*store, bad.path());
  EXPECT_EQ(rejected.errors,
            (std::vector<std::string>{"electors.csv:3: epic: duplicate of line 2"}));
  std::optional<Elector> first;
  ASSERT_TRUE(store
                  ->ForEachElector([&](const Elector& e) {
                    if (e.epic == "JLW0000001") first = e;
                    return !first;
                  })
                  .ok());
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->station, (StationId{34, 1}));
}

}  // namespace
}  // namespace psm::roll
