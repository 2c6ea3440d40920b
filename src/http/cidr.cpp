// CIDR parsing and matching on raw address bytes.
#include "http/cidr.hpp"

#include "core/text.hpp"

namespace psm::http {
namespace {

namespace ip = boost::asio::ip;

template <class Bytes>
bool PrefixEqual(const Bytes& a, const Bytes& b, unsigned prefix) {
  unsigned full = prefix / 8;
  for (unsigned i = 0; i < full; ++i) {
    if (a[i] != b[i]) return false;
  }
  unsigned rest = prefix % 8;
  if (rest == 0) return true;
  auto mask = static_cast<unsigned char>(0xFF << (8 - rest));
  return (a[full] & mask) == (b[full] & mask);
}

template <class Bytes>
void MaskHostBits(Bytes& bytes, unsigned prefix) {
  for (unsigned bit = prefix; bit < bytes.size() * 8; ++bit) {
    bytes[bit / 8] &= static_cast<unsigned char>(~(0x80u >> (bit % 8)));
  }
}

}  // namespace

ip::address Unmapped(const ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return ip::make_address_v4(ip::v4_mapped, address.to_v6());
  }
  return address;
}

std::optional<Cidr> Cidr::Parse(std::string_view text) {
  std::string_view addr_text = text;
  std::optional<unsigned> prefix;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    addr_text = text.substr(0, slash);
    prefix = ParseInt<unsigned>(text.substr(slash + 1));
    if (!prefix) return std::nullopt;
  }
  // A zone ("fe80::1%eth0") names an interface, not a network, and Boost reads an unknown or
  // overlong one as some other number that prints back differently: refused, not guessed.
  if (addr_text.find('%') != std::string_view::npos) return std::nullopt;
  boost::system::error_code ec;
  ip::address address = ip::make_address(std::string(addr_text), ec);
  if (ec) return std::nullopt;
  address = Unmapped(address);
  unsigned width = address.is_v4() ? 32 : 128;
  if (prefix && *prefix > width) return std::nullopt;
  Cidr cidr;
  cidr.prefix_ = prefix.value_or(width);
  if (address.is_v4()) {
    auto bytes = address.to_v4().to_bytes();
    MaskHostBits(bytes, cidr.prefix_);
    cidr.network_ = ip::address_v4(bytes);
  } else {
    auto v6 = address.to_v6();
    auto bytes = v6.to_bytes();
    MaskHostBits(bytes, cidr.prefix_);
    cidr.network_ = ip::address_v6(bytes, v6.scope_id());
  }
  return cidr;
}

bool Cidr::Contains(const ip::address& raw) const {
  ip::address address = Unmapped(raw);
  if (address.is_v4() != network_.is_v4()) return false;
  if (address.is_v4()) {
    return PrefixEqual(address.to_v4().to_bytes(), network_.to_v4().to_bytes(), prefix_);
  }
  return PrefixEqual(address.to_v6().to_bytes(), network_.to_v6().to_bytes(), prefix_);
}

std::string Cidr::ToString() const {
  return network_.to_string() + "/" + std::to_string(prefix_);
}

std::optional<std::vector<Cidr>> ParseCidrList(const std::vector<std::string>& texts,
                                               std::string* bad_entry) {
  std::vector<Cidr> out;
  for (const std::string& text : texts) {
    auto cidr = Cidr::Parse(text);
    if (!cidr) {
      if (bad_entry) *bad_entry = text;
      return std::nullopt;
    }
    out.push_back(*cidr);
  }
  return out;
}

}  // namespace psm::http
