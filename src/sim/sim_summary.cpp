// Progress and summary rendering for `psm simulate`.
#include "sim/sim_summary.hpp"

#include <fmt/format.h>
#include <cmath>
#include <ostream>
#include <set>

namespace psm::sim {
namespace {

double Round(double v, int decimals) {
  const double f = std::pow(10.0, decimals);
  return std::round(v * f) / f;
}

nlohmann::json AccuracyJson(const AccuracyStats& a) {
  return {{"station_times", a.Count()},
          {"mean_abs_error_min", Round(a.MeanAbsError(), 2)},
          {"inside_range_share", Round(a.InsideShare(), 4)},
          {"above_range_share", Round(a.AboveShare(), 4)}};
}

struct SilentCounts {
  std::size_t dropped = 0, late = 0, none_due = 0, stations = 0;
};

SilentCounts CountSilent(const std::vector<StationSpell>& spells) {
  SilentCounts n;
  std::set<std::string> stations;
  for (const StationSpell& s : spells) {
    stations.insert(s.station);
    switch (s.spell.cause) {
      case SilenceCause::kDropped:
        ++n.dropped;
        break;
      case SilenceCause::kLate:
        ++n.late;
        break;
      case SilenceCause::kNoneDue:
        ++n.none_due;
        break;
    }
  }
  n.stations = stations.size();
  return n;
}

nlohmann::json SilentJson(const RunFacts& f) {
  const SilentCounts n = CountSilent(f.silent);
  nlohmann::json list = nlohmann::json::array();
  auto at = [&](int minute) { return FormatRfc3339(f.opens + std::chrono::minutes(minute)); };
  for (const StationSpell& s : f.silent) {
    list.push_back({{"station", s.station},
                    {"from", at(s.spell.from)},
                    {"until", at(s.spell.until)},
                    {"since", at(s.spell.since)},
                    {"cause", ToString(s.spell.cause)},
                    {"end", ToString(s.spell.end)}});
  }
  return {{"after_min", f.silent_after_min},
          {"count", f.silent.size()},
          {"stations", n.stations},
          {"dropped", n.dropped},
          {"late", n.late},
          {"none_due", n.none_due},
          {"spells", list}};
}

}  // namespace

std::string ProgressLine(const std::string& sim_time, const SimCounters& c) {
  return fmt::format(
      "[sim {}] reports sent {} (created {}, repeated {}, rejected {}, duplicates {}/{} repeated) "
      "| look-ups {} (ok {}, 429 {}) | checks {} | silent {} | errors {}",
      sim_time, c.sent.load(), c.created.load(), c.repeated.load(), c.rejected.load(),
      c.dup_repeated.load(), c.dup_sent.load(), c.lookups.load(), c.lookups_ok.load(),
      c.lookups_throttled.load(), c.checks.load(), c.silent.load(),
      c.errors.load() + c.lookups_failed.load());
}

nlohmann::json SummaryJson(const RunFacts& f, const SimCounters& c) {
  nlohmann::json rejections = nlohmann::json::object();
  for (const auto& [reason, n] : c.Rejections())
    rejections[reason] = n;
  return {
      {"sim_time", f.sim_time},
      {"speed", Round(f.speed, 2)},
      {"real_seconds", Round(f.real_seconds, 1)},
      {"stations", f.stations},
      {"reports",
       {{"sent", c.sent.load()},
        {"created", c.created.load()},
        {"repeated", c.repeated.load()},
        {"rejected", c.rejected.load()},
        {"rejections", rejections},
        {"late", c.late.load()},
        {"dropped", c.dropped.load()},
        {"unsent", f.unsent},
        {"throttled", c.throttled.load()},
        {"errors", c.errors.load()},
        {"duplicates_sent", c.dup_sent.load()},
        {"duplicates_repeated", c.dup_repeated.load()},
        {"duplicates_other", c.dup_other.load()},
        {"accepted", f.accepted_ids.size()},
        {"accepted_ids", f.accepted_ids}}},
      {"logins", {{"ok", c.logins.load()}, {"failed", c.login_failures.load()}}},
      {"lookups",
       {{"sent", c.lookups.load()},
        {"ok", c.lookups_ok.load()},
        {"not_found", c.lookups_not_found.load()},
        {"throttled", c.lookups_throttled.load()},
        {"failed", c.lookups_failed.load()}}},
      {"latency_ms",
       {{"reports",
         {{"p50", Round(c.report_latency.Quantile(0.5), 2)},
          {"p99", Round(c.report_latency.Quantile(0.99), 2)},
          {"count", c.report_latency.Count()}}},
        {"reads",
         {{"p50", Round(c.read_latency.Quantile(0.5), 2)},
          {"p99", Round(c.read_latency.Quantile(0.99), 2)},
          {"count", c.read_latency.Count()}}}}},
      {"accuracy",
       {{"sampled_stations", f.sampled_stations},
        {"checks", c.checks.load()},
        {"stale_published", c.checks_stale.load()},
        {"all", AccuracyJson(c.accuracy)},
        {"fresh", AccuracyJson(c.accuracy_fresh)}}},
      {"silent", SilentJson(f)},
      {"turnout",
       {{"model_pct", Round(f.model_turnout_pct, 2)},
        {"server_pct", f.server_turnout_pct < 0 ? nlohmann::json(nullptr)
                                                : nlohmann::json(Round(f.server_turnout_pct, 2))}}},
  };
}

void PrintSummary(std::ostream& out, const RunFacts& f, const SimCounters& c) {
  out << fmt::format("simulated to {} at {:.0f}x in {:.0f} s real, {} stations\n", f.sim_time,
                     f.speed, f.real_seconds, f.stations);
  out << fmt::format(
      "reports: sent {}, created {}, repeated {}, rejected {}, errors {}, late {}, dropped {}, "
      "unsent at stop {}, throttled answers {}\n",
      c.sent.load(), c.created.load(), c.repeated.load(), c.rejected.load(), c.errors.load(),
      c.late.load(), c.dropped.load(), f.unsent, c.throttled.load());
  for (const auto& [reason, n] : c.Rejections())
    out << "  rejected " << reason << ": " << n << "\n";
  out << fmt::format("duplicates: sent {}, answered repeated {}, other {}\n", c.dup_sent.load(),
                     c.dup_repeated.load(), c.dup_other.load());
  out << fmt::format("look-ups: {} (ok {}, not found {}, 429 {}, failed {})\n", c.lookups.load(),
                     c.lookups_ok.load(), c.lookups_not_found.load(), c.lookups_throttled.load(),
                     c.lookups_failed.load());
  out << fmt::format("latency ms: reports p50 {:.2f} p99 {:.2f}; reads p50 {:.2f} p99 {:.2f}\n",
                     c.report_latency.Quantile(0.5), c.report_latency.Quantile(0.99),
                     c.read_latency.Quantile(0.5), c.read_latency.Quantile(0.99));
  out << fmt::format(
      "accuracy ({} stations, {} station-times with a published wait, {} stale): mean abs error "
      "{:.1f} min, true wait inside [low, high] {:.0f} %, above high {:.0f} %; fresh only: "
      "{:.1f} min, {:.0f} %\n",
      f.sampled_stations, c.accuracy.Count(), c.checks_stale.load(), c.accuracy.MeanAbsError(),
      100 * c.accuracy.InsideShare(), 100 * c.accuracy.AboveShare(),
      c.accuracy_fresh.MeanAbsError(), 100 * c.accuracy_fresh.InsideShare());
  const SilentCounts n = CountSilent(f.silent);
  out << fmt::format(
      "silent: {} spells at {} stations without a queue report for {} min while open (a dropped "
      "report {}, a late report {}, none due {}); each is a `silent` line above\n",
      f.silent.size(), n.stations, f.silent_after_min, n.dropped, n.late, n.none_due);
  out << fmt::format("turnout: model {:.1f} %, server {}\n", f.model_turnout_pct,
                     f.server_turnout_pct < 0 ? std::string("unknown")
                                              : fmt::format("{:.1f} %", f.server_turnout_pct));
}

}  // namespace psm::sim
