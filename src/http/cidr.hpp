// An IP network such as "10.0.0.0/8" or "::1/128"; used for trusted proxies and admin allow-lists.
// Immutable value; Contains() is thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/address.hpp>

namespace psm::http {

class Cidr {
 public:
  // Parses "A.B.C.D/N", "v6/N", or a single address (a /32 or /128). Returns nullopt on bad
  // syntax, a zone ("fe80::1%eth0") or a prefix length beyond the family's width. Host bits are
  // masked off.
  static std::optional<Cidr> Parse(std::string_view text);

  // True when `address` is inside the network. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are
  // compared as IPv4 so a dual-stack socket still matches "10.0.0.0/8".
  bool Contains(const boost::asio::ip::address& address) const;

  std::string ToString() const;

 private:
  boost::asio::ip::address network_;
  unsigned prefix_ = 0;
};

// Parses a list; returns nullopt if any entry is bad, naming it in `bad_entry` when non-null.
std::optional<std::vector<Cidr>> ParseCidrList(const std::vector<std::string>& texts,
                                               std::string* bad_entry = nullptr);

// Maps ::ffff:a.b.c.d to a.b.c.d; other addresses unchanged.
boost::asio::ip::address Unmapped(const boost::asio::ip::address& address);

}  // namespace psm::http
