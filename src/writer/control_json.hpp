// The wire form of the control room's objects: alerts and turnout unlocks.
#pragma once

#include "core/alert.hpp"
#include "store/store.hpp"
#include "writer/station_json.hpp"

namespace psm {

// {"id","station","ac","kind","state","opened_at","acknowledged_by","acknowledged_at",
//  "resolved_at","detail"}; absent times and names are null. `for_public` (the SSE stream, which
// anyone may read) leaves out "detail" and "acknowledged_by": the control room reads those from
// GET /api/v1/alerts with its token.
Json AlertJson(const Alert& a, bool for_public = false);

// {"id","station","opened_at","opened_by","reason","closed_at","report_id"}
Json UnlockJson(const TurnoutUnlock& u);

}  // namespace psm
