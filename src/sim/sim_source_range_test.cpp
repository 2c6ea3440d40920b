// --source-range: parsing, the choice per target, and the mapping of stations and voters onto
// addresses (distinct, deterministic, reused round robin when the range is short).
#include "sim/sim_source_range.hpp"

#include <gtest/gtest.h>

#include <set>

namespace psm::sim {
namespace {

TEST(SourceRange, ParsesIpv4Cidr) {
  auto r = ParseIpv4Range("127.1.0.0/16");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->ToString(), "127.1.0.0/16");
  EXPECT_EQ(r->UsableCount(), 65534u);
  EXPECT_EQ(FormatIpv4(r->FirstUsable()), "127.1.0.1");
  EXPECT_TRUE(r->InLoopback());
  // Host bits are cleared, as for the server's own CIDRs.
  EXPECT_EQ(ParseIpv4Range("127.1.2.3/16")->ToString(), "127.1.0.0/16");
  EXPECT_EQ(ParseIpv4Range("10.0.0.7/32")->UsableCount(), 1u);
  EXPECT_EQ(ParseIpv4Range("10.0.0.6/31")->UsableCount(), 2u);
  EXPECT_EQ(ParseIpv4Range("10.0.0.4/30")->UsableCount(), 2u);
  EXPECT_FALSE(ParseIpv4Range("10.1.0.0/16")->InLoopback());
  EXPECT_FALSE(ParseIpv4Range("0.0.0.0/0")->InLoopback());
}

TEST(SourceRange, RefusesWhatIsNotAnIpv4Cidr) {
  for (const char* bad : {"", "127.1.0.0", "127.1.0.0/", "127.1.0.0/33", "127.1.0.0/-1",
                          "127.1.0.0/16x", "256.1.0.0/16", "127.1.0/16", "127.1.0.0.0/16",
                          "127.01x.0.0/16", "::1/128", "localhost/8", "1270.1.0.0/16", "off/8"}) {
    auto r = ParseIpv4Range(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().reason, "bad_source_range");
    EXPECT_NE(r.error().detail.find("--source-range"), std::string::npos) << bad;
  }
}

TEST(SourceRange, LoopbackHosts) {
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackHost("127.255.0.9"));
  EXPECT_TRUE(IsLoopbackHost("localhost"));
  EXPECT_TRUE(IsLoopbackHost("LocalHost"));
  EXPECT_FALSE(IsLoopbackHost("128.0.0.1"));
  EXPECT_FALSE(IsLoopbackHost("10.0.0.1"));
  EXPECT_FALSE(IsLoopbackHost("::1"));
  EXPECT_FALSE(IsLoopbackHost("psm.example.org"));
}

TEST(SourceRange, DefaultBindsOnlyForAnIpv4LoopbackTarget) {
  auto loop = ChooseSourceRange("", "127.0.0.1");
  ASSERT_TRUE(loop.ok());
  ASSERT_TRUE(loop->range);
  EXPECT_EQ(loop->range->ToString(), kDefaultSourceRange);
  EXPECT_TRUE(loop->note.empty());
  EXPECT_TRUE(ChooseSourceRange("", "localhost")->range);

  auto remote = ChooseSourceRange("", "10.0.0.5");
  ASSERT_TRUE(remote.ok());
  EXPECT_FALSE(remote->range);
  EXPECT_TRUE(remote->note.empty());

  auto v6 = ChooseSourceRange("", "::1");
  ASSERT_TRUE(v6.ok());
  EXPECT_FALSE(v6->range);
  EXPECT_NE(v6->note.find("IPv6"), std::string::npos);
}

TEST(SourceRange, OffNeverBinds) {
  EXPECT_FALSE(ChooseSourceRange("off", "127.0.0.1")->range);
  EXPECT_FALSE(ChooseSourceRange("off", "10.0.0.5")->range);
}

