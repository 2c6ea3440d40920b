// public_handlers: district, constituencies, station search, one station (ETag, 304), timeline,
// EPIC look-up (and its rate limit), turnout JSON/CSV and the event stream's parameters.
#include <gtest/gtest.h>

#include "api/testing/api_fixture.hpp"

namespace psm::api {
namespace {

using testing::ApiFixture;
using testing::ApiFixtureOptions;
using testing::TestRequest;
using testing::TestResponse;

// GET `target` with one extra header.
TestResponse GetWith(ApiFixture& api, std::string target, std::string header, std::string value) {
  return api.Call(TestRequest{boost::beast::http::verb::get,
                              std::move(target),
                              "",
                              {{std::move(header), std::move(value)}}});
}

TEST(PublicHandlersTest, DistrictCarriesTotalsAndTheServersNow) {
  ApiFixture api;
  auto r = api.Get("/api/v1/district");
  ASSERT_EQ(r.status, 200u);
  auto d = r.Json();
  EXPECT_EQ(d["stations"], 5);
  EXPECT_EQ(d["constituencies"], 2);
  EXPECT_EQ(d["utc_offset"], "+05:30");
  EXPECT_EQ(d["now"], FormatRfc3339(api.clock().Now()));
  EXPECT_EQ(d["electors"]["total"], d["electors"]["men"].get<int>() +
                                        d["electors"]["women"].get<int>() +
                                        d["electors"]["others"].get<int>());
  // "now" is the polling day's clock, read per request, not baked into the summary.
  api.clock().Advance(std::chrono::minutes(7));
  EXPECT_EQ(api.Get("/api/v1/district").Json()["now"], "2026-11-30T04:37:00Z");
}

TEST(PublicHandlersTest, ConstituenciesListEveryAcWithItsStations) {
  ApiFixture api;
  auto r = api.Get("/api/v1/constituencies");
  ASSERT_EQ(r.status, 200u);
  const auto acs = r.Json()["constituencies"];
  ASSERT_EQ(acs.size(), 2u);
  EXPECT_EQ(acs[0]["ac"], 34);
  EXPECT_EQ(acs[0]["stations"], 3);
  EXPECT_EQ(acs[1]["ac"], 35);
  EXPECT_EQ(acs[1]["reserved"], nullptr);
}

TEST(PublicHandlersTest, StationsFilterByAcLimitAndText) {
  ApiFixture api;
  auto by_ac = api.Get("/api/v1/stations?ac=34&limit=2").Json();
  EXPECT_EQ(by_ac["total"], 3);
  ASSERT_EQ(by_ac["stations"].size(), 2u);
  for (const auto& s : by_ac["stations"])
    EXPECT_EQ(s["ac"], 34);
  auto text = api.Get("/api/v1/stations?q=BASTI%20sheikh").Json();
  EXPECT_EQ(text["total"], 2);
  auto all = api.Get("/api/v1/stations").Json();
  EXPECT_EQ(all["total"], 5);
  EXPECT_EQ(all["stations"][0]["id"], "34-1");  // sorted by id
}

TEST(PublicHandlersTest, StationsNearAPointAreSortedByDistance) {
  ApiFixture api;
  auto r = api.Get("/api/v1/stations?near=31.3291,75.5562&limit=3");
  ASSERT_EQ(r.status, 200u);
  const auto list = r.Json()["stations"];
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0]["id"], "34-1");
  EXPECT_EQ(list[0]["distance_km"], 0.0);
  EXPECT_LE(list[0]["distance_km"].get<double>(), list[1]["distance_km"].get<double>());
  EXPECT_LE(list[1]["distance_km"].get<double>(), list[2]["distance_km"].get<double>());
}

TEST(PublicHandlersTest, StationsRefuseBadParametersWith422) {
  ApiFixture api;
  const std::vector<std::pair<std::string, std::string>> cases = {{"ac=x", "bad_ac"},
                                                                  {"ac=0", "bad_ac"},
                                                                  {"near=91,0", "bad_near"},
                                                                  {"near=31.3", "bad_near"},
                                                                  {"limit=0", "bad_limit"},
                                                                  {"limit=-3", "bad_limit"},
                                                                  {"sort=nonsense", "bad_sort"},
                                                                  {"sort=distance", "bad_sort"}};
  for (const auto& [query, reason] : cases) {
    const auto r = api.Get("/api/v1/stations?" + query);
    EXPECT_EQ(r.status, 422u) << query;
    EXPECT_EQ(r.ProblemReason(), reason) << query;
    EXPECT_EQ(r.Header("Content-Type"), "application/problem+json") << query;
  }
}

