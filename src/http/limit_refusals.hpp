// The limits of docs/security.md by name, and psm_rate_limited_total{limit}: every 429 a limit
// answers is counted under that limit and names it in its problem's type and detail.
#pragma once

#include <array>
#include <chrono>
#include <string>
#include <string_view>

#include "http/metrics.hpp"
#include "http/response.hpp"

namespace psm::http {

enum class Limit {
  kLookup,       // EPIC look-ups per client address
  kLogin,        // failed logins per client address, and the per-station/per-user back-off
  kConnections,  // open connections per client address
  kStreams,      // open event streams per client address
  kToken,        // authenticated requests per session token
};
inline constexpr std::size_t kLimitCount = 5;

// "lookup", "login", "connections", "streams", "token".
std::string_view LimitName(Limit limit);

class LimitRefusals {
 public:
  // Registers psm_rate_limited_total with a series per limit, each starting at 0.
  explicit LimitRefusals(Metrics& metrics);

  // Counts one refusal by `limit`. Thread-safe; never blocks.
  void Count(Limit limit);
  // Counts one refusal and returns its 429: type ".../rate_limited_<name>", `detail`, and
  // Retry-After of `retry_after` (at least 1 s).
  Response Refuse(Limit limit, std::chrono::seconds retry_after, std::string detail);

 private:
  std::array<Counter*, kLimitCount> series_{};
};

}  // namespace psm::http
