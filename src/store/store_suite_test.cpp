// The storage suite, part 1: schema and reference data. Also lists the backends it runs on.
#include <algorithm>
#include <cstdio>
#include <string>

#include "store/store_suite.hpp"

namespace psm::testing {
namespace {

INSTANTIATE_TEST_SUITE_P(Backends, StoreSuite,
                         ::testing::Values(SqliteBackend(), MemoryBackend(), PostgresBackend()),
                         [](const auto& info) { return info.param.name; });

TEST_P(StoreSuite, MigrateIsIdempotentAndSetsVersion) {
  auto before = store().SchemaVersion();
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(*before, 0);
  ASSERT_TRUE(store().Migrate().ok());
  auto v1 = store().SchemaVersion();
  ASSERT_TRUE(v1.ok());
  EXPECT_GE(*v1, 1);
  ASSERT_TRUE(store().Migrate().ok());
  auto v2 = store().SchemaVersion();
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(*v1, *v2);
}

TEST_P(StoreSuite, CallsBeforeMigrateFail) {
  EXPECT_FALSE(store().UpsertConstituencies(TestConstituencies()).ok());
  EXPECT_FALSE(store().LoadStations().ok());
}

TEST_P(StoreSuite, ConstituenciesAndStationsRoundTripInOrder) {
  ASSERT_TRUE(store().Migrate().ok());
  auto constituencies = TestConstituencies();
  std::swap(constituencies[0], constituencies[1]);  // input order must not matter
  ASSERT_TRUE(store().UpsertConstituencies(constituencies).ok());
  auto stations = TestStations(12);  // parts 1..12: numeric order differs from text order
  std::reverse(stations.begin(), stations.end());
  ASSERT_TRUE(store().UpsertStations(stations).ok());

  auto loaded_c = store().LoadConstituencies();
  ASSERT_TRUE(loaded_c.ok());
  EXPECT_EQ(*loaded_c, TestConstituencies());
  auto loaded_s = store().LoadStations();
  ASSERT_TRUE(loaded_s.ok());
  EXPECT_EQ(*loaded_s, TestStations(12));
}

TEST_P(StoreSuite, ReimportChangesNothingAndCorrectionsUpdateInPlace) {
  LoadReferenceData();
  ASSERT_TRUE(store().UpsertConstituencies(TestConstituencies()).ok());
  ASSERT_TRUE(store().UpsertStations(TestStations(3)).ok());
  auto same = store().LoadStations();
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(*same, TestStations(3));

  auto corrected = TestStations(3);
  corrected[1].name = "Corrected name";
  corrected[1].lat = 31.25;
  corrected[1].electors = Counts{1, 2, 3};
  ASSERT_TRUE(store().UpsertStations({corrected[1]}).ok());
  auto constituencies = TestConstituencies();
  constituencies[1].reserved = "SC";
  ASSERT_TRUE(store().UpsertConstituencies({constituencies[1]}).ok());

  auto loaded = store().LoadStations();
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(*loaded, corrected);  // same count: updated in place, nothing added
  auto loaded_c = store().LoadConstituencies();
  ASSERT_TRUE(loaded_c.ok());
  EXPECT_EQ(*loaded_c, constituencies);
}

TEST_P(StoreSuite, StationOfUnknownConstituencyRejectsWholeBatch) {
  LoadReferenceData();
  auto rows = TestStations(4);
  rows.push_back(Station{StationId{99, 1}, "Nowhere", "", "", 0, 0, {}});
  auto s = store().UpsertStations(rows);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kConflict);
  auto loaded = store().LoadStations();
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(*loaded, TestStations(3));  // part 4 of the failed batch is not there
}

std::vector<Elector> TestElectors(int n) {
  std::vector<Elector> out;
  out.reserve(static_cast<std::size_t>(n));
  const auto stations = TestStations(3);
  for (int i = 0; i < n; ++i) {
    // A scattered key order, so the store's ordering is what the test sees.
    const int k = static_cast<int>((static_cast<std::int64_t>(i) * 7919) % n);
    char epic[16];
    std::snprintf(epic, sizeof epic, "%s%07d", (k % 2) ? "ABC" : "XYZ", k);
    out.push_back(Elector{epic, stations[static_cast<std::size_t>(k) % stations.size()].id});
  }
  return out;
}

TEST_P(StoreSuite, ElectorsBulkLoadStreamInEpicOrder) {
  LoadReferenceData();
  constexpr int kCount = 50'000;
  const auto electors = TestElectors(kCount);
  ASSERT_TRUE(store().UpsertElectors(electors).ok());
  ASSERT_TRUE(store().UpsertElectors(electors).ok());  // re-import: no change, no duplicates
  auto count = store().CountElectors();
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, kCount);

  auto want = electors;
  std::sort(want.begin(), want.end(),
            [](const Elector& a, const Elector& b) { return a.epic < b.epic; });
  std::vector<Elector> got;
  ASSERT_TRUE(store()
                  .ForEachElector([&](const Elector& e) {
                    got.push_back(e);
                    return true;
                  })
                  .ok());
  EXPECT_EQ(got, want);
}

TEST_P(StoreSuite, ElectorsStopEarlyAndMoveStation) {
  LoadReferenceData();
  auto electors = TestElectors(100);
  ASSERT_TRUE(store().UpsertElectors(electors).ok());
  int seen = 0;
  ASSERT_TRUE(store().ForEachElector([&](const Elector&) { return ++seen < 10; }).ok());
  EXPECT_EQ(seen, 10);

  electors[5].station = StationId{35, 3};
  ASSERT_TRUE(store().UpsertElectors({electors[5]}).ok());
  std::optional<Elector> found;
  ASSERT_TRUE(store()
                  .ForEachElector([&](const Elector& e) {
                    if (e.epic == electors[5].epic) found = e;
                    return true;
                  })
                  .ok());
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->station, (StationId{35, 3}));
  auto count = store().CountElectors();
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 100);
}

TEST_P(StoreSuite, ElectorOfUnknownStationRejectsWholeBatch) {
  LoadReferenceData();
  auto electors = TestElectors(10);
  electors.push_back(Elector{"QQQ0000001", StationId{34, 999}});
  auto s = store().UpsertElectors(electors);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kConflict);
  auto count = store().CountElectors();
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 0);
}

}  // namespace
}  // namespace psm::testing
