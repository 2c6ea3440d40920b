// Health, readiness, metrics (with readiness and the board's district totals) and the OpenAPI
// document.
#include "api/handler_util.hpp"
#include "api/routes.hpp"
#include "http/problem.hpp"

namespace psm::api {
namespace {

const char* RoleName(const ApiContext& ctx) {
  return ctx.is_writer.load() ? "writer" : "reader";
}

// Why /readyz answers 503, or nullptr when the node is ready.
const char* NotReadyBecause(const ApiContext& ctx) {
  if (ctx.draining.load()) return "shutting down";
  if (!ctx.ready.load()) return "loading";
  // A cluster node first reads what was committed while it loaded.
  if (!ctx.writer.caught_up()) return "catching up";
  return nullptr;
}

// The district's totals as the last summary has them (0 before the first), read at render time:
// what the control room watches, for Prometheus.
void AddBoardMetrics(http::Metrics& metrics, const Board& board) {
  const auto counted = [&board](auto field) {
    return [&board, field] {
      const auto summary = board.summary();
      return summary ? static_cast<double>(summary->counts.*field) : 0.0;
    };
  };
  metrics.AddCallbackGauge("psm_board_stations", "polling stations on the board",
                           [&board] { return static_cast<double>(board.size()); });
  metrics.AddCallbackGauge("psm_board_stations_reporting",
                           "stations whose latest queue report is not stale",
                           counted(&DistrictCounts::reporting_stations));
  metrics.AddCallbackGauge("psm_board_stations_stale",
                           "stations with no fresh queue report while their poll is not closed",
                           counted(&DistrictCounts::stale_stations));
  metrics.AddCallbackGauge("psm_board_turnout_stations", "stations that reported votes polled",
                           counted(&DistrictCounts::turnout_stations));
  metrics.AddCallbackGauge("psm_board_votes_polled",
                           "votes polled at the stations that reported turnout",
                           counted(&DistrictCounts::votes_polled));
  metrics.AddCallbackGauge(
      "psm_board_turnout_electors",
      "electors of the stations that reported turnout (turnout = votes polled / these)",
      counted(&DistrictCounts::turnout_electors));
}

}  // namespace

std::optional<http::Response> RefuseUnlessWriter(const ApiContext& ctx) {
  if (ctx.is_writer.load()) return std::nullopt;
  return http::ProblemFor(NotWriterError(), std::chrono::seconds(1));
}

void AddOpsRoutes(http::Router& router, ApiContext& ctx) {
  // Liveness: the process answers. Readiness: the board is loaded and we are not draining.
  // Both say the node's role in the cluster ("writer" or "reader").
  router.Add(verb::get, "/healthz", [&ctx](Request&, Reply reply) {
    reply(Response::Json(200, std::string(R"({"status":"ok","role":")") + RoleName(ctx) + "\"}")
              .With("Cache-Control", "no-store"));
  });
  router.Add(verb::get, "/readyz", [&ctx](Request&, Reply reply) {
    if (const char* why = NotReadyBecause(ctx)) return reply(http::Unavailable(why));
    reply(Response::Json(200, std::string(R"({"status":"ready","role":")") + RoleName(ctx) + "\"}")
              .With("Cache-Control", "no-store"));
  });
  ctx.metrics.AddCallbackGauge("psm_node_ready",
                               "1 while /readyz answers 200 (loaded, caught up, not shutting down)",
                               [&ctx] { return NotReadyBecause(ctx) == nullptr ? 1.0 : 0.0; });
  AddBoardMetrics(ctx.metrics, ctx.board);
  router.Add(verb::get, "/metrics", [&ctx](Request&, Reply reply) {
    reply(Response::Text(200, ctx.metrics.Render(), "text/plain; version=0.0.4; charset=utf-8"));
  });
  router.Add(verb::get, "/api/v1/openapi.yaml", [&ctx](Request&, Reply reply) {
    if (ctx.openapi_yaml.empty())
      return reply(
          http::ProblemFor(Error::NotFound("no_openapi", "the OpenAPI document was not found")));
    reply(Response::Text(200, ctx.openapi_yaml, "application/yaml; charset=utf-8"));
  });
}

}  // namespace psm::api
