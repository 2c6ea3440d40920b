// Fuzzes one officer report as POST /api/v1/stations/{id}/reports reads it: the body parsed as
// JSON, then as a report for the station in the URL. Input: the request body.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/report_parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto station = psm::StationId::Parse("34-112");
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto json = psm::api::ParseJsonBody(body);
  if (!json.ok()) return 0;
  const auto report = psm::api::ParseReport(*json, station);
  // An accepted report names the station of the URL.
  if (report.ok() && report->station != *station) __builtin_trap();
  return 0;
}
