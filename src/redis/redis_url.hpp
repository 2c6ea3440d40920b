// Where a Redis server is: redis://HOST[:PORT][/DB], parsed once at start-up so a typo is a clear
// error before anything connects.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace psm::redis {

struct RedisUrl {
  // A name, an IPv4 address or an IPv6 address (without its brackets). Names are resolved by
  // the system's resolver without a timeout of its own: in production give an address or a
  // name from /etc/hosts.
  std::string host;
  int port = 6379;
  int db = 0;  // SELECTed after each connect; pub/sub channels ignore it

  // redis://HOST:PORT/DB, with brackets around an IPv6 host, for logs and messages.
  std::string ToString() const;

  // Accepts redis://HOST, redis://HOST:PORT, either followed by /DB or a lone /; the port is
  // 1-65535 and DB 0-9999. Everything else — another scheme (rediss:// included: TLS is not
  // supported), a user or password, a query, an IPv6 address without brackets — is kInvalid
  // with reason "redis_url" and a detail naming what is wrong.
  static Result<RedisUrl> Parse(std::string_view url);
};

}  // namespace psm::redis
