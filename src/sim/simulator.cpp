// RunSimulation: set-up (district, stations, PINs, model, source addresses, silent spells), the
// officer and voter threads, the clock re-sync, progress and silence loop, and the summary.
#include "sim/simulator.hpp"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>
#include <thread>

#include "core/fnv.hpp"
#include "core/local_format.hpp"
#include "sim/sim_clock.hpp"
#include "sim/sim_http_client.hpp"
#include "sim/sim_officer.hpp"
#include "sim/sim_open_files.hpp"
#include "sim/sim_rng.hpp"
#include "sim/sim_setup.hpp"
#include "sim/sim_silence_log.hpp"
#include "sim/sim_source_range.hpp"
#include "sim/sim_summary.hpp"
#include "sim/sim_voters.hpp"

namespace psm::sim {
namespace {

using Json = nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

constexpr std::size_t kMaxEpics = 200000;
constexpr auto kResyncEvery = std::chrono::seconds(1);
// Files besides the stations' connections: each worker's loop (epoll, eventfd, timerfd), the
// voters, the set-up connection, the logs.
constexpr std::uint64_t kFilesPerWorker = 3;
constexpr std::uint64_t kOtherFiles = 64;

// Reads the server's `now` once, feeding the clock; false when the server did not answer.
bool Resync(HttpClient& http, ServerClock& clock, std::string* error) {
  const auto t0 = SteadyClock::now();
  auto res = http.Request("GET", "/api/v1/district");
  const auto t1 = SteadyClock::now();
  if (!res.ok()) {
    *error = res.error().detail;
    return false;
  }
  if (res->status != 200) {
    *error = "GET /api/v1/district answered " + std::to_string(res->status);
    return false;
  }
  auto d = ParseDistrict(res->body);
  if (!d.ok()) {
    *error = d.error().detail;
    return false;
  }
  clock.Observe(d->now, t0 + (t1 - t0) / 2);
  return true;
}

int Fail(std::ostream& err, int code, const std::string& message) {
  err << "psm simulate: " << message << "\n";
  return code;
}

}  // namespace

int RunSimulation(const SimulateOptions& opts, std::ostream& out, std::ostream& err,
                  const std::atomic<bool>& cancel) {
  if (opts.threads < 1 || opts.threads > 256) return Fail(err, 2, "--threads must be 1…256");
  auto target = ParseHttpUrl(opts.url);
  if (!target.ok()) return Fail(err, 2, target.error().detail);
  std::optional<std::chrono::minutes> until;
  if (!opts.until.empty() && !(until = ParseClockTime(opts.until))) {
    return Fail(err, 2, "--until must be HH:MM (got \"" + opts.until + "\")");
  }
  if (opts.silent_after_min < 1) return Fail(err, 2, "--silent-after-min must be at least 1");
  auto pins = ReadPins(opts.pins_file);
  if (!pins.ok()) return Fail(err, 2, pins.error().detail);
  auto choice = ChooseSourceRange(opts.source_range, target->host);
  if (!choice.ok()) return Fail(err, 2, choice.error().detail);
  if (!choice->note.empty()) err << "psm simulate: " << choice->note << "\n";
  std::optional<SourceAddresses> sources;
  if (choice->range) {
    sources.emplace(*choice->range);
    // Fail now, clearly, rather than on every connection later.
    for (const std::string& a : {sources->ForStation(0), sources->ForVoter(0)}) {
      if (Status st = CheckSourceAddress(a); !st.ok()) {
        return Fail(err, 2,
                    "--source-range " + choice->range->ToString() + ": " + st.error().detail);
      }
    }
  }

  HttpClient http(*target, opts.timeout);
  ServerClock clock(opts.speed);
  std::string problem;
  if (!Resync(http, clock, &problem)) {
    return Fail(err, 3, "cannot use the server at " + opts.url + ": " + problem);
  }
  auto district_res = http.Request("GET", "/api/v1/district");
  auto stations_res = http.Request("GET", "/api/v1/stations?limit=5000");
  if (!district_res.ok() || !stations_res.ok() || stations_res->status != 200) {
    return Fail(err, 3, "cannot read the district and stations from " + opts.url);
  }
  auto district = ParseDistrict(district_res->body);
  auto listed = ParseStations(stations_res->body);
  if (!district.ok()) return Fail(err, 3, district.error().detail);
  if (!listed.ok()) return Fail(err, 3, listed.error().detail);

  // The model: one seeded day per station, keyed by the station id so that choosing other
  // constituencies does not change a station's day.
  std::vector<SimStation> stations;
  std::size_t without_pin = 0;
  for (const StationInfo& info : *listed) {
    if (!opts.acs.empty() && std::find(opts.acs.begin(), opts.acs.end(), info.ac) == opts.acs.end())
      continue;
    auto pin = pins->find(info.id);
    if (pin == pins->end()) {
      ++without_pin;
      continue;
    }
    SimStation s{info.id, info.ac, info.electors, pin->second, "", {}, {}, false, 0};
    if (sources) s.source = sources->ForStation(stations.size());
    const std::uint64_t key = Fnv1a64(info.id);
    s.day = SimulateStation({info.electors, StationSeed(opts.seed, key)}, opts.model);
    s.plan = PlanStationReports(s.day, opts.plan, StationSeed(opts.seed ^ 0x5157, key));
    stations.push_back(std::move(s));
  }
  if (stations.empty()) {
    return Fail(err, 2,
                "no station to simulate (check --ac and that the pins file is for this server)");
  }
  if (without_pin > 0) err << "psm simulate: " << without_pin << " stations have no PIN; skipped\n";
  if (sources && stations.size() > sources->officer_count()) {
    err << "psm simulate: --source-range " << choice->range->ToString() << " has "
        << sources->officer_count() << " addresses for " << stations.size()
        << " stations' officers; stations share them round robin\n";
  }
  if (sources && sources->shared()) {
    err << "psm simulate: --source-range " << choice->range->ToString()
        << " is a single address: officers and voters share it\n";
  }
  const std::uint64_t files =
      stations.size() + kFilesPerWorker * static_cast<std::uint64_t>(opts.threads) + kOtherFiles;
  if (const std::string short_of = RaiseOpenFileLimit(files); !short_of.empty()) {
    err << "psm simulate: " << short_of << "\n";
  }

  Rng pick(opts.seed ^ 0xACC);
  std::vector<std::size_t> order(stations.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  for (std::size_t i = order.size(); i > 1; --i)
    std::swap(order[i - 1], order[pick.Next() % i]);
  const std::size_t sampled =
      std::min(stations.size(), static_cast<std::size_t>(std::max(0, opts.accuracy_stations)));
  for (std::size_t i = 0; i < sampled; ++i) {
    stations[order[i]].sampled = true;
    stations[order[i]].check_offset = pick.UniformInt(1, 15);
  }

  std::vector<std::string> ids;
  std::set<std::string> id_set;
  std::int64_t electors = 0, voters = 0;
  int last_send = kPollMinutes;
  SimCounters counters;
  for (const SimStation& s : stations) {
    ids.push_back(s.id);
    id_set.insert(s.id);
    electors += s.electors.Total();
    voters += s.day.voters.Total();
    for (const PlannedReport& r : s.plan)
      last_send = std::max(last_send, r.send_minute);
  }
  std::vector<std::string> epics;
  if (!opts.epics_file.empty()) {
    auto read = ReadEpics(opts.epics_file, id_set, kMaxEpics, opts.seed);
    if (!read.ok()) return Fail(err, 2, read.error().detail);
    epics = std::move(*read);
  }

  // Without --speed, a second reading gives the server's speed.
  const auto real_start = SteadyClock::now();
  while (clock.Speed() <= 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    if (!Resync(http, clock, &problem)) return Fail(err, 3, problem);
    if (SteadyClock::now() - real_start > std::chrono::seconds(5)) {
      return Fail(err, 3, "the server's clock does not advance; pass --speed");
    }
  }

  SimContext ctx;
  ctx.clock = &clock;
  ctx.opens = district->opens;
  ctx.stop_at =
      until ? district->day.At(*until) : district->opens + std::chrono::minutes(last_send + 1);
  ctx.target = *target;
  ctx.timeout = opts.timeout;
  ctx.counters = &counters;
  ctx.cancel = &cancel;
  const auto offset = district->day.utc_offset;
  const Instant start = *clock.Now(SteadyClock::now());
  out << "psm simulate: " << stations.size() << " stations, " << electors << " electors, speed "
      << clock.Speed() << "x, server time " << FormatLocalTime(start, offset) << ", until "
      << FormatLocalTime(ctx.stop_at, offset) << ", from "
      << (sources ? "addresses in " + choice->range->ToString() : "the kernel's address")
      << "; a `silent` line for each station left without a queue report for "
      << opts.silent_after_min << " min while open" << std::endl;
  SilenceLog silence(ctx.opens, offset, start, ctx.stop_at);
  for (const SimStation& s : stations)
    silence.Add(s.id, SilentSpells(s.plan, opts.silent_after_min));

  std::vector<std::vector<SimStation*>> shares(static_cast<std::size_t>(opts.threads));
  for (std::size_t i = 0; i < stations.size(); ++i) {
    shares[i % shares.size()].push_back(&stations[i]);
  }
  std::vector<std::unique_ptr<OfficerWorker>> workers;
  std::vector<std::thread> threads;
  std::atomic<int> running{0};
  for (auto& share : shares) {
    if (share.empty()) continue;
    workers.push_back(std::make_unique<OfficerWorker>(ctx, std::move(share)));
    ++running;
    threads.emplace_back([w = workers.back().get(), &running] {
      w->Run();
      --running;
    });
  }
  std::atomic<bool> lookups_done{false};
  std::thread lookup_thread;
  if (opts.lookups_per_s > 0) {
    VoterOptions voters_opts{*target, opts.timeout, opts.lookups_per_s,
                             sources ? &*sources : nullptr, opts.seed ^ 0x100C};
    lookup_thread = std::thread(RunVoters, voters_opts, std::cref(epics), std::cref(ids),
                                std::ref(counters), std::cref(lookups_done));
  }

  auto last_progress = SteadyClock::now();
  auto last_sync = last_progress;
  while (running.load() > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const auto now = SteadyClock::now();
    if (now - last_sync >= kResyncEvery) {
      if (!Resync(http, clock, &problem))
        err << "psm simulate: re-sync failed: " << problem << "\n";
      last_sync = now;
    }
    if (const auto server_now = clock.Now(now)) {
      counters.silent += silence.Announce(*server_now, out);
    }
    if (now - last_progress >= std::chrono::duration<double>(opts.progress_every_s)) {
      out << ProgressLine(FormatLocalTime(*clock.Now(now), offset), counters) << std::endl;
      last_progress = now;
    }
  }
  for (auto& t : threads)
    t.join();
  lookups_done = true;
  if (lookup_thread.joinable()) lookup_thread.join();
  const Instant end = *clock.Now(SteadyClock::now());
  counters.silent += silence.Announce(end, out);
  for (const SimStation& s : stations) {
    for (const PlannedReport& r : s.plan) {
      const Instant due = ctx.opens + std::chrono::minutes(r.send_minute);
      if (r.dropped && due < ctx.stop_at && due < end) ++counters.dropped;
    }
  }

  RunFacts facts;
  facts.sim_time = FormatLocalTime(end, offset);
  facts.speed = clock.Speed();
  facts.real_seconds = std::chrono::duration<double>(SteadyClock::now() - real_start).count();
  facts.stations = stations.size();
  facts.sampled_stations = sampled;
  facts.model_turnout_pct =
      electors > 0 ? 100.0 * static_cast<double>(voters) / static_cast<double>(electors) : 0;
  for (const auto& w : workers) {
    facts.unsent += w->Unsent();
    facts.accepted_ids.insert(facts.accepted_ids.end(), w->AcceptedIds().begin(),
                              w->AcceptedIds().end());
  }
  std::sort(facts.accepted_ids.begin(), facts.accepted_ids.end());
  facts.opens = ctx.opens;
  facts.silent_after_min = opts.silent_after_min;
  facts.silent = silence.announced();
  if (auto d = http.Request("GET", "/api/v1/district"); d.ok() && d->status == 200) {
    const Json j = Json::parse(d->body, nullptr, false);
    if (j.is_object() && j.contains("turnout_pct") && j["turnout_pct"].is_number()) {
      facts.server_turnout_pct = j["turnout_pct"].get<double>();
    }
  }
  PrintSummary(out, facts, counters);
  if (!opts.summary_json.empty()) {
    std::ofstream f(opts.summary_json);
    f << SummaryJson(facts, counters).dump(2) << "\n";
    if (!f) return Fail(err, 2, "cannot write " + opts.summary_json);
  }
  return 0;
}

}  // namespace psm::sim
