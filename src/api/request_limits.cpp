// Each refusal says which limit it hit and how much that limit allows, so an operator reading a
// client's complaint, or the client itself, knows what to change.
#include "api/request_limits.hpp"

#include <cmath>
#include <string>

#include <fmt/format.h>

namespace psm::api {
namespace {

// Whole seconds, rounded up so a polite client never retries too soon; at least 1.
std::chrono::seconds RetryAfter(double seconds) {
  return std::chrono::seconds(std::max<long>(1, static_cast<long>(std::ceil(seconds))));
}

// "5 a second" / "30 a minute": the way a person would state the budget.
std::string Rate(const auth::RateLimit& l) {
  if (l.rate_per_s >= 1) return fmt::format("{:g} a second", l.rate_per_s);
  return fmt::format("{:g} a minute", l.rate_per_s * 60);
}

// How long a node keeps following a client's shared count after the last hit it saw or was
// charged: the time its bucket takes to refill from empty, after which nothing older matters.
std::chrono::milliseconds RefillTime(const auth::RateLimit& l) {
  return std::chrono::milliseconds(
      static_cast<long long>(std::ceil(l.burst / l.rate_per_s * 1000)));
}

// Shares `limiter`'s hits under `name`: the other nodes' hits are charged to it.
std::unique_ptr<redis::SharedCounts::Budget> Share(redis::SharedCounts& shared, const char* name,
                                                   const auth::RateLimit& limit,
                                                   auth::RateLimiter& limiter) {
  return shared.AddBudget(name, RefillTime(limit), [&limiter](std::string_view key, long long n) {
    limiter.Charge(key, static_cast<double>(n));
  });
}

}  // namespace

RequestLimits::RequestLimits(const auth::RateLimits& limits, http::LimitRefusals& refusals,
                             const Clock& clock, redis::SharedCounts* shared)
    : limits_(limits),
      refusals_(refusals),
      lookup_(limits.lookup, limits.enabled, clock),
      login_failures_(limits.login_failures, limits.enabled, clock),
      token_(limits.token, limits.enabled, clock) {
  if (shared == nullptr || !limits.enabled) return;
  shared_lookup_ = Share(*shared, "lookup", limits.lookup, lookup_);
  shared_login_failures_ = Share(*shared, "login_failures", limits.login_failures, login_failures_);
}

std::optional<http::Response> RequestLimits::Lookup(std::string_view client_key) {
  const auto d = lookup_.Allow(client_key);
  if (d.allowed) {
    if (shared_lookup_) shared_lookup_->Hit(client_key);
    return std::nullopt;
  }
  const auto wait = RetryAfter(d.retry_after_s);
  return refusals_.Refuse(
      http::Limit::kLookup, wait,
      fmt::format("Too many EPIC look-ups from this address (limit: lookup, {} in bursts of {:g}); "
                  "retry in {} s.",
                  Rate(limits_.lookup), limits_.lookup.burst, wait.count()));
}

std::optional<http::Response> RequestLimits::Login(std::string_view client_key) {
  const auto d = login_failures_.Check(client_key);
  if (d.allowed) return std::nullopt;
  const auto wait = RetryAfter(d.retry_after_s);
  return refusals_.Refuse(
      http::Limit::kLogin, wait,
      fmt::format("Too many failed logins from this address (limit: login, {} failures); "
                  "retry in {} s.",
                  Rate(limits_.login_failures), wait.count()));
}

void RequestLimits::LoginFailed(std::string_view client_key) {
  // Spends one failure; a refusal here changes nothing (and is not shared).
  if (login_failures_.Allow(client_key).allowed && shared_login_failures_) {
    shared_login_failures_->Hit(client_key);
  }
}

Status RequestLimits::Token(std::string_view token_hash) {
  const auto d = token_.Allow(token_hash);
  if (d.allowed) return {};
  refusals_.Count(http::Limit::kToken);
  const auto wait = RetryAfter(d.retry_after_s);
  Error e = Error::Locked(
      "rate_limited_token",
      fmt::format("Too many requests with this login (limit: token, {} in bursts of {:g}); "
                  "retry in {} s.",
                  Rate(limits_.token), limits_.token.burst, wait.count()));
  e.retry_after = wait;
  return e;
}

}  // namespace psm::api
