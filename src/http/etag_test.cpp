// If-None-Match matching.
#include "http/etag.hpp"

#include <gtest/gtest.h>

namespace psm::http {
namespace {

TEST(HttpEtag, IfNoneMatch) {
  EXPECT_TRUE(IfNoneMatchHits("\"abc\"", "\"abc\""));
  EXPECT_FALSE(IfNoneMatchHits("\"abd\"", "\"abc\""));
  EXPECT_FALSE(IfNoneMatchHits("", "\"abc\"")) << "no header, no match";
  EXPECT_TRUE(IfNoneMatchHits("\"x\", \"abc\"", "\"abc\"")) << "a list";
  EXPECT_TRUE(IfNoneMatchHits("\"x\",\t\"abc\" ", "\"abc\""));
  EXPECT_TRUE(IfNoneMatchHits("W/\"abc\"", "\"abc\"")) << "weak comparison";
  EXPECT_TRUE(IfNoneMatchHits("*", "\"abc\""));
  EXPECT_FALSE(IfNoneMatchHits(", ,", "\"abc\""));
  EXPECT_FALSE(IfNoneMatchHits("abc", "\"abc\"")) << "unquoted is another tag";
}

}  // namespace
}  // namespace psm::http
