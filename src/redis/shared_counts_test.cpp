// Shared budgets against a real redis-server: nodes that each decide on their own buckets, on one
// FakeClock, do not multiply a budget; a node is charged what the others allowed; a node without
// Redis falls back to its own budget and shares again when Redis is back.
#include "redis/shared_counts.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <thread>

#include "auth/rate_limiter.hpp"
#include "core/testing/fake_clock.hpp"
#include "redis/testing/redis_server.hpp"

namespace psm::redis {
namespace {

using auth::RateLimit;
using auth::RateLimiter;
using psm::testing::FakeClock;
using psm::testing::RedisServer;
using std::chrono::milliseconds;
using Steady = std::chrono::steady_clock;

constexpr std::string_view kClient = "198.51.100.7";

// One psm node's view of one budget: its own limiter, shared through its own SharedCounts.
struct Node {
  Node(const std::string& url, const Clock& clock, RateLimit limit, std::size_t max_keys,
       const Clock* recency_clock)
      : limiter(limit, true, clock) {
    SharedCountsOptions options;
    options.max_keys = max_keys;
    options.recency_clock = recency_clock;
    auto made = SharedCounts::Create(url, clock, options);
    EXPECT_TRUE(made.ok());
    counts = std::move(*made);
    const auto follow = milliseconds(static_cast<long long>(limit.burst / limit.rate_per_s * 1000));
    budget = counts->AddBudget("lookup", follow, [this](std::string_view key, long long n) {
      limiter.Charge(key, static_cast<double>(n));
    });
  }
  // As RequestLimits does: decide locally, record what was allowed.
  bool Hit(std::string_view key) {
    if (!limiter.Allow(key).allowed) return false;
    budget->Hit(key);
    return true;
  }
  bool WouldAllow(std::string_view key) { return limiter.Check(key).allowed; }

  RateLimiter limiter;
  std::unique_ptr<SharedCounts> counts;
  std::unique_ptr<SharedCounts::Budget> budget;  // destroyed first: it charges `limiter`
};

class RedisSharedCountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = RedisServer::Start();
    ASSERT_TRUE(started.ok()) << started.error().detail;
    server_ = std::move(*started);
  }
  // A node on the test's clock; recent hits are those of the last 1-2 s of that clock too
  // (Redis' own clock, as in production, with `redis_recency`).
  std::unique_ptr<Node> MakeNode(RateLimit limit, std::size_t max_keys = 65536,
                                 bool redis_recency = false) {
    return std::make_unique<Node>(server_->Url(), clock_, limit, max_keys,
                                  redis_recency ? nullptr : &clock_);
  }
  void SyncAll(const std::vector<std::unique_ptr<Node>>& nodes) {
    for (const auto& n : nodes) {
      const Status s = n->counts->Sync();
      ASSERT_TRUE(s.ok()) << s.error().detail;
    }
  }
  // Every node gets 5 requests from kClient every 10 ms (faster than any bucket lasts) for
  // `seconds`, and syncs every 100 ms; returns how many the cluster allowed.
  int Flood(const std::vector<std::unique_ptr<Node>>& nodes, int seconds) {
    int allowed = 0;
    for (int step = 1; step <= seconds * 100; ++step) {
      for (const auto& n : nodes) {
        for (int i = 0; i < 5; ++i)
          allowed += n->Hit(kClient) ? 1 : 0;
      }
      clock_.Advance(milliseconds(10));
      if (step % 10 == 0) SyncAll(nodes);
    }
    return allowed;
  }

  FakeClock clock_{Instant{}};
  std::unique_ptr<RedisServer> server_;
};

TEST_F(RedisSharedCountsTest, ThreeNodesDoNotMultiplyTheBudget) {
  const RateLimit limit{5, 20};
  std::vector<std::unique_ptr<Node>> nodes;
  for (int i = 0; i < 3; ++i)
    nodes.push_back(MakeNode(limit));

  // 10 s of a client flooding all three nodes. Alone, each node would allow 20 + 5 * 10 = 70:
  // 210 in all. Shared, the burst may multiply once (3 * 20) but the rate does not (5 * 10).
  const int first = Flood(nodes, 10);
  EXPECT_LE(first, 3 * 20 + 5 * 10 + 10);
  EXPECT_GE(first, 20 + 5 * 10 - 5) << "the cluster still gets its budget";

  // Then, with every bucket in step, 20 s more: the cluster gets the rate once (100), not three
  // times (300); the slack is what each node can spend within one sync interval.
  const int steady = Flood(nodes, 20);
  EXPECT_LE(steady, 5 * 20 + 10);
  EXPECT_GE(steady, 5 * 20 - 10);

  EXPECT_TRUE(nodes[0]->Hit("203.0.113.9")) << "another client has its own budget";
  for (const auto& n : nodes)
    EXPECT_TRUE(n->counts->connected());
}