TEST(SourceRange, AnExplicitRangeMustBeAbleToReachTheServer) {
  auto mine = ChooseSourceRange("127.9.0.0/24", "127.0.0.1");
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(mine->range->ToString(), "127.9.0.0/24");
  EXPECT_TRUE(mine->note.empty());
  // Loopback sources cannot reach another machine.
  auto far = ChooseSourceRange("127.9.0.0/24", "192.0.2.10");
  ASSERT_FALSE(far.ok());
  EXPECT_NE(far.error().detail.find("loopback"), std::string::npos);
  // An IPv4 range cannot reach an IPv6 server.
  EXPECT_FALSE(ChooseSourceRange("127.9.0.0/24", "::1").ok());
  // Outside 127/8 the user insists: allowed, with a note that the addresses must exist here.
  auto lab = ChooseSourceRange("10.20.0.0/22", "192.0.2.10");
  ASSERT_TRUE(lab.ok());
  EXPECT_EQ(lab->range->ToString(), "10.20.0.0/22");
  EXPECT_NE(lab->note.find("configured on this machine"), std::string::npos);
  EXPECT_FALSE(ChooseSourceRange("nonsense", "127.0.0.1").ok());
}

TEST(SourceAddresses, StationsGetFixedDistinctAddressesApartFromVoters) {
  const SourceAddresses a(*ParseIpv4Range("127.1.0.0/16"));
  EXPECT_EQ(a.officer_count(), 32767u);
  EXPECT_EQ(a.voter_count(), 32767u);
  EXPECT_FALSE(a.shared());
  EXPECT_EQ(a.ForStation(0), "127.1.0.1");
  EXPECT_EQ(a.ForStation(1), "127.1.0.2");
  EXPECT_EQ(a.ForStation(1950), "127.1.7.159");
  EXPECT_EQ(a.ForStation(1950), SourceAddresses(*ParseIpv4Range("127.1.0.0/16")).ForStation(1950));
  std::set<std::string> officers;
  for (std::size_t i = 0; i < 1951; ++i)
    officers.insert(a.ForStation(i));
  EXPECT_EQ(officers.size(), 1951u);
  // Voters draw from the upper half only: never an officer's address, never the broadcast.
  std::set<std::string> voters;
  for (std::uint64_t d : {0ULL, 1ULL, 32766ULL, 32767ULL, 0xFFFFFFFFFFFFFFFFULL}) {
    voters.insert(a.ForVoter(d));
  }
  EXPECT_TRUE(voters.count("127.1.128.0"));     // draw 0: the first of the upper half
  EXPECT_TRUE(voters.count("127.1.255.254"));   // draw 32766: the last usable address
  EXPECT_FALSE(voters.count("127.1.255.255"));  // the broadcast address is never used
  for (const auto& v : voters)
    EXPECT_FALSE(officers.count(v)) << v;
  EXPECT_EQ(a.ForStation(32766), "127.1.127.255");  // the last of the officers' half
}

TEST(SourceAddresses, AShortRangeIsReusedRoundRobin) {
  const SourceAddresses a(*ParseIpv4Range("127.2.0.0/29"));  // 6 usable: 3 officers, 3 voters
  EXPECT_EQ(a.officer_count(), 3u);
  EXPECT_EQ(a.voter_count(), 3u);
  EXPECT_EQ(a.ForStation(0), "127.2.0.1");
  EXPECT_EQ(a.ForStation(2), "127.2.0.3");
  EXPECT_EQ(a.ForStation(3), "127.2.0.1");
  EXPECT_EQ(a.ForStation(7), "127.2.0.2");
  EXPECT_EQ(a.ForVoter(0), "127.2.0.4");
  EXPECT_EQ(a.ForVoter(5), "127.2.0.6");
  // A single address serves officers and voters alike; a pair splits.
  const SourceAddresses odd(*ParseIpv4Range("127.2.0.0/32"));
  EXPECT_TRUE(odd.shared());
  EXPECT_EQ(odd.ForStation(5), "127.2.0.0");
  EXPECT_EQ(odd.ForVoter(9), "127.2.0.0");
  const SourceAddresses pair(*ParseIpv4Range("127.2.0.0/31"));
  EXPECT_FALSE(pair.shared());
  EXPECT_EQ(pair.ForStation(4), "127.2.0.0");
  EXPECT_EQ(pair.ForVoter(4), "127.2.0.1");
}

}  // namespace
}  // namespace psm::sim
