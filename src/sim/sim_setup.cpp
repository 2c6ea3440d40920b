// Parsing of the district, station list, pins file and electors file for the simulator.
#include "sim/sim_setup.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/text.hpp"
#include "sim/sim_rng.hpp"

namespace psm::sim {
namespace {

using Json = nlohmann::json;

Error Bad(const std::string& what) {
  return Error::Invalid("bad_input", what);
}

Result<Instant> TimeField(const Json& j, const char* name) {
  if (!j.is_object() || !j.contains(name) || !j[name].is_string()) {
    return Bad(std::string("missing time field `") + name + "`");
  }
  auto t = ParseRfc3339(j[name].get<std::string>());
  if (!t) return Bad(std::string("field `") + name + "` is not an RFC 3339 time");
  return *t;
}

std::int64_t CountField(const Json& counts, const char* name) {
  return counts.is_object() && counts.contains(name) && counts[name].is_number_integer()
             ? counts[name].get<std::int64_t>()
             : 0;
}

// Splits one CSV line on commas; the simulator's inputs have no quoted commas in the first
// columns it reads. As std::getline splits (which this replaced): a line ending in a comma has no
// empty last cell, and an empty line no cell at all.
std::vector<std::string> Cells(const std::string& line) {
  std::vector<std::string> out;
  for (std::string_view cell : Split(line, ',')) {
    if (cell.ends_with('\r')) cell.remove_suffix(1);
    out.emplace_back(cell);
  }
  if (line.empty() || line.ends_with(',')) out.pop_back();
  return out;
}

}  // namespace

Result<std::chrono::minutes> ParseUtcOffset(const std::string& text) {
  if (text.size() != 6 || (text[0] != '+' && text[0] != '-') || text[3] != ':') {
    return Bad("bad UTC offset \"" + text + "\"");
  }
  const auto hm = ParseClockTime(text.substr(1));
  if (!hm) return Bad("bad UTC offset \"" + text + "\"");
  return text[0] == '-' ? -*hm : *hm;
}

Result<DistrictInfo> ParseDistrict(const std::string& json) {
  const Json j = Json::parse(json, nullptr, false);
  if (!j.is_object() || !j.contains("polling")) return Bad("the district answer is not a District");
  DistrictInfo d;
  auto now = TimeField(j, "now");
  auto opens = TimeField(j["polling"], "opens");
  auto closes = TimeField(j["polling"], "closes");
  if (!now.ok()) return now.error();
  if (!opens.ok()) return opens.error();
  if (!closes.ok()) return closes.error();
  d.now = *now;
  d.opens = *opens;
  d.closes = *closes;
  if (!j.contains("date") || !j["date"].is_string() || !j.contains("utc_offset") ||
      !j["utc_offset"].is_string()) {
    return Bad("the district answer lacks date or utc_offset");
  }
  const auto date = ParseDate(j["date"].get<std::string>());
  auto offset = ParseUtcOffset(j["utc_offset"].get<std::string>());
  if (!date || !offset.ok()) return Bad("bad date or utc_offset in the district answer");
  d.day.date = *date;
  d.day.utc_offset = *offset;
  return d;
}

Result<std::vector<StationInfo>> ParseStations(const std::string& json) {
  const Json j = Json::parse(json, nullptr, false);
  if (!j.is_object() || !j.contains("stations") || !j["stations"].is_array()) {
    return Bad("the station list answer has no `stations` array");
  }
  std::vector<StationInfo> out;
  for (const Json& s : j["stations"]) {
    if (!s.is_object() || !s.contains("id") || !s["id"].is_string() || !s.contains("ac") ||
        !s["ac"].is_number_integer() || !s.contains("electors")) {
      return Bad("a station in the list lacks id, ac or electors");
    }
    StationInfo st;
    st.id = s["id"];
    st.ac = s["ac"];
    st.electors = GenderCounts{CountField(s["electors"], "men"), CountField(s["electors"], "women"),
                               CountField(s["electors"], "others")};
    out.push_back(std::move(st));
  }
  return out;
}

Result<std::map<std::string, std::string>> ReadPins(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Bad("cannot read the pins file " + path);
  std::string line;
  if (!std::getline(in, line) || Cells(line) != std::vector<std::string>{"station_id", "pin"}) {
    return Bad(path + ": the first line must be `station_id,pin`");
  }
  std::map<std::string, std::string> pins;
  int number = 1;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line == "\r") continue;
    const auto cells = Cells(line);
    if (cells.size() != 2 || cells[0].empty() || cells[1].empty()) {
      return Bad(path + ":" + std::to_string(number) + ": expected station_id,pin");
    }
    pins[cells[0]] = cells[1];
  }
  return pins;
}

Result<std::vector<std::string>> ReadEpics(const std::string& path,
                                           const std::set<std::string>& stations, std::size_t max,
                                           std::uint64_t seed) {
  std::ifstream in(path);
  if (!in) return Bad("cannot read the electors file " + path);
  std::string line;
  if (!std::getline(in, line)) return Bad(path + " is empty");
  const auto header = Cells(line);
  std::size_t epic_col = header.size(), station_col = header.size();
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == "epic") epic_col = i;
    if (header[i] == "station_id") station_col = i;
  }
  if (epic_col == header.size() || station_col == header.size()) {
    return Bad(path + ": the header needs `epic` and `station_id` columns");
  }
  // Reservoir sampling: a uniform sample of `max` without holding the whole roll.
  Rng rng(seed);
  std::vector<std::string> out;
  std::uint64_t seen = 0;
  while (std::getline(in, line)) {
    const auto cells = Cells(line);
    if (cells.size() <= std::max(epic_col, station_col)) continue;
    if (!stations.count(cells[station_col])) continue;
    ++seen;
    if (out.size() < max) {
      out.push_back(cells[epic_col]);
    } else if (const auto k = rng.Next() % seen; k < max) {
      out[static_cast<std::size_t>(k)] = cells[epic_col];
    }
  }
  return out;
}

}  // namespace psm::sim
