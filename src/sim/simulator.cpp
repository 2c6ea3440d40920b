// RunSimulation: set-up (district, stations, PINs, model, source addresses, silent spells), the
// officer and voter threads, the clock re-sync, progress and silence loop, and the summary.
#include "sim/simulator.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>
#include <thread>
#include <variant>

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
// How often the watch loop wakes to re-sync, announce silences and print progress.
constexpr auto kWatchInterval = std::chrono::milliseconds(100);
// Without --speed: the server's clock is read this often until it moves, for at most this long.
constexpr auto kSpeedProbeInterval = std::chrono::milliseconds(250);
constexpr auto kSpeedProbeLimit = std::chrono::seconds(5);
// A sampled station's wait is checked at a seeded minute of each period of this many minutes.
constexpr int kCheckPeriodMin = 15;
// Salts of the seed, so the plans, the sample and the voters each draw their own numbers.
constexpr std::uint64_t kPlanSeed = 0x5157;
constexpr std::uint64_t kSampleSeed = 0xACC;
constexpr std::uint64_t kVoterSeed = 0x100C;
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

// A failure of a step: the exit code and what to print.
struct Failure {
  int code;
  std::string message;
};

// What the options say once checked: the server, the stop time, the PINs, the source addresses.
struct Checked {
  HttpTarget target;
  std::optional<std::chrono::minutes> until;
  std::map<std::string, std::string> pins;
  SourceChoice choice;
  std::optional<SourceAddresses> sources;
};

std::variant<Checked, Failure> CheckOptions(const SimulateOptions& opts, std::ostream& err) {
  if (opts.threads < 1 || opts.threads > 256) return Failure{2, "--threads must be 1…256"};
  auto target = ParseHttpUrl(opts.url);
  if (!target.ok()) return Failure{2, target.error().detail};
  std::optional<std::chrono::minutes> until;
  if (!opts.until.empty() && !(until = ParseClockTime(opts.until)))
    return Failure{2, "--until must be HH:MM (got \"" + opts.until + "\")"};
  if (opts.silent_after_min < 1) return Failure{2, "--silent-after-min must be at least 1"};
  auto pins = ReadPins(opts.pins_file);
  if (!pins.ok()) return Failure{2, pins.error().detail};
  auto choice = ChooseSourceRange(opts.source_range, target->host);
  if (!choice.ok()) return Failure{2, choice.error().detail};
  if (!choice->note.empty()) err << "psm simulate: " << choice->note << "\n";
  std::optional<SourceAddresses> sources;
  if (choice->range) {
    sources.emplace(*choice->range);
    // Fail now, clearly, rather than on every connection later.
    for (const std::string& a : {sources->ForStation(0), sources->ForVoter(0)}) {
      if (Status st = CheckSourceAddress(a); !st.ok())
        return Failure{2, "--source-range " + choice->range->ToString() + ": " + st.error().detail};
    }
  }
  return Checked{*target, until, std::move(pins).value(), std::move(choice).value(),
                 std::move(sources)};
}

// The whole run: set-up from the server, the officer and voter threads, the watch loop, the
// summary. One object so the steps share its state instead of passing it around.
class Simulation {
 public:
  Simulation(const SimulateOptions& opts, Checked checked, std::ostream& out, std::ostream& err,
             const std::atomic<bool>& cancel)
      : opts_(opts),
        c_(std::move(checked)),
        out_(out),
        err_(err),
        cancel_(cancel),
        http_(c_.target, opts.timeout),
        clock_(opts.speed) {}

  int Run() {
    if (auto failed = ReadDistrict()) return Fail(err_, failed->code, failed->message);
    if (auto failed = ChooseStations()) return Fail(err_, failed->code, failed->message);
    WarnAboutResources();
    SampleForAccuracy();
    if (auto failed = CountAndReadEpics()) return Fail(err_, failed->code, failed->message);
    if (auto failed = LearnSpeed()) return Fail(err_, failed->code, failed->message);
    StartThreads();
    Watch();
    StopThreads();
    return Summarise();
  }

