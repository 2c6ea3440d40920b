// Everything the HTTP handlers need, wired once by `psm serve`. Handlers hold a reference; the
// context outlives the server.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "api/blocking_pool.hpp"
#include "api/request_limits.hpp"
#include "auth/guess_throttle.hpp"
#include "auth/session_cache.hpp"
#include "board/board.hpp"
#include "board/elector_index.hpp"
#include "core/clock.hpp"
#include "http/cidr.hpp"
#include "http/metrics.hpp"
#include "http/prepared_response.hpp"
#include "http/response.hpp"
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
  std::size_t pin_digits = 8;  // of a PIN made by a reset (PSM_PIN_DIGITS)
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
  auth::GuessThrottle& pin_throttle;       // keyed by station, per client address
  auth::GuessThrottle& password_throttle;  // keyed by user name, per client address
  RequestLimits& limits;  // look-ups and failed logins per address, requests per token
  BlockingPool& pool;
  ApiOptions options;
  std::string openapi_yaml;
  std::atomic<bool> ready{false};
  std::atomic<bool> draining{false};
  // Whether this node holds the cluster's writer role (always, on SQLite). A node without it
  // answers every write 503 "not_writer" with Retry-After: 1 instead of forwarding it: nginx's
  // `proxy_next_upstream error timeout http_503 non_idempotent` then sends the same request to
  // another node, reports and commands carry their own ids or are safe to repeat (a retried
  // report is answered as a repeat), and no node needs to know which one is the writer.
  std::atomic<bool> is_writer{true};
  // Called (on a pool thread) after a session was stored or ended, so a cluster's other nodes
  // are told at once rather than at their next read of the feed. Empty: nobody to tell.
  std::function<void()> sessions_changed;
};

// The answer to a write on a node that is not the writer, or nullopt when it is.
std::optional<http::Response> RefuseUnlessWriter(const ApiContext& ctx);

}  // namespace psm::api
