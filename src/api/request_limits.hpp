// The request budgets of docs/security.md that the API applies: EPIC look-ups and failed logins
// per client address, authenticated requests per session token. Each refusal is a 429 that names
// its limit and is counted in psm_rate_limited_total.
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "auth/rate_limiter.hpp"
#include "core/result.hpp"
#include "http/limit_refusals.hpp"
#include "http/response.hpp"
#include "redis/shared_counts.hpp"

namespace psm::api {

// Thread-safe: every method may be called from any event-loop or pool thread; none blocks.
class RequestLimits {
 public:
  // `refusals` and `clock` must outlive this object; budgets refill on clock.SteadyNow(). With
  // `limits.enabled` false nothing is ever refused.
  //
  // `shared` (optional; it must outlive this object) shares the look-up and failed-login budgets
  // with the cluster's other nodes through Redis (redis/shared_counts.hpp): each request is still
  // decided here at once, and the other nodes' hits are taken from these buckets as they are
  // learnt, about a sync interval late. Without it, or while Redis is down, each node keeps its
  // own budgets. The per-token budget stays per node: a token is a login that already passed
  // the shared failed-login budget, and N times its budget still bounds a stolen one.
  RequestLimits(const auth::RateLimits& limits, http::LimitRefusals& refusals, const Clock& clock,
                redis::SharedCounts* shared = nullptr);

  // An EPIC look-up from `client_key` (see Request::client_key): nullopt when allowed (one
  // token spent), else the 429 to send.
  std::optional<http::Response> Lookup(std::string_view client_key);

  // Before a login from `client_key` is verified: nullopt while the address has failed logins
  // left to spend, else the 429 to send. Correct logins spend nothing.
  std::optional<http::Response> Login(std::string_view client_key);
  // A wrong PIN or password (or an unknown user or station) from `client_key`.
  void LoginFailed(std::string_view client_key);
  // Counts a refusal by the per-station or per-user back-off, which the login handler answers.
  void CountLockout() { refusals_.Count(http::Limit::kLogin); }

  // An authenticated request under the session whose token hashes to `token_hash`: Ok, or
  // kLocked with reason "rate_limited_token" and retry_after set.
  Status Token(std::string_view token_hash);

 private:
  const auth::RateLimits limits_;
  http::LimitRefusals& refusals_;
  auth::RateLimiter lookup_;
  auth::RateLimiter login_failures_;
  auth::RateLimiter token_;
  // Declared after the limiters their callbacks charge, so destroyed before them.
  std::unique_ptr<redis::SharedCounts::Budget> shared_lookup_;
  std::unique_ptr<redis::SharedCounts::Budget> shared_login_failures_;
};

}  // namespace psm::api