 private:
  std::optional<Failure> ReadDistrict() {
    std::string problem;
    if (!Resync(http_, clock_, &problem))
      return Failure{3, "cannot use the server at " + opts_.url + ": " + problem};
    auto district_res = http_.Request("GET", "/api/v1/district");
    auto stations_res = http_.Request("GET", "/api/v1/stations?limit=5000");
    if (!district_res.ok() || !stations_res.ok() || stations_res->status != 200)
      return Failure{3, "cannot read the district and stations from " + opts_.url};
    auto district = ParseDistrict(district_res->body);
    auto listed = ParseStations(stations_res->body);
    if (!district.ok()) return Failure{3, district.error().detail};
    if (!listed.ok()) return Failure{3, listed.error().detail};
    district_ = std::move(district).value();
    listed_ = std::move(listed).value();
    return std::nullopt;
  }

  // The model: one seeded day per station, keyed by the station id so that choosing other
  // constituencies does not change a station's day.
  std::optional<Failure> ChooseStations() {
    std::size_t without_pin = 0;
    for (const StationInfo& info : listed_) {
      if (!opts_.acs.empty() &&
          std::find(opts_.acs.begin(), opts_.acs.end(), info.ac) == opts_.acs.end())
        continue;
      auto pin = c_.pins.find(info.id);
      if (pin == c_.pins.end()) {
        ++without_pin;
        continue;
      }
      SimStation s{info.id, info.ac, info.electors, pin->second, "", {}, {}, false, 0};
      if (c_.sources) s.source = c_.sources->ForStation(stations_.size());
      const std::uint64_t key = Fnv1a64(info.id);
      s.day = SimulateStation({info.electors, StationSeed(opts_.seed, key)}, opts_.model);
      s.plan = PlanStationReports(s.day, opts_.plan, StationSeed(opts_.seed ^ kPlanSeed, key));
      stations_.push_back(std::move(s));
    }
    if (stations_.empty())
      return Failure{2,
                     "no station to simulate (check --ac and that the pins file is for this "
                     "server)"};
    if (without_pin > 0)
      err_ << "psm simulate: " << without_pin << " stations have no PIN; skipped\n";
    return std::nullopt;
  }

  void WarnAboutResources() {
    const auto& sources = c_.sources;
    if (sources && stations_.size() > sources->officer_count()) {
      err_ << "psm simulate: --source-range " << c_.choice.range->ToString() << " has "
           << sources->officer_count() << " addresses for " << stations_.size()
           << " stations' officers; stations share them round robin\n";
    }
    if (sources && sources->shared()) {
      err_ << "psm simulate: --source-range " << c_.choice.range->ToString()
           << " is a single address: officers and voters share it\n";
    }
    const std::uint64_t files = stations_.size() +
                                kFilesPerWorker * static_cast<std::uint64_t>(opts_.threads) +
                                kOtherFiles;
    if (const std::string short_of = RaiseOpenFileLimit(files); !short_of.empty())
      err_ << "psm simulate: " << short_of << "\n";
  }

  // A seeded sample of stations whose published waits are compared with the true ones.
  void SampleForAccuracy() {
    Rng pick(opts_.seed ^ kSampleSeed);
    std::vector<std::size_t> order(stations_.size());
    for (std::size_t i = 0; i < order.size(); ++i)
      order[i] = i;
    for (std::size_t i = order.size(); i > 1; --i)
      std::swap(order[i - 1], order[pick.Next() % i]);
    sampled_ =
        std::min(stations_.size(), static_cast<std::size_t>(std::max(0, opts_.accuracy_stations)));
    for (std::size_t i = 0; i < sampled_; ++i) {
      stations_[order[i]].sampled = true;
      stations_[order[i]].check_offset = pick.UniformInt(1, kCheckPeriodMin);
    }
  }

