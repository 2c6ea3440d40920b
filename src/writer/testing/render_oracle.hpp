// Test support: the station and timeline JSON built as nlohmann trees, field by field. The writer
// renders the same documents straight into strings; tests and the render micro-benchmark hold
// its output to these trees' dump(), byte for byte.
#pragma once

#include <vector>

#include "core/model.hpp"
#include "writer/station_json.hpp"

namespace psm::testing {

// {"id","ac","part","name",…,"electors":{…},"status":{…}}. Unknown values are null, never 0.
Json StationJson(const Station& station, const StationStatus& status);
// {"queue":[{"men","women","others","total","at"}…],"turnout":[…],"events":[{"at","event",…}…]}
Json TimelineJson(const std::vector<Report>& queue, const std::vector<Report>& turnout,
                  const std::vector<Report>& events);

}  // namespace psm::testing
