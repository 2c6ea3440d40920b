// JSON rendering with a fixed key order so identical states render to identical bytes.
#include "writer/station_json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "core/text.hpp"

namespace psm {

Json CountsJson(const Counts& c) {
  return Json{{"men", c.men}, {"women", c.women}, {"others", c.others}, {"total", c.Total()}};
}

namespace {

void AppendInt(std::string& out, std::int64_t v) {
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  out.append(buf, end);
}

// As nlohmann's dump() writes a double: shortest round-trip digits, ".0" on whole numbers,
// null for NaN and infinities. Plain decimal notation is what it uses between 1e-4 and 1e15,
// which holds every percentage and rate we show; anything else goes through nlohmann itself.
void AppendDouble(std::string& out, double v) {
  const double a = std::fabs(v);
  if (!std::isfinite(v) || a >= 1e15 || (a != 0 && a < 1e-4)) {
    out += Json(v).dump();
    return;
  }
  char buf[40];
  const auto end = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed).ptr;
  out.append(buf, end);
  if (std::find(buf, end, '.') == end) out += ".0";
}

void AppendCounts(std::string& out, const Counts& c) {
  out += "{\"men\":";
  AppendInt(out, c.men);
  out += ",\"women\":";
  AppendInt(out, c.women);
  out += ",\"others\":";
  AppendInt(out, c.others);
  out += ",\"total\":";
  AppendInt(out, c.Total());
  out += '}';
}

template <class T, class F>
void AppendOrNull(std::string& out, const std::optional<T>& v, F&& append) {
  if (v) {
    append(out, *v);
  } else {
    out += "null";
  }
}

void AppendTime(std::string& out, Instant t) {
  AppendJsonString(out, FormatRfc3339(t));
}

// StatusJson(st).dump(), written straight into `out`: it runs for every touched station after
// every batch, where building nlohmann's tree cost more than the rest of the render.
void AppendStatus(std::string& out, const StationStatus& st) {
  out += "{\"state\":";
  AppendJsonString(out, ToString(st.state));
  out += ",\"queue\":";
  AppendOrNull(out, st.queue, AppendCounts);
  out += ",\"wait_minutes\":";
  AppendOrNull(out, st.wait, [](std::string& o, const WaitRange& w) {
    o += "{\"low\":";
    AppendInt(o, w.low);
    o += ",\"high\":";
    AppendInt(o, w.high);
    o += '}';
  });
  out += ",\"votes_polled\":";
  AppendOrNull(out, st.votes_polled, AppendCounts);
  out += ",\"turnout_pct\":";
  AppendOrNull(out, st.turnout_pct, AppendDouble);
  out += ",\"reported_at\":";
  AppendOrNull(out, st.reported_at, AppendTime);
  out += ",\"age_seconds\":";
  AppendOrNull(out, st.age_seconds, AppendInt);
  out += st.stale ? ",\"stale\":true" : ",\"stale\":false";
  out += ",\"trend\":";
  AppendJsonString(out, ToString(st.trend));
  out += ",\"service_rate_per_min\":";
  AppendDouble(out, std::round(st.service_rate_per_min * 100) / 100);
  out += ",\"voters_in_queue_at_close\":";
  AppendOrNull(out, st.voters_in_queue_at_close, AppendInt);
  out += ",\"interruption_reason\":";
  if (st.interruption_reason.empty()) {
    out += "null";
  } else {
    AppendJsonString(out, st.interruption_reason);
  }
  out += '}';
}

Json HeadJson(const Station& s) {
  return Json{
      {"id", s.id.ToString()}, {"ac", s.id.ac},          {"part", s.id.part},
      {"name", s.name},        {"building", s.building}, {"locality", s.locality},
      {"lat", s.lat},          {"lon", s.lon},           {"electors", CountsJson(s.electors)}};
}

}  // namespace

std::string StationHead(const Station& s) {
  std::string head = HeadJson(s).dump();
  head.pop_back();  // the closing brace: the status follows
  return head;
}

std::string StationJsonText(const std::string& head, const StationStatus& st) {
  std::string out;
  out.reserve(head.size() + 480);
  out += head;
  out += ",\"status\":";
  AppendStatus(out, st);
  out += '}';
  return out;
}

