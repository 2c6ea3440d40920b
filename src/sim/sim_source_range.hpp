// The source addresses the simulator's clients bind to, so that the server sees a district of
// many phones and not one address: --source-range, and which address each station's officer and
// each voter uses. Pure; no sockets (HttpClient binds).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace psm::sim {

// The default range when the server is on loopback: Linux routes all of 127.0.0.0/8 to `lo`, so
// any of its addresses can be bound without configuration.
inline constexpr const char* kDefaultSourceRange = "127.1.0.0/16";

// A block of IPv4 addresses. A regular value.
struct Ipv4Range {
  std::uint32_t network = 0;  // host byte order, host bits zero
  int prefix = 32;

  // The addresses clients may use: all of a /31 or /32; otherwise all but the network and
  // broadcast addresses, which look like no phone.
  std::uint32_t FirstUsable() const;
  std::uint64_t UsableCount() const;
  bool InLoopback() const;  // inside 127.0.0.0/8
  std::string ToString() const;
};

// "A.B.C.D" → the address in host byte order; nullopt unless four decimal parts 0…255.
std::optional<std::uint32_t> ParseIpv4(std::string_view text);
std::string FormatIpv4(std::uint32_t address);

// "A.B.C.D/N" (N 0…32; host bits are cleared) → the range. Error kInvalid "bad_source_range".
Result<Ipv4Range> ParseIpv4Range(std::string_view text);

// True for "localhost" and for IPv4 addresses in 127.0.0.0/8.
bool IsLoopbackHost(const std::string& host);

// What --source-range means for the server's host (as in the URL, IPv6 without brackets).
struct SourceChoice {
  std::optional<Ipv4Range> range;  // nullopt: the kernel chooses (no binding)
  std::string note;                // something to tell the user once, or empty
};

// `flag`:
//   ""    the default: kDefaultSourceRange when the host is on loopback, else the kernel's choice;
//         an IPv6 host is never bound (::1 is the only loopback address).
//   "off" always the kernel's choice.
//   CIDR  that range. Refused (kInvalid, a sentence for the user) for an IPv6 host, and for a
//         range in 127/8 when the host is not on loopback (such sources cannot reach it). A range
//         outside 127/8 is taken as the user insisting: its addresses must be configured on this
//         machine, which the note says (the caller checks that one can be bound).
Result<SourceChoice> ChooseSourceRange(const std::string& flag, const std::string& host);

// Splits a range between officers and voters: officers take the lower half of the usable
// addresses, one per station; voters the upper half. A range of one address serves both.
// Immutable; thread-safe.
class SourceAddresses {
 public:
  explicit SourceAddresses(const Ipv4Range& range);

  // Station number i's address: the i-th of the officers' half, round robin past its end.
  std::string ForStation(std::size_t i) const;
  // A voter's address: the draw reduced onto the voters' half.
  std::string ForVoter(std::uint64_t draw) const;
  std::uint64_t officer_count() const { return officer_count_; }
  std::uint64_t voter_count() const { return voter_count_; }
  // True when officers and voters share addresses (a single-address range).
  bool shared() const { return officer_first_ == voter_first_; }

 private:
  std::uint32_t officer_first_ = 0;
  std::uint64_t officer_count_ = 1;
  std::uint32_t voter_first_ = 0;
  std::uint64_t voter_count_ = 1;
};

}  // namespace psm::sim
