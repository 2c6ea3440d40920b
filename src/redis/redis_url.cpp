// redis:// URLs: the few forms psm needs, each mistake named.
#include "redis/redis_url.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace psm::redis {
namespace {

constexpr std::string_view kScheme = "redis://";

Error Bad(std::string_view url, std::string_view why) {
  return Error::Invalid("redis_url",
                        "bad Redis URL \"" + std::string(url) + "\": " + std::string(why));
}

// Digits only, within [lo, hi]; nullopt-like -1 otherwise.
int Number(std::string_view text, int lo, int hi) {
  if (text.empty() || text.size() > 5) return -1;
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return -1;
  }
  int value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value >= lo && value <= hi ? value : -1;
}

bool IsHostName(std::string_view host) {
  return std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' || c == '_';
  });
}

bool IsIpv6(std::string_view host) {
  in6_addr addr{};
  return ::inet_pton(AF_INET6, std::string(host).c_str(), &addr) == 1;
}

}  // namespace

std::string RedisUrl::ToString() const {
  const bool v6 = host.find(':') != std::string::npos;
  return std::string(kScheme) + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + "/" +
         std::to_string(db);
}

Result<RedisUrl> RedisUrl::Parse(std::string_view url) {
  if (url.substr(0, 9) == "rediss://") return Bad(url, "TLS (rediss://) is not supported");
  if (url.substr(0, kScheme.size()) != kScheme) return Bad(url, "it must start with redis://");
  const std::string_view rest = url.substr(kScheme.size());
  if (rest.find('@') != std::string_view::npos) {
    return Bad(url, "a user or password is not supported");
  }
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return Bad(url, "a query or fragment is not supported");
  }
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  const std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash + 1);

  RedisUrl out;
  std::string_view port_text;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return Bad(url, "an IPv6 address lacks its ]");
    out.host = std::string(authority.substr(1, close - 1));
    if (!IsIpv6(out.host)) return Bad(url, "\"" + out.host + "\" is not an IPv6 address");
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return Bad(url, "text after the IPv6 address");
    has_port = !after.empty();
    if (has_port) port_text = after.substr(1);
  } else {
    const std::size_t colon = authority.find(':');
    if (colon != std::string_view::npos &&
        authority.find(':', colon + 1) != std::string_view::npos) {
      return Bad(url, "an IPv6 address must be in brackets, e.g. redis://[::1]:6379");
    }
    out.host = std::string(authority.substr(0, colon));
    has_port = colon != std::string_view::npos;
    if (has_port) port_text = authority.substr(colon + 1);
    if (!IsHostName(out.host)) return Bad(url, "\"" + out.host + "\" is not a host name");
  }
  if (out.host.empty()) return Bad(url, "no host");
  if (has_port) {
    out.port = Number(port_text, 1, 65535);
    if (out.port < 0) return Bad(url, "the port must be a number from 1 to 65535");
  }
  if (!path.empty()) {
    out.db = Number(path, 0, 9999);
    if (out.db < 0) return Bad(url, "the database after / must be a number from 0 to 9999");
  }
  return out;
}

}  // namespace psm::redis
