// CIDR parsing/matching and X-Forwarded-For resolution.
#include "http/cidr.hpp"

#include <gtest/gtest.h>

#include "http/client_ip.hpp"

namespace psm::http {
namespace {

boost::asio::ip::address Ip(const char* text) {
  return boost::asio::ip::make_address(text);
}

// Found by fuzz_cidr: Boost read the zone "%7777772677" as another number, so the network
// printed as text that parsed to something else. A zone has no place in an allow-list.
TEST(HttpCidr, RefusesAZone) {
  EXPECT_FALSE(Cidr::Parse("fe::1%7777772677"));
  EXPECT_FALSE(Cidr::Parse("fe80::1%eth0/64"));
  EXPECT_FALSE(Cidr::Parse("fe80::%1/10"));
  EXPECT_FALSE(Cidr::Parse("10.0.0.1%1"));
  EXPECT_TRUE(Cidr::Parse("fe80::/10"));
}

TEST(HttpCidr, ParsesAndMatchesV4) {
  auto net = Cidr::Parse("10.0.0.0/8");
  ASSERT_TRUE(net);
  EXPECT_TRUE(net->Contains(Ip("10.1.2.3")));
  EXPECT_FALSE(net->Contains(Ip("11.0.0.1")));
  EXPECT_TRUE(net->Contains(Ip("::ffff:10.9.9.9")));  // v4-mapped from a dual-stack socket
  EXPECT_FALSE(net->Contains(Ip("::1")));

  auto odd = Cidr::Parse("192.168.1.77/20");  // host bits masked
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->ToString(), "192.168.0.0/20");
  EXPECT_TRUE(odd->Contains(Ip("192.168.15.255")));
  EXPECT_FALSE(odd->Contains(Ip("192.168.16.0")));

  auto single = Cidr::Parse("127.0.0.1");
  ASSERT_TRUE(single);
  EXPECT_TRUE(single->Contains(Ip("127.0.0.1")));
  EXPECT_FALSE(single->Contains(Ip("127.0.0.2")));

  auto all = Cidr::Parse("0.0.0.0/0");
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->Contains(Ip("8.8.8.8")));
}

TEST(HttpCidr, ParsesAndMatchesV6) {
  auto lo = Cidr::Parse("::1/128");
  ASSERT_TRUE(lo);
  EXPECT_TRUE(lo->Contains(Ip("::1")));
  EXPECT_FALSE(lo->Contains(Ip("::2")));
  auto net = Cidr::Parse("fd00:abcd::/32");
  ASSERT_TRUE(net);
  EXPECT_TRUE(net->Contains(Ip("fd00:abcd:1::5")));
  EXPECT_FALSE(net->Contains(Ip("fd00:abce::5")));
  EXPECT_FALSE(net->Contains(Ip("10.0.0.1")));
}

TEST(HttpCidr, RejectsBadInput) {
  for (const char* bad : {"", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/8x", "10.0.0/8",
                          "hello", "10.0.0.0/-1", "/8"}) {
    EXPECT_FALSE(Cidr::Parse(bad)) << bad;
  }
  std::string which;
  EXPECT_FALSE(ParseCidrList({"10.0.0.0/8", "nope"}, &which));
  EXPECT_EQ(which, "nope");
  auto list = ParseCidrList({"10.0.0.0/8", "::1"});
  ASSERT_TRUE(list);
  EXPECT_EQ(list->size(), 2u);
}

TEST(HttpClientIp, IgnoresHeaderFromUntrustedPeer) {
  TrustedProxies trusted({*Cidr::Parse("127.0.0.1")});
  EXPECT_EQ(ResolveClientIp(Ip("198.51.100.4"), "1.2.3.4", trusted), Ip("198.51.100.4"));
  EXPECT_EQ(ResolveClientIp(Ip("198.51.100.4"), "1.2.3.4", TrustedProxies()), Ip("198.51.100.4"));
}

TEST(HttpClientIp, TakesRightMostUntrusted) {
  TrustedProxies trusted({*Cidr::Parse("127.0.0.1"), *Cidr::Parse("10.0.0.0/8")});
  // The client forged "6.6.6.6"; nginx appended the real address; an internal hop followed.
  EXPECT_EQ(ResolveClientIp(Ip("127.0.0.1"), "6.6.6.6, 203.0.113.9, 10.1.1.1", trusted),
            Ip("203.0.113.9"));
  EXPECT_EQ(ResolveClientIp(Ip("::ffff:127.0.0.1"), "203.0.113.9", trusted), Ip("203.0.113.9"));
  // No header: the proxy itself.
  EXPECT_EQ(ResolveClientIp(Ip("127.0.0.1"), "", trusted), Ip("127.0.0.1"));
  // All hops trusted: the left-most one.
  EXPECT_EQ(ResolveClientIp(Ip("127.0.0.1"), "10.0.0.7, 10.0.0.8", trusted), Ip("10.0.0.7"));
  // Garbage stops the walk at the last trusted hop rather than trusting the garbage.
  EXPECT_EQ(ResolveClientIp(Ip("127.0.0.1"), "1.1.1.1, junk", trusted), Ip("127.0.0.1"));
  EXPECT_EQ(ResolveClientIp(Ip("127.0.0.1"), "1.1.1.1, junk, 10.2.2.2", trusted), Ip("10.2.2.2"));
  EXPECT_EQ(ResolveClientIp(Ip("127.0.0.1"), "2001:db8::1", trusted), Ip("2001:db8::1"));
}

TEST(HttpClientIp, LimitKeyGroupsIpv6ByTheSlash64) {
  EXPECT_EQ(LimitKey(Ip("203.0.113.9")), "203.0.113.9");
  EXPECT_EQ(LimitKey(Ip("::ffff:203.0.113.9")), "203.0.113.9");
  EXPECT_EQ(LimitKey(Ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd")), "2001:db8:1:2::/64");
  EXPECT_EQ(LimitKey(Ip("2001:db8:1:2::1")), LimitKey(Ip("2001:db8:1:2:ffff::9")));
  EXPECT_NE(LimitKey(Ip("2001:db8:1:2::1")), LimitKey(Ip("2001:db8:1:3::1")));
  EXPECT_EQ(LimitKey(Ip("::1")), "::/64");
}

}  // namespace
}  // namespace psm::http