TEST(PublicHandlersTest, StationIsCacheableWithItsLiveStatus) {
  ApiFixture api;
  const auto r = api.Get("/api/v1/stations/34-2");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.Header("Cache-Control"), "public, max-age=10");
  EXPECT_FALSE(r.Header("ETag").empty());
  EXPECT_EQ(r.Header("X-Content-Type-Options"), "nosniff");
  const auto s = r.Json();
  EXPECT_EQ(s["id"], "34-2");
  EXPECT_EQ(s["ac"], 34);
  EXPECT_EQ(s["part"], 2);
  for (const char* key : {"state", "queue", "wait_minutes", "votes_polled", "turnout_pct",
                          "reported_at", "age_seconds", "stale", "trend"})
    EXPECT_TRUE(s["status"].contains(key)) << key;
}

TEST(PublicHandlersTest, IfNoneMatchWithTheCurrentTagIs304) {
  ApiFixture api;
  const std::string etag = api.Get("/api/v1/stations/34-2").Header("ETag");
  ASSERT_FALSE(etag.empty());
  auto r = GetWith(api, "/api/v1/stations/34-2", "If-None-Match", etag);
  EXPECT_EQ(r.status, 304u);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(r.Header("ETag"), etag);
  // A list and a weak comparison match too; another tag does not.
  EXPECT_EQ(GetWith(api, "/api/v1/stations/34-2", "If-None-Match", "\"other\", W/" + etag).status,
            304u);
  EXPECT_EQ(GetWith(api, "/api/v1/stations/34-2", "If-None-Match", "\"stale\"").status, 200u);
}

TEST(PublicHandlersTest, AnAcceptedReportChangesTheStationAndItsTag) {
  ApiFixture api;
  const auto before = api.Get("/api/v1/stations/34-1");
  const std::string token = api.OfficerToken({34, 1});
  ASSERT_EQ(api.Post("/api/v1/stations/34-1/reports", api.QueueReport(12, 9), token).status, 201u);
  // The writer swaps the view into the Board before it answers the officer.
  const auto after = api.Get("/api/v1/stations/34-1");
  EXPECT_EQ(after.Json()["status"]["queue"]["total"], 21);
  EXPECT_NE(after.Header("ETag"), before.Header("ETag"));
  EXPECT_EQ(GetWith(api, "/api/v1/stations/34-1", "If-None-Match", before.Header("ETag")).status,
            200u);
}

TEST(PublicHandlersTest, UnknownStationIs404UnknownStationProblem) {
  ApiFixture api;
  for (const char* id : {"99-9", "34-99", "nonsense"}) {
    const auto r = api.Get(std::string("/api/v1/stations/") + id);
    EXPECT_EQ(r.status, 404u) << id;
    EXPECT_EQ(r.Header("Content-Type"), "application/problem+json");
    EXPECT_EQ(r.ProblemReason(), "unknown_station") << id;
    const auto p = r.Json();
    EXPECT_EQ(p["status"], 404);
    EXPECT_NE(p["detail"].get<std::string>().find(id), std::string::npos);
    EXPECT_EQ(p.size(), 4u) << p;  // type, title, status, detail
  }
  EXPECT_EQ(api.Get("/api/v1/stations/99-9/timeline").ProblemReason(), "unknown_station");
}

TEST(PublicHandlersTest, TimelineIsJsonSeries) {
  ApiFixture api;
  const auto r = api.Get("/api/v1/stations/35-1/timeline");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  EXPECT_TRUE(r.Json()["queue"].is_array()) << r.body;
}

TEST(PublicHandlersTest, LookupByEpicGivesTheStationAndNothingPersonal) {
  ApiFixture api;
  auto r = api.Get("/api/v1/lookup?epic=JLW0000003");
  ASSERT_EQ(r.status, 200u);
  const auto body = r.Json();
  ASSERT_EQ(body.size(), 1u) << body;
  EXPECT_EQ(body["station"]["id"], "34-2");
  EXPECT_TRUE(body["station"].contains("status"));
  EXPECT_EQ(r.body.find("JLW"), std::string::npos);
  // EPICs are case-insensitive, as printed cards and typing differ.
  EXPECT_EQ(api.Get("/api/v1/lookup?epic=jlc0000001").Json()["station"]["id"], "35-1");
}

