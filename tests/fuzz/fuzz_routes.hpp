// The API's route patterns on a router whose handlers do nothing, for the HTTP fuzz targets.
#pragma once

#include "http/router.hpp"

namespace psm::fuzz {

inline http::Router ApiRouter() {
  using verb = boost::beast::http::verb;
  http::Router router;
  const auto none = [](http::Request&, http::Reply) {};
  for (const char* path :
       {"/healthz", "/readyz", "/metrics", "/api/v1/district", "/api/v1/constituencies",
        "/api/v1/stations", "/api/v1/stations/{id}", "/api/v1/stations/{id}/timeline",
        "/api/v1/lookup", "/api/v1/turnout", "/api/v1/turnout.csv", "/api/v1/events",
        "/api/v1/alerts", "/api/v1/audit", "/api/v1/audit.csv", "/api/v1/reports.csv"})
    router.Add(verb::get, path, none);
  for (const char* path : {"/api/v1/sessions", "/api/v1/reports/batch",
                           "/api/v1/stations/{id}/reports", "/api/v1/stations/{id}/pin",
                           "/api/v1/stations/{id}/turnout-unlock", "/api/v1/alerts/{id}/ack"})
    router.Add(verb::post, path, none);
  router.Add(verb::delete_, "/api/v1/sessions/current", none);
  return router;
}

}  // namespace psm::fuzz
