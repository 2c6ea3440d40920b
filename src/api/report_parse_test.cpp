#include "api/report_parse.hpp"

#include <gtest/gtest.h>

namespace psm::api {
namespace {

using nlohmann::json;

const StationId kStation{34, 112};

json Queue() {
  return json::parse(R"({"id":"123E4567-E89B-12D3-A456-426614174000","kind":"queue",
    "observed_at":"2026-11-30T08:15:00+05:30","queue":{"men":12,"women":9,"others":0}})");
}

TEST(ReportParse, QueueReport) {
  auto r = ParseReport(Queue(), kStation);
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r->id, "123e4567-e89b-12d3-a456-426614174000");  // canonical lower case
  EXPECT_EQ(r->kind, ReportKind::kQueue);
  EXPECT_EQ(r->station, kStation);
  EXPECT_EQ(r->counts, (Counts{12, 9, 0}));
  EXPECT_EQ(FormatRfc3339(r->observed_at), "2026-11-30T02:45:00Z");
}

TEST(ReportParse, TurnoutAndEvents) {
  auto t = ParseReport(json::parse(R"({"id":"123e4567-e89b-12d3-a456-426614174001",
    "kind":"turnout","observed_at":"2026-11-30T05:30:00Z",
    "votes_polled":{"men":210,"women":180,"others":1}})"),
                       kStation);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->counts.Total(), 391);
  auto e = ParseReport(json::parse(R"({"id":"123e4567-e89b-12d3-a456-426614174002",
    "kind":"event","observed_at":"2026-11-30T05:30:00Z","event":"interrupted","reason":"EVM fault"})"),
                       kStation);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->event, EventKind::kInterrupted);
  EXPECT_EQ(e->reason, "EVM fault");
  auto c = ParseReport(json::parse(R"({"id":"123e4567-e89b-12d3-a456-426614174003",
    "kind":"event","observed_at":"2026-11-30T12:30:00Z","event":"poll_closed",
    "voters_in_queue_at_close":35})"),
                       kStation);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->voters_in_queue_at_close, 35);
}

struct BadCase {
  const char* what;
  std::function<void(json&)> mutate;
  const char* reason;
};

TEST(ReportParse, RefusalsSayWhy) {
  const std::vector<BadCase> cases = {
      {"no id", [](json& j) { j.erase("id"); }, "missing_field"},
      {"bad id", [](json& j) { j["id"] = "42"; }, "bad_id"},
      {"bad kind", [](json& j) { j["kind"] = "queues"; }, "bad_kind"},
      {"bad time", [](json& j) { j["observed_at"] = "08:15"; }, "bad_time"},
      {"negative", [](json& j) { j["queue"]["men"] = -1; }, "negative_count"},
      {"fraction", [](json& j) { j["queue"]["men"] = 1.5; }, "bad_count"},
      {"string count", [](json& j) { j["queue"]["men"] = "3"; }, "bad_count"},
      {"missing count", [](json& j) { j["queue"].erase("others"); }, "missing_field"},
      {"huge", [](json& j) { j["queue"]["men"] = 99999999999LL; }, "bad_count"},
      {"other station", [](json& j) { j["station"] = "34-113"; }, "station_mismatch"},
      {"bad event",
       [](json& j) {
         j["kind"] = "event";
         j["event"] = "lunch";
       },
       "bad_event"},
      {"interrupt without reason",
       [](json& j) {
         j["kind"] = "event";
         j["event"] = "interrupted";
       },
       "missing_field"},
      {"NUL in a reason",
       [](json& j) {
         j["kind"] = "event";
         j["event"] = "interrupted";
         j["reason"] = std::string("EVM\0fault", 9);
       },
       "bad_field"},
      {"NUL in an id", [](json& j) { j["id"] = std::string("123e4567\0", 9); }, "bad_field"},
  };
  for (const auto& c : cases) {
    json j = Queue();
    c.mutate(j);
    auto r = ParseReport(j, kStation);
    ASSERT_FALSE(r.ok()) << c.what;
    EXPECT_EQ(r.error().reason, c.reason) << c.what;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalid) << c.what;
    EXPECT_FALSE(r.error().detail.empty()) << c.what;
  }
}

TEST(ReportParse, BatchEntriesNeedAStation) {
  auto missing = ParseReport(Queue(), std::nullopt);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().reason, "missing_field");
  json j = Queue();
  j["station"] = "34-112";
  EXPECT_TRUE(ParseReport(j, std::nullopt).ok());
}

TEST(ReportParse, TurnoutMayCarryACorrectionReason) {
  json j = json::parse(R"({"id":"123e4567-e89b-12d3-a456-426614174009","kind":"turnout",
    "observed_at":"2026-11-30T05:30:00Z","votes_polled":{"men":1,"women":2,"others":0},
    "reason":"typing error at 11:00"})");
  auto r = ParseReport(j, kStation);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->reason, "typing error at 11:00");
  j["reason"] = 5;
  EXPECT_EQ(ParseReport(j, kStation).error().reason, "bad_field");
  j["reason"] = std::string(501, 'x');
  EXPECT_EQ(ParseReport(j, kStation).error().reason, "bad_field");
}

TEST(ReportParse, MalformedJson) {
  EXPECT_FALSE(ParseJsonBody("{\"id\":").ok());
  EXPECT_EQ(ParseJsonBody("nope").error().reason, "malformed_json");
  EXPECT_TRUE(ParseJsonBody("{}").ok());
}

TEST(ApiBatchReports, WantsAnObjectWithOneToMaxReports) {
  const json ok = json::parse(R"({"reports":[{},{}]})");
  const auto reports = BatchReports(ok, 2);
  ASSERT_TRUE(reports.ok());
  EXPECT_EQ((*reports)->size(), 2u);
  for (const char* bad : {R"({"reports":[]})", R"({"reports":{}})", R"({"report":[{}]})",
                          R"([{"reports":[{}]}])", R"("reports")", R"({"reports":[1,2,3]})"}) {
    const auto refused = BatchReports(json::parse(bad), 2);
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_EQ(refused.error().reason, "bad_batch") << bad;
  }
}

}  // namespace
}  // namespace psm::api
