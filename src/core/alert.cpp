// Wire and column names of the alert enums.
#include "core/alert.hpp"

#include <array>
#include <utility>

namespace psm {
namespace {

constexpr std::array<std::pair<AlertKind, std::string_view>, 6> kKinds = {{
    {AlertKind::kNoReport, "no_report"},
    {AlertKind::kNotStarted, "not_started"},
    {AlertKind::kLongWait, "long_wait"},
    {AlertKind::kInterrupted, "interrupted"},
    {AlertKind::kTurnoutStalled, "turnout_stalled"},
    {AlertKind::kRejectedReport, "rejected_report"},
}};

constexpr std::array<std::pair<AlertState, std::string_view>, 3> kStates = {{
    {AlertState::kOpen, "open"},
    {AlertState::kAcknowledged, "acknowledged"},
    {AlertState::kResolved, "resolved"},
}};

}  // namespace

std::string_view ToString(AlertKind k) {
  for (const auto& [kind, name] : kKinds) {
    if (kind == k) return name;
  }
  return "unknown";
}

std::string_view ToString(AlertState s) {
  for (const auto& [state, name] : kStates) {
    if (state == s) return name;
  }
  return "unknown";
}

std::optional<AlertKind> ParseAlertKind(std::string_view s) {
  for (const auto& [kind, name] : kKinds) {
    if (name == s) return kind;
  }
  return std::nullopt;
}

std::optional<AlertState> ParseAlertState(std::string_view s) {
  for (const auto& [state, name] : kStates) {
    if (name == s) return state;
  }
  return std::nullopt;
}

}  // namespace psm
