// Wire and column names of the alert enums.
#include "core/alert.hpp"

#include "core/enum_names.hpp"

namespace psm {
namespace {

constexpr EnumNames<AlertKind, AlertKind::kStoreUnwritable> kKinds(
    {"no_report", "not_started", "long_wait", "interrupted", "turnout_stalled", "rejected_report",
     "pin_guessing", "store_unwritable"});

constexpr EnumNames<AlertState, AlertState::kResolved> kStates({"open", "acknowledged",
                                                                "resolved"});

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
