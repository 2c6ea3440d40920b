// `psm serve`: loads the district from the store, wires Board, Writer, bus, auth and HTTP,
// serves until SIGINT/SIGTERM, then drains in-flight requests and flushes the writer.
#include <algorithm>
#include <csignal>

#include <spdlog/spdlog.h>

#include "api/routes.hpp"
#include "api/static_files.hpp"
#include "app/commands.hpp"
#include "app/logging.hpp"
#include "app/writer_metrics.hpp"
#include "bus/bus.hpp"
#include "http/limit_refusals.hpp"
#include "http/server.hpp"
#include "store/serve_lock.hpp"

namespace psm::app {

extern const std::string_view kOpenApiYaml;  // generated from docs/openapi.yaml

namespace {

// Blocks SIGINT and SIGTERM in every thread started after this, so sigwait() gets them.
sigset_t BlockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

Result<ElectorIndex> LoadElectors(Store& store, const Board& board) {
  ElectorIndex index;
  std::size_t orphans = 0;
  Status st = store.ForEachElector([&](const Elector& e) {
    const auto packed = ElectorIndex::Pack(e.epic);
    const auto station = board.IndexOf(e.station);
    if (!packed || !station || !index.Add(*packed, *station)) ++orphans;
    return true;
  });
  if (!st.ok()) return st.error();
  index.Finish();
  if (orphans)
    spdlog::warn(
        "{} electors skipped: unknown station, malformed EPIC or station number out of range",
        orphans);
  return index;
}

// Officers and control-room users stay logged in across a restart.
Result<std::size_t> WarmSessions(Store& store, auth::SessionCache& cache, Instant now) {
  auto live = store.LiveSessions(now);
  if (!live.ok()) return live.error();
  std::size_t loaded = 0;
  for (const SessionRecord& s : *live) {
    auth::Principal p;
    p.role = s.role;
    p.station = s.station;
    p.user = s.user;
    p.expires_at = s.expires_at;
    if (s.role != Role::kOfficer) {
      auto user = store.FindUser(s.user);
      if (!user.ok()) return user.error();
      if (!user.value() || user.value()->disabled) continue;  // revoked since the login
      p.stations = user.value()->stations;
    }
    cache.Put(s.token_hash, std::move(p));
    ++loaded;
  }
  return loaded;
}

// Ends the cached sessions of control-room users who were disabled, removed or given another
// set of stations since they logged in (by `psm admin` in another process). Pool thread.
void RevokeChangedUsers(Store& store, auth::SessionCache& sessions) {
  auto users = store.ListUsers();
  if (!users.ok()) {
    spdlog::warn("re-reading users failed: {}", users.error().detail);
    return;
  }
  const std::size_t revoked = sessions.EraseIf([&](const auth::Principal& p) {
    if (p.role == Role::kOfficer) return false;
    const auto u =
        std::find_if(users->begin(), users->end(), [&](const User& x) { return x.name == p.user; });
    return u == users->end() || u->disabled || u->role != p.role || u->stations != p.stations;
  });
  if (revoked) spdlog::info("{} sessions of changed or disabled users ended", revoked);
}

// Each entry of a CIDR list flag, or nullopt after logging the first bad one.
std::optional<std::vector<http::Cidr>> ParseCidrs(const std::vector<std::string>& entries,
                                                  std::string_view flag) {
  std::string bad;
  auto parsed = http::ParseCidrList(entries, &bad);
  if (!parsed) spdlog::error("bad {} entry \"{}\"", flag, bad);
  return parsed;
}

}  // namespace

int RunServe(ServeConfig config) {
  SetUpLogging(config.log_level);
  SystemClock system_clock;
  if (Status st = ResolveServeConfig(config, system_clock.Now()); !st.ok()) {
    spdlog::error("{}", st.error().detail);
    return 2;
  }
  // Bad networks fail at once, before the roll is loaded.
  auto admin_cidrs = ParseCidrs(config.admin_cidr_list, "--admin-cidrs");
  auto trusted_proxies = ParseCidrs(config.trusted_proxy_list, "--trusted-proxies");
  if (!admin_cidrs || !trusted_proxies) return 2;
  const sigset_t stop_signals = BlockStopSignals();
  // Before the roll is loaded: a second server on this port or store fails at once.
  boost::system::error_code address_ec;
  const auto listen_address = boost::asio::ip::make_address(config.host, address_ec);
  if (address_ec) {
    spdlog::error("bad --listen address \"{}\"", config.host);
    return 2;
  }
  auto listen_claim = http::ListenClaim::Take(listen_address, config.port);
  if (!listen_claim.ok()) {
    spdlog::error("cannot listen on {}: {}", config.listen, listen_claim.error().detail);
    return 1;
  }

  auto store = OpenForCli(config.store);
  if (!store) return 1;
  auto serve_lock = ServeLock::Take(config.store);
  if (!serve_lock.ok()) {
    spdlog::error("{}", serve_lock.error().detail);
    return 1;
  }
  auto constituencies = store->LoadConstituencies();
  auto stations = store->LoadStations();
  if (!constituencies.ok() || !stations.ok()) {
    spdlog::error("cannot load the district: {}",
                  (!constituencies.ok() ? constituencies.error() : stations.error()).detail);
    return 1;
  }
  if (stations->empty()) {
    spdlog::error("no polling stations in {}; load a roll first: psm import --store {} DIR",
                  config.store, config.store);
    return 1;
  }
  Board board(std::move(constituencies).value(), std::move(stations).value());
  auto electors = LoadElectors(*store, board);
  if (!electors.ok()) {
    spdlog::error("cannot load electors: {}", electors.error().detail);
    return 1;
  }

  auth::SessionCache sessions;
  auto warmed = WarmSessions(*store, sessions, system_clock.Now());
  if (!warmed.ok()) {
    spdlog::error("cannot load sessions: {}", warmed.error().detail);
    return 1;
  }

  std::unique_ptr<Clock> clock;
  if (config.clock_start_at) {
    clock = std::make_unique<ScaledClock>(*config.clock_start_at, config.clock_speed);
  } else {
    clock = std::make_unique<SystemClock>();
  }

  http::Metrics metrics;
  // Event ids start from the wall clock so they keep growing across restarts.
  http::SseHubOptions hub_options;
  hub_options.first_id = static_cast<std::uint64_t>(system_clock.Now().time_since_epoch().count());
  http::SseHub hub(hub_options);
  LocalBus bus;
  bus.Subscribe([&hub](const BusEvent& e) { hub.Publish(e.type, e.station, e.ac, *e.data); });

  StatusOptions status_options;
  status_options.stale_after = std::chrono::minutes(config.stale_after_min);
  WriterOptions writer_options;
  writer_options.flush_interval = std::chrono::milliseconds(config.writer_flush_ms);
  writer_options.max_batch = static_cast<std::size_t>(config.writer_max_batch);
  writer_options.alerts.no_report_after = std::chrono::minutes(config.no_report_after_min);
  // Alerts are evaluated every 30 s of the server's clock: 0.5 s of real time at 60×. Below a
  // quarter second the pass over every station would cost more than it tells.
  const double alert_speed = config.clock_start_at ? config.clock_speed : 1.0;
  writer_options.alert_interval =
      std::max(std::chrono::milliseconds(250),
               std::chrono::milliseconds(static_cast<long long>(30000.0 / alert_speed)));
  WriterMetrics writer_metrics(metrics);
  Writer writer(std::move(store), board, bus, *clock, config.day, status_options, writer_options,
                &writer_metrics);
  if (Status st = writer.Load(); !st.ok()) {
    spdlog::error("cannot replay stored reports: {}", st.error().detail);
    return 1;
  }
  if (writer.orphan_reports() > 0) {
    spdlog::warn("{} stored reports belong to stations no longer on the roll; kept, not shown",
                 writer.orphan_reports());
  }

  const bool limits_on = config.rate_limits == "on";
  if (config.retired_rate_per_s != 0 || config.retired_rate_burst != 0) {
    spdlog::warn(
        "--rate/PSM_RATE and --rate-burst/PSM_RATE_BURST are no longer used: public reads have "
        "no per-address request budget; see docs/security.md for the limits that apply");
  }
  http::LimitRefusals refusals(metrics);
  auth::RateLimits rate_limits;
  rate_limits.enabled = limits_on;
  rate_limits.lookup = {config.lookup_rate_per_s, config.lookup_burst};
  rate_limits.login_failures = {config.login_failures_per_min / 60.0,
                                config.login_failures_per_min};
  rate_limits.token = {config.token_rate_per_s, config.token_burst};
  api::RequestLimits request_limits(rate_limits, refusals);
  auth::LoginThrottle pin_throttle(system_clock);
  auth::LoginThrottle password_throttle(system_clock, 5, std::chrono::minutes(5), "password");
  api::BlockingPool pool(config.store, 2);
  if (Status st = pool.Start(); !st.ok()) {
    spdlog::error("cannot open the store for the worker pool: {}", st.error().detail);
    return 1;
  }

  api::ApiOptions api_options;
  api_options.session_ttl =
      std::chrono::milliseconds(static_cast<long long>(config.session_ttl_h * 3600.0 * 1000.0));
  api_options.batch_body_limit = config.batch_body_limit;
  api_options.admin_cidrs = std::move(*admin_cidrs);
  api_options.default_headers = {{"X-Content-Type-Options", "nosniff"},
                                 {"Referrer-Policy", "no-referrer"}};
  api::ApiContext ctx{board,          *electors,
                      writer,         *clock,
                      system_clock,   hub,
                      metrics,        sessions,
                      pin_throttle,   password_throttle,
                      request_limits, pool,
                      api_options,    std::string(kOpenApiYaml)};
  metrics.AddCallbackGauge("psm_writer_queue", "reports waiting for the writer",
                           [&writer] { return static_cast<double>(writer.queued()); });

  http::Router router;
  api::AddRoutes(router, ctx);
  auto pages = api::LoadStaticFiles(config.web_root);
  if (!pages.ok()) {
    spdlog::error("cannot load the web pages: {}", pages.error().detail);
    return 1;
  }
  if (pages->empty()) spdlog::warn("no web pages under {}; serving the API only", config.web_root);
  api::AddStaticRoutes(router, std::move(pages).value());

  http::ServerOptions server_options;
  server_options.host = config.host;
  server_options.port = config.port;
  server_options.threads = static_cast<unsigned>(config.threads);
  server_options.header_limit = config.header_limit;
  server_options.default_body_limit = config.body_limit;
  server_options.header_timeout = std::chrono::seconds(config.header_timeout_s);
  server_options.idle_timeout = std::chrono::seconds(config.idle_timeout_s);
  server_options.max_connections = static_cast<std::size_t>(config.max_connections);
  server_options.trusted_proxies = std::move(*trusted_proxies);
  server_options.default_headers = api_options.default_headers;
  if (limits_on) {
    server_options.max_connections_per_address =
        static_cast<std::size_t>(config.max_connections_per_address);
    server_options.max_streams_per_address =
        static_cast<std::size_t>(config.max_streams_per_address);
  }
  server_options.refusals = &refusals;
  server_options.access_log = config.access_log;

  writer.Start();
  http::Server server(server_options, router, metrics);
  if (Status st = server.Start(std::move(listen_claim).value()); !st.ok()) {
    spdlog::error("cannot listen on {}: {}", config.listen, st.error().detail);
    writer.Stop();
    return 1;
  }
  ctx.ready = true;
  spdlog::info(
      "psm serve: listening on {}:{} — {} stations, {} electors, polling day {} ({}), "
      "clock {}",
      config.host, server.Port(), board.size(), electors->size(), FormatDate(config.day.date),
      FormatUtcOffset(config.day.utc_offset),
      config.clock_start_at ? "scaled x" + std::to_string(config.clock_speed) : "real");

  // The main thread waits for a stop signal. Every 5 s it has the pool re-read the users, so a
  // user disabled (or given other stations) with `psm admin` loses their sessions within
  // seconds; once a minute it forgets expired sessions.
  int signal = 0;
  const timespec tick{5, 0};
  for (int ticks = 1; (signal = sigtimedwait(&stop_signals, nullptr, &tick)) < 0; ++ticks) {
    pool.Post([&sessions](Store& s) { RevokeChangedUsers(s, sessions); });
    if (ticks % 12 != 0) continue;
    const Instant now = system_clock.Now();
    sessions.PurgeExpired(now);
    pool.Post([now](Store& s) {
      if (Status st = s.DeleteExpiredSessions(now); !st.ok())
        spdlog::warn("purging expired sessions failed: {}", st.error().detail);
    });
  }
  spdlog::info("psm serve: signal {} received; draining", signal);
  ctx.draining = true;
  server.Stop(std::chrono::seconds(10));  // in-flight reports still reach the running writer
  writer.Stop();                          // commits whatever is queued
  pool.Stop();
  spdlog::info("psm serve: stopped cleanly");
  return 0;
}

}  // namespace psm::app
