// Parses the wire form of officer reports (ARCHITECTURE §5) into core Reports, with a clear
// reason for every refusal. Pure: no clock, no store.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/model.hpp"
#include "core/result.hpp"

namespace psm::api {

// Parses one report object. `station` is the station from the URL, or nullopt for a batch
// entry, which must carry its own "station" field. Errors are kInvalid with a reason such as
// "missing_field" and a detail naming the field.
Result<Report> ParseReport(const nlohmann::json& j, std::optional<StationId> station);

// The "reports" array of a batch body: kInvalid "bad_batch" unless `body` is an object whose
// "reports" is an array of 1 to `max_items` entries. The pointer is into `body`.
Result<const nlohmann::json*> BatchReports(const nlohmann::json& body, std::size_t max_items);

// Parses a request body as JSON; kInvalid reason "malformed_json" with the parser's position.
Result<nlohmann::json> ParseJsonBody(std::string_view body);

}  // namespace psm::api
