// Replays a station's plan minute by minute as the server receives it and finds where its
// no_report rule holds (see sim_silence.hpp).
#include "sim/sim_silence.hpp"

#include "core/enum_names.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <optional>

namespace psm::sim {
namespace {

enum class Poll { kNotStarted, kOpen, kInterrupted, kClosed };

struct PollView {
  Poll state = Poll::kNotStarted;
  std::optional<int> started;
};

// The server's event state machine (core/poll_events.hpp) over the events received so far,
// sorted by observed minute; an event the machine refuses is skipped, as the server refuses it.
PollView Fold(const std::vector<const PlannedReport*>& events) {
  PollView v;
  for (const PlannedReport* e : events) {
    if (v.state == Poll::kClosed) break;
    if (e->event == "poll_started" && v.state == Poll::kNotStarted) {
      v.state = Poll::kOpen;
      v.started = e->observed_minute;
    } else if (e->event == "interrupted" && v.state == Poll::kOpen) {
      v.state = Poll::kInterrupted;
    } else if (e->event == "resumed" && v.state == Poll::kInterrupted) {
      v.state = Poll::kOpen;
    } else if (e->event == "poll_closed" &&
               (v.state == Poll::kOpen || v.state == Poll::kInterrupted)) {
      v.state = Poll::kClosed;
    }
  }
  return v;
}

// Why the first queue report observed after `since` was not there at `from`.
void Blame(const std::vector<PlannedReport>& plan, SilentSpell& s) {
  const PlannedReport* next = nullptr;
  for (const PlannedReport& r : plan) {
    if (r.kind != PlannedKind::kQueue || r.observed_minute <= s.since) continue;
    if (!next || r.observed_minute < next->observed_minute) next = &r;
  }
  // Any queue report observed in (since, from] cannot have arrived by `from`, or `since` would
  // be later; so the next one is missing unless it was not yet due.
  if (!next || next->observed_minute > s.from) {
    s.cause = SilenceCause::kNoneDue;
    s.missing = -1;
    return;
  }
  s.cause = next->dropped ? SilenceCause::kDropped : SilenceCause::kLate;
  s.missing = next->observed_minute;
}

std::string LocalClock(Instant opens, int minute, std::chrono::minutes utc_offset) {
  const auto local = std::chrono::floor<std::chrono::minutes>(opens + std::chrono::minutes(minute) +
                                                              utc_offset - Instant{});
  const auto of_day = ((local.count() % 1440) + 1440) % 1440;
  return fmt::format("{:02}:{:02}", of_day / 60, of_day % 60);
}

}  // namespace

std::vector<SilentSpell> SilentSpells(const std::vector<PlannedReport>& plan, int threshold_min) {
  std::vector<SilentSpell> out;
  if (plan.empty()) return out;
  std::vector<const PlannedReport*> by_send;
  for (const PlannedReport& r : plan) {
    if (!r.dropped) by_send.push_back(&r);
  }
  std::stable_sort(by_send.begin(), by_send.end(),
                   [](auto* a, auto* b) { return a->send_minute < b->send_minute; });
  if (by_send.empty()) return out;
  // Without a poll_closed the rule could hold to the end of the polling day (23:50).
  int horizon = kPollMinutes + kMaxOvertimeMinutes;
  for (const PlannedReport* r : by_send)
    horizon = std::max(horizon, r->send_minute + 1);

  std::vector<const PlannedReport*> events;  // received, by observed minute
  std::optional<int> latest_queue;           // the latest observed minute among received ones
  PollView poll;
  std::optional<SilentSpell> spell;
  std::size_t next = 0;
  // Whether the rule holds with what the server has received so far, and since when.
  auto silent_now = [&](int m, int* since) {
    if (poll.state != Poll::kOpen || !poll.started) return false;
    *since = std::max(*poll.started, latest_queue.value_or(*poll.started));
    return m - *since >= threshold_min;
  };
  for (int m = by_send.front()->send_minute; m < horizon; ++m) {
    // The server may look in the very minute a report is due, before the report arrives: a
    // station whose next report comes exactly at the threshold is silent for that instant.
    int since = 0;
    if (!spell && silent_now(m, &since)) {
      spell = SilentSpell{m, m, since, SilenceCause::kDropped, 0, SilenceEnd::kReport};
      Blame(plan, *spell);
    }
    bool events_changed = false;
    for (; next < by_send.size() && by_send[next]->send_minute <= m; ++next) {
      const PlannedReport* r = by_send[next];
      if (r->kind == PlannedKind::kQueue) {
        latest_queue = std::max(latest_queue.value_or(r->observed_minute), r->observed_minute);
      } else if (r->kind == PlannedKind::kEvent) {
        events.insert(std::upper_bound(
                          events.begin(), events.end(), r,
                          [](auto* a, auto* b) { return a->observed_minute < b->observed_minute; }),
                      r);
        events_changed = true;
      }
    }
    if (events_changed) poll = Fold(events);
    const bool silent = silent_now(m, &since);
    if (silent && !spell) {
      spell = SilentSpell{m, m, since, SilenceCause::kDropped, 0, SilenceEnd::kReport};
      Blame(plan, *spell);
    } else if (!silent && spell) {
      spell->until = m;
      spell->end = poll.state == Poll::kClosed        ? SilenceEnd::kClosed
                   : poll.state == Poll::kInterrupted ? SilenceEnd::kInterrupted
                                                      : SilenceEnd::kReport;
      out.push_back(*spell);
      spell.reset();
    }
  }
  if (spell) {
    spell->until = horizon;
    spell->end = SilenceEnd::kDayEnd;
    out.push_back(*spell);
  }
  return out;
}

std::string_view ToString(SilenceCause c) {
  static constexpr EnumNames<SilenceCause, SilenceCause::kNoneDue> kCauses(
      {"dropped", "late", "none_due"});
  return kCauses.Name(c);
}

std::string_view ToString(SilenceEnd e) {
  static constexpr EnumNames<SilenceEnd, SilenceEnd::kDayEnd> kEnds(
      {"report", "interrupted", "closed", "day_end"});
  return kEnds.Name(e);
}

std::string SilenceLine(const std::string& station, const SilentSpell& s, Instant opens,
                        std::chrono::minutes utc_offset) {
  auto at = [&](int minute) { return LocalClock(opens, minute, utc_offset); };
  std::string cause;
  switch (s.cause) {
    case SilenceCause::kDropped:
      cause = "a dropped report";
      break;
    case SilenceCause::kLate:
      cause = "a late report";
      break;
    case SilenceCause::kNoneDue:
      cause = "none due";
      break;
  }
  std::string end;
  switch (s.end) {
    case SilenceEnd::kReport:
      end = "next at " + at(s.until);
      break;
    case SilenceEnd::kInterrupted:
      end = "interrupted at " + at(s.until);
      break;
    case SilenceEnd::kClosed:
      end = "closed at " + at(s.until);
      break;
    case SilenceEnd::kDayEnd:
      end = "no report after it";
      break;
  }
  return fmt::format("silent {} from {}: no queue report since {} ({}; {})", station, at(s.from),
                     at(s.since), cause, end);
}

}  // namespace psm::sim
