// Local time and count text used in refusal details.
#include "core/local_format.hpp"

#include <gtest/gtest.h>

#include "core/testing/ledger_builders.hpp"

namespace psm {
namespace {

using std::chrono::minutes;

TEST(LocalFormat, Times) {
  EXPECT_EQ(FormatLocalTime(testing::Ist(11, 0), minutes(330)), "11:00 IST");
  EXPECT_EQ(FormatLocalTime(testing::Ist(7, 5, 9), minutes(330)), "07:05:09 IST");
  EXPECT_EQ(FormatLocalTime(testing::Ist(0, 0), minutes(330)), "00:00 IST");
  // 11:00 IST is 05:30 UTC, 06:30 at +01:00 and 00:30 at -05:00.
  EXPECT_EQ(FormatLocalTime(testing::Ist(11, 0), minutes(60)), "06:30 UTC+01:00");
  EXPECT_EQ(FormatLocalTime(testing::Ist(11, 0), minutes(-300)), "00:30 UTC-05:00");
}

TEST(LocalFormat, Counts) {
  EXPECT_EQ(FormatCounts(Counts{220, 192, 0}), "412 (men 220, women 192, others 0)");
}

}  // namespace
}  // namespace psm
