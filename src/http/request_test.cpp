// Request target parsing: percent-decoding, '+' in queries, malformed escapes, headers.
#include "http/request.hpp"

#include <gtest/gtest.h>

namespace psm::http {
namespace {

TEST(HttpRequest, PercentDecode) {
  EXPECT_EQ(PercentDecode("a%20b", false), "a b");
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
  EXPECT_EQ(PercentDecode("%E0%A8%9C", false), "\xE0\xA8\x9C");  // Gurmukhi JA
  EXPECT_EQ(PercentDecode("%2b", true), "+");
  EXPECT_FALSE(PercentDecode("%", false));
  EXPECT_FALSE(PercentDecode("%2", false));
  EXPECT_FALSE(PercentDecode("ab%", false));
  EXPECT_FALSE(PercentDecode("%zz", false));
  EXPECT_FALSE(PercentDecode("%00", false));
  // Not UTF-8: a lone byte above 0x7f, a truncated sequence, an overlong '/'.
  EXPECT_FALSE(PercentDecode("%ff", false));
  EXPECT_FALSE(PercentDecode("%E0%A8", false));
  EXPECT_FALSE(PercentDecode("%C0%AF", false));
  EXPECT_FALSE(PercentDecode("a\xff", false));
}

// The 400 names the part of the target to fix.
TEST(HttpRequest, BadTargetDetailNamesThePart) {
  Request r;
  for (std::string_view target : {"/stations/%ff", "/a?station=%ff", "/a?x=1&%ff=2", "*"})
    EXPECT_FALSE(r.SetTarget(target)) << target;
  EXPECT_EQ(BadTargetDetail("/stations/%ff"), "The path is not percent-encoded UTF-8 text.");
  EXPECT_EQ(BadTargetDetail("/a?ac=34&station=%ff"),
            "The query parameter \"station\" is not percent-encoded UTF-8 text.");
  EXPECT_EQ(BadTargetDetail("/a?q=%zz"),
            "The query parameter \"q\" is not percent-encoded UTF-8 text.");
  EXPECT_EQ(BadTargetDetail("/a?x=1&%ff=2"),
            "A query parameter's name is not percent-encoded UTF-8 text.");
  EXPECT_EQ(BadTargetDetail("*"),
            "The request target must be a path starting with \"/\" (origin-form).");
}

TEST(HttpRequest, SplitsPathAndQuery) {
  Request r;
  ASSERT_TRUE(r.SetTarget("/api/v1/stations?q=nak+odar&ac=31&near=31.1%2C75.4&flag&q=second"));
  EXPECT_EQ(r.path(), "/api/v1/stations");
  EXPECT_EQ(r.target(), "/api/v1/stations?q=nak+odar&ac=31&near=31.1%2C75.4&flag&q=second");
  EXPECT_EQ(r.Query("q"), "nak odar");  // first wins
  EXPECT_EQ(r.Query("ac"), "31");
  EXPECT_EQ(r.Query("near"), "31.1,75.4");
  EXPECT_EQ(r.Query("flag"), "");
  EXPECT_FALSE(r.Query("missing"));
  EXPECT_EQ(r.QueryParams().size(), 5u);
}

TEST(HttpRequest, DecodesPathButNotPlus) {
  Request r;
  ASSERT_TRUE(r.SetTarget("/files/a%20b+c"));
  EXPECT_EQ(r.path(), "/files/a b+c");
  EXPECT_TRUE(r.QueryParams().empty());
}

TEST(HttpRequest, RejectsMalformedTargets) {
  Request r;
  EXPECT_FALSE(r.SetTarget(""));
  EXPECT_FALSE(r.SetTarget("http://example.com/"));
  EXPECT_FALSE(r.SetTarget("*"));
  EXPECT_FALSE(r.SetTarget("/a%zz"));
  EXPECT_FALSE(r.SetTarget("/a?x=%"));
  EXPECT_FALSE(r.SetTarget("/a%00b"));
  EXPECT_FALSE(r.SetTarget("/api/v1/stations/%ff"));
  EXPECT_FALSE(r.SetTarget("/api/v1/events?station=%ff"));
  EXPECT_FALSE(r.SetTarget("/api/v1/events?%ff=1"));
  EXPECT_FALSE(r.SetTarget("/raw\xff"));
}

// The session keeps one Request per connection: each target must leave nothing of the last.
TEST(HttpRequest, ReusedForTheNextTargetKeepsNothingOfTheLast) {
  Request r;
  ASSERT_TRUE(r.SetTarget("/a%20long%20path/with/escapes?q=x+y&ac=31"));
  EXPECT_EQ(r.path(), "/a long path/with/escapes");
  EXPECT_EQ(r.Query("q"), "x y");
  ASSERT_TRUE(r.SetTarget("/b?flag"));
  EXPECT_EQ(r.path(), "/b");
  EXPECT_EQ(r.Query("flag"), "");
  EXPECT_FALSE(r.Query("q"));
  EXPECT_EQ(r.QueryParams().size(), 1u);
  EXPECT_FALSE(r.SetTarget("/c?x=1&y=%zz"));
  EXPECT_EQ(r.path(), "");
  EXPECT_TRUE(r.QueryParams().empty());
  EXPECT_EQ(r.target(), "/c?x=1&y=%zz");
  ASSERT_TRUE(r.SetTarget("/d"));
  EXPECT_EQ(r.path(), "/d");
  EXPECT_TRUE(r.QueryParams().empty());
}

TEST(HttpRequest, HeadersAreCaseInsensitive) {
  Request r;
  r.headers.set("If-None-Match", "\"abc\"");
  EXPECT_EQ(r.Header("if-none-match"), "\"abc\"");
  EXPECT_EQ(r.Header("IF-NONE-MATCH"), "\"abc\"");
  EXPECT_EQ(r.Header("Authorization"), "");
}

}  // namespace
}  // namespace psm::http
