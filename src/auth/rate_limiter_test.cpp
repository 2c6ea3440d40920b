// Token buckets on a FakeClock.
#include "auth/rate_limiter.hpp"
#include "core/testing/fake_clock.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

namespace psm::auth {
namespace {

using psm::testing::FakeClock;

// A clock tests move by hand, in (fractions of) seconds.
struct ManualTime {
  FakeClock clock{Instant{}};
  void Advance(double s) { clock.Advance(Millis(std::llround(s * 1000))); }
};

TEST(AuthRateLimiter, BurstThenRefusalWithRetryAfter) {
  ManualTime time;
  RateLimiter limiter(RateLimit{5, 20}, true, time.clock);
  for (int i = 0; i < 20; ++i)
    EXPECT_TRUE(limiter.Allow("10.0.0.1").allowed) << i;
  RateLimiter::Decision d = limiter.Allow("10.0.0.1");
  EXPECT_FALSE(d.allowed);
  EXPECT_DOUBLE_EQ(d.retry_after_s, 0.2);  // one token at 5/s
  // Another client has its own bucket.
  EXPECT_TRUE(limiter.Allow("10.0.0.2").allowed);

  time.Advance(0.1);  // half a token
  d = limiter.Allow("10.0.0.1");
  EXPECT_FALSE(d.allowed);
  EXPECT_NEAR(d.retry_after_s, 0.1, 1e-9);
}

TEST(AuthRateLimiter, RefillsOverTimeUpToTheBurst) {
  ManualTime time;
  RateLimiter limiter(RateLimit{50, 100}, true, time.clock);
  for (int i = 0; i < 100; ++i)
    ASSERT_TRUE(limiter.Allow("a").allowed);
  ASSERT_FALSE(limiter.Allow("a").allowed);

  time.Advance(0.5);  // 25 tokens
  int allowed = 0;
  while (limiter.Allow("a").allowed)
    ++allowed;
  EXPECT_EQ(allowed, 25);

  time.Advance(3600);  // refills to the burst, never beyond
  allowed = 0;
  while (limiter.Allow("a").allowed)
    ++allowed;
  EXPECT_EQ(allowed, 100);
}

TEST(AuthRateLimiter, SustainedRateIsHonoured) {
  ManualTime time;
  RateLimiter limiter(RateLimit{5, 1}, true, time.clock);
  int allowed = 0;
  for (int step = 0; step < 1000; ++step) {  // 10 s in 10 ms steps, 1 request per step
    if (limiter.Allow("x").allowed) ++allowed;
    time.Advance(0.01);
  }
  EXPECT_GE(allowed, 49);
  EXPECT_LE(allowed, 51);
}

TEST(AuthRateLimiter, TimeGoingBackwardsGrantsNothing) {
  ManualTime time;
  RateLimiter limiter(RateLimit{1, 1}, true, time.clock);
  EXPECT_TRUE(limiter.Allow("x").allowed);
  time.Advance(-100);
  EXPECT_FALSE(limiter.Allow("x").allowed);
  time.Advance(100.5);
  EXPECT_FALSE(limiter.Allow("x").allowed);
  time.Advance(0.5);
  EXPECT_TRUE(limiter.Allow("x").allowed);
}

TEST(AuthRateLimiter, DisabledAllowsEverythingAndKeepsNothing) {
  ManualTime time;
  RateLimiter limiter(RateLimit{1, 1}, false, time.clock);
  for (int i = 0; i < 1000; ++i) {
    RateLimiter::Decision d = limiter.Allow("10.0.0.1");
    ASSERT_TRUE(d.allowed);
    ASSERT_EQ(d.retry_after_s, 0);
  }
  EXPECT_EQ(limiter.KeyCount(), 0u);
}

TEST(AuthRateLimiter, ManyKeysStayBounded) {
  ManualTime time;
  constexpr std::size_t kPerShard = 16;
  RateLimiter limiter(RateLimit{1, 10}, true, time.clock, kPerShard);
  for (int i = 0; i < 100000; ++i) {
    EXPECT_TRUE(limiter.Allow("client-" + std::to_string(i)).allowed);
  }
  EXPECT_LE(limiter.KeyCount(), RateLimiter::kShards * kPerShard);
  EXPECT_GT(limiter.KeyCount(), 0u);
}

TEST(AuthRateLimiter, IdleClientsAreForgotten) {
  ManualTime time;
  RateLimiter limiter(RateLimit{10, 10}, true, time.clock);
  for (int i = 0; i < 2000; ++i)
    EXPECT_TRUE(limiter.Allow("old-" + std::to_string(i)).allowed);
  EXPECT_EQ(limiter.KeyCount(), 2000u);
  time.Advance(1.0);  // every old bucket has refilled: same as never seen, so nothing to keep
  // Enough traffic from 1,000 current clients that every shard runs its periodic sweep.
  for (int round = 0; round < 1000; ++round) {
    for (int i = 0; i < 1000; ++i)
      limiter.Allow("new-" + std::to_string(i));
  }
  EXPECT_EQ(limiter.KeyCount(), 1000u);  // the drained current clients, none of the old
}

TEST(AuthRateLimiter, ConcurrentCallersShareOneBucket) {
  ManualTime time;  // frozen: no refill, so exactly `burst` calls succeed overall
  RateLimiter limiter(RateLimit{1, 1000}, true, time.clock);
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        if (limiter.Allow("shared").allowed) ++allowed;
      }
    });
  }
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(allowed.load(), 1000);
}

