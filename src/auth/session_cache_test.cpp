// Session cache: lookups, expiry, erasure and concurrent use.
#include "auth/session_cache.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "auth/token.hpp"

namespace psm::auth {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

const Instant kNow{Millis(1'764'470'000'000)};

Principal OfficerUntil(int part, Instant expires) {
  return Principal{Role::kOfficer, StationId{34, part}, "", {}, expires};
}

TEST(AuthSessionCache, PutFindErase) {
  SessionCache cache;
  const std::string h = TokenHash(NewToken());
  EXPECT_FALSE(cache.Find(h, kNow).has_value());
  cache.Put(h, OfficerUntil(112, kNow + hours(12)));
  auto p = cache.Find(h, kNow);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->role, Role::kOfficer);
  EXPECT_EQ(p->station, (StationId{34, 112}));
  EXPECT_FALSE(cache.Find(TokenHash(NewToken()), kNow).has_value());
  EXPECT_TRUE(cache.Erase(h));
  EXPECT_FALSE(cache.Erase(h));
  EXPECT_FALSE(cache.Find(h, kNow).has_value());
}

TEST(AuthSessionCache, ExpiredSessionsAreErasedLazily) {
  SessionCache cache;
  cache.Put("h1", OfficerUntil(1, kNow + minutes(10)));
  EXPECT_TRUE(cache.Find("h1", kNow + minutes(10) - Millis(1)).has_value());
  EXPECT_FALSE(cache.Find("h1", kNow + minutes(10)).has_value());  // expires_at is exclusive
  EXPECT_EQ(cache.Size(), 0u);
}

TEST(AuthSessionCache, PutReplaces) {
  SessionCache cache;
  cache.Put("h1", OfficerUntil(1, kNow + minutes(1)));
  cache.Put("h1", OfficerUntil(2, kNow + hours(1)));
  auto p = cache.Find("h1", kNow + minutes(30));
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->station->part, 2);
  EXPECT_EQ(cache.Size(), 1u);
}

TEST(AuthSessionCache, PurgeExpired) {
  SessionCache cache;
  for (int i = 0; i < 10; ++i) {
    cache.Put("h" + std::to_string(i), OfficerUntil(i, kNow + minutes(i)));
  }
  EXPECT_EQ(cache.PurgeExpired(kNow + minutes(4)), 5u);  // expiries 0..4 minutes
  EXPECT_EQ(cache.Size(), 5u);
  EXPECT_FALSE(cache.Find("h4", kNow).has_value());
  EXPECT_TRUE(cache.Find("h5", kNow).has_value());
}

TEST(AuthSessionCache, EraseIfRevokesAStationsSessions) {
  SessionCache cache;
  cache.Put("a", OfficerUntil(112, kNow + hours(1)));
  cache.Put("b", OfficerUntil(112, kNow + hours(1)));
  cache.Put("c", OfficerUntil(113, kNow + hours(1)));
  const StationId reset{34, 112};
  EXPECT_EQ(cache.EraseIf([&](const Principal& p) { return p.station == reset; }), 2u);
  EXPECT_FALSE(cache.Find("a", kNow).has_value());
  EXPECT_TRUE(cache.Find("c", kNow).has_value());
}

TEST(AuthSessionCache, ConcurrentReadersAndWriters) {
  SessionCache cache;
  for (int i = 0; i < 100; ++i)
    cache.Put("keep" + std::to_string(i), OfficerUntil(i, kNow + hours(1)));
  std::atomic<int> misses{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20000; ++i) {
        if (!cache.Find("keep" + std::to_string(i % 100), kNow)) ++misses;
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 5000; ++i) {
      const std::string h = "tmp" + std::to_string(i);
      cache.Put(h, OfficerUntil(1, kNow + minutes(1)));
      cache.Find(h, kNow + minutes(2));  // expired: erased lazily
      if (i % 100 == 0) cache.PurgeExpired(kNow + minutes(2));
    }
  });
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(misses.load(), 0);
  EXPECT_EQ(cache.Size(), 100u);
}

}  // namespace
}  // namespace psm::auth
