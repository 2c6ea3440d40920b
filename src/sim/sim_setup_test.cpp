// Parsing the server's answers and the input files; the server clock; URLs.
#include "sim/sim_setup.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "sim/sim_clock.hpp"
#include "sim/sim_http_client.hpp"

namespace psm::sim {
namespace {

std::string TempFile(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(SimSetup, ParsesTheDistrict) {
  const auto d = ParseDistrict(R"({"now":"2024-06-01T04:15:00Z","district":"Jalandhar",
      "date":"2024-06-01","utc_offset":"+05:30","time_zone":"Asia/Kolkata",
      "polling":{"opens":"2024-06-01T01:30:00Z","closes":"2024-06-01T12:30:00Z"}})");
  ASSERT_TRUE(d.ok()) << d.error().detail;
  EXPECT_EQ(d->opens, *ParseRfc3339("2024-06-01T01:30:00Z"));
  EXPECT_EQ(d->now - d->opens, std::chrono::minutes(165));
  EXPECT_EQ(d->day.utc_offset, std::chrono::minutes(330));
  EXPECT_EQ(d->day.At(std::chrono::minutes(7 * 60)), d->opens);
  EXPECT_FALSE(ParseDistrict(R"({"polling":{}})").ok());
  EXPECT_FALSE(ParseDistrict("not json").ok());
}

TEST(SimSetup, ParsesUtcOffsets) {
  EXPECT_EQ(*ParseUtcOffset("+05:30"), std::chrono::minutes(330));
  EXPECT_EQ(*ParseUtcOffset("-03:00"), std::chrono::minutes(-180));
  EXPECT_FALSE(ParseUtcOffset("05:30").ok());
  EXPECT_FALSE(ParseUtcOffset("+5:30").ok());
}

TEST(SimSetup, ParsesStations) {
  const auto s = ParseStations(R"({"total":1,"stations":[{"id":"34-1","ac":34,
      "electors":{"men":612,"women":571,"others":0,"total":1183}}]})");
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->size(), 1u);
  EXPECT_EQ((*s)[0].id, "34-1");
  EXPECT_EQ((*s)[0].ac, 34);
  EXPECT_EQ((*s)[0].electors.Total(), 1183);
  EXPECT_FALSE(ParseStations(R"({"stations":[{"id":"34-1"}]})").ok());
}

TEST(SimSetup, ReadsPinsAndRefusesOtherFiles) {
  const auto pins = ReadPins(TempFile("pins.csv", "station_id,pin\n34-1,123456\r\n34-2,000042\n"));
  ASSERT_TRUE(pins.ok());
  EXPECT_EQ(pins->at("34-1"), "123456");
  EXPECT_EQ(pins->at("34-2"), "000042");
  EXPECT_FALSE(ReadPins(TempFile("bad.csv", "epic,station_id\nJLW0000001,34-1\n")).ok());
  EXPECT_FALSE(ReadPins(TempFile("short.csv", "station_id,pin\n34-1\n")).ok());
  EXPECT_FALSE(ReadPins("/nonexistent/pins.csv").ok());
}

TEST(SimSetup, SamplesEpicsOfTheChosenStations) {
  std::string csv = "epic,station_id\n";
  for (int i = 0; i < 100; ++i) {
    csv += "JLW" + std::to_string(1000000 + i) + "," + (i % 2 ? "34-1" : "35-1") + "\n";
  }
  const std::string path = TempFile("electors.csv", csv);
  const auto all = ReadEpics(path, {"34-1"}, 1000, 1);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 50u);
  const auto few = ReadEpics(path, {"34-1", "35-1"}, 10, 1);
  ASSERT_TRUE(few.ok());
  EXPECT_EQ(few->size(), 10u);
  EXPECT_FALSE(ReadEpics(TempFile("nohdr.csv", "a,b\n"), {"34-1"}, 10, 1).ok());
}

TEST(SimSetup, ServerClockExtrapolatesAtTheMeasuredOrGivenSpeed) {
  const Instant t0 = *ParseRfc3339("2024-06-01T01:30:00Z");
  const RealTime r0 = std::chrono::steady_clock::now();
  ServerClock measured(0);
  EXPECT_FALSE(measured.Now(r0).has_value());
  measured.Observe(t0, r0);
  EXPECT_FALSE(measured.Now(r0).has_value()) << "one reading gives no speed";
  measured.Observe(t0 + std::chrono::minutes(10), r0 + std::chrono::seconds(1));
  EXPECT_NEAR(measured.Speed(), 600, 1e-6);
  EXPECT_EQ(*measured.Now(r0 + std::chrono::seconds(2)), t0 + std::chrono::minutes(20));

  ServerClock given(60);
  given.Observe(t0, r0);
  EXPECT_EQ(*given.Now(r0 + std::chrono::seconds(1)), t0 + std::chrono::minutes(1));
}

TEST(SimSetup, ParsesHttpUrls) {
  const auto a = ParseHttpUrl("http://127.0.0.1:8080");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, "8080");
  EXPECT_EQ(ParseHttpUrl("http://localhost/")->port, "80");
  EXPECT_FALSE(ParseHttpUrl("https://x:1").ok());
  EXPECT_FALSE(ParseHttpUrl("http://x:0").ok());
  EXPECT_FALSE(ParseHttpUrl("http://x:8080/api").ok());
  EXPECT_FALSE(ParseHttpUrl("127.0.0.1:8080").ok());
}

}  // namespace
}  // namespace psm::sim