TEST(AuthRateLimits, DefaultsAreTheDocumentedBudgets) {
  const RateLimits limits;  // docs/security.md; psm serve's flags default to these
  EXPECT_TRUE(limits.enabled);
  EXPECT_EQ(limits.lookup.rate_per_s, 5);
  EXPECT_EQ(limits.lookup.burst, 20);
  EXPECT_EQ(limits.login_failures.rate_per_s * 60, 30);
  EXPECT_EQ(limits.login_failures.burst, 30);
  EXPECT_EQ(limits.token.rate_per_s, 20);
  EXPECT_EQ(limits.token.burst, 200);
}

TEST(AuthRateLimiter, CheckLooksWithoutTaking) {
  ManualTime time;
  RateLimiter limiter(RateLimit{1, 3}, true, time.clock);
  for (int i = 0; i < 10; ++i)
    EXPECT_TRUE(limiter.Check("10.0.0.1").allowed) << "checking spends nothing";
  EXPECT_EQ(limiter.KeyCount(), 0u) << "an unseen key is not stored by a check";
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(limiter.Allow("10.0.0.1").allowed);
  const RateLimiter::Decision d = limiter.Check("10.0.0.1");
  EXPECT_FALSE(d.allowed);
  EXPECT_NEAR(d.retry_after_s, 1.0, 1e-9);
  time.Advance(1.0);
  EXPECT_TRUE(limiter.Check("10.0.0.1").allowed);
  EXPECT_TRUE(limiter.Check("10.0.0.1").allowed);
  EXPECT_TRUE(limiter.Allow("10.0.0.1").allowed);
  EXPECT_FALSE(limiter.Check("10.0.0.1").allowed);
}

TEST(AuthRateLimiter, ChargedTokensAreADebtRepaidAtTheRate) {
  ManualTime time;
  RateLimiter limiter(RateLimit{5, 20}, true, time.clock);
  limiter.Charge("10.0.0.1", 15);  // another node's hits, for a key this one has not seen
  for (int i = 0; i < 5; ++i)
    EXPECT_TRUE(limiter.Allow("10.0.0.1").allowed) << i;
  EXPECT_FALSE(limiter.Allow("10.0.0.1").allowed);

  limiter.Charge("10.0.0.1", 10);  // 10 tokens owed: 2 s at 5 a second before one is back
  RateLimiter::Decision d = limiter.Check("10.0.0.1");
  EXPECT_FALSE(d.allowed);
  EXPECT_NEAR(d.retry_after_s, 2.2, 1e-9);
  time.Advance(2.0);
  EXPECT_FALSE(limiter.Allow("10.0.0.1").allowed);
  time.Advance(0.2);
  EXPECT_TRUE(limiter.Allow("10.0.0.1").allowed);

  limiter.Charge("10.0.0.2", 1e9);  // a debt is bounded, so a bad count cannot lock out for ever
  d = limiter.Check("10.0.0.2");
  EXPECT_NEAR(d.retry_after_s, (RateLimiter::kMaxDebtBursts * 20 + 1) / 5, 1e-6);
}

TEST(AuthRateLimiter, ChargingADisabledLimiterKeepsNothing) {
  ManualTime time;
  RateLimiter limiter(RateLimit{1, 1}, false, time.clock);
  limiter.Charge("10.0.0.1", 100);
  EXPECT_TRUE(limiter.Allow("10.0.0.1").allowed);
  EXPECT_EQ(limiter.KeyCount(), 0u);
}

TEST(AuthRateLimiter, RefillsOnARealClock) {
  SystemClock clock;
  RateLimiter limiter(RateLimit{1000, 1}, true, clock);
  EXPECT_TRUE(limiter.Allow("x").allowed);
  // One token comes back within a millisecond of real time; the steady clock moves forward.
  const SteadyTime start = clock.SteadyNow();
  while (!limiter.Check("x").allowed)
    ASSERT_LT(clock.SteadyNow() - start, std::chrono::seconds(10));
  EXPECT_TRUE(limiter.Allow("x").allowed);
}

}  // namespace
}  // namespace psm::auth
