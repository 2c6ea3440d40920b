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
  index.Add(*ElectorIndex::Pack("ZZZ9999999"), 3);
  index.Add(*ElectorIndex::Pack("AAA0000000"), 1);
  index.Add(*ElectorIndex::Pack("JLW0000042"), 2);
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
  index.Add(*ElectorIndex::Pack("ABC0000001"), 1);
  index.Add(*ElectorIndex::Pack("ABC0000001"), 7);
  index.Finish();
  EXPECT_EQ(index.size(), 1u);
  EXPECT_EQ(index.Find("ABC0000001"), 7u);
}

}  // namespace
}  // namespace psm
