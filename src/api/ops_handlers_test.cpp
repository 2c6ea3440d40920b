// ops_handlers: liveness, readiness (loading, ready, draining), metrics (the refusal counters, the
// district's totals) and the OpenAPI document.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "api/testing/api_fixture.hpp"

namespace psm::api {
namespace {

using testing::ApiFixture;
using testing::ApiFixtureOptions;

ApiFixtureOptions NotReady() {
  ApiFixtureOptions o;
  o.ready = false;
  return o;
}

TEST(OpsHandlersTest, HealthzAnswersWhileLoadingAndIsNeverCached) {
  ApiFixture api(NotReady());
  const auto r = api.Get("/healthz");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.Json()["status"], "ok");
  EXPECT_EQ(r.Header("Cache-Control"), "no-store");
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  // The server's default headers ride on every answer.
  EXPECT_EQ(r.Header("X-Content-Type-Options"), "nosniff");
}

TEST(OpsHandlersTest, ReadyzIs503UntilReadyThen200) {
  ApiFixture api(NotReady());
  auto r = api.Get("/readyz");
  EXPECT_EQ(r.status, 503u);
  EXPECT_EQ(r.Header("Content-Type"), "application/problem+json");
  EXPECT_EQ(r.Json()["detail"], "loading");
  EXPECT_FALSE(r.Header("Retry-After").empty());

  api.ctx().ready = true;
  r = api.Get("/readyz");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.Json()["status"], "ready");
  EXPECT_EQ(r.Header("Cache-Control"), "no-store");
}

TEST(OpsHandlersTest, DrainingIs503EvenWhenReadyButHealthzStaysUp) {
  ApiFixture api;
  ASSERT_EQ(api.Get("/readyz").status, 200u);
  api.ctx().draining = true;
  const auto r = api.Get("/readyz");
  EXPECT_EQ(r.status, 503u);
  EXPECT_EQ(r.Json()["detail"], "shutting down");
  EXPECT_EQ(r.Header("Retry-After"), "1");
  // A load balancer stops sending new work; the process is still alive.
  EXPECT_EQ(api.Get("/healthz").status, 200u);
}

TEST(OpsHandlersTest, MetricsArePrometheusTextWithTheRefusalCounters) {
  ApiFixtureOptions o;
  o.limits.lookup = {1, 1};
  ApiFixture api(o);
  EXPECT_EQ(api.Get("/api/v1/lookup?epic=JLW0000001").status, 200u);
  EXPECT_EQ(api.Get("/api/v1/lookup?epic=JLW0000001").status, 429u);

  const auto r = api.Get("/metrics");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.Header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r.body.find("# TYPE psm_rate_limited_total counter"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("psm_rate_limited_total{limit=\"lookup\"} 1\n"), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("psm_rate_limited_total{limit=\"login\"} 0\n"), std::string::npos)
      << r.body;
}

// The value of the unlabelled series `name` in the /metrics text, or -1 when it is not there.
double MetricValue(const std::string& text, const std::string& name) {
  const std::string line = "\n" + name + " ";
  const auto at = text.find(line);
  return at == std::string::npos ? -1 : std::stod(text.substr(at + line.size()));
}

// /metrics as soon as the series `name` has `value` (the writer rebuilds the summary on its own
// thread), or after 10 s of real time.
std::string MetricsOnce(ApiFixture& api, const std::string& name, double value) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::string text = api.Get("/metrics").body;
  while (MetricValue(text, name) != value && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    text = api.Get("/metrics").body;
  }
  return text;
}

TEST(OpsHandlersTest, MetricsSayWhetherReadyzWouldAnswer200) {
  ApiFixture api(NotReady());
  EXPECT_EQ(MetricValue(api.Get("/metrics").body, "psm_node_ready"), 0);
  api.ctx().ready = true;
  EXPECT_EQ(MetricValue(api.Get("/metrics").body, "psm_node_ready"), 1);
  api.ctx().draining = true;
  EXPECT_EQ(MetricValue(api.Get("/metrics").body, "psm_node_ready"), 0);
}

TEST(OpsHandlersTest, MetricsCarryTheDistrictTotalsOfTheLastSummary) {
  ApiFixture api;
  std::string text = api.Get("/metrics").body;
  EXPECT_NE(text.find("# TYPE psm_board_stations_stale gauge\n"), std::string::npos) << text;
  EXPECT_EQ(MetricValue(text, "psm_board_stations"), 5);
  EXPECT_EQ(MetricValue(text, "psm_board_stations_reporting"), 0);
  EXPECT_EQ(MetricValue(text, "psm_board_stations_stale"), 0);
  EXPECT_EQ(MetricValue(text, "psm_board_turnout_stations"), 0);
  EXPECT_EQ(MetricValue(text, "psm_board_votes_polled"), 0);

  const std::string officer = api.OfficerToken({34, 1});
  const std::string path = "/api/v1/stations/34-1/reports";
  ASSERT_EQ(api.Post(path, api.QueueReport(12, 9), officer).status, 201u);
  ASSERT_EQ(api.Post(path, api.TurnoutReport(50, 40), officer).status, 201u);
  api.clock().Advance(std::chrono::seconds(1));  // past the summary interval
  text = MetricsOnce(api, "psm_board_turnout_stations", 1);
  EXPECT_EQ(MetricValue(text, "psm_board_turnout_stations"), 1) << text;
  EXPECT_EQ(MetricValue(text, "psm_board_stations_reporting"), 1);
  EXPECT_EQ(MetricValue(text, "psm_board_votes_polled"), 90);
  EXPECT_EQ(MetricValue(text, "psm_board_turnout_electors"), 980);  // 34-1's electors
  EXPECT_EQ(MetricValue(text, "psm_board_stations_stale"), 0);

  // Half an hour without a queue report: the writer's next refresh finds 34-1 stale.
  api.clock().Advance(std::chrono::minutes(31));
  text = MetricsOnce(api, "psm_board_stations_stale", 1);
  EXPECT_EQ(MetricValue(text, "psm_board_stations_stale"), 1) << text;
  EXPECT_EQ(MetricValue(text, "psm_board_stations_reporting"), 0);
  EXPECT_EQ(MetricValue(text, "psm_board_stations"), 5);
  // /api/v1/district says the same.
  const auto district = api.Get("/api/v1/district").Json();
  EXPECT_EQ(district["stale_stations"], 1);
  EXPECT_EQ(district["turnout_stations"], 1);
}

TEST(OpsHandlersTest, OpenApiDocumentIsServedAsYaml) {
  ApiFixture api;
  const auto r = api.Get("/api/v1/openapi.yaml");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.Header("Content-Type"), "application/yaml; charset=utf-8");
  EXPECT_EQ(r.body, api.ctx().openapi_yaml);
}

TEST(OpsHandlersTest, MissingOpenApiDocumentIs404Problem) {
  ApiFixtureOptions o;
  o.openapi_yaml.clear();
  ApiFixture api(o);
  const auto r = api.Get("/api/v1/openapi.yaml");
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(r.ProblemReason(), "no_openapi");
}

TEST(OpsHandlersTest, OpsRoutesTakeOnlyGet) {
  ApiFixture api;
  const auto r = api.Post("/healthz", nlohmann::json::object());
  EXPECT_EQ(r.status, 405u);
  EXPECT_NE(r.Header("Allow").find("GET"), std::string::npos);
}

}  // namespace
}  // namespace psm::api
