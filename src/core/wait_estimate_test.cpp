// Service rate, wait range and trend estimation.
#include "core/wait_estimate.hpp"

#include <gtest/gtest.h>

#include "core/testing/ledger_builders.hpp"

namespace psm {
namespace {

using namespace psm::testing;

std::vector<Report> Series(std::initializer_list<std::pair<Instant, std::int64_t>> points) {
  std::vector<Report> out;
  for (const auto& [at, total] : points)
    out.push_back(Turnout(at, {total, 0, 0}));
  return out;
}

TEST(ServiceRate, MeasuredOverTheWindow) {
  const auto t = Series({{Ist(11, 10), 100}, {Ist(11, 40), 145}});
  const ServiceRate r = EstimateServiceRate(t, Ist(12, 0), StatusOptions{});
  EXPECT_TRUE(r.measured);
  EXPECT_DOUBLE_EQ(r.per_min, 1.5);
}

TEST(ServiceRate, UsesTheLatestReportBeforeTheWindowAsBaseline) {
  // Window [11:00, 12:00] holds only 11:30; the 10:30 report is the baseline: 60 in 60 min.
  const auto t = Series({{Ist(9, 0), 0}, {Ist(10, 30), 100}, {Ist(11, 30), 160}});
  const ServiceRate r = EstimateServiceRate(t, Ist(12, 0), StatusOptions{});
  EXPECT_TRUE(r.measured);
  EXPECT_DOUBLE_EQ(r.per_min, 1.0);
}

TEST(ServiceRate, DefaultsWithoutEnoughData) {
  const StatusOptions opts;
  // Nothing at all.
  EXPECT_FALSE(EstimateServiceRate({}, Ist(12, 0), opts).measured);
  // One report in the window, no baseline.
  EXPECT_FALSE(EstimateServiceRate(Series({{Ist(11, 30), 100}}), Ist(12, 0), opts).measured);
  // Less than 10 minutes of span.
  auto r = EstimateServiceRate(Series({{Ist(11, 50), 100}, {Ist(11, 59), 120}}), Ist(12, 0), opts);
  EXPECT_FALSE(r.measured);
  EXPECT_DOUBLE_EQ(r.per_min, 1.0);
  // No increase.
  EXPECT_FALSE(
      EstimateServiceRate(Series({{Ist(11, 0), 100}, {Ist(11, 40), 100}}), Ist(12, 0), opts)
          .measured);
  // Only reports before the window: nothing recent to measure with.
  EXPECT_FALSE(
      EstimateServiceRate(Series({{Ist(9, 0), 10}, {Ist(10, 0), 90}}), Ist(12, 0), opts).measured);
  // Reports after `now` (clock skew) are not in the window.
  EXPECT_FALSE(
      EstimateServiceRate(Series({{Ist(11, 0), 10}, {Ist(12, 1), 90}}), Ist(12, 0), opts).measured);
}

TEST(ServiceRate, Clamped) {
  const StatusOptions opts;
  auto fast = EstimateServiceRate(Series({{Ist(11, 0), 0}, {Ist(11, 20), 200}}), Ist(11, 30), opts);
  EXPECT_TRUE(fast.measured);
  EXPECT_DOUBLE_EQ(fast.per_min, 3.0);
  auto slow = EstimateServiceRate(Series({{Ist(11, 0), 0}, {Ist(11, 20), 2}}), Ist(11, 30), opts);
  EXPECT_TRUE(slow.measured);
  EXPECT_DOUBLE_EQ(slow.per_min, 0.3);
  StatusOptions odd;
  odd.default_rate_per_min = 10;  // a default outside [min, max] is clamped too
  EXPECT_DOUBLE_EQ(EstimateServiceRate({}, Ist(12, 0), odd).per_min, 3.0);
  StatusOptions broken;
  broken.min_rate_per_min = 0;
  broken.max_rate_per_min = 0;
  broken.default_rate_per_min = 0;  // never divide by zero
  EXPECT_GT(EstimateServiceRate({}, Ist(12, 0), broken).per_min, 0);
}

TEST(Wait, RangeDependsOnWhetherTheRateWasMeasured) {
  EXPECT_EQ(EstimateWait(30, ServiceRate{1.0, true}), (WaitRange{24, 38}));   // 24 … 37.5
  EXPECT_EQ(EstimateWait(30, ServiceRate{1.0, false}), (WaitRange{18, 48}));  // 18 … 48
  EXPECT_EQ(EstimateWait(10, ServiceRate{1.0, true}), (WaitRange{8, 13}));    // 8 exactly
  EXPECT_EQ(EstimateWait(7, ServiceRate{3.0, true}), (WaitRange{1, 3}));      // 1.87 … 2.92
  EXPECT_EQ(EstimateWait(0, ServiceRate{1.0, false}), (WaitRange{0, 0}));
  EXPECT_EQ(EstimateWait(1'000'000, ServiceRate{0.3, false}), (WaitRange{1440, 1440}));
}

TEST(Trend, NeedsTwoReportsTenMinutesApartInTheWindow) {
  const StatusOptions opts;
  auto q = [](std::initializer_list<std::pair<Instant, std::int64_t>> pts) {
    std::vector<Report> out;
    for (const auto& [at, total] : pts)
      out.push_back(Queue(at, {total, 0, 0}));
    return out;
  };
  EXPECT_EQ(EstimateTrend({}, Ist(10, 0), opts), Trend::kUnknown);
  EXPECT_EQ(EstimateTrend(q({{Ist(9, 55), 10}, {Ist(9, 59), 30}}), Ist(10, 0), opts),
            Trend::kUnknown);
  // The 9:00 report is outside the 45-minute window.
  EXPECT_EQ(EstimateTrend(q({{Ist(9, 0), 10}, {Ist(9, 59), 30}}), Ist(10, 0), opts),
            Trend::kUnknown);
  // Small queues: the 3-person floor applies (15 % of 10 is 1.5).
  EXPECT_EQ(EstimateTrend(q({{Ist(9, 30), 10}, {Ist(9, 50), 13}}), Ist(10, 0), opts),
            Trend::kSteady);
  EXPECT_EQ(EstimateTrend(q({{Ist(9, 30), 10}, {Ist(9, 50), 14}}), Ist(10, 0), opts),
            Trend::kRising);
  EXPECT_EQ(EstimateTrend(q({{Ist(9, 30), 10}, {Ist(9, 50), 6}}), Ist(10, 0), opts),
            Trend::kFalling);
  // Large queues: 15 % applies (of 100 is 15).
  EXPECT_EQ(EstimateTrend(q({{Ist(9, 30), 100}, {Ist(9, 50), 115}}), Ist(10, 0), opts),
            Trend::kSteady);
  EXPECT_EQ(EstimateTrend(q({{Ist(9, 30), 100}, {Ist(9, 50), 116}}), Ist(10, 0), opts),
            Trend::kRising);
  EXPECT_EQ(EstimateTrend(q({{Ist(9, 30), 100}, {Ist(9, 50), 84}}), Ist(10, 0), opts),
            Trend::kFalling);
  // A report after `now` is not the latest yet.
  EXPECT_EQ(
      EstimateTrend(q({{Ist(9, 30), 100}, {Ist(9, 50), 100}, {Ist(10, 1), 200}}), Ist(10, 0), opts),
      Trend::kSteady);
}

}  // namespace
}  // namespace psm
