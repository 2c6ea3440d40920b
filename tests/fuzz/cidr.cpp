// Fuzzes CIDR parsing (PSM_TRUSTED_PROXIES, PSM_ADMIN_CIDRS): a network that parses prints back
// as text that parses to the same network, and contains its own network address.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "http/cidr.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto cidr = psm::http::Cidr::Parse(text);
  // The list form too, split at commas as the settings are.
  std::vector<std::string> entries;
  for (std::string_view rest = text; !rest.empty();) {
    const auto comma = rest.find(',');
    entries.emplace_back(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
  }
  std::string bad;
  (void)psm::http::ParseCidrList(entries, &bad);
  if (!cidr) return 0;
  const std::string printed = cidr->ToString();
  const auto again = psm::http::Cidr::Parse(printed);
  if (!again || again->ToString() != printed) __builtin_trap();
  const auto slash = printed.rfind('/');
  boost::system::error_code ec;
  const auto network = boost::asio::ip::make_address(printed.substr(0, slash), ec);
  if (ec || !cidr->Contains(network)) __builtin_trap();
  return 0;
}
