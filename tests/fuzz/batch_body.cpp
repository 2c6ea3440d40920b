// Fuzzes POST /api/v1/reports/batch's body: JSON, the "reports" array, then each entry as a
// report that names its own station, and the id a refused entry is answered with.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "api/report_parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto json = psm::api::ParseJsonBody(body);
  if (!json.ok()) return 0;
  const auto reports = psm::api::BatchReports(*json, 1000);  // report_handlers' kMaxBatch
  if (!reports.ok()) return 0;
  const nlohmann::json& items = **reports;
  if (!items.is_array() || items.empty() || items.size() > 1000) __builtin_trap();
  for (const auto& item : items) {
    const auto report = psm::api::ParseReport(item, std::nullopt);
    if (!report.ok()) {
      if (const auto id = item.find("id"); id != item.end() && id->is_string()) (void)id->dump();
    }
  }
  return 0;
}
