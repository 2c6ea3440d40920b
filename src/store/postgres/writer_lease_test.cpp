#include "store/postgres/writer_lease.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "store/postgres/connection.hpp"
#include "store/testing/postgres_server.hpp"

namespace psm {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class WriterLeaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    server_ = testing::SharedPostgresServer(&error);
    ASSERT_NE(server_, nullptr) << error;
    auto db = server_->CreateDatabase();
    ASSERT_TRUE(db.ok()) << db.error().detail;
    url_ = server_->Url(*db);
    options_.key = kWriterLockKey + ++keys_;  // each test its own role
  }

  // Waits up to `limit` for `cond`; returns how long it took, or nullopt.
  template <typename Cond>
  static std::optional<std::chrono::milliseconds> Within(std::chrono::milliseconds limit,
                                                         Cond cond) {
    const auto start = Clock::now();
    while (Clock::now() - start < limit) {
      if (cond())
        return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
      std::this_thread::sleep_for(10ms);
    }
    return std::nullopt;
  }

  void Terminate(int pid) {
    auto conn = pg::Connection::Open(url_, "");
    ASSERT_TRUE(conn.ok()) << conn.error().detail;
    auto rows = conn->Query("SELECT pg_terminate_backend($1)", pg::Params().Int(pid));
    ASSERT_TRUE(rows.ok()) << rows.error().detail;
    ASSERT_TRUE(rows->Bool(0, 0));
  }

  testing::PostgresServer* server_ = nullptr;
  std::string url_;
  WriterLeaseOptions options_;
  static inline int keys_ = 0;
};

TEST_F(WriterLeaseTest, ExactlyOneOfTwoHoldsTheRole) {
  auto a = WriterLease::Start(url_, options_, nullptr);
  ASSERT_TRUE(a.ok()) << a.error().detail;
  auto b = WriterLease::Start(url_, options_, nullptr);
  ASSERT_TRUE(b.ok()) << b.error().detail;
  EXPECT_TRUE((*a)->held());
  EXPECT_FALSE((*b)->held());
  std::this_thread::sleep_for(4 * options_.interval);  // b keeps trying, and keeps failing
  EXPECT_TRUE((*a)->held());
  EXPECT_FALSE((*b)->held());
}

TEST_F(WriterLeaseTest, StoppingTheHolderHandsTheRoleOn) {
  auto a = WriterLease::Start(url_, options_, nullptr);
  ASSERT_TRUE(a.ok()) << a.error().detail;
  auto b = WriterLease::Start(url_, options_, nullptr);
  ASSERT_TRUE(b.ok()) << b.error().detail;
  ASSERT_TRUE((*a)->held());
  (*a)->Stop();
  EXPECT_TRUE(Within(1500ms, [&] { return (*b)->held(); }));
}

TEST_F(WriterLeaseTest, ATerminatedSessionLosesTheRoleWithinASecondAndAnotherTakesIt) {
  std::atomic<int> lost{0}, gained{0};
  auto a = WriterLease::Start(url_, options_,
                              [&](WriterLease&, bool held) { ++(held ? gained : lost); });
  ASSERT_TRUE(a.ok()) << a.error().detail;
  auto b = WriterLease::Start(url_, options_, nullptr);
  ASSERT_TRUE(b.ok()) << b.error().detail;
  ASSERT_TRUE((*a)->held());
  ASSERT_FALSE((*b)->held());

  Terminate((*a)->backend_pid());
  const auto noticed = Within(1000ms, [&] { return !(*a)->held(); });
  ASSERT_TRUE(noticed) << "the holder did not notice the loss within 1 s";
  EXPECT_EQ(lost.load(), 1);
  const auto taken = Within(1500ms, [&] { return (*b)->held(); });
  ASSERT_TRUE(taken) << "no other node took the role";
  // The old holder tries again, but the role is taken.
  std::this_thread::sleep_for(4 * options_.interval);
  EXPECT_FALSE((*a)->held());
  EXPECT_TRUE((*b)->held());
}

TEST_F(WriterLeaseTest, AGivenUpLeaseReleasesAndNeverRetakes) {
  std::atomic<int> gained{0};
  auto a = WriterLease::Start(url_, options_, nullptr);
  ASSERT_TRUE(a.ok()) << a.error().detail;
  Terminate((*a)->backend_pid());
  ASSERT_TRUE(Within(1000ms, [&] { return !(*a)->held(); }));
  (*a)->GiveUp();
  auto b = WriterLease::Start(url_, options_, [&](WriterLease&, bool held) { gained += held; });
  ASSERT_TRUE(b.ok()) << b.error().detail;
  EXPECT_TRUE(Within(1500ms, [&] { return (*b)->held(); }));
  (*b)->Stop();
  std::this_thread::sleep_for(4 * options_.interval);
  EXPECT_FALSE((*a)->held());
}

TEST(WriterLeaseUrl, AddsSocketTimeoutsWithoutOverridingTheUrl) {
  EXPECT_EQ(WriterLease::WithSocketTimeouts("postgresql://u@h:5/db?tcp_user_timeout=500")
                .find("tcp_user_timeout=1000"),
            std::string::npos);
  const std::string uri = WriterLease::WithSocketTimeouts("postgresql://u@h:5/db");
  EXPECT_NE(uri.find("?keepalives=1&"), std::string::npos) << uri;
  EXPECT_NE(uri.find("tcp_user_timeout=1000"), std::string::npos) << uri;
  const std::string kv = WriterLease::WithSocketTimeouts("host=h dbname=db");
  EXPECT_EQ(kv.rfind("host=h dbname=db"), kv.size() - 16) << kv;
  EXPECT_NE(kv.find("keepalives_idle=1 "), std::string::npos) << kv;
}

}  // namespace
}  // namespace psm
