// Domain types shared by every layer: constituencies, stations, reports and derived status.
// Plain values with no I/O; the JSON wire names live in http/, the SQL columns in store/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"

namespace psm {

struct Counts {
  std::int64_t men = 0;
  std::int64_t women = 0;
  std::int64_t others = 0;
  std::int64_t Total() const { return men + women + others; }
  bool operator==(const Counts&) const = default;
};

struct Constituency {
  int number = 0;        // ECI assembly constituency number, e.g. 34
  std::string name;      // "Jalandhar West"
  std::string reserved;  // "SC", "ST" or "" (general)
  std::string district;  // "Jalandhar"
  bool operator==(const Constituency&) const = default;
};

// A polling station is named by its AC number and part number: "34-112".
struct StationId {
  int ac = 0;
  int part = 0;
  std::string ToString() const;
  // Accepts "AC-PART" with 1–3 digit AC and 1–4 digit part, no leading '+', no spaces.
  static std::optional<StationId> Parse(std::string_view text);
  auto operator<=>(const StationId&) const = default;
};

struct Station {
  StationId id;
  std::string name;      // "Govt. Senior Secondary School, Nakodar, Room 2"
  std::string building;  // "Govt. Senior Secondary School"
  std::string locality;  // "Nakodar"
  double lat = 0;
  double lon = 0;
  Counts electors;
  bool operator==(const Station&) const = default;
};

enum class ReportKind { kQueue, kTurnout, kEvent };

enum class EventKind {
  kPartyArrived,
  kMockPollDone,
  kPollStarted,
  kInterrupted,
  kResumed,
  kPollClosed,
};

std::string_view ToString(ReportKind k);
std::string_view ToString(EventKind k);
std::optional<ReportKind> ParseReportKind(std::string_view s);
std::optional<EventKind> ParseEventKind(std::string_view s);

// One officer report. Which fields matter depends on `kind`:
//   kQueue   → counts = people in line
//   kTurnout → counts = cumulative votes polled
//   kEvent   → event (+ reason for kInterrupted, + voters_in_queue_at_close for kPollClosed)
struct Report {
  std::string id;  // client-generated UUID, lower-case canonical form
  StationId station;
  ReportKind kind = ReportKind::kQueue;
  Instant observed_at{};
  Instant received_at{};  // set by the server; not part of the report's content
  Counts counts;
  EventKind event = EventKind::kPartyArrived;
  std::string reason;
  std::int64_t voters_in_queue_at_close = 0;
  std::string actor;  // who sent it ("officer:34-112"); not part of the content

  // True when two reports carry the same content (ignores received_at and actor). Used for
  // idempotent retries: same id + same content → the stored result; different content → 409.
  bool SameContent(const Report& other) const;
};

enum class PollState { kNotStarted, kOpen, kInterrupted, kClosed };
std::string_view ToString(PollState s);

enum class Trend { kUnknown, kRising, kSteady, kFalling };
std::string_view ToString(Trend t);

struct WaitRange {
  int low = 0;   // minutes
  int high = 0;  // minutes
  bool operator==(const WaitRange&) const = default;
};

// Everything a voter or the control room sees about one station at one moment.
struct StationStatus {
  PollState state = PollState::kNotStarted;
  std::optional<Counts> queue;              // latest queue report, if any
  std::optional<WaitRange> wait;            // only when a queue is known and the poll is open
  std::optional<Counts> votes_polled;       // latest cumulative turnout, if any
  std::optional<double> turnout_pct;        // votes_polled.total / electors.total * 100
  std::optional<Instant> reported_at;       // observed_at of the latest queue report
  std::optional<std::int64_t> age_seconds;  // now - reported_at
  bool stale = false;                       // no queue report for `stale_after`
  Trend trend = Trend::kUnknown;
  double service_rate_per_min = 0;  // the rate the wait was computed from
  std::optional<std::int64_t> voters_in_queue_at_close;
  std::string interruption_reason;  // set while interrupted
};

// Lower-case canonical UUID check: 8-4-4-4-12 hex digits (either case accepted).
bool IsUuid(std::string_view s);
// EPIC number: 3 ASCII letters + 7 digits, e.g. "ABC1234567".
bool IsEpic(std::string_view s);

}  // namespace psm
