// X-Forwarded-For resolution.
#include "http/client_ip.hpp"

#include <algorithm>
#include <string>

#include "core/text.hpp"

namespace psm::http {

bool TrustedProxies::Contains(const boost::asio::ip::address& address) const {
  for (const Cidr& c : networks_) {
    if (c.Contains(address)) return true;
  }
  return false;
}

std::string ForwardedFor(const boost::beast::http::fields& fields) {
  std::string joined;
  auto range = fields.equal_range("X-Forwarded-For");
  for (auto it = range.first; it != range.second; ++it) {
    if (!joined.empty()) joined += ',';
    joined.append(it->value().data(), it->value().size());
  }
  return joined;
}

boost::asio::ip::address ResolveClientIp(const boost::asio::ip::address& peer,
                                         std::string_view forwarded_for,
                                         const TrustedProxies& trusted) {
  boost::asio::ip::address current = Unmapped(peer);
  if (forwarded_for.empty() || !trusted.Contains(current)) return current;
  std::string_view rest = forwarded_for;
  while (!rest.empty()) {
    auto comma = rest.rfind(',');
    std::string_view entry =
        Trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1), kBlanks);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(0, comma);
    if (entry.empty()) continue;
    boost::system::error_code ec;
    auto address = boost::asio::ip::make_address(std::string(entry), ec);
    if (ec) return current;
    current = Unmapped(address);
    if (!trusted.Contains(current)) return current;
  }
  return current;
}

std::string LimitKey(const boost::asio::ip::address& client) {
  const boost::asio::ip::address a = Unmapped(client);
  if (a.is_v4()) return a.to_string();
  auto bytes = a.to_v6().to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return boost::asio::ip::address_v6(bytes).to_string() + "/64";
}

}  // namespace psm::http