TEST(PublicHandlersTest, LookupRefusals) {
  ApiFixture api;
  auto r = api.Get("/api/v1/lookup?epic=ZZZ9999999");
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(r.ProblemReason(), "unknown_epic");
  EXPECT_NE(r.Json()["detail"].get<std::string>().find("EPIC"), std::string::npos);
  r = api.Get("/api/v1/lookup?epic=12");
  EXPECT_EQ(r.status, 422u);
  EXPECT_EQ(r.ProblemReason(), "bad_epic");
  r = api.Get("/api/v1/lookup");
  EXPECT_EQ(r.status, 422u);
  EXPECT_EQ(r.ProblemReason(), "missing_epic");
}

TEST(PublicHandlersTest, LookupRateLimitIsPerAddressWithRetryAfter) {
  ApiFixtureOptions o;
  o.limits.lookup = {1, 3};
  ApiFixture api(o);
  // Malformed look-ups spend the budget too: each is a guess at the roll.
  EXPECT_EQ(api.Get("/api/v1/lookup?epic=12").status, 422u);
  EXPECT_EQ(api.Get("/api/v1/lookup?epic=JLW0000001").status, 200u);
  EXPECT_EQ(api.Get("/api/v1/lookup?epic=JLW0000001").status, 200u);
  const auto refused = api.Get("/api/v1/lookup?epic=JLW0000001");
  EXPECT_EQ(refused.status, 429u);
  EXPECT_EQ(refused.ProblemReason(), "rate_limited_lookup");
  EXPECT_EQ(refused.Json()["status"], 429);
  EXPECT_GE(std::stoi(refused.Header("Retry-After")), 1);
  // Another address has its own bucket; station reads have no budget at all.
  TestRequest other{boost::beast::http::verb::get, "/api/v1/lookup?epic=JLW0000001", "", {}};
  other.client_ip = "198.51.100.7";
  EXPECT_EQ(api.Call(other).status, 200u);
  EXPECT_EQ(api.Get("/api/v1/stations/34-1").status, 200u);
  // The bucket refills with time.
  api.Tick(1.0);
  EXPECT_EQ(api.Get("/api/v1/lookup?epic=JLW0000001").status, 200u);
}

TEST(PublicHandlersTest, TurnoutAsJsonAndCsv) {
  ApiFixture api;
  auto r = api.Get("/api/v1/turnout");
  ASSERT_EQ(r.status, 200u);
  const auto turnout = r.Json();
  std::vector<std::string> slots;
  for (const auto& s : turnout["slots"])
    slots.push_back(s["slot"]);
  EXPECT_EQ(slots,
            (std::vector<std::string>{"09:00", "11:00", "13:00", "15:00", "17:00", "close"}));
  EXPECT_EQ(turnout["stations"].size(), 5u);

  r = api.Get("/api/v1/turnout.csv");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.Header("Content-Type"), "text/csv; charset=utf-8");
  EXPECT_EQ(r.Header("Content-Disposition"), "attachment; filename=\"turnout.csv\"");
  EXPECT_EQ(r.body.rfind("ac,station,name,electors,09:00_men", 0), 0u) << r.body;
  const auto last_line = r.body.substr(r.body.rfind('\n', r.body.size() - 2) + 1);
  EXPECT_EQ(last_line.rfind(",District total", 0), 0u) << last_line;
}

TEST(PublicHandlersTest, EventsCheckTheirParametersBeforeStreaming) {
  ApiFixture api;
  EXPECT_EQ(api.Get("/api/v1/events?station=99-1").ProblemReason(), "unknown_station");
  auto r = api.Get("/api/v1/events?ac=77");
  EXPECT_EQ(r.status, 422u);
  EXPECT_EQ(r.ProblemReason(), "bad_ac");
  r = api.Get("/api/v1/events?types=status,bogus");
  EXPECT_EQ(r.status, 422u);
  EXPECT_EQ(r.ProblemReason(), "bad_types");
  r = GetWith(api, "/api/v1/events", "Last-Event-ID", "abc");
  EXPECT_EQ(r.status, 400u);
  r = api.Get("/api/v1/events?station=34-1&types=status&last_event_id=5");
  EXPECT_EQ(r.status, 200u);
  EXPECT_TRUE(r.stream);
}

TEST(PublicHandlersTest, UnknownPathAndWrongMethodAreProblems) {
  ApiFixture api;
  auto r = api.Get("/api/v1/nothing-here");
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(r.Header("Content-Type"), "application/problem+json");
  r = api.Delete("/api/v1/district");
  EXPECT_EQ(r.status, 405u);
  EXPECT_NE(r.Header("Allow").find("GET"), std::string::npos);
}

}  // namespace
}  // namespace psm::api