  std::optional<Failure> CountAndReadEpics() {
    std::set<std::string> id_set;
    last_send_ = kPollMinutes;
    for (const SimStation& s : stations_) {
      ids_.push_back(s.id);
      id_set.insert(s.id);
      electors_ += s.electors.Total();
      voters_ += s.day.voters.Total();
      for (const PlannedReport& r : s.plan)
        last_send_ = std::max(last_send_, r.send_minute);
    }
    if (opts_.epics_file.empty()) return std::nullopt;
    auto read = ReadEpics(opts_.epics_file, id_set, kMaxEpics, opts_.seed);
    if (!read.ok()) return Failure{2, read.error().detail};
    epics_ = std::move(*read);
    return std::nullopt;
  }

  // Without --speed, a second reading gives the server's speed.
  std::optional<Failure> LearnSpeed() {
    real_start_ = SteadyClock::now();
    std::string problem;
    while (clock_.Speed() <= 0) {
      std::this_thread::sleep_for(kSpeedProbeInterval);
      if (!Resync(http_, clock_, &problem)) return Failure{3, problem};
      if (SteadyClock::now() - real_start_ > kSpeedProbeLimit)
        return Failure{3, "the server's clock does not advance; pass --speed"};
    }
    return std::nullopt;
  }

  void StartThreads() {
    ctx_.clock = &clock_;
    ctx_.opens = district_.opens;
    ctx_.stop_at = c_.until ? district_.day.At(*c_.until)
                            : district_.opens + std::chrono::minutes(last_send_ + 1);
    ctx_.target = c_.target;
    ctx_.timeout = opts_.timeout;
    ctx_.counters = &counters_;
    ctx_.cancel = &cancel_;
    AnnounceStart();
    std::vector<std::vector<SimStation*>> shares(static_cast<std::size_t>(opts_.threads));
    for (std::size_t i = 0; i < stations_.size(); ++i)
      shares[i % shares.size()].push_back(&stations_[i]);
    for (auto& share : shares) {
      if (share.empty()) continue;
      workers_.push_back(std::make_unique<OfficerWorker>(ctx_, std::move(share)));
      ++running_;
      threads_.emplace_back([w = workers_.back().get(), this] {
        w->Run();
        --running_;
      });
    }
    if (opts_.lookups_per_s > 0) {
      VoterOptions voters_opts{c_.target, opts_.timeout, opts_.lookups_per_s,
                               c_.sources ? &*c_.sources : nullptr, opts_.seed ^ kVoterSeed};
      lookup_thread_ = std::thread(RunVoters, voters_opts, std::cref(epics_), std::cref(ids_),
                                   std::ref(counters_), std::cref(lookups_done_));
    }
  }

  void AnnounceStart() {
    const auto offset = district_.day.utc_offset;
    const Instant start = *clock_.Now(SteadyClock::now());
    out_ << "psm simulate: " << stations_.size() << " stations, " << electors_
         << " electors, speed " << clock_.Speed() << "x, server time "
         << FormatLocalTime(start, offset) << ", until " << FormatLocalTime(ctx_.stop_at, offset)
         << ", from "
         << (c_.sources ? "addresses in " + c_.choice.range->ToString() : "the kernel's address")
         << "; a `silent` line for each station left without a queue report for "
         << opts_.silent_after_min << " min while open" << std::endl;
    silence_.emplace(ctx_.opens, offset, start, ctx_.stop_at);
    for (const SimStation& s : stations_)
      silence_->Add(s.id, SilentSpells(s.plan, opts_.silent_after_min));
  }

  // Until the officers are done: re-syncs the clock, announces silent spells, prints progress.
  void Watch() {
    const auto offset = district_.day.utc_offset;
    auto last_progress = SteadyClock::now();
    auto last_sync = last_progress;
    std::string problem;
    while (running_.load() > 0) {
      std::this_thread::sleep_for(kWatchInterval);
      const auto now = SteadyClock::now();
      if (now - last_sync >= kResyncEvery) {
        if (!Resync(http_, clock_, &problem))
          err_ << "psm simulate: re-sync failed: " << problem << "\n";
        last_sync = now;
      }
      if (const auto server_now = clock_.Now(now))
        counters_.silent += silence_->Announce(*server_now, out_);
      if (now - last_progress >= std::chrono::duration<double>(opts_.progress_every_s)) {
        out_ << ProgressLine(FormatLocalTime(*clock_.Now(now), offset), counters_) << std::endl;
        last_progress = now;
      }
    }
  }