Json ReportJson(const Report& r) {
  Json j{{"id", r.id},
         {"station", r.station.ToString()},
         {"kind", ToString(r.kind)},
         {"observed_at", FormatRfc3339(r.observed_at)}};
  switch (r.kind) {
    case ReportKind::kQueue:
      j["queue"] = CountsJson(r.counts);
      break;
    case ReportKind::kTurnout:
      j["votes_polled"] = CountsJson(r.counts);
      break;
    case ReportKind::kEvent:
      j["event"] = ToString(r.event);
      if (r.event == EventKind::kInterrupted) j["reason"] = r.reason;
      if (r.event == EventKind::kPollClosed)
        j["voters_in_queue_at_close"] = r.voters_in_queue_at_close;
      break;
  }
  if (r.received_at.time_since_epoch().count() != 0)
    j["received_at"] = FormatRfc3339(r.received_at);
  return j;
}

namespace {

// One timeline item, {"men",…,"at"} or {"at","event",…}, written straight into `out`.
void AppendCountsItem(std::string& out, const Report& r) {
  AppendCounts(out, r.counts);
  out.pop_back();  // the closing brace: "at" follows
  out += ",\"at\":";
  AppendTime(out, r.observed_at);
  out += '}';
}

// ,"event":…, plus what that event carries: shared by timeline items and stored reports.
void AppendEventFields(std::string& out, const Report& r) {
  out += ",\"event\":";
  AppendJsonString(out, ToString(r.event));
  if (r.event == EventKind::kInterrupted) {
    out += ",\"reason\":";
    AppendJsonString(out, r.reason);
  }
  if (r.event == EventKind::kPollClosed) {
    out += ",\"voters_in_queue_at_close\":";
    AppendInt(out, r.voters_in_queue_at_close);
  }
}

void AppendEventItem(std::string& out, const Report& r) {
  out += "{\"at\":";
  AppendTime(out, r.observed_at);
  AppendEventFields(out, r);
  out += '}';
}

}  // namespace

std::string ReportJsonText(const Report& r) {
  std::string out;
  out.reserve(256);
  out += "{\"id\":";
  AppendJsonString(out, r.id);
  out += ",\"station\":";
  AppendJsonString(out, r.station.ToString());
  out += ",\"kind\":";
  AppendJsonString(out, ToString(r.kind));
  out += ",\"observed_at\":";
  AppendJsonString(out, FormatRfc3339(r.observed_at));
  switch (r.kind) {
    case ReportKind::kQueue:
      out += ",\"queue\":";
      AppendCounts(out, r.counts);
      break;
    case ReportKind::kTurnout:
      out += ",\"votes_polled\":";
      AppendCounts(out, r.counts);
      break;
    case ReportKind::kEvent:
      AppendEventFields(out, r);
      break;
  }
  if (r.received_at.time_since_epoch().count() != 0) {
    out += ",\"received_at\":";
    AppendJsonString(out, FormatRfc3339(r.received_at));
  }
  out += '}';
  return out;
}

void TimelineRenderer::Update(Part& part, const std::vector<Report>& reports,
                              void (*append_item)(std::string&, const Report&)) {
  const bool appended_only = reports.size() >= part.count &&
                             (part.count == 0 || reports[part.count - 1].id == part.last_id);
  if (!appended_only) part = Part{};
  for (std::size_t i = part.count; i < reports.size(); ++i) {
    if (i > 0) part.items += ',';
    append_item(part.items, reports[i]);
  }
  part.count = reports.size();
  part.last_id = reports.empty() ? std::string() : reports.back().id;
}

std::shared_ptr<const std::string> TimelineRenderer::Render(const std::vector<Report>& queue,
                                                            const std::vector<Report>& turnout,
                                                            const std::vector<Report>& events) {
  Update(queue_, queue, AppendCountsItem);
  Update(turnout_, turnout, AppendCountsItem);
  Update(events_, events, AppendEventItem);
  auto out = std::make_shared<std::string>();
  out->reserve(queue_.items.size() + turnout_.items.size() + events_.items.size() + 40);
  *out += "{\"queue\":[";
  *out += queue_.items;
  *out += "],\"turnout\":[";
  *out += turnout_.items;
  *out += "],\"events\":[";
  *out += events_.items;
  *out += "]}";
  return out;
}

}  // namespace psm
