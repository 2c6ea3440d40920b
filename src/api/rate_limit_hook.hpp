// The before-dispatch hook that applies per-client rate limits: a general bucket for every
// request and a stricter one for /lookup, so the roll cannot be enumerated.
#pragma once

#include <functional>
#include <optional>

#include "auth/rate_limiter.hpp"
#include "http/request.hpp"
#include "http/response.hpp"

namespace psm::api {

// `general` and `lookup` must outlive the returned hook. Runs on event-loop threads; never blocks.
std::function<std::optional<http::Response>(http::Request&)> MakeRateLimitHook(
    auth::RateLimiter& general, auth::RateLimiter& lookup);

}  // namespace psm::api
