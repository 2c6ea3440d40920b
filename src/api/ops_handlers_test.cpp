// ops_handlers: liveness, readiness (loading, ready, draining), metrics and the OpenAPI document.
#include <gtest/gtest.h>

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
