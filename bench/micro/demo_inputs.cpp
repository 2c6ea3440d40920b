// The shared inputs of the micro-benchmarks; see demo_inputs.hpp.
#include "micro/demo_inputs.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/status_options.hpp"

namespace psm::microbench {
namespace {

std::string ReportId(int n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "6f1c2d3e-4b5a-4c6d-8e7f-%012d", n);
  return buf;
}

void Record(StationLedger& ledger, Report r, int& n) {
  r.id = ReportId(++n);
  r.station = ledger.station().id;
  const Status checked = ledger.Check(r, Ist(11, 0), Day(), StatusOptions{});
  Require(checked.ok(), "a morning report was refused: " +
                            (checked.ok() ? std::string() : checked.error().detail));
  Require(ledger.Apply(r), "a morning report was not applied");
}

Report Event(Instant at, EventKind kind) {
  Report r;
  r.kind = ReportKind::kEvent;
  r.observed_at = at;
  r.event = kind;
  return r;
}

Report WithCounts(ReportKind kind, Instant at, Counts counts) {
  Report r;
  r.kind = kind;
  r.observed_at = at;
  r.counts = counts;
  return r;
}

}  // namespace

const sim::DemoDistrict& District() {
  static const sim::DemoDistrict district = [] {
    auto made = sim::GenerateDemoDistrict(sim::DemoOptions{});
    Require(made.ok(), "the demo district could not be generated");
    return std::move(*made);
  }();
  return district;
}

PollingDay Day() {
  PollingDay day;
  day.date = std::chrono::year(2026) / 11 / 30;
  return day;
}

Instant Ist(int hour, int minute) {
  return Day().At(std::chrono::hours(hour) + std::chrono::minutes(minute));
}

StationLedger MorningLedger(const Station& station) {
  StationLedger ledger(station);
  int n = 0;
  Record(ledger, Event(Ist(6, 0), EventKind::kPartyArrived), n);
  Record(ledger, Event(Ist(6, 30), EventKind::kMockPollDone), n);
  Record(ledger, Event(Ist(7, 0), EventKind::kPollStarted), n);
  const Counts& electors = station.electors;
  for (int minutes = 6 * 60 + 50; minutes <= 10 * 60 + 50; minutes += 10) {
    const std::int64_t wave = 5 + (minutes / 10) % 7;  // a queue that swells and shrinks
    Record(ledger,
           WithCounts(ReportKind::kQueue, Ist(0, minutes), Counts{wave + 3, wave, minutes % 2}), n);
  }
  for (int hour = 8; hour <= 11; ++hour) {
    const std::int64_t pct = 7 * (hour - 7);  // 7 % of each roll an hour
    Record(ledger,
           WithCounts(ReportKind::kTurnout, Ist(hour, 0),
                      Counts{electors.men * pct / 100, electors.women * pct / 100, 0}),
           n);
  }
  return ledger;
}

StationStatus MorningStatus(const Station& station) {
  return MorningLedger(station).Status(Ist(11, 0), StatusOptions{});
}

void Require(bool ok, std::string_view what) {
  if (ok) return;
  std::fprintf(stderr, "microbench: broken: %.*s\n", static_cast<int>(what.size()), what.data());
  std::exit(1);
}

}  // namespace psm::microbench
