// `psm serve`: loads the district from the store, wires Board, Writer, bus, auth and HTTP,
// serves until SIGINT/SIGTERM, then drains in-flight requests and flushes the writer.
#include <algorithm>
#include <csignal>

#include <spdlog/spdlog.h>

#include "api/routes.hpp"
#include "api/static_files.hpp"
#include "app/cluster_node.hpp"
#include "app/commands.hpp"
#include "app/logging.hpp"
#include "app/writer_metrics.hpp"
#include "bus/bus.hpp"
#include "http/limit_refusals.hpp"
#include "http/server.hpp"
#include "redis/shared_counts.hpp"
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
    auth::Principal p = PrincipalOf(s);
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

// WarmSessions on a connection of its own (the writer's is the writer thread's); logs why not.
bool WarmSessionsFrom(const std::string& store_url, auth::SessionCache& cache, Instant now) {
  auto store = OpenStore(store_url);
  auto warmed = store.ok() ? WarmSessions(**store, cache, now) : store.error();
  if (!warmed.ok()) spdlog::error("cannot load sessions: {}", warmed.error().detail);
  return warmed.ok();
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

// Alerts are evaluated every 30 s of the server's clock: 0.5 s of real time at 60×. Below a
// quarter second the pass over every station would cost more than it tells.
constexpr std::chrono::milliseconds kAlertInterval{30000};
constexpr std::chrono::milliseconds kShortestAlertInterval{250};
// Threads with their own store connection for the blocking work of requests (exports, audit).
constexpr std::size_t kBlockingPoolThreads = 2;
// How often the main thread has users re-read (a user disabled with `psm admin` loses their
// sessions within this), and every how many of those ticks expired sessions are forgotten.
constexpr timespec kUserRecheckTick{5, 0};
constexpr int kSessionPurgeEveryTicks = 12;  // once a minute
// On SIGTERM, in-flight requests get this long to finish before connections are closed.
constexpr std::chrono::seconds kDrainTimeout{10};

// The parts of the command line that fail before anything is loaded.
struct Networks {
  std::vector<http::Cidr> admin_cidrs;
  std::vector<http::Cidr> trusted_proxies;
  http::ListenClaim listen_claim;
};

// Bad networks or a port another server holds fail at once, before the roll is loaded; logs why.
std::optional<Networks> ClaimNetworks(const ServeConfig& config) {
  auto admin_cidrs = ParseCidrs(config.admin_cidr_list, "--admin-cidrs");
  auto trusted_proxies = ParseCidrs(config.trusted_proxy_list, "--trusted-proxies");
  if (!admin_cidrs || !trusted_proxies) return std::nullopt;
  boost::system::error_code address_ec;
  const auto listen_address = boost::asio::ip::make_address(config.host, address_ec);
  if (address_ec) {
    spdlog::error("bad --listen address \"{}\"", config.host);
    return std::nullopt;
  }
  auto claim = http::ListenClaim::Take(listen_address, config.port);
  if (!claim.ok()) {
    spdlog::error("cannot listen on {}: {}", config.listen, claim.error().detail);
    return std::nullopt;
  }
  return Networks{std::move(*admin_cidrs), std::move(*trusted_proxies), std::move(claim).value()};
}

// The district's stations and constituencies from the store; logs why when it cannot.
std::unique_ptr<Board> LoadBoard(Store& store, const std::string& store_url) {
  auto constituencies = store.LoadConstituencies();
  auto stations = store.LoadStations();
  if (!constituencies.ok() || !stations.ok()) {
    spdlog::error("cannot load the district: {}",
                  (!constituencies.ok() ? constituencies.error() : stations.error()).detail);
    return nullptr;
  }
  if (stations->empty()) {
    spdlog::error("no polling stations in {}; load a roll first: psm import --store {} DIR",
                  store_url, store_url);
    return nullptr;
  }
  return std::make_unique<Board>(std::move(constituencies).value(), std::move(stations).value());
}

// What `psm serve` holds of the store for its whole run.
struct District {
  std::unique_ptr<Store> store;
  ServeLock lock;  // no second server on this store while held
  std::unique_ptr<Board> board;
  ElectorIndex electors;
};

// Opens the store, takes its serve lock and loads the district; logs why not.
std::optional<District> OpenDistrict(const ServeConfig& config) {
  District d;
  d.store = OpenForCli(config.store);
  if (!d.store) return std::nullopt;
  // Says after an upgrade that the migrations ran, and which schema the server reads.
  auto schema = d.store->SchemaVersion();
  if (!schema.ok()) {
    spdlog::error("cannot read the schema version of {}: {}", config.store, schema.error().detail);
    return std::nullopt;
  }
  spdlog::info("store {} at schema version {}", config.store, *schema);
  auto lock = ServeLock::Take(config.store);
  if (!lock.ok()) {
    spdlog::error("{}", lock.error().detail);
    return std::nullopt;
  }
  d.lock = std::move(lock).value();
  d.board = LoadBoard(*d.store, config.store);
  if (!d.board) return std::nullopt;
  auto electors = LoadElectors(*d.store, *d.board);
  if (!electors.ok()) {
    spdlog::error("cannot load electors: {}", electors.error().detail);
    return std::nullopt;
  }
  d.electors = std::move(electors).value();
  return d;
}

std::unique_ptr<Clock> PollingDayClock(const ServeConfig& config) {
  if (config.clock_start_at)
    return std::make_unique<ScaledClock>(*config.clock_start_at, config.clock_speed,
                                         config.clock_origin);
  return std::make_unique<SystemClock>();
}

http::SseHubOptions HubOptionsAt(Instant now, bool cluster) {
  http::SseHubOptions o;
  // A single node's event ids start from the wall clock so they keep growing across restarts;
  // a cluster's are the store's sequence numbers (BusEvent::seq), the same on every node.
  o.first_id = cluster ? 1 : static_cast<std::uint64_t>(now.time_since_epoch().count());
  return o;
}

// Rebuilds the day from the stored reports; logs why not.
bool ReplayReports(Writer& writer) {
  if (Status st = writer.Load(); !st.ok()) {
    spdlog::error("cannot replay stored reports: {}", st.error().detail);
    return false;
  }
  if (writer.orphan_reports() > 0) {
    spdlog::warn("{} stored reports belong to stations no longer on the roll; kept, not shown",
                 writer.orphan_reports());
  }
  return true;
}

void LogListening(const ServeConfig& config, unsigned short port, std::size_t stations,
                  std::size_t electors) {
  spdlog::info(
      "psm serve: listening on {}:{} — {} stations, {} electors, polling day {} ({}), clock {}",
      config.host, port, stations, electors, FormatDate(config.day.date),
      FormatUtcOffset(config.day.utc_offset),
      config.clock_start_at ? fmt::format("scaled x{:g}", config.clock_speed) : "real");
}

WriterOptions WriterOptionsFor(const ServeConfig& config) {
  WriterOptions o;
  o.flush_interval = std::chrono::milliseconds(config.writer_flush_ms);
  o.max_batch = static_cast<std::size_t>(config.writer_max_batch);
  o.alerts.no_report_after = std::chrono::minutes(config.no_report_after_min);
  const double speed = config.clock_start_at ? config.clock_speed : 1.0;
  o.alert_interval =
      std::max(kShortestAlertInterval,
               std::chrono::milliseconds(static_cast<long long>(kAlertInterval.count() / speed)));
  return o;
}

auth::RateLimits RateLimitsFor(const ServeConfig& config) {
  if (config.retired_rate_per_s != 0 || config.retired_rate_burst != 0) {
    spdlog::warn(
        "--rate/PSM_RATE and --rate-burst/PSM_RATE_BURST are no longer used: public reads have "
        "no per-address request budget; see docs/security.md for the limits that apply");
  }
  auth::RateLimits limits;
  limits.enabled = config.rate_limits == "on";
  limits.lookup = {config.lookup_rate_per_s, config.lookup_burst};
  limits.login_failures = {config.login_failures_per_min / 60.0, config.login_failures_per_min};
  limits.token = {config.token_rate_per_s, config.token_burst};
  return limits;
}

api::ApiOptions ApiOptionsFor(const ServeConfig& config, std::vector<http::Cidr> admin_cidrs) {
  api::ApiOptions o;
  o.session_ttl =
      std::chrono::milliseconds(static_cast<long long>(config.session_ttl_h * 3600.0 * 1000.0));
  o.batch_body_limit = config.batch_body_limit;
  o.admin_cidrs = std::move(admin_cidrs);
  o.pin_digits = static_cast<std::size_t>(config.pin_digits);
  o.default_headers = {{"X-Content-Type-Options", "nosniff"}, {"Referrer-Policy", "no-referrer"}};
  return o;
}

http::ServerOptions ServerOptionsFor(const ServeConfig& config,
                                     std::vector<http::Cidr> trusted_proxies,
                                     const http::DefaultHeaders& default_headers,
                                     http::LimitRefusals& refusals) {
  http::ServerOptions o;
  o.host = config.host;
  o.port = config.port;
  o.threads = static_cast<unsigned>(config.threads);
  o.header_limit = config.header_limit;
  o.default_body_limit = config.body_limit;
  o.header_timeout = std::chrono::seconds(config.header_timeout_s);
  o.idle_timeout = std::chrono::seconds(config.idle_timeout_s);
  o.max_connections = static_cast<std::size_t>(config.max_connections);
  o.trusted_proxies = std::move(trusted_proxies);
  o.default_headers = default_headers;
  if (config.rate_limits == "on") {
    o.max_connections_per_address = static_cast<std::size_t>(config.max_connections_per_address);
    o.max_streams_per_address = static_cast<std::size_t>(config.max_streams_per_address);
  }
  o.refusals = &refusals;
  o.access_log = config.access_log;
  return o;
}

// Redis between the nodes of a cluster (--redis): change announcements and shared limits.
// Both are empty without it.
struct RedisLinks {
  std::unique_ptr<redis::SharedCounts> shared_counts;
  std::unique_ptr<ChangeAnnouncer> announcer;
};

// Starts what --redis asks for; a Redis that is down is not an error (the nodes poll the store
// and limit alone until it is back). Logs why not on a bad URL.
std::optional<RedisLinks> StartRedis(const ServeConfig& config, Writer& writer, const Clock& clock,
                                     http::Metrics& metrics) {
  RedisLinks links;
  if (config.redis.empty()) return links;
  auto counts = redis::SharedCounts::Create(config.redis, clock);
  if (!counts.ok()) {
    spdlog::error("bad --redis: {}", counts.error().detail);
    return std::nullopt;
  }
  links.shared_counts = std::move(counts).value();
  links.shared_counts->Start();
  auto announcer = ChangeAnnouncer::Start(config.redis, writer, clock);
  if (!announcer.ok()) {
    spdlog::error("cannot start the Redis subscriber: {}", announcer.error().detail);
    return std::nullopt;
  }
  links.announcer = std::move(announcer).value();
  metrics.AddCallbackGauge("psm_redis_up", "1 while this node is subscribed to Redis",
                           [a = links.announcer.get()] { return a->connected() ? 1.0 : 0.0; });
  spdlog::info("psm serve: Redis at {} carries changes and shared limits", config.redis);
  return links;
}

StatusOptions StatusOptionsFor(const ServeConfig& config) {
  StatusOptions o;
  o.stale_after = std::chrono::minutes(config.stale_after_min);
  return o;
}

// Opens the worker pool's store connections; logs why not.
bool StartPool(api::BlockingPool& pool) {
  Status st = pool.Start();
  if (!st.ok()) spdlog::error("cannot open the store for the worker pool: {}", st.error().detail);
  return st.ok();
}

// What the writer's callbacks reach, set as the parts they need come to exist.
struct WriterHooks {
  std::atomic<bool>* is_writer = nullptr;  // the API's copy of the role, once ctx exists
  ChangeAnnouncer* announcer = nullptr;    // with --redis, once started
};

WriterOptions WriterOptionsWith(const ServeConfig& config, WriterHooks& hooks,
                                auth::SessionCache& sessions, api::BlockingPool& pool) {
  WriterOptions o = WriterOptionsFor(config);
  o.on_role_change = [&hooks](bool writer) {
    if (hooks.is_writer != nullptr) hooks.is_writer->store(writer);
  };
  o.on_committed = [&hooks](std::int64_t seq) {
    if (hooks.announcer != nullptr) hooks.announcer->Announce(seq);
  };
  o.on_session_changes = [&sessions, &pool](const ChangeBatch& changes) {
    ApplySessionChanges(changes, sessions, pool);
  };
  return o;
}

// Replays the day into the writer, then loads the sessions (after the writer read its place in
// the feed, so a login committed meanwhile is followed); on a cluster, the hub replays from
// there. Logs why not.
bool LoadDay(Writer& writer, const ServeConfig& config, auth::SessionCache& sessions,
             http::SseHub& hub, const Clock& wall_clock) {
  if (!ReplayReports(writer)) return false;
  if (!WarmSessionsFrom(config.store, sessions, wall_clock.Now())) return false;
  if (config.store.rfind("postgres", 0) == 0) {
    hub.SetReplayFloor(static_cast<std::uint64_t>(writer.applied_seq()));
    spdlog::info("psm serve: {} at seq {}",
                 writer.IsWriter() ? "the cluster's writer" : "following the cluster's writer",
                 writer.applied_seq());
  }
  return true;
}

// The node's metrics and the API's view of the role and of Redis; before the writer starts.
void WireNode(api::ApiContext& ctx, Writer& writer, WriterHooks& hooks) {
  ctx.metrics.AddCallbackGauge("psm_writer_queue", "reports waiting for the writer",
                               [&writer] { return static_cast<double>(writer.queued()); });
  ctx.metrics.AddCallbackGauge(
      "psm_store_writable",
      "0 from a commit the store refused (a full disk) until it takes a write again",
      [&writer] { return writer.store_writable() ? 1.0 : 0.0; });
  AddClusterMetrics(ctx.metrics, writer);
  ctx.sessions_changed = [announcer = hooks.announcer, &writer] {
    if (announcer != nullptr) announcer->Announce(writer.applied_seq());
  };
  ctx.is_writer = writer.IsWriter();
  hooks.is_writer = &ctx.is_writer;  // the writer thread calls on_role_change once started
}

// The routes of the API and the web pages; logs why the pages could not be loaded.
bool AddAllRoutes(http::Router& router, api::ApiContext& ctx, const std::string& web_root) {
  api::AddRoutes(router, ctx);
  auto pages = api::LoadStaticFiles(web_root);
  if (!pages.ok()) {
    spdlog::error("cannot load the web pages: {}", pages.error().detail);
    return false;
  }
  if (pages->empty())
    spdlog::warn("no web pages under {}; serving the API only", web_root);
  else
    spdlog::info("{} web files from {}", pages->size(), web_root);
  api::AddStaticRoutes(router, std::move(pages).value());
  return true;
}

// The main thread waits here for a stop signal, meanwhile having the pool re-read the users
// (a user disabled or given other stations with `psm admin` loses their sessions within
// seconds) and forgetting expired sessions. Returns the signal.
int AwaitStopSignal(const sigset_t& stop_signals, api::BlockingPool& pool,
                    auth::SessionCache& sessions, const Clock& wall_clock) {
  int signal = 0;
  for (int ticks = 1; (signal = sigtimedwait(&stop_signals, nullptr, &kUserRecheckTick)) < 0;
       ++ticks) {
    pool.Post([&sessions](Store& s) { RevokeChangedUsers(s, sessions); });
    if (ticks % kSessionPurgeEveryTicks != 0) continue;
    const Instant now = wall_clock.Now();
    sessions.PurgeExpired(now);
    pool.Post([now](Store& s) {
      if (Status st = s.DeleteExpiredSessions(now); !st.ok())
        spdlog::warn("purging expired sessions failed: {}", st.error().detail);
    });
  }
  return signal;
}

}  // namespace

