// Tests of the demo roll files: byte-identical per seed, importable by the roll importer,
// clear errors for a directory that cannot be written.
#include "sim/demo_write.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "roll/roll_import.hpp"
#include "store/memory/memory_store.hpp"
#include "support/temp_dir.hpp"

namespace psm::sim {
namespace {

namespace fs = std::filesystem;

using psm::testing::TempDir;

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::uint64_t Fnv1a(std::string_view bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

constexpr const char* kFiles[] = {"constituencies.csv", "stations.csv", "electors.csv"};

std::vector<std::uint64_t> Generate(std::uint64_t seed, const fs::path& dir) {
  auto district = GenerateDemoDistrict({.seed = seed, .scale = 0.01});
  EXPECT_TRUE(district.ok());
  auto written = WriteDemoData(*district, dir);
  EXPECT_TRUE(written.ok()) << written.error().detail;
  std::vector<std::uint64_t> sums;
  for (const char* f : kFiles)
    sums.push_back(Fnv1a(ReadAll(dir / f)));
  return sums;
}

TEST(DemoWrite, SameSeedGivesIdenticalBytes) {
  TempDir a, b, c;
  const auto first = Generate(11, a.path());
  const auto second = Generate(11, b.path());
  const auto other = Generate(12, c.path());
  EXPECT_EQ(first, second);
  // The constituencies are fixed facts; stations and electors depend on the seed.
  EXPECT_EQ(first[0], other[0]);
  EXPECT_NE(first[1], other[1]);
  EXPECT_NE(first[2], other[2]);
  EXPECT_FALSE(fs::exists(a.path() / "electors.csv.tmp"));
}

TEST(DemoWrite, FilesHaveTheDocumentedShape) {
  auto district = GenerateDemoDistrict({.seed = 1, .scale = 0.01});
  ASSERT_TRUE(district.ok());
  const std::string constituencies = RenderConstituenciesCsv(*district);
  EXPECT_EQ(constituencies.substr(0, constituencies.find('\n', 30) + 1),
            "ac,name,reserved,district\n30,Phillaur,SC,Jalandhar\n");
  const std::string stations = RenderStationsCsv(*district);
  EXPECT_EQ(stations.substr(0, stations.find('\n')),
            "station_id,ac,part,name,building,locality,lat,lon,electors_men,electors_women,"
            "electors_others");
  // A station name with commas is quoted; coordinates carry six decimals.
  const std::string first_row = stations.substr(stations.find('\n') + 1);
  EXPECT_EQ(first_row.substr(0, 11), "30-1,30,1,\"");
  EXPECT_NE(first_row.find(",31.0"), std::string::npos) << first_row;
}

TEST(DemoWrite, OutputImportsCleanly) {
  TempDir dir;
  auto district = GenerateDemoDistrict({.seed = 3, .scale = 0.01});
  ASSERT_TRUE(district.ok());
  auto written = WriteDemoData(*district, dir.path());
  ASSERT_TRUE(written.ok()) << written.error().detail;
  EXPECT_EQ(written->electors, 16540);

  MemoryStore store;
  ASSERT_TRUE(store.Migrate().ok());
  const roll::ImportReport report = roll::ImportRoll(store, dir.path());
  for (const auto& e : report.errors)
    ADD_FAILURE() << e;
  ASSERT_TRUE(report.ok()) << report.Summary();
  EXPECT_EQ(report.constituencies.added, 9u);
  EXPECT_EQ(report.stations.added, district->stations.size());
  EXPECT_EQ(report.electors.added, 16540u);

  auto stations = store.LoadStations();
  ASSERT_TRUE(stations.ok());
  EXPECT_EQ(*stations, district->stations);  // names, coordinates and counts round-trip
  auto count = store.CountElectors();
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 16540);
}

TEST(DemoWrite, RefusesADirectoryItCannotCreate) {
  TempDir dir;
  std::ofstream(dir.path() / "file") << "x";
  auto district = GenerateDemoDistrict({.seed = 1, .scale = 0.01});
  ASSERT_TRUE(district.ok());
  auto written = WriteDemoData(*district, dir.path() / "file" / "sub");
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.error().code, ErrorCode::kInvalid);
  EXPECT_NE(written.error().detail.find("file/sub"), std::string::npos) << written.error().detail;
}

TEST(DemoWrite, RefusesAFileItCannotWrite) {
  // A directory where the file must go fails the same way for root (permissions would not).
  TempDir dir;
  fs::create_directory(dir.path() / "constituencies.csv.tmp");
  auto district = GenerateDemoDistrict({.seed = 1, .scale = 0.01});
  ASSERT_TRUE(district.ok());
  auto written = WriteDemoData(*district, dir.path());
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.error().reason, "not_writable");
  EXPECT_NE(written.error().detail.find("constituencies.csv.tmp"), std::string::npos)
      << written.error().detail;
  EXPECT_FALSE(fs::exists(dir.path() / "constituencies.csv"));
}

}  // namespace
}  // namespace psm::sim
