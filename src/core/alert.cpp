// Wire and column names of the alert enums.
#include "core/alert.hpp"

#include "core/enum_names.hpp"

namespace psm {
namespace {

constexpr EnumNames<AlertKind, 6> kKinds({{
    {AlertKind::kNoReport, "no_report"},
    {AlertKind::kNotStarted, "not_started"},
    {AlertKind::kLongWait, "long_wait"},
    {AlertKind::kInterrupted, "interrupted"},
    {AlertKind::kTurnoutStalled, "turnout_stalled"},
    {AlertKind::kRejectedReport, "rejected_report"},
}});

constexpr EnumNames<AlertState, 3> kStates({{
    {AlertState::kOpen, "open"},
    {AlertState::kAcknowledged, "acknowledged"},
    {AlertState::kResolved, "resolved"},
}});

}  // namespace

std::string_view ToString(AlertKind k) {
  return kKinds.Name(k);
}

std::string_view ToString(AlertState s) {
  return kStates.Name(s);
}

std::optional<AlertKind> ParseAlertKind(std::string_view s) {
  return kKinds.Parse(s);
}

std::optional<AlertState> ParseAlertState(std::string_view s) {
  return kStates.Parse(s);
}

}  // namespace psm