TEST_F(RedisSharedCountsTest, ANodeIsChargedWhatTheOthersAllowed) {
  const RateLimit limit{0.5, 20};  // refills slowly: what a test sees is what was charged
  auto a = MakeNode(limit);
  auto b = MakeNode(limit);
  ASSERT_TRUE(a->Hit(kClient));
  ASSERT_TRUE(a->counts->Sync().ok());
  for (int i = 0; i < 19; ++i)
    ASSERT_TRUE(b->Hit(kClient));
  ASSERT_TRUE(b->counts->Sync().ok());
  EXPECT_FALSE(b->WouldAllow(kClient)) << "b learnt of a's hit: the budget is spent";

  // a has not hit the key again: as far as it knows only it serves this client, so it reads
  // the count once a second, not every interval.
  clock_.Advance(milliseconds(500));
  ASSERT_TRUE(a->counts->Sync().ok());
  EXPECT_TRUE(a->WouldAllow(kClient));
  clock_.Advance(milliseconds(500));
  ASSERT_TRUE(a->counts->Sync().ok());
  EXPECT_FALSE(a->WouldAllow(kClient)) << "a was charged b's 19 hits without a hit of its own";

  // Now that a knows another node serves the client, it follows the key every interval.
  clock_.Advance(milliseconds(2000));  // one token back on each node
  ASSERT_TRUE(b->Hit(kClient));
  ASSERT_TRUE(b->counts->Sync().ok());
  ASSERT_TRUE(a->WouldAllow(kClient));
  clock_.Advance(milliseconds(100));
  ASSERT_TRUE(a->counts->Sync().ok());
  EXPECT_FALSE(a->WouldAllow(kClient)) << "b's latest hit reached a within one interval";
}

// The second of Redis' own clock, which the shared counts use to tell recent hits.
long long RedisSecond(const std::string& url, const Clock& clock) {
  auto parsed = RedisUrl::Parse(url);
  Connection conn(*parsed, clock);
  auto t = conn.Command({"TIME"});
  EXPECT_TRUE(t.ok());
  return t.ok() ? std::stoll(t->elements[0].text) : 0;
}

TEST_F(RedisSharedCountsTest, ANewNodeIsChargedRecentHitsOnly) {
  const RateLimit limit{0.5, 20};
  auto busy = MakeNode(limit);
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(busy->Hit(kClient));
  ASSERT_TRUE(busy->counts->Sync().ok());

  clock_.Advance(milliseconds(900));
  auto newcomer = MakeNode(limit);  // its first hit on the client comes a moment later
  ASSERT_TRUE(newcomer->Hit(kClient));
  ASSERT_TRUE(newcomer->counts->Sync().ok());
  EXPECT_FALSE(newcomer->WouldAllow(kClient)) << "the other node's hits of a moment ago count";

  // Hits of seconds ago are not charged to a node that meets the client only now: a carrier
  // address's counter may hold hours of hits, long since refilled.
  clock_.Advance(milliseconds(2000));
  auto late = MakeNode(limit);
  ASSERT_TRUE(late->Hit(kClient));
  ASSERT_TRUE(late->counts->Sync().ok());
  EXPECT_TRUE(late->WouldAllow(kClient));
  for (int i = 0; i < 19; ++i)
    EXPECT_TRUE(late->Hit(kClient)) << i;
  EXPECT_FALSE(late->Hit(kClient)) << "its own budget, and nothing more";
}

