// Prometheus registry: text rendering, labels, escaping, histograms, concurrency.
#include "http/metrics.hpp"

#include <thread>

#include <gtest/gtest.h>

namespace psm::http {
namespace {

TEST(HttpMetrics, RendersCountersGaugesAndCallbacks) {
  Metrics m;
  auto& reports = m.AddCounter("psm_reports_total", "Reports by outcome.", {"outcome"});
  reports.With({"accepted"}).Inc(3);
  reports.With({"rejected"}).Inc();
  m.AddGauge("psm_queue_depth", "Writer queue depth.").With({}).Set(7);
  m.AddCallbackGauge("psm_board_stations", "Stations on the board.", [] { return 1951.0; });
  EXPECT_EQ(m.Render(),
            "# HELP psm_board_stations Stations on the board.\n"
            "# TYPE psm_board_stations gauge\n"
            "psm_board_stations 1951\n"
            "# HELP psm_queue_depth Writer queue depth.\n"
            "# TYPE psm_queue_depth gauge\n"
            "psm_queue_depth 7\n"
            "# HELP psm_reports_total Reports by outcome.\n"
            "# TYPE psm_reports_total counter\n"
            "psm_reports_total{outcome=\"accepted\"} 3\n"
            "psm_reports_total{outcome=\"rejected\"} 1\n");
}

TEST(HttpMetrics, EscapesLabelValues) {
  Metrics m;
  m.AddCounter("x_total", "h", {"l"}).With({"a\"b\\c\nd"}).Inc();
  EXPECT_NE(m.Render().find("x_total{l=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos);
}

TEST(HttpMetrics, RendersHistogram) {
  Metrics m;
  auto& h = m.AddHistogram("lat_seconds", "Latency.", {"route"}, {0.001, 0.01, 0.1});
  auto& series = h.With({"/a"});
  series.Observe(0.0005);
  series.Observe(0.001);  // le is inclusive
  series.Observe(0.05);
  series.Observe(3);
  EXPECT_EQ(m.Render(),
            "# HELP lat_seconds Latency.\n"
            "# TYPE lat_seconds histogram\n"
            "lat_seconds_bucket{route=\"/a\",le=\"0.001\"} 2\n"
            "lat_seconds_bucket{route=\"/a\",le=\"0.01\"} 2\n"
            "lat_seconds_bucket{route=\"/a\",le=\"0.1\"} 3\n"
            "lat_seconds_bucket{route=\"/a\",le=\"+Inf\"} 4\n"
            "lat_seconds_sum{route=\"/a\"} 3.0515\n"
            "lat_seconds_count{route=\"/a\"} 4\n");
}

TEST(HttpMetrics, SameNameReturnsSameFamilyAndKindsMustAgree) {
  Metrics m;
  auto& a = m.AddCounter("c_total", "h", {"x"});
  auto& b = m.AddCounter("c_total", "h", {"x"});
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(&a.With({"1"}), &b.With({"1"}));
  EXPECT_THROW(m.AddGauge("c_total", "h"), std::invalid_argument);
  EXPECT_THROW(m.AddGauge("bad name", "h"), std::invalid_argument);
}

TEST(HttpMetrics, ConcurrentUpdatesAreCounted) {
  Metrics m;
  auto& family = m.AddCounter("n_total", "h", {"t"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10000; ++i)
        family.With({t % 2 ? "odd" : "even"}).Inc();
    });
  }
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(family.With({"odd"}).Value() + family.With({"even"}).Value(), 40000u);
}

TEST(HttpMetrics, EachThreadsShareOfOneSeriesIsSummed) {
  // More threads than shards, so some share one and the rest add to their own.
  Metrics m;
  auto& counter = m.AddCounter("hits_total", "h", {}).With({});
  auto& histogram = m.AddHistogram("lat_seconds", "h", {}, {0.01, 0.1}).With({});
  constexpr int kThreads = static_cast<int>(detail::kMetricShards) + 4;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        counter.Inc(2);
        histogram.Observe(i % 2 ? 0.0625 : 1.0);  // sums exactly in binary
      }
    });
  }
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(counter.Value(), 2000u * kThreads);
  const std::vector<std::uint64_t> expected = {0, 500u * kThreads, 1000u * kThreads};
  EXPECT_EQ(histogram.Cumulative(), expected);
  EXPECT_DOUBLE_EQ(histogram.Sum(), (500 * 0.0625 + 500 * 1.0) * kThreads);
}

}  // namespace
}  // namespace psm::http
