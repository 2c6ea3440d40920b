// Parsing --source-range and handing out its addresses to stations and voters.
#include "sim/sim_source_range.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cctype>

#include "core/text.hpp"

namespace psm::sim {
namespace {

constexpr std::uint32_t kLoopbackNetwork = 0x7F000000;  // 127.0.0.0/8

Error Bad(const std::string& detail) {
  return Error::Invalid("bad_source_range", detail);
}

std::uint32_t Mask(int prefix) {
  return prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix);
}

bool IsIpv6(const std::string& host) {
  return host.find(':') != std::string::npos;
}

}  // namespace

std::uint32_t Ipv4Range::FirstUsable() const {
  return prefix >= 31 ? network : network + 1;
}

std::uint64_t Ipv4Range::UsableCount() const {
  const std::uint64_t size = std::uint64_t{1} << (32 - prefix);
  return prefix >= 31 ? size : size - 2;
}

bool Ipv4Range::InLoopback() const {
  return prefix >= 8 && (network & Mask(8)) == kLoopbackNetwork;
}

std::string Ipv4Range::ToString() const {
  return FormatIpv4(network) + "/" + std::to_string(prefix);
}

std::optional<std::uint32_t> ParseIpv4(std::string_view text) {
  std::uint32_t out = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (text.empty() || text.front() != '.') return std::nullopt;
      text.remove_prefix(1);
    }
    const std::size_t digits =
        std::find_if(text.begin(), text.end(), [](char c) { return c < '0' || c > '9'; }) -
        text.begin();
    if (digits == 0 || digits > 3) return std::nullopt;
    const auto value = ParseDigits<std::uint32_t>(text.substr(0, digits));
    if (!value || *value > 255) return std::nullopt;
    out = (out << 8) | *value;
    text.remove_prefix(digits);
  }
  if (!text.empty()) return std::nullopt;
  return out;
}

std::string FormatIpv4(std::uint32_t a) {
  return fmt::format("{}.{}.{}.{}", a >> 24, (a >> 16) & 0xFF, (a >> 8) & 0xFF, a & 0xFF);
}

Result<Ipv4Range> ParseIpv4Range(std::string_view text) {
  const std::string shown(text);
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    return Bad("--source-range must be an IPv4 CIDR such as " + std::string(kDefaultSourceRange) +
               ", or off (got \"" + shown + "\")");
  }
  const auto address = ParseIpv4(text.substr(0, slash));
  const std::string_view bits = text.substr(slash + 1);
  const auto prefix = ParseInt<int>(bits);
  if (!address || !prefix || *prefix < 0 || *prefix > 32) {
    return Bad("--source-range: \"" + shown + "\" is not an IPv4 CIDR (A.B.C.D/N, N 0…32)");
  }
  return Ipv4Range{*address & Mask(*prefix), *prefix};
}

bool IsLoopbackHost(const std::string& host) {
  std::string lower = host;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "localhost") return true;
  const auto address = ParseIpv4(host);
  return address && (*address & Mask(8)) == kLoopbackNetwork;
}

Result<SourceChoice> ChooseSourceRange(const std::string& flag, const std::string& host) {
  SourceChoice out;
  if (flag == "off") return out;
  if (flag.empty()) {
    if (IsIpv6(host)) {
      out.note = "the server is on IPv6 (" + host +
                 "): all traffic comes from one address (IPv6 has one loopback address)";
    } else if (IsLoopbackHost(host)) {
      out.range = *ParseIpv4Range(kDefaultSourceRange);
    }
    return out;
  }
  auto range = ParseIpv4Range(flag);
  if (!range.ok()) return range.error();
  if (IsIpv6(host)) {
    return Bad("--source-range " + flag + " is IPv4 but the server " + host +
               " is IPv6; use an IPv4 URL or --source-range off");
  }
  if (range->InLoopback() && !IsLoopbackHost(host)) {
    return Bad("--source-range " + flag + " is on loopback (127.0.0.0/8) but the server " + host +
               " is not; loopback sources cannot reach it (use off, or a range configured on this "
               "machine)");
  }
  if (!range->InLoopback()) {
    out.note = "--source-range " + range->ToString() +
               " is outside 127.0.0.0/8: its addresses must be configured on this machine and "
               "routable to the server";
  }
  out.range = *range;
  return out;
}

SourceAddresses::SourceAddresses(const Ipv4Range& range) {
  const std::uint64_t usable = range.UsableCount();
  officer_first_ = voter_first_ = range.FirstUsable();
  if (usable < 2) return;
  officer_count_ = usable - usable / 2;
  voter_count_ = usable / 2;
  voter_first_ = officer_first_ + static_cast<std::uint32_t>(officer_count_);
}

std::string SourceAddresses::ForStation(std::size_t i) const {
  return FormatIpv4(officer_first_ + static_cast<std::uint32_t>(i % officer_count_));
}

std::string SourceAddresses::ForVoter(std::uint64_t draw) const {
  return FormatIpv4(voter_first_ + static_cast<std::uint32_t>(draw % voter_count_));
}

}  // namespace psm::sim