int RunServe(ServeConfig config) {
  SetUpLogging(config.log_level);
  SystemClock system_clock;
  if (Status st = ResolveServeConfig(config, system_clock.Now()); !st.ok()) {
    spdlog::error("{}", st.error().detail);
    return 2;
  }
  auto networks = ClaimNetworks(config);
  if (!networks) return 2;
  const sigset_t stop_signals = BlockStopSignals();

  auth::SessionCache sessions;
  auto district = OpenDistrict(config);
  if (!district) return 1;
  const std::unique_ptr<Clock> clock = PollingDayClock(config);
  http::Metrics metrics;
  http::SseHub hub(HubOptionsAt(system_clock.Now(), district->store->HasChangeFeed()));
  LocalBus bus;
  bus.Subscribe(
      [&hub](const BusEvent& e) { hub.Publish(e.type, e.station, e.ac, *e.data, e.seq); });

  WriterMetrics writer_metrics(metrics);
  Board& board = *district->board;
  api::BlockingPool pool(config.store, kBlockingPoolThreads);
  WriterHooks hooks;
  Writer writer(std::move(district->store), board, bus, *clock, config.day,
                StatusOptionsFor(config), WriterOptionsWith(config, hooks, sessions, pool),
                &writer_metrics);
  if (!LoadDay(writer, config, sessions, hub, system_clock)) return 1;

  http::LimitRefusals refusals(metrics);
  auto redis = StartRedis(config, writer, system_clock, metrics);
  if (!redis) return 1;
  hooks.announcer = redis->announcer.get();
  api::RequestLimits request_limits(RateLimitsFor(config), refusals, system_clock,
                                    redis->shared_counts.get());
  auth::GuessThrottle pin_throttle(system_clock);
  auth::GuessThrottle password_throttle(system_clock, auth::PasswordGuesses());
  if (!StartPool(pool)) return 1;
  api::ApiContext ctx{board,
                      district->electors,
                      writer,
                      *clock,
                      system_clock,
                      hub,
                      metrics,
                      sessions,
                      pin_throttle,
                      password_throttle,
                      request_limits,
                      pool,
                      ApiOptionsFor(config, std::move(networks->admin_cidrs)),
                      std::string(kOpenApiYaml)};
  WireNode(ctx, writer, hooks);
  http::Router router;
  if (!AddAllRoutes(router, ctx, ResolveWebRoot(config.web_root, RunningProgram()).string()))
    return 1;

  writer.Start();
  http::Server server(ServerOptionsFor(config, std::move(networks->trusted_proxies),
                                       ctx.options.default_headers, refusals),
                      router, metrics);
  if (Status st = server.Start(std::move(networks->listen_claim)); !st.ok()) {
    spdlog::error("cannot listen on {}: {}", config.listen, st.error().detail);
    writer.Stop();
    return 1;
  }
  ctx.ready = true;
  LogListening(config, server.Port(), board.size(), district->electors.size());

  const int signal = AwaitStopSignal(stop_signals, pool, sessions, system_clock);
  spdlog::info("psm serve: signal {} received; draining", signal);
  ctx.draining = true;
  server.Stop(kDrainTimeout);  // in-flight reports still reach the running writer
  writer.Stop();               // commits what is queued; its store session, and role, then end
  pool.Stop();
  spdlog::info("psm serve: stopped cleanly");
  return 0;
}

}  // namespace psm::app
