// Resolves the client address of a request: the TCP peer, or, when the peer is a trusted proxy,
// the right-most X-Forwarded-For entry that is not itself trusted. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/address.hpp>
#include <boost/beast/http/fields.hpp>

#include "http/cidr.hpp"

namespace psm::http {

class TrustedProxies {
 public:
  TrustedProxies() = default;
  explicit TrustedProxies(std::vector<Cidr> networks) : networks_(std::move(networks)) {}
  bool Contains(const boost::asio::ip::address& address) const;
  bool empty() const { return networks_.empty(); }

 private:
  std::vector<Cidr> networks_;
};

// Every X-Forwarded-For field of a request joined with ',' in arrival order; empty if none.
std::string ForwardedFor(const boost::beast::http::fields& fields);

// `forwarded_for` is every X-Forwarded-For value joined with ',' in arrival order (empty if
// none). Walking right to left, trusted hops are skipped; the first untrusted entry is the
// client. An unparsable entry stops the walk and the last trusted hop is used instead, so a
// forged entry can never pose as someone else's address. From an untrusted peer the header is
// ignored. The result is never IPv4-mapped IPv6.
boost::asio::ip::address ResolveClientIp(const boost::asio::ip::address& peer,
                                         std::string_view forwarded_for,
                                         const TrustedProxies& trusted);

// The key that per-address limits count a client under: an IPv4 address as itself, an IPv6
// address as its /64 ("2001:db8:1:2::/64"), since one home, phone or office is given a whole
// /64 and picks addresses from it at will. IPv4-mapped addresses count as IPv4.
std::string LimitKey(const boost::asio::ip::address& client);

}  // namespace psm::http
