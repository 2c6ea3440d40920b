// The one-server-per-store lock, taken twice in one process (flock locks belong to the open file,
// so a second open conflicts even here) and from a child process.
#include "store/serve_lock.hpp"

#include "support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace psm {
namespace {

class ServeLockTest : public ::testing::Test {
 protected:
  testing::TempDir tmp_;
  const std::string dir_ = tmp_.path().string();
  const std::string url_ = "sqlite:" + dir_ + "/psm.db";
};

TEST_F(ServeLockTest, SecondTakerIsToldWhoServes) {
  auto first = ServeLock::Take(url_);
  ASSERT_TRUE(first.ok()) << first.error().detail;
  EXPECT_EQ(first->path(), dir_ + "/psm.db.serve-lock");
  auto second = ServeLock::Take(url_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, ErrorCode::kConflict);
  EXPECT_EQ(second.error().reason, "store_in_use");
  EXPECT_NE(second.error().detail.find(url_), std::string::npos) << second.error().detail;
  EXPECT_NE(second.error().detail.find("pid " + std::to_string(getpid())), std::string::npos)
      << second.error().detail;
}

TEST_F(ServeLockTest, ReleasedWhenDestroyed) {
  {
    auto first = ServeLock::Take(url_);
    ASSERT_TRUE(first.ok());
  }
  auto again = ServeLock::Take(url_);
  EXPECT_TRUE(again.ok());
}

TEST_F(ServeLockTest, AnotherProcessIsRefusedWhileHeld) {
  auto held = ServeLock::Take(url_);
  ASSERT_TRUE(held.ok());
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto taken = ServeLock::Take(url_);
    _exit(!taken.ok() && taken.error().reason == "store_in_use" ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST_F(ServeLockTest, OtherStoresNeedNoLock) {
  EXPECT_TRUE(ServeLock::Take("sqlite::memory:").ok());
  auto a = ServeLock::Take("memory:");
  auto b = ServeLock::Take("memory:");
  EXPECT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(a->path().empty());
}

TEST_F(ServeLockTest, UnopenableLockFileIsAnError) {
  auto lock = ServeLock::Take("sqlite:" + dir_ + "/no/such/dir/psm.db");
  ASSERT_FALSE(lock.ok());
  EXPECT_EQ(lock.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace psm
