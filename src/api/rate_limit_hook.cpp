// 429 with Retry-After in whole seconds, rounded up so a polite client never retries too soon.
#include "api/rate_limit_hook.hpp"

#include <cmath>

#include "http/problem.hpp"

namespace psm::api {

std::function<std::optional<http::Response>(http::Request&)> MakeRateLimitHook(
    auth::RateLimiter& general, auth::RateLimiter& lookup) {
  return [&general, &lookup](http::Request& req) -> std::optional<http::Response> {
    auto refuse = [](double retry_after, const char* what) {
      const auto secs = std::max<long>(1, static_cast<long>(std::ceil(retry_after)));
      return http::TooManyRequests(std::chrono::seconds(secs), what);
    };
    const auto d = general.Allow(req.client_ip);
    if (!d.allowed)
      return refuse(d.retry_after_s, "too many requests from this address; slow down");
    if (req.path() == "/api/v1/lookup") {
      const auto l = lookup.Allow(req.client_ip);
      if (!l.allowed) return refuse(l.retry_after_s, "too many EPIC look-ups from this address");
    }
    return std::nullopt;
  };
}

}  // namespace psm::api
