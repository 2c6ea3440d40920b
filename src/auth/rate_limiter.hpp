// Token-bucket rate limits per key (a client address for look-ups and failed logins, a session
// token for authenticated requests), checked from every event-loop thread: sharded so threads
// rarely meet on a lock.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string_view>

#include "core/clock.hpp"
#include "core/string_map.hpp"

namespace psm::auth {

struct RateLimit {
  double rate_per_s = 50;  // sustained requests per second
  double burst = 100;      // bucket size: requests allowed at once after an idle spell
};

// The request budgets `psm serve` applies (docs/security.md). Cached public reads have none: they
// cost microseconds, and thousands of phones share one carrier address.
struct RateLimits {
  bool enabled = true;
  // EPIC look-ups per client address: /api/v1/lookup maps an EPIC to a station, so enumerating
  // the roll must be slow.
  RateLimit lookup{5, 20};
  // Failed logins per client address (30 a minute), so one address cannot spray PINs across
  // stations; correct logins cost nothing, so a sector's officers behind one address all get in.
  RateLimit login_failures{0.5, 30};
  // Authenticated requests per session token: an officer replaying a dead spell's reports, or a
  // control-room screen, fits easily; a stolen token cannot flood the writer.
  RateLimit token{20, 200};
};

class RateLimiter {
 public:
  struct Decision {
    bool allowed = true;
    double retry_after_s = 0;  // when refused: seconds until one request would be allowed
  };

  static constexpr std::size_t kShards = 64;
  static constexpr std::size_t kDefaultMaxKeysPerShard = 4096;

  // Buckets refill on `clock`'s SteadyNow(): rate limits are about real time, never the
  // (possibly scaled) polling day. A reading older than one already seen counts as no time
  // passing. `clock` must outlive the limiter. Memory is bounded by kShards *
  // max_keys_per_shard buckets (about 260k clients by default).
  RateLimiter(RateLimit limit, bool enabled, const Clock& clock,
              std::size_t max_keys_per_shard = kDefaultMaxKeysPerShard);

  // Takes one token from `key`'s bucket if it has one. Disabled limiters allow everything and
  // keep no state. Thread-safe; locks one of kShards mutexes for a hash lookup; never blocks
  // on I/O; allocates only the first time a key is seen.
  Decision Allow(std::string_view key);

  // Whether `key` has a token now, without taking it (a budget spent only by failures checks
  // first and spends with Allow() when one happens). Same thread-safety and cost as Allow().
  Decision Check(std::string_view key);

  // Takes `tokens` from `key`'s bucket without deciding anything: requests this limiter never
  // saw, allowed under the same budget elsewhere (another node's, shared through Redis). The
  // bucket may go below zero, a debt it refills at the usual rate, down to kMaxDebtBursts
  // bursts; a key without a bucket gets one. Same thread-safety and cost as Allow().
  void Charge(std::string_view key, double tokens);
  static constexpr double kMaxDebtBursts = 16;

  // Buckets currently held, over all shards. For tests and metrics; locks each shard in turn.
  std::size_t KeyCount() const;

 private:
  struct Bucket {
    double tokens = 0;
    double updated_s = 0;  // time `tokens` was last brought up to date
  };
  struct alignas(64) Shard {
    mutable std::mutex mu;
    StringMap<Bucket> buckets;  // guarded by mu
    std::uint64_t ops = 0;      // guarded by mu; Allow() calls since the last sweep
  };

  // The clock's SteadyNow() in seconds.
  double NowSeconds() const;
  // Tokens in `b` at time `now`, refilled and capped at the burst.
  double Level(const Bucket& b, double now) const;
  // Drops buckets that have refilled completely (they are the same as an absent key). If the
  // shard is still full, drops the fullest eighth: those clients get a fresh burst, a bounded
  // leak that only happens when more clients are active than the limiter can track.
  void Sweep(Shard& shard, double now);
  Shard& ShardFor(std::string_view key);

  const RateLimit limit_;
  const bool enabled_;
  const Clock& clock_;
  const std::size_t max_keys_per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace psm::auth
