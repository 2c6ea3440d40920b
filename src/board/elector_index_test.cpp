#include "board/elector_index.hpp"

#include <gtest/gtest.h>

namespace psm {
namespace {

TEST(ElectorIndex, PackIsCaseInsensitiveAndRejectsMalformed) {
  EXPECT_EQ(ElectorIndex::Pack("ABC1234567"), ElectorIndex::Pack("abc1234567"));
  EXPECT_NE(ElectorIndex::Pack("ABC1234567"), ElectorIndex::Pack("ABD1234567"));
  EXPECT_NE(ElectorIndex::Pack("ABC1234567"), ElectorIndex::Pack("ABC1234568"));
  EXPECT_FALSE(ElectorIndex::Pack("AB12345678"));
  EXPECT_FALSE(ElectorIndex::Pack("ABC123456"));
  EXPECT_FALSE(ElectorIndex::Pack("ABC12345678"));
  EXPECT_FALSE(ElectorIndex::Pack("A1C1234567"));
}

TEST(ElectorIndex, FindsWhatWasAddedAndNothingElse) {
  ElectorIndex index;
  EXPECT_TRUE(index.Add(*ElectorIndex::Pack("ZZZ9999999"), 3));
  EXPECT_TRUE(index.Add(*ElectorIndex::Pack("AAA0000000"), 1));
  EXPECT_TRUE(index.Add(*ElectorIndex::Pack("JLW0000042"), 2));
  index.Finish();
  EXPECT_EQ(index.size(), 3u);
  EXPECT_EQ(index.Find("AAA0000000"), 1u);
  EXPECT_EQ(index.Find("jlw0000042"), 2u);
  EXPECT_EQ(index.Find("ZZZ9999999"), 3u);
  EXPECT_FALSE(index.Find("JLW0000043"));
  EXPECT_FALSE(index.Find("garbage"));
}

TEST(ElectorIndex, LastAddWinsForDuplicates) {
  ElectorIndex index;
  EXPECT_TRUE(index.Add(*ElectorIndex::Pack("ABC0000001"), 1));
  EXPECT_TRUE(index.Add(*ElectorIndex::Pack("ABC0000001"), 7));
  index.Finish();
  EXPECT_EQ(index.size(), 1u);
  EXPECT_EQ(index.Find("ABC0000001"), 7u);
}

TEST(ElectorIndex, FindsEveryOneOfManySequentialEpicsAndRefusesStationsTooLarge) {
  ElectorIndex index;
  constexpr std::uint32_t kElectors = 200000;  // one long series, as a roll numbers them
  for (std::uint32_t n = 0; n < kElectors; ++n) {
    char epic[11];
    std::snprintf(epic, sizeof epic, "JLW%07u", n);
    ASSERT_TRUE(index.Add(*ElectorIndex::Pack(epic), n % 1951));
  }
  EXPECT_TRUE(index.Add(*ElectorIndex::Pack("ZZZ9999999"), ElectorIndex::kMaxStation));
  EXPECT_FALSE(index.Add(*ElectorIndex::Pack("ZZZ9999998"), ElectorIndex::kMaxStation + 1));
  index.Finish();
  EXPECT_EQ(index.size(), kElectors + 1);
  for (std::uint32_t n = 0; n < kElectors; ++n) {
    char epic[11];
    std::snprintf(epic, sizeof epic, "JLW%07u", n);
    ASSERT_EQ(index.Find(epic), n % 1951) << epic;
  }
  EXPECT_EQ(index.Find("ZZZ9999999"), ElectorIndex::kMaxStation);
  EXPECT_FALSE(index.Find("ZZZ9999998"));
  EXPECT_FALSE(index.Find("JLW0200000"));
  EXPECT_FALSE(index.Find("JLX0000001"));
  ElectorIndex empty;
  empty.Finish();
  EXPECT_FALSE(empty.Find("JLW0000001"));
}

}  // namespace
}  // namespace psm
