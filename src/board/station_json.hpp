// The wire form of a station and its status (ARCHITECTURE §5), rendered once per change.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/model.hpp"

namespace psm {

using Json = nlohmann::ordered_json;

Json CountsJson(const Counts& c);
// {"id","ac","part","name",…,"electors":{…},"status":{…}}. Unknown values are null, never 0.
Json StationJson(const Station& station, const StationStatus& status);
// {"queue":[{"at","men","women","others","total"}…],"turnout":[…],"events":[…]}
Json TimelineJson(const std::vector<Report>& queue, const std::vector<Report>& turnout,
                  const std::vector<Report>& events);
Json ReportJson(const Report& r);

}  // namespace psm
