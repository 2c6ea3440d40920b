// The request budgets of two nodes sharing one Redis: look-ups and failed logins from one address
// are counted for the cluster, the per-token budget stays per node.
#include <gtest/gtest.h>

#include <chrono>

#include "api/request_limits.hpp"
#include "core/testing/fake_clock.hpp"
#include "redis/testing/redis_server.hpp"

namespace psm::api {
namespace {

using psm::testing::FakeClock;
using psm::testing::RedisServer;
using std::chrono::milliseconds;

constexpr std::string_view kAddress = "198.51.100.7";

// One node: its metrics, its shared counts and its request limits.
struct Node {
  Node(const std::string& url, const Clock& clock) {
    auto made = redis::SharedCounts::Create(url, clock);
    EXPECT_TRUE(made.ok());
    shared = std::move(*made);
    limits = std::make_unique<RequestLimits>(auth::RateLimits{}, refusals, clock, shared.get());
  }
  http::Metrics metrics;
  http::LimitRefusals refusals{metrics};
  std::unique_ptr<redis::SharedCounts> shared;
  std::unique_ptr<RequestLimits> limits;  // destroyed before `shared`
};

class RequestLimitsRedisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = RedisServer::Start();
    ASSERT_TRUE(started.ok()) << started.error().detail;
    server_ = std::move(*started);
    a_ = std::make_unique<Node>(server_->Url(), clock_);
    b_ = std::make_unique<Node>(server_->Url(), clock_);
  }
  void Sync() {
    ASSERT_TRUE(a_->shared->Sync().ok());
    ASSERT_TRUE(b_->shared->Sync().ok());
  }

  FakeClock clock_{Instant{}};
  std::unique_ptr<RedisServer> server_;
  std::unique_ptr<Node> a_;
  std::unique_ptr<Node> b_;
};

TEST_F(RequestLimitsRedisTest, LookupsFromOneAddressAreCountedForTheCluster) {
  // 20 s of look-ups from one address through both nodes, 50 a second on each, syncing every
  // 100 ms. Each node alone allows 20 + 5 * 20 = 120 (240 in all); shared, the burst may double
  // once but the rate does not.
  int allowed = 0;
  for (int step = 1; step <= 2000; ++step) {
    if (step % 2 == 0) allowed += a_->limits->Lookup(kAddress) ? 0 : 1;
    if (step % 2 == 1) allowed += b_->limits->Lookup(kAddress) ? 0 : 1;
    clock_.Advance(milliseconds(10));
    if (step % 10 == 0) Sync();
  }
  EXPECT_LE(allowed, 2 * 20 + 5 * 20 + 10);
  EXPECT_GE(allowed, 20 + 5 * 20 - 10);
}

TEST_F(RequestLimitsRedisTest, FailedLoginsOnOneNodeCountOnTheOthers) {
  for (int i = 0; i < 30; ++i) {
    ASSERT_FALSE(a_->limits->Login(kAddress)) << i;
    a_->limits->LoginFailed(kAddress);
  }
  EXPECT_TRUE(a_->limits->Login(kAddress)) << "a's own budget is spent";
  Sync();
  // b has not seen the address: its first failure is decided alone, and then it knows.
  ASSERT_FALSE(b_->limits->Login(kAddress));
  b_->limits->LoginFailed(kAddress);
  Sync();
  auto refused = b_->limits->Login(kAddress);
  ASSERT_TRUE(refused) << "a's 30 failures count on b";
  EXPECT_EQ(refused->status, 429u);
}

TEST_F(RequestLimitsRedisTest, CorrectLoginsAndTokensAreNotShared) {
  for (int i = 0; i < 100; ++i)
    ASSERT_FALSE(a_->limits->Login(kAddress)) << "correct logins spend nothing";
  for (int i = 0; i < 200; ++i)
    ASSERT_TRUE(a_->limits->Token("hash").ok());
  Sync();
  EXPECT_TRUE(b_->limits->Token("hash").ok()) << "each node keeps its own token budget";
  EXPECT_FALSE(b_->limits->Login(kAddress));
}

}  // namespace
}  // namespace psm::api
