// Strict parsing: unknown kinds, wrong types and missing fields are refused, never guessed.
#include "api/report_parse.hpp"
#include "api/handler_util.hpp"

#include <algorithm>
#include <limits>

namespace psm::api {
namespace {

using nlohmann::json;

Result<std::int64_t> Count(const json& obj, const char* field, const std::string& where) {
  const auto it = obj.find(field);
  if (it == obj.end())
    return Invalid("missing_field", "\"" + where + "." + field + "\" is required");
  if (!it->is_number_integer())
    return Invalid("bad_count", "\"" + where + "." + field + "\" must be a whole number");
  if (it->is_number_unsigned() &&
      it->get<std::uint64_t>() >
          static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max()))
    return Invalid("bad_count", "\"" + where + "." + field + "\" is too large");
  const auto v = it->get<std::int64_t>();
  if (v < 0)
    return Invalid("negative_count", "\"" + where + "." + field + "\" may not be negative");
  if (v > std::numeric_limits<std::int32_t>::max())
    return Invalid("bad_count", "\"" + where + "." + field + "\" is too large");
  return v;
}

Result<Counts> CountsField(const json& j, const char* name) {
  const auto it = j.find(name);
  if (it == j.end()) return Invalid("missing_field", std::string("\"") + name + "\" is required");
  if (!it->is_object())
    return Invalid("bad_field", std::string("\"") + name + "\" must be an object");
  Counts c;
  for (auto [field, out] : {std::pair{"men", &c.men}, {"women", &c.women}, {"others", &c.others}}) {
    auto v = Count(*it, field, name);
    if (!v.ok()) return v.error();
    *out = *v;
  }
  return c;
}

Result<std::string> StringField(const json& j, const char* name) {
  const auto it = j.find(name);
  if (it == j.end()) return Invalid("missing_field", std::string("\"") + name + "\" is required");
  if (!it->is_string())
    return Invalid("bad_field", std::string("\"") + name + "\" must be a string");
  std::string text = it->get<std::string>();
  // No store keeps a NUL inside text the same way (PostgreSQL cannot hold one at all), and a
  // report that fails in the store fails its whole batch: refused here, alone.
  if (text.find('\0') != std::string::npos)
    return Invalid("bad_field", std::string("\"") + name + "\" must not contain a NUL character");
  return text;
}

}  // namespace

Result<const json*> BatchReports(const json& body, std::size_t max_items) {
  // find() is end() for a body that is not an object.
  const auto it = body.find("reports");
  if (it == body.end() || !it->is_array()) return Invalid("bad_batch", "send {\"reports\":[…]}");
  if (it->empty() || it->size() > max_items)
    return Invalid("bad_batch", "a batch holds 1 to " + std::to_string(max_items) + " reports");
  return &*it;
}

Result<json> ParseJsonBody(std::string_view body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Invalid("malformed_json", "the body is not valid JSON");
  return j;
}

Result<Report> ParseReport(const json& j, std::optional<StationId> station) {
  if (!j.is_object()) return Invalid("bad_report", "a report must be a JSON object");
  Report r;
  auto id = StringField(j, "id");
  if (!id.ok()) return id.error();
  if (!IsUuid(*id)) return Invalid("bad_id", "\"id\" must be a UUID such as 123e4567-e89b-…");
  r.id = *id;
  std::transform(r.id.begin(), r.id.end(), r.id.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });

  if (const auto it = j.find("station"); it != j.end()) {
    if (!it->is_string()) return Invalid("bad_field", "\"station\" must be a string");
    const auto parsed = StationId::Parse(it->get<std::string>());
    if (!parsed) return Invalid("bad_station", "\"station\" must look like 34-112");
    if (station && *parsed != *station)
      return Invalid("station_mismatch", "\"station\" differs from the station in the URL");
    r.station = *parsed;
  } else if (station) {
    r.station = *station;
  } else {
    return Invalid("missing_field", "\"station\" is required in a batch");
  }

  auto kind_text = StringField(j, "kind");
  if (!kind_text.ok()) return kind_text.error();
  const auto kind = ParseReportKind(*kind_text);
  if (!kind) return Invalid("bad_kind", "\"kind\" must be queue, turnout or event");
  r.kind = *kind;

  auto observed = StringField(j, "observed_at");
  if (!observed.ok()) return observed.error();
  const auto at = ParseRfc3339(*observed);
  if (!at) return Invalid("bad_time", "\"observed_at\" must be an RFC 3339 time");
  r.observed_at = *at;

  switch (r.kind) {
    case ReportKind::kQueue: {
      auto c = CountsField(j, "queue");
      if (!c.ok()) return c.error();
      r.counts = *c;
      break;
    }
    case ReportKind::kTurnout: {
      auto c = CountsField(j, "votes_polled");
      if (!c.ok()) return c.error();
      r.counts = *c;
      // Optional: why a correction (a lower value after an admin's unlock) is being sent.
      if (j.contains("reason")) {
        auto reason = StringField(j, "reason");
        if (!reason.ok()) return reason.error();
        if (reason->size() > 500) return Invalid("bad_field", "\"reason\" is too long");
        r.reason = *reason;
      }
      break;
    }
    case ReportKind::kEvent: {
      auto e = StringField(j, "event");
      if (!e.ok()) return e.error();
      const auto ev = ParseEventKind(*e);
      if (!ev)
        return Invalid("bad_event",
                       "\"event\" must be one of party_arrived, mock_poll_done, poll_started, "
                       "interrupted, resumed, poll_closed");
      r.event = *ev;
      if (r.event == EventKind::kInterrupted) {
        auto reason = StringField(j, "reason");
        if (!reason.ok()) return reason.error();
        if (reason->size() > 500) return Invalid("bad_field", "\"reason\" is too long");
        r.reason = *reason;
      }
      if (r.event == EventKind::kPollClosed) {
        auto v = Count(j, "voters_in_queue_at_close", "report");
        if (!v.ok()) return v.error();
        r.voters_in_queue_at_close = *v;
      }
      break;
    }
  }
  return r;
}

}  // namespace psm::api
