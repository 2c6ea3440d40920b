// Fuzzes X-Forwarded-For resolution: the header's value from a trusted proxy, walked right to
// left. The result is never IPv4-mapped, and its limit key is stable.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <boost/asio/ip/address.hpp>

#include "http/client_ip.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace ip = boost::asio::ip;
  static const psm::http::TrustedProxies trusted(
      *psm::http::ParseCidrList({"127.0.0.0/8", "::1/128", "10.0.0.0/8", "fd00::/8"}));
  static const ip::address proxies[] = {ip::make_address("127.0.0.1"),
                                        ip::make_address("::ffff:10.1.2.3"),
                                        ip::make_address("203.0.113.9")};
  const std::string_view forwarded(reinterpret_cast<const char*>(data), size);
  for (const auto& peer : proxies) {
    const auto client = psm::http::ResolveClientIp(peer, forwarded, trusted);
    if (client.is_v6() && client.to_v6().is_v4_mapped()) __builtin_trap();
    // From an untrusted peer the header changes nothing.
    if (!trusted.Contains(peer) && client != peer) __builtin_trap();
    const std::string key = psm::http::LimitKey(client);
    if (key.empty() || key != psm::http::LimitKey(client)) __builtin_trap();
  }
  return 0;
}
