// Everything the HTTP handlers need, wired once by `psm serve`. Handlers hold a reference; the
// context outlives the server.
#pragma once

#include <atomic>
#include <chrono>
#include <string>

#include "api/blocking_pool.hpp"
#include "api/request_limits.hpp"
#include "auth/login_throttle.hpp"
#include "auth/session_cache.hpp"
#include "board/board.hpp"
#include "board/elector_index.hpp"
#include "core/clock.hpp"
#include "http/cidr.hpp"
#include "http/metrics.hpp"
#include "http/prepared_response.hpp"
#include "http/sse.hpp"
#include "writer/writer.hpp"

namespace psm::api {

struct ApiOptions {
  std::chrono::milliseconds session_ttl{std::chrono::hours(16)};
  int station_cache_max_age_s = 10;
  // The server's default headers, so prepared answers carry them too (see StationAnswers).
  http::DefaultHeaders default_headers;
  std::size_t batch_body_limit = 1024 * 1024;
  // When not empty, an admin token is accepted only from these networks (PSM_ADMIN_CIDRS).
  std::vector<http::Cidr> admin_cidrs;
};

struct ApiContext {
  Board& board;
  const ElectorIndex& electors;
  Writer& writer;
  const Clock& clock;       // the polling day's clock (scaled in demos)
  const Clock& real_clock;  // wall time, for security: sessions, lockouts
  http::SseHub& hub;
  http::Metrics& metrics;
  auth::SessionCache& sessions;
  auth::LoginThrottle& pin_throttle;
  auth::LoginThrottle& password_throttle;
  RequestLimits& limits;  // look-ups and failed logins per address, requests per token
  BlockingPool& pool;
  ApiOptions options;
  std::string openapi_yaml;
  std::atomic<bool> ready{false};
  std::atomic<bool> draining{false};
};

}  // namespace psm::api
