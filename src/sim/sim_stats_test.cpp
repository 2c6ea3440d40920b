// Latency quantiles and wait-accuracy arithmetic.
#include "sim/sim_stats.hpp"

#include <gtest/gtest.h>

namespace psm::sim {
namespace {

TEST(SimStats, QuantilesOfAKnownSpread) {
  LatencyHistogram h;
  EXPECT_EQ(h.Quantile(0.5), 0);
  for (int i = 1; i <= 1000; ++i)
    h.Record(i * 0.1);  // 0.1 … 100 ms
  EXPECT_EQ(h.Count(), 1000u);
  // Buckets are 4 % wide and a quantile reports its bucket's upper edge.
  EXPECT_NEAR(h.Quantile(0.5), 50.0, 50.0 * 0.05);
  EXPECT_NEAR(h.Quantile(0.99), 99.0, 99.0 * 0.05);
  EXPECT_GE(h.Quantile(0.99), h.Quantile(0.5));
  EXPECT_NEAR(h.Quantile(1.0), 100.0, 100.0 * 0.05);
}

TEST(SimStats, ExtremesLandInTheEdgeBuckets) {
  LatencyHistogram h;
  h.Record(0);
  h.Record(1e9);
  EXPECT_LE(h.Quantile(0.5), 0.011);
  EXPECT_GT(h.Quantile(1.0), 1e4);
}

TEST(SimStats, AccuracyAgainstTheRangeMidpoint) {
  AccuracyStats a;
  EXPECT_EQ(a.MeanAbsError(), 0);
  a.Add(10, 8, 12);  // inside, error 0
  a.Add(20, 8, 12);  // above, error 10
  a.Add(4, 8, 12);   // below, error 6
  a.Add(12, 8, 12);  // on the edge counts as inside, error 2
  EXPECT_EQ(a.Count(), 4u);
  EXPECT_DOUBLE_EQ(a.MeanAbsError(), 18.0 / 4);
  EXPECT_DOUBLE_EQ(a.InsideShare(), 0.5);
  EXPECT_DOUBLE_EQ(a.AboveShare(), 0.25);
}

}  // namespace
}  // namespace psm::sim
