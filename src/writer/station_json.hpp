// The wire form of a station and its status (ARCHITECTURE §5), rendered once per change.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/model.hpp"

namespace psm {

using Json = nlohmann::ordered_json;

Json CountsJson(const Counts& c);
// A station's wire form, {"id","ac","part","name",…,"electors":{…},"status":{…}} (unknown values
// null, never 0), from StationHead(station), which never changes: only the status is rendered, as
// the writer does for every touched station after every batch.
std::string StationHead(const Station& station);
std::string StationJsonText(const std::string& head, const StationStatus& status);
Json ReportJson(const Report& r);
// ReportJson(r).dump(), byte for byte, written straight into a string: the answer to every
// accepted report is rendered on the writer thread, where nlohmann's tree costs too much.
std::string ReportJsonText(const Report& r);

// One station's timeline, {"queue":[{"men","women","others","total","at"}…],"turnout":[…],
// "events":[{"at","event",…}…]}, kept up to date cheaply: reports appended after the
// last render are rendered alone; only a report landing before already rendered ones (a late
// report) re-renders that timeline. Not thread-safe; the writer keeps one per station.
class TimelineRenderer {
 public:
  std::shared_ptr<const std::string> Render(const std::vector<Report>& queue,
                                            const std::vector<Report>& turnout,
                                            const std::vector<Report>& events);

 private:
  // The rendered items of one timeline, comma-separated, and which reports they are.
  struct Part {
    std::string items;
    std::size_t count = 0;
    std::string last_id;  // id of the last rendered report: it moves if one lands before it
  };
  static void Update(Part& part, const std::vector<Report>& reports,
                     void (*append_item)(std::string&, const Report&));

  Part queue_, turnout_, events_;
};

}  // namespace psm
