// The memory fake's own switch: injected write failures. Its Store behaviour is covered by
// the shared suite (store_suite_test).
#include "store/memory/memory_store.hpp"
#include "store/testing/store_calls.hpp"

#include <gtest/gtest.h>

namespace psm {
namespace {

Report QueueReport(std::string id) {
  Report r;
  r.id = std::move(id);
  r.station = StationId{34, 1};
  r.kind = ReportKind::kQueue;
  r.counts = Counts{1, 2, 3};
  return r;
}

class MemoryStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store_.Migrate().ok());
    ASSERT_TRUE(store_.UpsertConstituencies({Constituency{34, "Jalandhar West", "SC", "J"}}).ok());
    ASSERT_TRUE(store_.UpsertStations({Station{StationId{34, 1}, "S", "", "", 0, 0, {}}}).ok());
  }
  MemoryStore store_;
};

TEST_F(MemoryStoreTest, FailNextWritesFailsExactlyNWritesAndChangesNothing) {
  store_.FailNextWrites(2);
  auto first = testing::InsertReports(store_, {QueueReport("a")});
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().code, ErrorCode::kUnavailable);
  // Reads are not counted and still work while writes are failing.
  auto found = store_.FindReport("a");
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
  auto second = store_.AppendAudit({AuditEntry{}});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, ErrorCode::kUnavailable);
  auto audit = store_.QueryAudit({});
  ASSERT_TRUE(audit.ok());
  EXPECT_TRUE(audit->empty());

  auto third = testing::InsertReports(store_, {QueueReport("a")});
  ASSERT_TRUE(third.ok());
  EXPECT_TRUE((*third)[0].inserted);
}

TEST_F(MemoryStoreTest, CallbacksMayCallBackIntoTheStore) {
  ASSERT_TRUE(testing::InsertReports(store_, {QueueReport("a"), QueueReport("b")}).ok());
  int seen = 0;
  ASSERT_TRUE(store_
                  .ForEachReport([&](const Report& r) {
                    auto again = store_.FindReport(r.id);  // would deadlock if locked
                    EXPECT_TRUE(again.ok() && again->has_value());
                    ++seen;
                    return true;
                  })
                  .ok());
  EXPECT_EQ(seen, 2);
}

}  // namespace
}  // namespace psm
