// Tests of the demo district generator at full scale, in memory: totals, bounds, EPICs, names.
#include "sim/demo_data.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "sim/demo_names.hpp"

namespace psm::sim {
namespace {

const DemoDistrict& FullScale() {
  static const DemoDistrict district = [] {
    auto d = GenerateDemoDistrict({.seed = 1, .scale = 1.0});
    EXPECT_TRUE(d.ok()) << d.error().detail;
    return std::move(d).value();
  }();
  return district;
}

TEST(DemoData, FullScaleHasTheRealDistrictTotals) {
  const auto& d = FullScale();
  EXPECT_EQ(d.stations.size(), 1951u);
  const Counts totals = d.Totals();
  EXPECT_EQ(totals.men, 859688);
  EXPECT_EQ(totals.women, 794273);
  EXPECT_EQ(totals.others, 44);
  EXPECT_EQ(totals.Total(), 1654005);
}

TEST(DemoData, TheNineRealConstituencies) {
  const auto& d = FullScale();
  const std::vector<Constituency> expected{
      {30, "Phillaur", "SC", "Jalandhar"},       {31, "Nakodar", "", "Jalandhar"},
      {32, "Shahkot", "", "Jalandhar"},          {33, "Kartarpur", "SC", "Jalandhar"},
      {34, "Jalandhar West", "SC", "Jalandhar"}, {35, "Jalandhar Central", "", "Jalandhar"},
      {36, "Jalandhar North", "", "Jalandhar"},  {37, "Jalandhar Cantt", "", "Jalandhar"},
      {38, "Adampur", "SC", "Jalandhar"}};
  EXPECT_EQ(d.constituencies, expected);
}

TEST(DemoData, AcTotalsFollowTheRealSizes) {
  const std::map<int, double> real{{30, 200018}, {31, 191067}, {32, 182026},
                                   {33, 179704}, {34, 165973}, {35, 168237},
                                   {36, 183363}, {37, 186450}, {38, 164962}};
  std::map<int, std::int64_t> electors, stations;
  for (const auto& s : FullScale().stations) {
    electors[s.id.ac] += s.electors.Total();
    ++stations[s.id.ac];
  }
  for (const auto& [ac, size] : real) {
    // Largest remainder: within one elector of the exact quota.
    EXPECT_LT(std::abs(static_cast<double>(electors[ac]) - size * 1654005.0 / 1621800.0), 1.0)
        << "AC " << ac;
    const bool urban = ac >= 34 && ac <= 37;
    const double per_station = static_cast<double>(electors[ac]) / stations[ac];
    EXPECT_GT(per_station, urban ? 880 : 740) << "AC " << ac;
    EXPECT_LT(per_station, urban ? 1000 : 850) << "AC " << ac;
  }
}

TEST(DemoData, StationsAreWithinBoundsNumberedAndPlausible) {
  std::map<int, int> last_part;
  std::set<std::string> names;
  for (const auto& s : FullScale().stations) {
    const auto n = s.electors.Total();
    EXPECT_GE(n, kMinStationElectors) << s.id.ToString();
    EXPECT_LE(n, kMaxStationElectors) << s.id.ToString();
    // Men are 52 % of the district; a single station stays within a plausible band.
    EXPECT_GT(s.electors.men * 100, n * 45) << s.id.ToString();
    EXPECT_LT(s.electors.men * 100, n * 59) << s.id.ToString();
    EXPECT_EQ(s.id.part, last_part[s.id.ac] + 1) << s.id.ToString();
    last_part[s.id.ac] = s.id.part;
    EXPECT_TRUE(names.insert(std::to_string(s.id.ac) + s.name).second) << s.name;
    EXPECT_FALSE(s.building.empty());
    EXPECT_FALSE(s.locality.empty());
    EXPECT_LE(s.name.size(), 200u);
    EXPECT_NE(s.name.find(s.locality), std::string::npos);
  }
  EXPECT_EQ(last_part.size(), 9u);
}

TEST(DemoData, CoordinatesAreAroundTheRealTowns) {
  for (const auto& s : FullScale().stations) {
    const auto& ac = DemoAcs()[static_cast<std::size_t>(s.id.ac - 30)];
    // Kilometres from the AC's centre (1° of latitude ≈ 111 km, of longitude ≈ 95 km here).
    const double dy = (s.lat - static_cast<double>(ac.lat) / 1e6) * 111.0;
    const double dx = (s.lon - static_cast<double>(ac.lon) / 1e6) * 95.0;
    const double km = std::hypot(dx, dy);
    EXPECT_LT(km, ac.urban ? 3.0 : 9.5) << s.id.ToString();
    if (ac.urban) {  // and within the city around 31.326, 75.576
      EXPECT_LT(std::hypot((s.lat - 31.326) * 111.0, (s.lon - 75.576) * 95.0), 6.5);
    }
  }
}

TEST(DemoData, EpicsAreWellFormedAndUniqueAtFullScale) {
  const auto& d = FullScale();
  std::vector<std::uint64_t> packed;
  packed.reserve(1654005);
  std::int64_t bad = 0;
  std::map<std::string, std::string> first_of_ac;
  ForEachDemoElector(d, [&](std::string_view epic, const Station& station) {
    if (!IsEpic(epic)) ++bad;
    // 3 letters in 5 bits each and 7 digits fit in 64 bits without collisions.
    std::uint64_t key = 0;
    for (int i = 0; i < 3; ++i)
      key = key * 32 + static_cast<std::uint64_t>(epic[i] - 'A');
    for (int i = 3; i < 10; ++i)
      key = key * 10 + static_cast<std::uint64_t>(epic[i] - '0');
    packed.push_back(key);
    first_of_ac.emplace(station.id.ToString().substr(0, 2), std::string(epic));
  });
  EXPECT_EQ(bad, 0);
  ASSERT_EQ(packed.size(), 1654005u);
  std::sort(packed.begin(), packed.end());
  EXPECT_EQ(std::adjacent_find(packed.begin(), packed.end()), packed.end());
  // The first elector of each AC has serial 1, e.g. JLW0000001 at 34-1 (the README's example).
  EXPECT_EQ(first_of_ac["34"], "JLW0000001");
  EXPECT_EQ(first_of_ac["30"], "PHR0000001");
}

TEST(DemoData, EpicSerialsOfASeriesAreAllDistinct) {
  // Ten times the largest AC: distinct, never 0000000, and spread over the whole 7 digits.
  const DemoEpicSeries series{34, "JLW", 0x1234'5678'9abc'def0ULL};
  std::vector<std::uint8_t> seen(10'000'000, 0);
  std::int64_t repeats = 0, malformed = 0, high = 0;
  char epic[10];
  for (std::int64_t k = 0; k < 2'000'000; ++k) {
    FormatDemoEpic(series, k, epic);
    if (!IsEpic(std::string_view(epic, 10))) ++malformed;
    std::size_t number = 0;
    for (int i = 3; i < 10; ++i)
      number = number * 10 + static_cast<std::size_t>(epic[i] - '0');
    repeats += seen[number];
    seen[number] = 1;
    high += number >= 5'000'000;
  }
  EXPECT_EQ(malformed, 0);
  EXPECT_EQ(repeats, 0);
  EXPECT_EQ(seen[0], 0);
  EXPECT_EQ(seen[1], 1);
  EXPECT_NEAR(static_cast<double>(high) / 2e6, 0.5, 0.01);
}

TEST(DemoData, SmallScaleKeepsTheShape) {
  auto d = GenerateDemoDistrict({.seed = 7, .scale = 0.01});
  ASSERT_TRUE(d.ok()) << d.error().detail;
  EXPECT_EQ(d->constituencies.size(), 9u);
  EXPECT_EQ(d->Totals().Total(), 16540);
  std::set<int> acs;
  for (const auto& s : d->stations) {
    acs.insert(s.id.ac);
    EXPECT_GE(s.electors.Total(), kMinStationElectors);
    EXPECT_LE(s.electors.Total(), kMaxStationElectors);
  }
  EXPECT_EQ(acs.size(), 9u);
  EXPECT_GE(d->stations.size(), 18u);
  EXPECT_LE(d->stations.size(), 22u);
}

TEST(DemoData, SameSeedSameDistrictOtherSeedOther) {
  auto a = GenerateDemoDistrict({.seed = 42, .scale = 0.05});
  auto b = GenerateDemoDistrict({.seed = 42, .scale = 0.05});
  auto c = GenerateDemoDistrict({.seed = 43, .scale = 0.05});
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->stations, b->stations);
  EXPECT_NE(a->stations, c->stations);
}

TEST(DemoData, RefusesScalesOutOfRange) {
  for (double bad : {0.0, -0.5, 1.5, std::nan("")}) {
    auto d = GenerateDemoDistrict({.seed = 1, .scale = bad});
    ASSERT_FALSE(d.ok()) << bad;
    EXPECT_EQ(d.error().reason, "bad_scale");
  }
  auto tiny = GenerateDemoDistrict({.seed = 1, .scale = 0.001});
  ASSERT_FALSE(tiny.ok());
  EXPECT_EQ(tiny.error().reason, "scale_too_small");
  EXPECT_NE(tiny.error().detail.find("use --scale 0.0024 or more"), std::string::npos)
      << tiny.error().detail;
  // The suggested minimum works.
  EXPECT_TRUE(GenerateDemoDistrict({.seed = 1, .scale = 0.0024}).ok());
}

}  // namespace
}  // namespace psm::sim
