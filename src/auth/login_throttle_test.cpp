// Login lockout on a FakeClock.
#include "auth/login_throttle.hpp"
#include "core/testing/fake_clock.hpp"

#include <gtest/gtest.h>

#include <string>

namespace psm::auth {
namespace {

using psm::testing::FakeClock;

using std::chrono::minutes;
using std::chrono::seconds;

const Instant kStart{Millis(1'764'470'000'000)};

TEST(AuthLoginThrottle, FifthFailureLocksForFiveMinutes) {
  FakeClock clock(kStart);
  LoginThrottle throttle(clock);
  for (int i = 0; i < 4; ++i) {
    throttle.RecordFailure("34-112");
    EXPECT_TRUE(throttle.Check("34-112").ok()) << "after failure " << i + 1;
  }
  throttle.RecordFailure("34-112");
  Status s = throttle.Check("34-112");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kLocked);
  EXPECT_EQ(s.error().reason, "login_locked");
  EXPECT_EQ(s.error().detail, "too many wrong PINs in a row (limit: login); try again in 300 s");
  EXPECT_EQ(throttle.Remaining("34-112"), minutes(5));
  // Other keys are unaffected.
  EXPECT_TRUE(throttle.Check("34-113").ok());

  clock.Advance(seconds(299) + Millis(500));
  s = throttle.Check("34-112");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().detail,
            "too many wrong PINs in a row (limit: login); try again in 1 s");  // 0.5 s rounds up

  clock.Advance(Millis(500));
  EXPECT_TRUE(throttle.Check("34-112").ok());
  EXPECT_EQ(throttle.Remaining("34-112"), Millis::zero());
  // After the lock the count starts afresh: four more failures do not lock again.
  for (int i = 0; i < 4; ++i)
    throttle.RecordFailure("34-112");
  EXPECT_TRUE(throttle.Check("34-112").ok());
  throttle.RecordFailure("34-112");
  EXPECT_FALSE(throttle.Check("34-112").ok());
}

TEST(AuthLoginThrottle, SuccessResetsTheCount) {
  FakeClock clock(kStart);
  LoginThrottle throttle(clock);
  for (int i = 0; i < 4; ++i)
    throttle.RecordFailure("34-112");
  throttle.RecordSuccess("34-112");
  for (int i = 0; i < 4; ++i)
    throttle.RecordFailure("34-112");
  EXPECT_TRUE(throttle.Check("34-112").ok());
  throttle.RecordFailure("34-112");
  EXPECT_FALSE(throttle.Check("34-112").ok());
}

TEST(AuthLoginThrottle, FailuresWhileLockedDoNotExtendTheLock) {
  FakeClock clock(kStart);
  LoginThrottle throttle(clock);
  for (int i = 0; i < 5; ++i)
    throttle.RecordFailure("alice");
  clock.Advance(minutes(4));
  for (int i = 0; i < 10; ++i)
    throttle.RecordFailure("alice");
  EXPECT_EQ(throttle.Remaining("alice"), minutes(1));
  clock.Advance(minutes(1));
  EXPECT_TRUE(throttle.Check("alice").ok());
}

TEST(AuthLoginThrottle, OldFailuresLapse) {
  FakeClock clock(kStart);
  LoginThrottle throttle(clock);
  for (int i = 0; i < 4; ++i)
    throttle.RecordFailure("34-112");
  clock.Advance(minutes(5));  // idle for the lock period: the four failures are forgotten
  throttle.RecordFailure("34-112");
  EXPECT_TRUE(throttle.Check("34-112").ok());
  // But failures spaced closer than the lock period keep counting.
  for (int i = 0; i < 3; ++i) {
    clock.Advance(minutes(4));
    throttle.RecordFailure("34-112");
  }
  EXPECT_TRUE(throttle.Check("34-112").ok());
  clock.Advance(minutes(4));
  throttle.RecordFailure("34-112");
  EXPECT_FALSE(throttle.Check("34-112").ok());
}

TEST(AuthLoginThrottle, CustomLimitsAndCredentialName) {
  FakeClock clock(kStart);
  LoginThrottle throttle(clock, 3, minutes(15), "password");
  for (int i = 0; i < 3; ++i)
    throttle.RecordFailure("alice");
  Status s = throttle.Check("alice");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().detail,
            "too many wrong passwords in a row (limit: login); try again in 900 s");
}

TEST(AuthLoginThrottle, MemoryStaysBounded) {
  FakeClock clock(kStart);
  LoginThrottle throttle(clock, 5, minutes(5), "PIN", 100);
  // Idle entries are dropped once they lapse.
  for (int i = 0; i < 50; ++i)
    throttle.RecordFailure("typo-" + std::to_string(i));
  EXPECT_EQ(throttle.TrackedKeys(), 50u);
  clock.Advance(minutes(5));
  for (int i = 0; i < 50; ++i)
    EXPECT_TRUE(throttle.Check("typo-" + std::to_string(i)).ok());
  EXPECT_EQ(throttle.TrackedKeys(), 0u);

  // A flood of distinct keys never exceeds the cap, and live locks survive it.
  for (int i = 0; i < 5; ++i)
    throttle.RecordFailure("34-112");
  for (int i = 0; i < 10000; ++i)
    throttle.RecordFailure("junk-" + std::to_string(i));
  EXPECT_LE(throttle.TrackedKeys(), 100u);
  EXPECT_FALSE(throttle.Check("34-112").ok());
}

}  // namespace
}  // namespace psm::auth
