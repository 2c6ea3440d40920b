// Sharded token buckets.
#include "auth/rate_limiter.hpp"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace psm::auth {
namespace {

// A sweep of refilled buckets runs after this many calls on one shard, so memory held by
// clients that went away is returned even when the shard never fills.
constexpr std::uint64_t kSweepEvery = 4096;

// Refills are sums of many small float products (elapsed * rate) that can land a hair under a
// whole token; without this slack a client at exactly the allowed rate would be refused one
// request in twenty.
constexpr double kTokenEpsilon = 1e-9;

}  // namespace

RateLimiter::RateLimiter(RateLimit limit, bool enabled, const Clock& clock,
                         std::size_t max_keys_per_shard)
    : limit_(limit),
      enabled_(enabled),
      clock_(clock),
      max_keys_per_shard_(std::max<std::size_t>(max_keys_per_shard, 8)) {
  assert(!enabled_ || (limit_.rate_per_s > 0 && limit_.burst >= 1));
}

double RateLimiter::NowSeconds() const {
  return std::chrono::duration<double>(clock_.SteadyNow().time_since_epoch()).count();
}

double RateLimiter::Level(const Bucket& b, double now) const {
  const double elapsed = std::max(0.0, now - b.updated_s);
  return std::min(limit_.burst, b.tokens + elapsed * limit_.rate_per_s);
}

RateLimiter::Shard& RateLimiter::ShardFor(std::string_view key) {
  // Mix the hash before taking the top bits so the shard choice does not correlate with the
  // bucket index the map itself derives from the same hash.
  const std::uint64_t h = StringHash{}(key)*0x9E3779B97F4A7C15ULL;
  return shards_[h >> 58];  // 64 shards = top 6 bits
}
static_assert(RateLimiter::kShards == 64, "ShardFor takes the top 6 bits");

RateLimiter::Decision RateLimiter::Allow(std::string_view key) {
  if (!enabled_) return {};
  const double now = NowSeconds();  // outside the lock: the clock may be slower than the lookup
  Shard& shard = ShardFor(key);
  std::lock_guard lock(shard.mu);
  if (++shard.ops >= kSweepEvery) Sweep(shard, now);
  auto it = shard.buckets.find(key);
  if (it == shard.buckets.end()) {
    if (shard.buckets.size() >= max_keys_per_shard_) Sweep(shard, now);
    shard.buckets.emplace(std::string(key), Bucket{limit_.burst - 1, now});
    return {};
  }
  Bucket& b = it->second;
  // Two threads may read the source in one order and take the lock in the other; keep
  // updated_s monotonic so a late, older `now` is treated as no time passing.
  b.tokens = Level(b, now);
  b.updated_s = std::max(b.updated_s, now);
  if (b.tokens >= 1 - kTokenEpsilon) {
    b.tokens = std::max(0.0, b.tokens - 1);
    return {};
  }
  return {false, (1 - b.tokens) / limit_.rate_per_s};
}

RateLimiter::Decision RateLimiter::Check(std::string_view key) {
  if (!enabled_) return {};
  const double now = NowSeconds();
  Shard& shard = ShardFor(key);
  std::lock_guard lock(shard.mu);
  auto it = shard.buckets.find(key);
  if (it == shard.buckets.end()) return {};
  const double level = Level(it->second, now);
  if (level >= 1 - kTokenEpsilon) return {};
  return {false, (1 - level) / limit_.rate_per_s};
}

void RateLimiter::Charge(std::string_view key, double tokens) {
  if (!enabled_ || !(tokens > 0)) return;
  const double now = NowSeconds();
  Shard& shard = ShardFor(key);
  std::lock_guard lock(shard.mu);
  auto it = shard.buckets.find(key);
  if (it == shard.buckets.end()) {
    if (shard.buckets.size() >= max_keys_per_shard_) Sweep(shard, now);
    it = shard.buckets.emplace(std::string(key), Bucket{limit_.burst, now}).first;
  }
  Bucket& b = it->second;
  b.tokens = std::max(-kMaxDebtBursts * limit_.burst, Level(b, now) - tokens);
  b.updated_s = std::max(b.updated_s, now);
}

void RateLimiter::Sweep(Shard& shard, double now) {
  shard.ops = 0;
  std::erase_if(shard.buckets,
                [&](const auto& kv) { return Level(kv.second, now) >= limit_.burst; });
  if (shard.buckets.size() < max_keys_per_shard_) return;
  // Still full of active clients: evict the fullest eighth (closest to an absent key, so the
  // least allowance is given away) to make room in one pass rather than one scan per insert.
  using Iter = StringMap<Bucket>::iterator;
  std::vector<std::pair<double, Iter>> levels;
  levels.reserve(shard.buckets.size());
  for (auto it = shard.buckets.begin(); it != shard.buckets.end(); ++it) {
    levels.emplace_back(Level(it->second, now), it);
  }
  const std::size_t evict = std::max<std::size_t>(1, levels.size() / 8);
  std::nth_element(levels.begin(), levels.begin() + static_cast<std::ptrdiff_t>(evict - 1),
                   levels.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  // Erasing one element leaves iterators to the others valid.
  for (std::size_t i = 0; i < evict; ++i)
    shard.buckets.erase(levels[i].second);
}

std::size_t RateLimiter::KeyCount() const {
  std::size_t n = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard.mu);
    n += shard.buckets.size();
  }
  return n;
}

}  // namespace psm::auth
