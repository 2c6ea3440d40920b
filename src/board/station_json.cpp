// JSON rendering with a fixed key order so identical states render to identical bytes.
#include "board/station_json.hpp"

#include <cmath>

namespace psm {

Json CountsJson(const Counts& c) {
  return Json{{"men", c.men}, {"women", c.women}, {"others", c.others}, {"total", c.Total()}};
}

namespace {

template <class T, class F>
Json OrNull(const std::optional<T>& v, F&& f) {
  return v ? Json(f(*v)) : Json(nullptr);
}

}  // namespace

Json StationJson(const Station& s, const StationStatus& st) {
  Json status{
      {"state", ToString(st.state)},
      {"queue", OrNull(st.queue, CountsJson)},
      {"wait_minutes", OrNull(st.wait,
                              [](const WaitRange& w) {
                                return Json{{"low", w.low}, {"high", w.high}};
                              })},
      {"votes_polled", OrNull(st.votes_polled, CountsJson)},
      {"turnout_pct", OrNull(st.turnout_pct, [](double p) { return p; })},
      {"reported_at", OrNull(st.reported_at, FormatRfc3339)},
      {"age_seconds", OrNull(st.age_seconds, [](std::int64_t a) { return a; })},
      {"stale", st.stale},
      {"trend", ToString(st.trend)},
      {"service_rate_per_min", std::round(st.service_rate_per_min * 100) / 100},
      {"voters_in_queue_at_close",
       OrNull(st.voters_in_queue_at_close, [](std::int64_t v) { return v; })},
      {"interruption_reason",
       st.interruption_reason.empty() ? Json(nullptr) : Json(st.interruption_reason)},
  };
  return Json{{"id", s.id.ToString()},
              {"ac", s.id.ac},
              {"part", s.id.part},
              {"name", s.name},
              {"building", s.building},
              {"locality", s.locality},
              {"lat", s.lat},
              {"lon", s.lon},
              {"electors", CountsJson(s.electors)},
              {"status", std::move(status)}};
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

Json TimelineJson(const std::vector<Report>& queue, const std::vector<Report>& turnout,
                  const std::vector<Report>& events) {
  Json q = Json::array();
  for (const auto& r : queue) {
    Json p = CountsJson(r.counts);
    p["at"] = FormatRfc3339(r.observed_at);
    q.push_back(std::move(p));
  }
  Json t = Json::array();
  for (const auto& r : turnout) {
    Json p = CountsJson(r.counts);
    p["at"] = FormatRfc3339(r.observed_at);
    t.push_back(std::move(p));
  }
  Json e = Json::array();
  for (const auto& r : events) {
    Json p{{"at", FormatRfc3339(r.observed_at)}, {"event", ToString(r.event)}};
    if (r.event == EventKind::kInterrupted) p["reason"] = r.reason;
    if (r.event == EventKind::kPollClosed)
      p["voters_in_queue_at_close"] = r.voters_in_queue_at_close;
    e.push_back(std::move(p));
  }
  return Json{{"queue", std::move(q)}, {"turnout", std::move(t)}, {"events", std::move(e)}};
}

}  // namespace psm