TEST_F(RedisSharedCountsTest, RecentMeansBySecondsOfRedisOwnClock) {
  const RateLimit limit{0.5, 20};
  auto busy = MakeNode(limit, 65536, /*redis_recency=*/true);
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(busy->Hit(kClient));
  ASSERT_TRUE(busy->counts->Sync().ok());
  const long long then = RedisSecond(server_->Url(), clock_);

  auto newcomer = MakeNode(limit, 65536, true);
  ASSERT_TRUE(newcomer->Hit(kClient));
  ASSERT_TRUE(newcomer->counts->Sync().ok());
  EXPECT_FALSE(newcomer->WouldAllow(kClient)) << "the other node's hits of this second count";

  // Two seconds later by Redis' clock (the nodes' clock has not moved), they are old.
  const auto deadline = Steady::now() + std::chrono::seconds(10);
  while (RedisSecond(server_->Url(), clock_) < then + 2) {
    ASSERT_LT(Steady::now(), deadline);
    std::this_thread::sleep_for(milliseconds(50));
  }
  auto late = MakeNode(limit, 65536, true);
  ASSERT_TRUE(late->Hit(kClient));
  ASSERT_TRUE(late->counts->Sync().ok());
  EXPECT_TRUE(late->WouldAllow(kClient));
}

TEST_F(RedisSharedCountsTest, WithoutRedisEachNodeKeepsItsOwnBudgetUntilRedisIsBack) {
  const RateLimit limit{0.5, 10};
  auto a = MakeNode(limit);
  auto b = MakeNode(limit);
  server_->Stop();
  int allowed = 0;
  for (int i = 0; i < 30; ++i)
    allowed += (a->Hit(kClient) ? 1 : 0) + (b->Hit(kClient) ? 1 : 0);
  EXPECT_EQ(allowed, 2 * 10) << "at worst the budget times the nodes, never unlimited";
  const Status down = a->counts->Sync();
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().code, ErrorCode::kUnavailable);
  EXPECT_FALSE(a->counts->connected());
  EXPECT_FALSE(b->counts->Sync().ok());
  ASSERT_TRUE(a->Hit("192.0.2.1"));  // something to send
  const auto start = Steady::now();
  EXPECT_FALSE(a->counts->Sync().ok());
  EXPECT_LT(Steady::now() - start, milliseconds(20)) << "a sync in the backoff does no I/O";

  ASSERT_TRUE(server_->Restart().ok());
  clock_.Advance(milliseconds(1000));  // past the connection's backoff
  ASSERT_TRUE(a->counts->Sync().ok());
  ASSERT_TRUE(b->counts->Sync().ok());
  EXPECT_TRUE(a->counts->connected());

  // Shared again: a spends a fresh client's budget; b allows its first hit (it cannot know yet)
  // and, once synced, nothing more.
  constexpr std::string_view kFresh = "192.0.2.44";
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(a->Hit(kFresh));
  ASSERT_TRUE(a->counts->Sync().ok());
  ASSERT_TRUE(b->Hit(kFresh));
  ASSERT_TRUE(b->counts->Sync().ok());
  EXPECT_FALSE(b->WouldAllow(kFresh));
}

TEST_F(RedisSharedCountsTest, KeysHeldAreBounded) {
  auto node = MakeNode(RateLimit{5, 20}, /*max_keys=*/50);
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 200; ++i)
      node->Hit("client-" + std::to_string(round) + "-" + std::to_string(i));
    ASSERT_TRUE(node->counts->Sync().ok());
    EXPECT_LE(node->budget->TrackedKeys(), 50u);
  }
  clock_.Advance(milliseconds(10000));  // past every key's follow span
  ASSERT_TRUE(node->counts->Sync().ok());
  EXPECT_EQ(node->budget->TrackedKeys(), 0u) << "keys nobody here hits are forgotten";
}

TEST_F(RedisSharedCountsTest, TheSyncThreadRunsOnTheClock) {
  const RateLimit limit{0.5, 20};
  auto a = MakeNode(limit);
  auto b = MakeNode(limit);
  a->counts->Start();
  b->counts->Start();
  ASSERT_TRUE(b->Hit(kClient));
  for (int i = 0; i < 19; ++i)
    ASSERT_TRUE(a->Hit(kClient));
  // Each step moves the clock one interval and gives the threads a moment to sync.
  const auto deadline = Steady::now() + std::chrono::seconds(10);
  while (b->WouldAllow(kClient) || a->WouldAllow(kClient)) {
    ASSERT_LT(Steady::now(), deadline) << "the sync threads never charged the hits";
    clock_.Advance(milliseconds(100));
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_TRUE(a->counts->connected());
  const auto start = Steady::now();
  a->counts->Stop();
  b->counts->Stop();
  EXPECT_LT(Steady::now() - start, milliseconds(500));
}

}  // namespace
}  // namespace psm::redis
