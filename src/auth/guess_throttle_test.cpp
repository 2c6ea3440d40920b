// GuessThrottle: back-off per (key, address), a budget per key that only several addresses
// together can spend, a PIN reset forgetting it all, and bounded memory.
#include "auth/guess_throttle.hpp"

#include <gtest/gtest.h>

#include <string>

#include "core/testing/fake_clock.hpp"

namespace psm::auth {
namespace {

using namespace std::chrono_literals;
using psm::testing::FakeClock;

class GuessThrottleTest : public ::testing::Test {
 protected:
  GuessThrottleTest() : clock_(Instant(std::chrono::hours(24 * 20000))) {}

  // Tries `address` at `key` as a client would: only when allowed, and always wrong.
  bool Guess(GuessThrottle& t, const std::string& key, const std::string& address) {
    if (!t.Check(key, address).ok()) return false;
    t.RecordFailure(key, address);
    return true;
  }

  FakeClock clock_;
};

TEST_F(GuessThrottleTest, OneAddressBacksOffWithoutLockingOthersOut) {
  GuessThrottle t(clock_);
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(Guess(t, "34-1", "203.0.113.9")) << i;  // typos are free
  EXPECT_TRUE(Guess(t, "34-1", "203.0.113.9"));         // the 4th starts the back-off
  const Status refused = t.Check("34-1", "203.0.113.9");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().reason, "login_locked");
  EXPECT_NE(refused.error().detail.find("try again in 60 s"), std::string::npos)
      << refused.error().detail;
  EXPECT_EQ(t.Remaining("34-1", "203.0.113.9"), 1min);
  // The officer, on another address, is not kept out; nor is the guesser at another station.
  EXPECT_TRUE(t.Check("34-1", "198.51.100.7").ok());
  EXPECT_TRUE(t.Check("34-2", "203.0.113.9").ok());
  // The waits double: 1, 2, 4 … minutes, up to an hour.
  clock_.Advance(1min);
  EXPECT_TRUE(Guess(t, "34-1", "203.0.113.9"));
  EXPECT_EQ(t.Remaining("34-1", "203.0.113.9"), 2min);
  for (int i = 0; i < 10; ++i) {
    clock_.Advance(t.Remaining("34-1", "203.0.113.9"));
    EXPECT_TRUE(Guess(t, "34-1", "203.0.113.9"));
  }
  EXPECT_EQ(t.Remaining("34-1", "203.0.113.9"), 1h);
}

TEST_F(GuessThrottleTest, OneAddressAloneNeverSpendsTheKeysBudget) {
  GuessThrottle t(clock_);
  int tries = 0;
  for (int minute = 0; minute < 24 * 60; ++minute) {
    if (Guess(t, "34-1", "203.0.113.9")) ++tries;
    EXPECT_TRUE(t.Check("34-1", "198.51.100.7").ok()) << "minute " << minute;
    clock_.Advance(1min);
  }
  // 3 free, then after 1, 2, 4, 8, 16, 32 minutes, then hourly.
  EXPECT_LT(tries, 40);
  EXPECT_GT(tries, 25);
}

TEST_F(GuessThrottleTest, ManyAddressesTogetherSlowEveryoneAtThatKeyOnly) {
  GuessThrottle t(clock_);
  int tries = 0;
  for (int a = 0; a < 100; ++a) {
    for (int i = 0; i < 3; ++i)
      if (Guess(t, "34-1", "10.0.0." + std::to_string(a))) ++tries;
  }
  EXPECT_EQ(tries, 10) << "the key's budget";
  EXPECT_EQ(t.FailingAddresses("34-1"), 4u);
  const Status refused = t.Check("34-1", "198.51.100.7");
  ASSERT_FALSE(refused.ok());
  // It refills at 20 an hour: one more try every 3 minutes, for anyone.
  EXPECT_NEAR(static_cast<double>(t.Remaining("34-1", "198.51.100.7").count()), 180000.0, 1.0);
  EXPECT_TRUE(t.Check("34-2", "198.51.100.7").ok());
  clock_.Advance(181s);
  EXPECT_TRUE(t.Check("34-1", "198.51.100.7").ok());
  // A day of it: at most the budget plus 20 an hour reach the key.
  for (int minute = 0; minute < 24 * 60; ++minute) {
    for (int a = 0; a < 100; ++a)
      if (Guess(t, "34-1", "10.1.0." + std::to_string(a))) ++tries;
    clock_.Advance(1min);
  }
  EXPECT_LE(tries, 10 + 20 * 24 + 1);
}

TEST_F(GuessThrottleTest, ARightAnswerClearsThePairButNotTheKeysBudget) {
  GuessThrottle t(clock_);
  for (int i = 0; i < 4; ++i)
    Guess(t, "34-1", "203.0.113.9");
  ASSERT_FALSE(t.Check("34-1", "203.0.113.9").ok());
  t.RecordSuccess("34-1", "203.0.113.9");
  EXPECT_TRUE(t.Check("34-1", "203.0.113.9").ok());
  for (int a = 0; a < 6; ++a)
    Guess(t, "34-1", "10.0.0." + std::to_string(a));
  EXPECT_FALSE(t.Check("34-1", "203.0.113.9").ok()) << "4 + 6 failures spent the budget";
}

TEST_F(GuessThrottleTest, ForgetEndsEveryWaitAtThatKey) {
  GuessThrottle t(clock_);
  for (int a = 0; a < 10; ++a)
    Guess(t, "34-1", "10.0.0." + std::to_string(a));
  for (int i = 0; i < 4; ++i)
    Guess(t, "34-2", "10.0.0.1");
  ASSERT_FALSE(t.Check("34-1", "198.51.100.7").ok());
  t.Forget("34-1");
  EXPECT_TRUE(t.Check("34-1", "198.51.100.7").ok());
  EXPECT_TRUE(t.Check("34-1", "10.0.0.1").ok());
  EXPECT_EQ(t.FailingAddresses("34-1"), 0u);
  EXPECT_FALSE(t.Check("34-2", "10.0.0.1").ok()) << "another key keeps its state";
}

TEST_F(GuessThrottleTest, MemoryStaysBoundedAndLapsedEntriesGo) {
  GuessThrottleOptions o;
  o.max_entries = 100;
  GuessThrottle t(clock_, o);
  for (int a = 0; a < 1000; ++a)
    t.RecordFailure("k" + std::to_string(a % 50),
                    "10.0." + std::to_string(a / 250) + "." + std::to_string(a % 250));
  EXPECT_LE(t.Entries(), 100u);
  clock_.Advance(4h);
  t.RecordFailure("x", "10.9.9.9");
  EXPECT_EQ(t.FailingAddresses("x"), 1u);  // a sweep: everything else has lapsed
  EXPECT_LE(t.Entries(), 2u);
}

TEST_F(GuessThrottleTest, AUserNameWithANewlineLapsesLikeAnyOther) {
  GuessThrottle t(clock_, PasswordGuesses());
  t.RecordFailure("a\nb", "10.0.0.1");
  EXPECT_EQ(t.FailingAddresses("a\nb"), 1u);
  clock_.Advance(4h);
  EXPECT_EQ(t.FailingAddresses("a\nb"), 0u);
  EXPECT_EQ(t.Entries(), 0u);
}

}  // namespace
}  // namespace psm::auth
