// Alerts and unlocks as JSON: times in RFC 3339 UTC, unknown values null, never "".
#include "writer/control_json.hpp"

namespace psm {
namespace {

Json TimeOrNull(const std::optional<Instant>& t) {
  return t ? Json(FormatRfc3339(*t)) : Json(nullptr);
}

}  // namespace

Json AlertJson(const Alert& a, bool for_public) {
  Json j{{"id", a.id},
         {"station", a.station.ToString()},
         {"ac", a.station.ac},
         {"kind", ToString(a.kind)},
         {"state", ToString(a.state)},
         {"opened_at", FormatRfc3339(a.opened_at)},
         {"acknowledged_at", TimeOrNull(a.acknowledged_at)},
         {"resolved_at", TimeOrNull(a.resolved_at)}};
  if (!for_public) {
    j["acknowledged_by"] = a.acknowledged_by.empty() ? Json(nullptr) : Json(a.acknowledged_by);
    j["detail"] = a.detail;
  }
  return j;
}

Json UnlockJson(const TurnoutUnlock& u) {
  return Json{{"id", u.id},
              {"station", u.station.ToString()},
              {"opened_at", FormatRfc3339(u.opened_at)},
              {"opened_by", u.opened_by},
              {"reason", u.reason},
              {"closed_at", TimeOrNull(u.closed_at)},
              {"report_id", u.report_id.empty() ? Json(nullptr) : Json(u.report_id)}};
}

}  // namespace psm
