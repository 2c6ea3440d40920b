// redis:// URLs: the forms accepted, and a clear refusal for everything else.
#include "redis/redis_url.hpp"

#include <gtest/gtest.h>

namespace psm::redis {
namespace {

RedisUrl Parsed(std::string_view text) {
  auto url = RedisUrl::Parse(text);
  EXPECT_TRUE(url.ok()) << text << ": " << (url.ok() ? "" : url.error().detail);
  return url.ok() ? *url : RedisUrl{};
}

std::string Refusal(std::string_view text) {
  auto url = RedisUrl::Parse(text);
  EXPECT_FALSE(url.ok()) << text << " was accepted";
  if (url.ok()) return "";
  EXPECT_EQ(url.error().code, ErrorCode::kInvalid);
  EXPECT_EQ(url.error().reason, "redis_url");
  return url.error().detail;
}

TEST(RedisUrl, HostPortAndDatabase) {
  const RedisUrl full = Parsed("redis://10.0.0.5:6380/2");
  EXPECT_EQ(full.host, "10.0.0.5");
  EXPECT_EQ(full.port, 6380);
  EXPECT_EQ(full.db, 2);
  EXPECT_EQ(full.ToString(), "redis://10.0.0.5:6380/2");

  const RedisUrl bare = Parsed("redis://cache.internal");
  EXPECT_EQ(bare.host, "cache.internal");
  EXPECT_EQ(bare.port, 6379) << "Redis' own port by default";
  EXPECT_EQ(bare.db, 0);

  EXPECT_EQ(Parsed("redis://localhost:6379/").db, 0) << "a lone / is database 0";
  EXPECT_EQ(Parsed("redis://redis-1/15").port, 6379);
  EXPECT_EQ(Parsed("redis://redis-1/15").db, 15);
}

TEST(RedisUrl, Ipv6InBrackets) {
  const RedisUrl url = Parsed("redis://[::1]:7000/1");
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, 7000);
  EXPECT_EQ(url.db, 1);
  EXPECT_EQ(url.ToString(), "redis://[::1]:7000/1");
  EXPECT_EQ(Parsed("redis://[2001:db8::7]").port, 6379);

  EXPECT_NE(Refusal("redis://::1:6379").find("brackets"), std::string::npos);
  EXPECT_NE(Refusal("redis://[::1:6379").find("]"), std::string::npos);
  EXPECT_NE(Refusal("redis://[not-an-address]:6379").find("not an IPv6 address"),
            std::string::npos);
  EXPECT_NE(Refusal("redis://[::1]6379").find("after the IPv6 address"), std::string::npos);
}

TEST(RedisUrl, EverythingElseIsRefusedSayingWhy) {
  EXPECT_NE(Refusal("").find("redis://"), std::string::npos);
  EXPECT_NE(Refusal("http://cache:6379").find("must start with redis://"), std::string::npos);
  EXPECT_NE(Refusal("cache:6379").find("must start with redis://"), std::string::npos);
  EXPECT_NE(Refusal("rediss://cache:6379").find("TLS"), std::string::npos);
  EXPECT_NE(Refusal("redis://user:secret@cache:6379").find("password"), std::string::npos);
  EXPECT_NE(Refusal("redis://cache:6379?timeout=1").find("query"), std::string::npos);
  EXPECT_NE(Refusal("redis://").find("no host"), std::string::npos);
  EXPECT_NE(Refusal("redis://:6379").find("no host"), std::string::npos);
  EXPECT_NE(Refusal("redis://ca che").find("not a host name"), std::string::npos);
  for (const char* port : {"redis://cache:", "redis://cache:0", "redis://cache:65536",
                           "redis://cache:63a9", "redis://cache:-1", "redis://cache:999999"}) {
    EXPECT_NE(Refusal(port).find("port"), std::string::npos) << port;
  }
  for (const char* db : {"redis://cache/x", "redis://cache/-1", "redis://cache/10000",
                         "redis://cache/1/2", "redis://cache:6379//"}) {
    EXPECT_NE(Refusal(db).find("database"), std::string::npos) << db;
  }
  const std::string detail = Refusal("redis://cache:70000");
  EXPECT_NE(detail.find("redis://cache:70000"), std::string::npos) << "names the URL: " << detail;
}

}  // namespace
}  // namespace psm::redis
