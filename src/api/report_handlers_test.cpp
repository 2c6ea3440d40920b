// report_handlers: one report (authentication, station scope, body checks, the writer's domain
// rules, idempotent retries, store failure) and the batch endpoint.
#include <gtest/gtest.h>

#include "api/testing/api_fixture.hpp"

namespace psm::api {
namespace {

using nlohmann::json;
using testing::ApiFixture;
using testing::ApiFixtureOptions;
using testing::TestRequest;
using testing::TestResponse;

constexpr const char* kPath = "/api/v1/stations/34-1/reports";

class ReportHandlersTest : public ::testing::Test {
 protected:
  TestResponse PostRaw(std::string body, std::string content_type, const std::string& token,
                       std::string path = kPath) {
    TestRequest req{boost::beast::http::verb::post,
                    std::move(path),
                    std::move(body),
                    {{"Content-Type", std::move(content_type)}}};
    if (!token.empty()) req.headers.emplace_back("Authorization", "Bearer " + token);
    return api_.Call(std::move(req));
  }
  TestResponse PostAs(const std::string& auth_header, const json& body) {
    return api_.Call(
        TestRequest{boost::beast::http::verb::post,
                    kPath,
                    body.dump(),
                    {{"Content-Type", "application/json"}, {"Authorization", auth_header}}});
  }

  ApiFixture api_;
  std::string officer_ = api_.OfficerToken({34, 1});
};

TEST_F(ReportHandlersTest, WithoutAValidTokenIs401) {
  const json report = api_.QueueReport(1, 1);
  auto r = api_.Post(kPath, report);
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(r.ProblemReason(), "missing_token");
  EXPECT_EQ(r.Header("WWW-Authenticate").rfind("Bearer", 0), 0u);
  EXPECT_EQ(PostAs("Basic dXNlcjpwYXNz", report).ProblemReason(), "bad_token");
  EXPECT_EQ(PostAs("Bearer not-a-token", report).ProblemReason(), "bad_token");
  // Well formed but never issued.
  r = PostAs("Bearer " + std::string(43, 'A'), report);
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(r.ProblemReason(), "expired_token");
}

// RFC 9110 section 11.1: an authentication scheme's name is case-insensitive.
TEST_F(ReportHandlersTest, TheBearerSchemeIsReadWithoutCase) {
  for (std::string scheme : {"bearer ", "BEARER "}) {
    auto r = PostAs(scheme + officer_, api_.QueueReport(1, 1));
    EXPECT_EQ(r.status, 201u) << scheme;
  }
}

TEST_F(ReportHandlersTest, ANodeWithoutTheWriterRoleAnswers503NotWriterBeforeAuthenticating) {
  api_.ctx().is_writer = false;
  const json report = api_.QueueReport(1, 1);
  auto r = api_.Post(kPath, report);  // no token: still 503, so nginx tries another node
  EXPECT_EQ(r.status, 503u);
  EXPECT_EQ(r.ProblemReason(), "not_writer");
  EXPECT_EQ(r.Header("Retry-After"), "1");
  r = api_.Post("/api/v1/reports/batch", json::object());
  EXPECT_EQ(r.status, 503u);
  EXPECT_EQ(r.ProblemReason(), "not_writer");
  // A PIN reset too: officers log in on the writer, whose login lock it clears.
  r = api_.Post("/api/v1/stations/34-1/pin", json::object());
  EXPECT_EQ(r.status, 503u);
  EXPECT_EQ(r.ProblemReason(), "not_writer");
  EXPECT_EQ(api_.Get("/healthz").Json()["role"], "reader");
  api_.ctx().is_writer = true;
  EXPECT_EQ(api_.Post(kPath, report).status, 401u);
  EXPECT_EQ(api_.Get("/healthz").Json()["role"], "writer");
}

TEST_F(ReportHandlersTest, AnOfficerReportsOnlyForTheirOwnStation) {
  auto r = api_.Post("/api/v1/stations/34-2/reports", api_.QueueReport(1, 1), officer_);
  EXPECT_EQ(r.status, 403u);
  EXPECT_EQ(r.ProblemReason(), "wrong_station");
  r = api_.Post("/api/v1/stations/99-9/reports", api_.QueueReport(1, 1), officer_);
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(r.ProblemReason(), "unknown_station");
  // A sector officer for the stations they cover, an admin for any.
  const std::string sector = api_.SectorToken("gill", {{34, 2}});
  EXPECT_EQ(api_.Post("/api/v1/stations/34-2/reports", api_.QueueReport(1, 1), sector).status,
            201u);
  EXPECT_EQ(api_.Post("/api/v1/stations/35-1/reports", api_.QueueReport(1, 1), sector).status,
            403u);
  EXPECT_EQ(
      api_.Post("/api/v1/stations/35-1/reports", api_.QueueReport(1, 1), api_.AdminToken()).status,
      201u);
}

TEST_F(ReportHandlersTest, BodyMustBeJsonOfTheRightShape) {
  const std::string good = api_.QueueReport(1, 1).dump();
  auto r = PostRaw(good, "text/plain", officer_);
  EXPECT_EQ(r.status, 415u);
  EXPECT_EQ(PostRaw(good, "application/json; charset=utf-8", officer_).status, 201u);
  EXPECT_EQ(PostRaw(api_.QueueReport(2, 1).dump(), "APPLICATION/JSON", officer_).status, 201u);
  EXPECT_EQ(PostRaw(good, "application/jsonx", officer_).status, 415u);
  r = PostRaw("{not json", "application/json", officer_);
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.Header("Content-Type"), "application/problem+json");

