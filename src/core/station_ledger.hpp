// StationLedger: one polling station's reports for the polling day, the rules a new report must
// pass against them, and the live status derived from them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/model.hpp"
#include "core/poll_events.hpp"
#include "core/result.hpp"
#include "core/status_options.hpp"
#include "core/time.hpp"

namespace psm {

// A regular copyable value (vectors of reports sorted by observed_at, ties in arrival order). A
// writer tries a batch in place between BeginTrial and KeepTrial/UndoTrial, which costs only the
// batch's reports, not a copy of the day. Not thread-safe: the single writer thread owns
// ledgers; readers get StationStatus values or copies.
class StationLedger {
 public:
  // Counts above this per component cannot be real (the largest station has ~1,500 electors);
  // Apply drops queue/turnout reports carrying them so sums can never overflow.
  static constexpr std::int64_t kMaxCount = 1'000'000'000;

  explicit StationLedger(Station station);

  const Station& station() const { return station_; }

  // Whether `r` may be recorded now. OK, or an Error whose `reason` is a snake_case key and whose
  // `detail` is a sentence for the officer (times in the district's local time):
  //   kInvalid  wrong_station               r.station is not this station
  //   kInvalid  observed_at_not_polling_day observed_at is not on `day` (local calendar date)
  //   kInvalid  observed_at_in_future       observed_at > now + max_future_skew
  //   kInvalid  negative_count              a count or voters_in_queue_at_close below zero
  //   kInvalid  queue_exceeds_electors      a queue (or voters_in_queue_at_close) > electors
  //   kInvalid  turnout_exceeds_electors    votes polled > electors, in total or for men, women
  //                                         or others against that component's electors
  //   kConflict turnout_decreased           below the latest turnout observed at or before it, or
  //                                         above the earliest observed after it (componentwise);
  //                                         the detail names the other report's time and values.
  //                                         Allowed once as a correction (IsCorrection) while a
  //                                         turnout unlock is open
  //   kInvalid  reason_required             a correction without a reason
  //   kInvalid  reason_required             `interrupted` without a reason
  //   kInvalid  unknown_kind/unknown_event  a kind outside the enums
  //   kConflict event_order                 the event, inserted by observed_at, breaks the poll's
  //                                         order (see ReplayEvents), or a queue report is
  //                                         observed after poll_closed, or a poll_closed would
  //                                         come before an already recorded queue report
  // Queue reports before poll_started are fine (queues form before 07:00); turnout reports after
  // poll_closed are fine (final figures come after the close). Pure; does not block.
  psm::Status Check(const Report& r, Instant now, const PollingDay& day,
                    const StatusOptions& opts) const;

  // Records `r` (checked, or replayed from the store at start-up). Never assumes Check ran and
  // never fails hard: returns false and records nothing for a report of another station, a
  // duplicate id, an unknown kind or event, or queue/turnout counts outside [0, kMaxCount].
  // Events that break the order are kept but ignored by the derived state. O(log n) to find the
  // place, plus moving the later reports (none when `r` is the latest).
  bool Apply(const Report& r);

  // Tentative changes. After BeginTrial every Apply is journaled until KeepTrial (the changes
  // stay) or UndoTrial (the ledger is exactly as at BeginTrial again: reports, unlock, poll
  // state). A trial already open is continued, not restarted. Both cost O(reports applied).
  void BeginTrial();
  void KeepTrial();
  void UndoTrial();
  bool in_trial() const { return trial_.has_value(); }

  // The station's status at `now`:
  //   state        from the events (not_started, open, interrupted, closed).
  //   queue, reported_at, age_seconds  from the latest queue report (age clamps at 0).
  //   stale        the poll is not closed, and either a queue is known and its age exceeds
  //                stale_after, or the poll is open, no queue report was ever made and more than
  //                stale_after has passed since poll_started. A closed station is never stale:
  //                no more queue reports are expected (or allowed) after the close.
  //   service_rate_per_min  always computed (EstimateServiceRate).
  //   wait         when a queue is known and the poll is not closed (EstimateWait). Before
  //                poll_started it is the wait counted from the opening.
  //   votes_polled, turnout_pct  latest turnout; pct = total / electors × 100, 2 decimals,
  //                absent when the station has no electors.
  //   trend        EstimateTrend over the queue reports.
  //   voters_in_queue_at_close  from poll_closed; interruption_reason while interrupted.
  StationStatus Status(Instant now, const StatusOptions& opts) const;

  // Timelines, each sorted by observed_at.
  const std::vector<Report>& queue_reports() const { return queue_; }
  const std::vector<Report>& turnout_reports() const { return turnout_; }
  const std::vector<Report>& events() const { return events_; }
  // What the events say (state, start, close, interruption); order violations skipped.
  const PollSummary& poll() const { return poll_; }
  std::optional<Instant> poll_started_at() const { return poll_.started_at; }
  std::optional<Instant> poll_closed_at() const { return poll_.closed_at; }

  // The latest turnout observed at or before `t`, if any.
  std::optional<Counts> TurnoutAtOrBefore(Instant t) const;
  // The latest observed_at of any report (for "minutes since the last report").
  std::optional<Instant> LastReportAt() const;

  // Turnout corrections. An admin's unlock (its store id) lets exactly one lower turnout value
  // in: a turnout report below the latest one, observed at or after it, with a reason. Applying
  // that report closes the unlock; the corrected value is then the base later reports must not
  // go below. Replayed reports never consume an unlock (set open unlocks after the replay).
  void SetTurnoutUnlock(std::optional<std::int64_t> unlock_id) { unlock_ = unlock_id; }
  std::optional<std::int64_t> turnout_unlock() const { return unlock_; }
  // True when `r` is the correction an open unlock admits (reason not checked here).
  bool IsCorrection(const Report& r) const;

 private:
  psm::Status CheckQueue(const Report& r, std::chrono::minutes offset) const;
  psm::Status CheckTurnout(const Report& r, std::chrono::minutes offset) const;
  psm::Status CheckEvent(const Report& r, std::chrono::minutes offset) const;
  std::vector<Report>& TimelineOf(ReportKind kind);

  // What UndoTrial needs: the applied reports (kind and id) and the state Apply may overwrite.
  struct Trial {
    std::vector<std::pair<ReportKind, std::string>> applied;
    PollSummary poll;
    std::optional<std::int64_t> unlock;
  };

  Station station_;
  std::vector<Report> queue_;
  std::vector<Report> turnout_;
  std::vector<Report> events_;
  std::unordered_set<std::string> ids_;  // ids of every recorded report, for Apply's duplicates
  PollSummary poll_;
  std::optional<std::int64_t> unlock_;
  std::optional<Trial> trial_;
};

}  // namespace psm
