// Every setting of `psm serve`: its flag, its PSM_* environment variable and its default.
// deploy/.env.example and `psm serve --help` list the same keys.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "auth/rate_limiter.hpp"  // the RateLimits defaults only (header only)
#include "config/store_option.hpp"
#include "config/web_root.hpp"
#include "core/result.hpp"
#include "core/time.hpp"

namespace psm {

struct ServeConfig {
  std::string listen = "0.0.0.0:8080";
  std::string store = kDefaultStoreUrl;
  // redis://HOST:PORT between the nodes of a cluster (a PostgreSQL store): change notifications
  // and shared limits. Empty: the nodes poll the store, and limits are per node.
  std::string redis;
  std::string clock_start;  // "HH:MM": a scaled demo clock; empty = the real clock
  double clock_speed = 1.0;
  std::int64_t clock_origin_ms = 0;  // 0: when the server starts
  std::string poll_date;             // "YYYY-MM-DD"; empty = today in the district
  std::string utc_offset = "+05:30";
  std::string poll_opens = "07:00";
  std::string poll_closes = "18:00";
  int threads = 0;  // event-loop threads; 0 = one per core
  int stale_after_min = 30;
  int no_report_after_min = 30;    // the no_report alert
  std::string admin_cidrs;         // CIDR,…: where admins may log in and act; empty = anywhere
  int pin_digits = 8;              // of a PIN made by a reset (6 to 10)
  std::string rate_limits = "on";  // off: none of the limits below (a benchmark from one address)
  // The request budgets' defaults are auth::RateLimits' (docs/security.md), stated once there.
  double lookup_rate_per_s = auth::RateLimits{}.lookup.rate_per_s;
  double lookup_burst = auth::RateLimits{}.lookup.burst;
  double login_failures_per_min = auth::RateLimits{}.login_failures.rate_per_s * 60;
  double token_rate_per_s = auth::RateLimits{}.token.rate_per_s;
  double token_burst = auth::RateLimits{}.token.burst;
  int max_connections_per_address = 512;  // 0 = no cap
  int max_streams_per_address = 256;      // open event streams; 0 = no cap
  // The per-address request budget of earlier versions; accepted so old settings still start,
  // but unused (public reads have no per-address budget): a warning says so when set.
  double retired_rate_per_s = 0, retired_rate_burst = 0;
  std::string trusted_proxies;  // CIDR,CIDR,…
  std::size_t header_limit = 8 * 1024;
  std::size_t body_limit = 16 * 1024;
  std::size_t batch_body_limit = 1024 * 1024;
  int header_timeout_s = 10;
  int idle_timeout_s = 60;
  int max_connections = 20000;
  double session_ttl_h = 16;
  int writer_flush_ms = 10;
  int writer_max_batch = 512;
  std::string web_root = kDefaultWebRoot;  // see ResolveWebRoot
  std::string log_level = "info";
  bool access_log = false;

  // Resolved by Resolve():
  std::string host;
  unsigned short port = 0;
  PollingDay day;
  std::optional<Instant> clock_start_at;
  std::optional<Instant> clock_origin;  // from clock_origin_ms
  std::vector<std::string> trusted_proxy_list;
  std::vector<std::string> admin_cidr_list;
};

// Registers every option (flag + PSM_ environment variable) on `cmd`.
void AddServeOptions(CLI::App& cmd, ServeConfig& config);

// Checks and derives the resolved fields; `today_utc` decides the default polling date.
Status ResolveServeConfig(ServeConfig& config, Instant now);

// "HOST:PORT" (IPv6 as "[::1]:8080").
Result<std::pair<std::string, unsigned short>> ParseListen(std::string_view text);

}  // namespace psm