  json bad_kind = api_.QueueReport(1, 1);
  bad_kind["kind"] = "nonsense";
  r = api_.Post(kPath, bad_kind, officer_);
  EXPECT_EQ(r.status, 422u);
  EXPECT_EQ(r.ProblemReason(), "bad_kind");
  json other_station = api_.QueueReport(1, 1);
  other_station["station"] = "34-2";
  EXPECT_EQ(api_.Post(kPath, other_station, officer_).ProblemReason(), "station_mismatch");
  json no_id = api_.QueueReport(1, 1);
  no_id.erase("id");
  EXPECT_EQ(api_.Post(kPath, no_id, officer_).ProblemReason(), "missing_field");
  json negative = api_.QueueReport(-1, 1);
  EXPECT_EQ(api_.Post(kPath, negative, officer_).ProblemReason(), "negative_count");
}

TEST_F(ReportHandlersTest, TheWritersRulesRefuseWith422) {
  auto r = api_.Post(kPath, api_.QueueReport(100000, 0), officer_);
  EXPECT_EQ(r.status, 422u);
  EXPECT_EQ(r.ProblemReason(), "queue_exceeds_electors");
  r = api_.Post(kPath, api_.QueueReport(1, 1, 0, api_.LocalTime(10, 5)), officer_);
  EXPECT_EQ(r.status, 422u);
  EXPECT_EQ(r.ProblemReason(), "observed_at_in_future");
  r = api_.Post(kPath, api_.QueueReport(1, 1, 0, "2026-11-29T10:00:00+05:30"), officer_);
  EXPECT_EQ(r.ProblemReason(), "observed_at_not_polling_day");
  // Nothing refused reached the station.
  EXPECT_EQ(api_.Get("/api/v1/stations/34-1").Json()["status"]["queue"], nullptr);
}

TEST_F(ReportHandlersTest, AcceptedReportIs201WithTheStoredReport) {
  const json report = api_.QueueReport(12, 9);
  const auto r = api_.Post(kPath, report, officer_);
  ASSERT_EQ(r.status, 201u) << r.body;
  const auto body = r.Json();
  EXPECT_EQ(body["status"], 201);
  EXPECT_EQ(body["result"], "created");
  EXPECT_EQ(body["report"]["id"], report["id"]);
  EXPECT_EQ(body["report"]["station"], "34-1");
  EXPECT_EQ(body["report"]["queue"]["men"], 12);
  // The server stamps when it received the report, on the polling day's clock.
  EXPECT_EQ(body["report"]["received_at"], FormatRfc3339(api_.clock().Now()));
  auto stored = api_.store().FindReport(report["id"].get<std::string>());
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->actor, "officer:34-1");
}

