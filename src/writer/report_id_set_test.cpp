#include "writer/report_id_set.hpp"

#include <string>

#include <gtest/gtest.h>

namespace psm {
namespace {

std::string Id(int n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-0000-4000-8000-%012x", n, n * 7);
  return buf;
}

TEST(ReportIdSet, RemembersEveryIdAddedAcrossGrowth) {
  ReportIdSet ids;
  EXPECT_FALSE(ids.MayContain(Id(1)));
  constexpr int kIds = 100000;  // many times the first table
  for (int n = 0; n < kIds; ++n)
    ids.Add(Id(n));
  ids.Add(Id(5));  // again: still one entry
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kIds));
  for (int n = 0; n < kIds; ++n)
    ASSERT_TRUE(ids.MayContain(Id(n))) << n;
  int false_positives = 0;
  for (int n = kIds; n < 2 * kIds; ++n)
    false_positives += ids.MayContain(Id(n));
  EXPECT_EQ(false_positives, 0);  // 64-bit fingerprints: none expected at this size
}

// A fingerprint function may collide, and may even return 0, which marks an empty slot.
TEST(ReportIdSet, CollidingFingerprintsAnswerMaybe) {
  ReportIdSet ids(+[](std::string_view) -> std::uint64_t { return 0; });
  EXPECT_FALSE(ids.MayContain(Id(1)));
  ids.Add(Id(1));
  EXPECT_TRUE(ids.MayContain(Id(1)));
  EXPECT_TRUE(ids.MayContain(Id(2)));  // a collision: callers confirm with the store
  ids.Add(Id(2));
  EXPECT_EQ(ids.size(), 1u);
}

}  // namespace
}  // namespace psm
