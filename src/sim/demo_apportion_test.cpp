// Tests of the largest-remainder apportionment and bound fitting.
#include "sim/demo_apportion.hpp"

#include <gtest/gtest.h>

#include <numeric>

namespace psm::sim {
namespace {

std::int64_t Sum(const std::vector<std::int64_t>& v) {
  return std::accumulate(v.begin(), v.end(), std::int64_t{0});
}

TEST(DemoApportion, LargestRemaindersGetTheLeftoverUnits) {
  // Quotas 3.333…, 3.333…, 3.333… → 4, 3, 3 (ties go to the lower index).
  EXPECT_EQ(Apportion(10, {1, 1, 1}), (std::vector<std::int64_t>{4, 3, 3}));
  // Quotas 4.6, 2.8, 2.6 → 5, 3, 2.
  EXPECT_EQ(Apportion(10, {46, 28, 26}), (std::vector<std::int64_t>{5, 3, 2}));
  EXPECT_EQ(Apportion(0, {5, 7}), (std::vector<std::int64_t>{0, 0}));
  EXPECT_EQ(Apportion(7, {0, 3}), (std::vector<std::int64_t>{0, 7}));
}

TEST(DemoApportion, DistrictTotalsAreExact) {
  const std::vector<std::int64_t> sizes{200018, 191067, 182026, 179704, 165973,
                                        168237, 183363, 186450, 164962};
  const auto parts = Apportion(1654005, sizes);
  EXPECT_EQ(Sum(parts), 1654005);
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const double quota = 1654005.0 * static_cast<double>(sizes[i]) / 1621800.0;
    EXPECT_LT(std::abs(static_cast<double>(parts[i]) - quota), 1.0) << i;
  }
}

TEST(DemoApportion, FitWithinBoundsKeepsTheSum) {
  std::vector<std::int64_t> parts{100, 2000, 900, 1600, 800};
  const std::int64_t before = Sum(parts);
  ASSERT_TRUE(FitWithinBounds(parts, 400, 1500));
  EXPECT_EQ(Sum(parts), before);
  for (const auto p : parts) {
    EXPECT_GE(p, 400);
    EXPECT_LE(p, 1500);
  }
  // Parts already inside stay as they are.
  std::vector<std::int64_t> inside{500, 600, 1400};
  ASSERT_TRUE(FitWithinBounds(inside, 400, 1500));
  EXPECT_EQ(inside, (std::vector<std::int64_t>{500, 600, 1400}));
}

TEST(DemoApportion, FitWithinBoundsRefusesImpossibleSums) {
  std::vector<std::int64_t> too_few{100, 100};
  EXPECT_FALSE(FitWithinBounds(too_few, 400, 1500));
  std::vector<std::int64_t> too_many{3000, 100};
  EXPECT_FALSE(FitWithinBounds(too_many, 400, 1500));
}

}  // namespace
}  // namespace psm::sim