TEST_F(ReportHandlersTest, ARetryIsAnsweredNotStoredTwice) {
  const json report = api_.QueueReport(12, 9);
  ASSERT_EQ(api_.Post(kPath, report, officer_).status, 201u);
  api_.clock().Advance(std::chrono::minutes(1));
  auto r = api_.Post(kPath, report, officer_);
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.Json()["result"], "repeated");
  json changed = report;
  changed["queue"]["men"] = 1;
  r = api_.Post(kPath, changed, officer_);
  EXPECT_EQ(r.status, 409u);
  EXPECT_EQ(r.ProblemReason(), "id_reused");
  int copies = 0;
  ASSERT_TRUE(api_.store()
                  .ForEachReport([&](const Report& x) {
                    copies += x.id == report["id"];
                    return true;
                  })
                  .ok());
  EXPECT_EQ(copies, 1);
  EXPECT_EQ(api_.Get("/api/v1/stations/34-1").Json()["status"]["queue"]["total"], 21);
}

TEST_F(ReportHandlersTest, TurnoutNeverDecreasesAndTheRefusalNamesThePreviousValue) {
  ASSERT_EQ(api_.Post(kPath, api_.TurnoutReport(100, 90), officer_).status, 201u);
  const auto r = api_.Post(kPath, api_.TurnoutReport(99, 90), officer_);
  EXPECT_EQ(r.status, 409u);
  EXPECT_EQ(r.Header("Content-Type"), "application/problem+json");
  EXPECT_EQ(r.ProblemReason(), "turnout_decreased");
  EXPECT_NE(r.Json()["detail"].get<std::string>().find("190"), std::string::npos) << r.body;
  EXPECT_EQ(api_.Get("/api/v1/stations/34-1").Json()["status"]["votes_polled"]["total"], 190);
}

TEST_F(ReportHandlersTest, PollEventsComeInOrder) {
  const auto r = api_.Post(kPath, api_.EventReport("resumed"), officer_);
  EXPECT_EQ(r.status, 409u);
  EXPECT_EQ(r.ProblemReason(), "event_order");
  EXPECT_EQ(api_.Post(kPath, api_.EventReport("poll_started"), officer_).status, 201u);
}

TEST_F(ReportHandlersTest, AFailedCommitIs503WithRetryAfterAndChangesNothing) {
  api_.store().FailNextWrites(1);
  const json report = api_.QueueReport(4, 4);
  auto r = api_.Post(kPath, report, officer_);
  EXPECT_EQ(r.status, 503u);
  EXPECT_EQ(r.Header("Retry-After"), "1");
  EXPECT_EQ(api_.Get("/api/v1/stations/34-1").Json()["status"]["queue"], nullptr);
  // The phone's retry, with the same id, is then stored once.
  r = api_.Post(kPath, report, officer_);
  EXPECT_EQ(r.status, 201u) << r.body;
}

TEST(ReportHandlersBudgetTest, EachTokenHasARequestBudget) {
  ApiFixtureOptions o;
  o.limits.token = {0.01, 2};
  ApiFixture api(o);
  const std::string token = api.OfficerToken({34, 1});
  EXPECT_EQ(api.Post(kPath, api.QueueReport(1, 1), token).status, 201u);
  EXPECT_EQ(api.Post(kPath, api.QueueReport(1, 2), token).status, 201u);
  const auto r = api.Post(kPath, api.QueueReport(1, 3), token);
  EXPECT_EQ(r.status, 429u);
  EXPECT_EQ(r.ProblemReason(), "rate_limited_token");
  EXPECT_GE(std::stoi(r.Header("Retry-After")), 1);
  // Another login of the same station has its own budget.
  EXPECT_EQ(api.Post(kPath, api.QueueReport(1, 4), api.OfficerToken({34, 1})).status, 201u);
}

