// Options are declared once here so flag names, variable names and defaults cannot drift apart.
#include "config/serve_config.hpp"

#include "core/text.hpp"

namespace psm {

void AddServeOptions(CLI::App& cmd, ServeConfig& c) {
  auto opt = [&](const char* flag, auto& value, const char* env, const char* help) {
    cmd.add_option(flag, value, help)->envname(env)->capture_default_str();
  };
  opt("--listen", c.listen, "PSM_LISTEN", "HOST:PORT to listen on");
  AddStoreOption(cmd, c.store);
  opt("--redis", c.redis, "PSM_REDIS",
      "redis://HOST:PORT between the nodes of a cluster on PostgreSQL: changes reach every node "
      "at once and look-up and login limits are shared (default: none; the nodes poll the store "
      "every 250 ms and limit alone)");
  opt("--clock-start", c.clock_start, "PSM_CLOCK_START",
      "start a scaled clock at HH:MM today (demo/simulation); default: the real clock");
  opt("--clock-speed", c.clock_speed, "PSM_CLOCK_SPEED", "scaled clock speed (N × real time)");
  opt("--clock-origin", c.clock_origin_ms, "PSM_CLOCK_ORIGIN",
      "Unix time in ms at which the scaled clock read --clock-start (give every node of a "
      "cluster the same); default: when this server starts");
  opt("--poll-date", c.poll_date, "PSM_POLL_DATE", "polling day YYYY-MM-DD (default: today)");
  opt("--utc-offset", c.utc_offset, "PSM_UTC_OFFSET", "the district's UTC offset");
  opt("--poll-opens", c.poll_opens, "PSM_POLL_OPENS", "poll opening time HH:MM");
  opt("--poll-closes", c.poll_closes, "PSM_POLL_CLOSES", "poll closing time HH:MM");
  opt("--threads", c.threads, "PSM_THREADS", "event-loop threads (0 = one per core)");
  opt("--stale-after-min", c.stale_after_min, "PSM_STALE_AFTER_MIN",
      "minutes without a queue report before a station is stale");
  opt("--no-report-after-min", c.no_report_after_min, "PSM_NO_REPORT_AFTER_MIN",
      "minutes without a queue report before an open station raises a no_report alert");
  opt("--admin-cidrs", c.admin_cidrs, "PSM_ADMIN_CIDRS",
      "CIDR,… from which admins may log in and act (empty: anywhere)");
  opt("--pin-digits", c.pin_digits, "PSM_PIN_DIGITS",
      "digits of a PIN made by an admin's PIN reset (6 to 10; PINs of any such length log in)");
  cmd.add_option("--rate-limits", c.rate_limits,
                 "on|off: every limit below (off for a benchmark from one address)")
      ->envname("PSM_RATE_LIMITS")
      ->check(CLI::IsMember({"on", "off"}))
      ->capture_default_str();
  opt("--lookup-rate", c.lookup_rate_per_s, "PSM_LOOKUP_RATE",
      "EPIC look-ups/s per client address (IPv6: per /64)");
  opt("--lookup-burst", c.lookup_burst, "PSM_LOOKUP_BURST", "EPIC look-up burst per address");
  opt("--login-failures-per-min", c.login_failures_per_min, "PSM_LOGIN_FAILURES_PER_MIN",
      "failed logins a minute per client address (also the burst)");
  opt("--token-rate", c.token_rate_per_s, "PSM_TOKEN_RATE",
      "authenticated requests/s per login (officer or control-room token)");
  opt("--token-burst", c.token_burst, "PSM_TOKEN_BURST", "authenticated request burst per login");
  opt("--max-connections-per-address", c.max_connections_per_address,
      "PSM_MAX_CONNECTIONS_PER_ADDRESS",
      "open connections per client address, trusted proxies excepted (0 = no cap)");
  opt("--max-streams-per-address", c.max_streams_per_address, "PSM_MAX_STREAMS_PER_ADDRESS",
      "open event streams per client address (0 = no cap)");
  // Retired, so hidden from --help and deploy/.env.example; still accepted (see ServeConfig).
  cmd.add_option("--rate", c.retired_rate_per_s)->envname("PSM_RATE")->group("");
  cmd.add_option("--rate-burst", c.retired_rate_burst)->envname("PSM_RATE_BURST")->group("");
  opt("--trusted-proxies", c.trusted_proxies, "PSM_TRUSTED_PROXIES",
      "CIDR,… whose X-Forwarded-For is believed");
  opt("--header-limit", c.header_limit, "PSM_HEADER_LIMIT", "largest request header (bytes)");
  opt("--body-limit", c.body_limit, "PSM_BODY_LIMIT", "largest body of one report (bytes)");
  opt("--batch-body-limit", c.batch_body_limit, "PSM_BATCH_BODY_LIMIT",
      "largest body of a report batch (bytes)");
  opt("--header-timeout", c.header_timeout_s, "PSM_HEADER_TIMEOUT", "seconds to send a header");
  opt("--idle-timeout", c.idle_timeout_s, "PSM_IDLE_TIMEOUT", "keep-alive idle seconds");
  opt("--max-connections", c.max_connections, "PSM_MAX_CONNECTIONS", "open connections at most");
  opt("--session-ttl-hours", c.session_ttl_h, "PSM_SESSION_TTL_HOURS", "login lifetime (hours)");
  opt("--writer-flush-ms", c.writer_flush_ms, "PSM_WRITER_FLUSH_MS",
      "longest a report waits for its group commit");
  opt("--writer-max-batch", c.writer_max_batch, "PSM_WRITER_MAX_BATCH", "reports per commit");
  opt("--web-root", c.web_root, "PSM_WEB_ROOT",
      "folder of the web pages; if the default web is not in the working folder, the installed "
      "pages beside the program (BINDIR/../share/psm/web)");
  opt("--log-level", c.log_level, "PSM_LOG_LEVEL", "trace|debug|info|warn|error");
  cmd.add_flag("--access-log", c.access_log, "log every request")->envname("PSM_ACCESS_LOG");
}

Result<std::pair<std::string, unsigned short>> ParseListen(std::string_view text) {
  std::string_view host, port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find("]:");
    if (close == std::string_view::npos) return Error::Invalid("listen", "expected [IPv6]:PORT");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return Error::Invalid("listen", "expected HOST:PORT");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  const auto value = ParseInt<unsigned short>(port);
  if (host.empty() || !value)
    return Error::Invalid("listen",
                          "bad --listen \"" + std::string(text) + "\": expected HOST:PORT");
  return std::make_pair(std::string(host), *value);
}

Status ResolveServeConfig(ServeConfig& c, Instant now) {
  auto listen = ParseListen(c.listen);
  if (!listen.ok()) return listen.error();
  c.host = listen->first;
  c.port = listen->second;

  const auto bad = [](std::string what) {
    return Status(Error::Invalid("config", std::move(what)));
  };
  if (!c.redis.empty() && c.store.rfind("postgres", 0) != 0) {
    return bad("--redis joins the nodes of a cluster, which share a PostgreSQL store; " + c.store +
               " is served by one node alone");
  }
  // "+05:30" / "-03:00"
  if (c.utc_offset.size() != 6 || (c.utc_offset[0] != '+' && c.utc_offset[0] != '-'))
    return bad("bad --utc-offset \"" + c.utc_offset + "\": expected +HH:MM");
  const auto offset = ParseClockTime(c.utc_offset.substr(1));
  if (!offset) return bad("bad --utc-offset \"" + c.utc_offset + "\": expected +HH:MM");
  c.day.utc_offset = c.utc_offset[0] == '-' ? -*offset : *offset;

  const auto opens = ParseClockTime(c.poll_opens);
  const auto closes = ParseClockTime(c.poll_closes);
  if (!opens || !closes || *closes <= *opens)
    return bad("bad poll hours " + c.poll_opens + "–" + c.poll_closes);
  c.day.opens = *opens;
  c.day.closes = *closes;

  if (c.poll_date.empty()) {
    c.day.date = PollingDay::LocalDateOf(now, c.day.utc_offset);
  } else {
    const auto date = ParseDate(c.poll_date);
    if (!date) return bad("bad --poll-date \"" + c.poll_date + "\": expected YYYY-MM-DD");
    c.day.date = *date;
  }
  if (!c.clock_start.empty()) {
    const auto start = ParseClockTime(c.clock_start);
    if (!start) return bad("bad --clock-start \"" + c.clock_start + "\": expected HH:MM");
    c.clock_start_at = c.day.At(*start);
    if (c.clock_origin_ms != 0) c.clock_origin = Instant(Millis(c.clock_origin_ms));
  }
  if (!(c.clock_speed > 0 && c.clock_speed <= 10000))
    return bad("--clock-speed must be in (0, 10000]");
  if (c.stale_after_min <= 0) return bad("--stale-after-min must be positive");
  if (c.no_report_after_min <= 0) return bad("--no-report-after-min must be positive");
  if (c.threads < 0 || c.threads > 256) return bad("--threads must be 0…256");
  if (c.max_connections <= 0) return bad("--max-connections must be positive");
  if (!(c.session_ttl_h > 0)) return bad("--session-ttl-hours must be positive");
  if (c.writer_flush_ms < 0 || c.writer_max_batch <= 0) return bad("bad writer settings");
  if (!(c.lookup_rate_per_s > 0) || !(c.lookup_burst >= 1) || !(c.token_rate_per_s > 0) ||
      !(c.token_burst >= 1))
    return bad("rates must be positive and bursts at least 1");
  if (!(c.login_failures_per_min >= 1)) return bad("--login-failures-per-min must be at least 1");
  if (c.pin_digits < 6 || c.pin_digits > 10) return bad("--pin-digits must be 6 to 10");
  if (c.max_connections_per_address < 0 || c.max_streams_per_address < 0)
    return bad("per-address caps must be 0 (no cap) or more");
  const auto split = [](std::string_view list) {
    std::vector<std::string> out;
    for (std::string_view item : Split(list, ',')) {
      if (!item.empty()) out.emplace_back(item);
    }
    return out;
  };
  c.trusted_proxy_list = split(c.trusted_proxies);
  c.admin_cidr_list = split(c.admin_cidrs);
  return Status();
}

}  // namespace psm
