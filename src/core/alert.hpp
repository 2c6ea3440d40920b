// Exception alerts for the control room: what needs a person's attention at which station.
// Plain values with no I/O; the rules that open and resolve them live in alert_rules.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/model.hpp"
#include "core/time.hpp"

namespace psm {

enum class AlertKind {
  kNoReport,        // an open station without a queue report for `no_report_after`
  kNotStarted,      // no poll_started by opening + `not_started_grace` (07:15)
  kLongWait,        // the middle of the estimated wait range above `long_wait`
  kInterrupted,     // an interruption not yet resumed
  kTurnoutStalled,  // a queue standing while votes polled have not moved for `stalled_after`
  kRejectedReport,  // a report refused for a reason that needs a person
  kPinGuessing,     // wrong PINs for the station from several client addresses
  // The store refuses writes (its disk is full, an I/O error): district-wide, so its station is
  // kDistrictWide. Kept in memory only, as the store cannot take it (AlertDesk).
  kStoreUnwritable,
};

// The station of a district-wide alert: no station has AC 0.
inline constexpr StationId kDistrictWide{};

// Kinds opened by an event (a refused report, wrong PINs) rather than derived from a station's
// state: the periodic re-evaluation neither opens nor resolves them.
constexpr bool IsEventDriven(AlertKind k) {
  return k == AlertKind::kRejectedReport || k == AlertKind::kPinGuessing ||
         k == AlertKind::kStoreUnwritable;
}

// open → acknowledged (by whom, when) → resolved (automatically, when the cause is gone).
enum class AlertState { kOpen, kAcknowledged, kResolved };

std::string_view ToString(AlertKind k);
std::string_view ToString(AlertState s);
std::optional<AlertKind> ParseAlertKind(std::string_view s);
std::optional<AlertState> ParseAlertState(std::string_view s);

struct Alert {
  std::int64_t id = 0;  // assigned by AlertTracker, unique for the store's lifetime
  StationId station;
  AlertKind kind = AlertKind::kNoReport;
  AlertState state = AlertState::kOpen;
  Instant opened_at{};
  std::string acknowledged_by;  // "user:alice" once acknowledged
  std::optional<Instant> acknowledged_at;
  std::optional<Instant> resolved_at;
  std::string detail;   // a sentence for the control room
  std::string subject;  // kRejectedReport: the refused report's kind ("turnout", "queue", "event")

  // Open or acknowledged: the cause has not gone yet.
  bool Active() const { return state != AlertState::kResolved; }
  bool operator==(const Alert&) const = default;
};

}  // namespace psm