TEST_F(ReportHandlersTest, BatchAnswersEachReportAsIfSentAlone) {
  json good = api_.QueueReport(3, 3);
  good["station"] = "34-1";
  json foreign = api_.QueueReport(3, 3);
  foreign["station"] = "34-2";
  json bad = api_.QueueReport(3, 3);
  bad["station"] = "34-1";
  bad["kind"] = "nonsense";
  json too_many = api_.QueueReport(5000, 0);
  too_many["station"] = "34-1";
  const auto r =
      api_.Post("/api/v1/reports/batch",
                json{{"reports", json::array({good, foreign, bad, good, too_many})}}, officer_);
  ASSERT_EQ(r.status, 200u) << r.body;
  const auto results = r.Json()["results"];
  ASSERT_EQ(results.size(), 5u);
  EXPECT_EQ(results[0]["status"], 201);
  EXPECT_EQ(results[0]["result"], "created");
  EXPECT_EQ(results[0]["id"], good["id"]);
  EXPECT_EQ(results[1]["status"], 403);
  EXPECT_EQ(results[1]["id"], foreign["id"]);
  EXPECT_EQ(results[2]["status"], 422);
  EXPECT_EQ(results[3]["result"], "repeated");  // the same id twice in one batch
  EXPECT_EQ(results[4]["status"], 422);
  EXPECT_EQ(results[4]["problem"]["type"], "https://psm.invalid/problems/queue_exceeds_electors");
  // A result's problem reads as the answer to the same report sent alone.
  json alone = bad;
  alone.erase("station");
  const auto single = api_.Post(kPath, alone, officer_);
  EXPECT_EQ(results[2]["problem"], single.Json());
}

TEST_F(ReportHandlersTest, BatchEntriesWithoutAnIdAreAnsweredWithoutOne) {
  json no_id = api_.QueueReport(1, 1);
  no_id.erase("id");
  no_id["station"] = "34-1";
  const auto r = api_.Post("/api/v1/reports/batch",
                           json{{"reports", json::array({no_id, json::object(), 7})}}, officer_);
  ASSERT_EQ(r.status, 200u) << r.body;
  const auto results = r.Json()["results"];
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0]["problem"]["type"], "https://psm.invalid/problems/missing_field");
  EXPECT_FALSE(results[0].contains("id"));
  EXPECT_EQ(results[1]["status"], 422);
  EXPECT_EQ(results[2]["problem"]["type"], "https://psm.invalid/problems/bad_report");
}

TEST_F(ReportHandlersTest, MalformedBatchesAreRefusedWhole) {
  const std::string batch = "/api/v1/reports/batch";
  EXPECT_EQ(api_.Post(batch, json{{"reports", json::array({api_.QueueReport(1, 1)})}}).status,
            401u);
  EXPECT_EQ(PostRaw("{\"reports\":[]}", "text/plain", officer_, batch).status, 415u);
  EXPECT_EQ(PostRaw("{oops", "application/json", officer_, batch).status, 400u);
  for (const json& body :
       {json::object(), json{{"reports", json::array()}}, json{{"reports", "x"}}, json::array()}) {
    const auto r = api_.Post(batch, body, officer_);
    EXPECT_EQ(r.status, 422u) << body;
    EXPECT_EQ(r.ProblemReason(), "bad_batch") << body;
  }
  json many = json::array();
  for (int i = 0; i < 1001; ++i)
    many.push_back(json::object());
  EXPECT_EQ(api_.Post(batch, json{{"reports", many}}, officer_).ProblemReason(), "bad_batch");
}

}  // namespace
}  // namespace psm::api
