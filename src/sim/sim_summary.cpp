// Progress and summary rendering for `psm simulate`.
#include "sim/sim_summary.hpp"

#include <fmt/format.h>
#include <cmath>
#include <ostream>

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

}  // namespace

std::string ProgressLine(const std::string& sim_time, const SimCounters& c) {
  return fmt::format(
      "[sim {}] reports sent {} (created {}, repeated {}, rejected {}, duplicates {}/{} repeated) "
      "| look-ups {} (ok {}, 429 {}) | checks {} | errors {}",
      sim_time, c.sent.load(), c.created.load(), c.repeated.load(), c.rejected.load(),
      c.dup_repeated.load(), c.dup_sent.load(), c.lookups.load(), c.lookups_ok.load(),
      c.lookups_throttled.load(), c.checks.load(), c.errors.load() + c.lookups_failed.load());
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
  out << fmt::format("turnout: model {:.1f} %, server {}\n", f.model_turnout_pct,
                     f.server_turnout_pct < 0 ? std::string("unknown")
                                              : fmt::format("{:.1f} %", f.server_turnout_pct));
}

}  // namespace psm::sim