  void StopThreads() {
    for (auto& t : threads_)
      t.join();
    lookups_done_ = true;
    if (lookup_thread_.joinable()) lookup_thread_.join();
    end_ = *clock_.Now(SteadyClock::now());
    counters_.silent += silence_->Announce(end_, out_);
    for (const SimStation& s : stations_) {
      for (const PlannedReport& r : s.plan) {
        const Instant due = ctx_.opens + std::chrono::minutes(r.send_minute);
        if (r.dropped && due < ctx_.stop_at && due < end_) ++counters_.dropped;
      }
    }
  }

  int Summarise() {
    RunFacts facts = Facts();
    PrintSummary(out_, facts, counters_);
    if (!opts_.summary_json.empty()) {
      std::ofstream f(opts_.summary_json);
      f << SummaryJson(facts, counters_).dump(2) << "\n";
      if (!f) return Fail(err_, 2, "cannot write " + opts_.summary_json);
    }
    return 0;
  }

  RunFacts Facts() {
    RunFacts facts;
    facts.sim_time = FormatLocalTime(end_, district_.day.utc_offset);
    facts.speed = clock_.Speed();
    facts.real_seconds = std::chrono::duration<double>(SteadyClock::now() - real_start_).count();
    facts.stations = stations_.size();
    facts.sampled_stations = sampled_;
    facts.model_turnout_pct =
        electors_ > 0 ? 100.0 * static_cast<double>(voters_) / static_cast<double>(electors_) : 0;
    for (const auto& w : workers_) {
      facts.unsent += w->Unsent();
      facts.accepted_ids.insert(facts.accepted_ids.end(), w->AcceptedIds().begin(),
                                w->AcceptedIds().end());
    }
    std::sort(facts.accepted_ids.begin(), facts.accepted_ids.end());
    facts.opens = ctx_.opens;
    facts.silent_after_min = opts_.silent_after_min;
    facts.silent = silence_->announced();
    if (auto d = http_.Request("GET", "/api/v1/district"); d.ok() && d->status == 200) {
      const Json j = Json::parse(d->body, nullptr, false);
      if (j.is_object() && j.contains("turnout_pct") && j["turnout_pct"].is_number())
        facts.server_turnout_pct = j["turnout_pct"].get<double>();
    }
    return facts;
  }

  const SimulateOptions& opts_;
  Checked c_;
  std::ostream& out_;
  std::ostream& err_;
  const std::atomic<bool>& cancel_;
  HttpClient http_;
  ServerClock clock_;
  DistrictInfo district_;
  std::vector<StationInfo> listed_;
  std::vector<SimStation> stations_;
  std::size_t sampled_ = 0;
  std::vector<std::string> ids_;
  std::vector<std::string> epics_;
  std::int64_t electors_ = 0, voters_ = 0;
  int last_send_ = kPollMinutes;
  SimCounters counters_;
  SimContext ctx_;
  std::optional<SilenceLog> silence_;
  SteadyClock::time_point real_start_;
  std::vector<std::unique_ptr<OfficerWorker>> workers_;
  std::vector<std::thread> threads_;
  std::atomic<int> running_{0};
  std::atomic<bool> lookups_done_{false};
  std::thread lookup_thread_;
  Instant end_{};
};

}  // namespace

int RunSimulation(const SimulateOptions& opts, std::ostream& out, std::ostream& err,
                  const std::atomic<bool>& cancel) {
  auto checked = CheckOptions(opts, err);
  if (auto* failed = std::get_if<Failure>(&checked))
    return Fail(err, failed->code, failed->message);
  Simulation run(opts, std::move(std::get<Checked>(checked)), out, err, cancel);
  return run.Run();
}

}  // namespace psm::sim
