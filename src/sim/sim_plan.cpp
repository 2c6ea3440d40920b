// Turns a modelled station day into the officer's reports (see sim_plan.hpp).
#include "sim/sim_plan.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

#include "core/enum_names.hpp"
#include "sim/sim_rng.hpp"

namespace psm::sim {
namespace {

constexpr std::array<int, 5> kSlotMinutes = {120, 240, 360, 480, 600};  // 09:00 … 17:00
constexpr std::array<const char*, 3> kReasons = {"EVM fault", "VVPAT not printing",
                                                 "control unit replaced"};

// The state "at" instant t (minutes after opening) is the model's state at the end of t - 1.
int StateIndex(int t) {
  return t - 1;
}

nlohmann::json CountsJson(const GenderCounts& c) {
  return {{"men", c.men}, {"women", c.women}, {"others", c.others}};
}

}  // namespace

std::string SeededUuid(std::uint64_t a, std::uint64_t b) {
  a = (a & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  b = (b & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  char out[37];
  std::snprintf(out, sizeof out, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xFFFF), static_cast<unsigned>(a & 0xFFFF),
                static_cast<unsigned>(b >> 48),
                static_cast<unsigned long long>(b & 0xFFFFFFFFFFFFULL));
  return out;
}

std::string_view ToString(PlannedKind k) {
  static constexpr EnumNames<PlannedKind, PlannedKind::kEvent> kKinds(
      {"queue", "turnout", "event"});
  return kKinds.Name(k);
}

std::vector<PlannedReport> PlanStationReports(const StationDay& day, const PlanOptions& opts,
                                              std::uint64_t seed) {
  Rng rng(seed);
  std::vector<PlannedReport> out;
  auto add = [&](PlannedKind kind, int minute) -> PlannedReport& {
    PlannedReport r;
    const std::uint64_t a = rng.Next();
    r.id = SeededUuid(a, rng.Next());
    r.kind = kind;
    r.observed_minute = r.send_minute = minute;
    out.push_back(std::move(r));
    return out.back();
  };
  auto event = [&](const char* name, int minute) -> PlannedReport& {
    PlannedReport& r = add(PlannedKind::kEvent, minute);
    r.event = name;
    return r;
  };

  event("party_arrived", -60 + rng.UniformInt(-10, 10));
  event("mock_poll_done", -30 + rng.UniformInt(-5, 5));
  event("poll_started", day.open_minute);
  if (day.interruption) {
    event("interrupted", day.interruption->start).reason =
        kReasons[static_cast<std::size_t>(rng.UniformInt(0, kReasons.size() - 1))];
    event("resumed", day.interruption->start + day.interruption->duration);
  }
  const int every = std::max(1, opts.queue_every);
  for (int t = 0; t < kPollMinutes; t += every) {
    add(PlannedKind::kQueue, t).counts = day.QueueByGenderAt(StateIndex(t));
  }
  std::vector<int> turnout_at(kSlotMinutes.begin(), kSlotMinutes.end());
  if (opts.turnout_every > 0) {
    for (int t = day.open_minute + opts.turnout_every; t < kPollMinutes; t += opts.turnout_every)
      turnout_at.push_back(t);
  }
  std::sort(turnout_at.begin(), turnout_at.end());
  turnout_at.erase(std::unique(turnout_at.begin(), turnout_at.end()), turnout_at.end());
  for (int t : turnout_at) {
    add(PlannedKind::kTurnout, t).counts = day.ServedByGenderAt(StateIndex(t));
  }
  event("poll_closed", kPollMinutes).voters_in_queue_at_close = day.QueueAtClose();
  // The final figure, once the last voter in line at the close has voted.
  const int final_at = std::max(kPollMinutes, day.end_minute + 1);
  PlannedReport& final_turnout = add(PlannedKind::kTurnout, final_at);
  final_turnout.counts = day.ServedByGenderAt(day.end_minute);
  const std::size_t final_index = out.size() - 1;

  for (std::size_t i = 0; i < out.size(); ++i) {
    PlannedReport& r = out[i];
    if (r.kind != PlannedKind::kEvent) {
      if (i != final_index && rng.Chance(opts.drop_share)) {
        r.dropped = true;
      } else if (rng.Chance(opts.late_share)) {
        r.late = true;
        r.send_minute = r.observed_minute + rng.UniformInt(5, 40);
      }
    }
    r.duplicate = !r.dropped && rng.Chance(opts.duplicate_share);
  }
  std::stable_sort(out.begin(), out.end(), [](const PlannedReport& a, const PlannedReport& b) {
    return a.send_minute < b.send_minute;
  });
  return out;
}

nlohmann::json ReportBody(const PlannedReport& r, Instant opens) {
  nlohmann::json j = {
      {"id", r.id},
      {"kind", ToString(r.kind)},
      {"observed_at", FormatRfc3339(opens + std::chrono::minutes(r.observed_minute))}};
  switch (r.kind) {
    case PlannedKind::kQueue:
      j["queue"] = CountsJson(r.counts);
      break;
    case PlannedKind::kTurnout:
      j["votes_polled"] = CountsJson(r.counts);
      break;
    case PlannedKind::kEvent:
      j["event"] = r.event;
      if (r.event == "interrupted") j["reason"] = r.reason;
      if (r.event == "poll_closed") j["voters_in_queue_at_close"] = r.voters_in_queue_at_close;
      break;
  }
  return j;
}

}  // namespace psm::sim
