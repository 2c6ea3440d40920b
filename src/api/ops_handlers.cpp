// Health, readiness, metrics and the OpenAPI document.
#include "api/handler_util.hpp"
#include "api/routes.hpp"
#include "http/problem.hpp"

namespace psm::api {
namespace {

const char* RoleName(const ApiContext& ctx) {
  return ctx.is_writer.load() ? "writer" : "reader";
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
    if (ctx.draining.load()) return reply(http::Unavailable("shutting down"));
    if (!ctx.ready.load()) return reply(http::Unavailable("loading"));
    // A cluster node first reads what was committed while it loaded.
    if (!ctx.writer.caught_up()) return reply(http::Unavailable("catching up"));
    reply(Response::Json(200, std::string(R"({"status":"ready","role":")") + RoleName(ctx) + "\"}")
              .With("Cache-Control", "no-store"));
  });
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
